# Python: asyncio queue consumer with graceful shutdown
import asyncio
import json
import logging
import os
import signal

import aio_pika

log = logging.getLogger("worker")
AMQP_URL = os.environ["AMQP_URL"]
PREFETCH = int(os.getenv("PREFETCH", "16"))


async def handle(message: aio_pika.IncomingMessage) -> None:
    async with message.process(requeue=True):
        event = json.loads(message.body)
        log.info("event %s type=%s attempt=%s", event["id"], event["type"], message.headers.get("x-attempt", 1))
        await asyncio.sleep(0)


async def main() -> None:
    connection = await aio_pika.connect_robust(AMQP_URL, client_properties={"connection_name": "billing-worker"})
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=PREFETCH)
    queue = await channel.declare_queue("billing.events", durable=True, arguments={"x-queue-type": "quorum"})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await queue.consume(handle)
    await stop.wait()
    await connection.close()


if __name__ == "__main__":
    logging.basicConfig(level=os.getenv("LOG_LEVEL", "INFO"))
    asyncio.run(main())
