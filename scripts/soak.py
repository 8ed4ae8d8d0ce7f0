#!/usr/bin/env python3
"""Soak: at least 100 000 mixed requests through the real Envoy + the built wasm, on loopback.

    python3 scripts/soak.py [--requests N | --quick] [--envoy BIN] [--wasm FILE] [--cli FILE]

Starts its own upstream (this script with --serve-upstream: an asyncio HTTP/1.1 server that
answers JSON or SSE and puts the sha256 of the body it received in `x-upstream-body-sha256`)
and its own Envoy (envoy/demo.yaml via tests/e2e/harness.py: kernel-chosen ports, the demo
policy). Client processes with keep-alive connections (HTTP/1.1 content-length, HTTP/1.1
chunked, and HTTP/2 h2c) send a mix of clean, redacted, blocked, malformed and streaming
(`"stream": true`, SSE reply) requests. The expected upstream body of every request is computed
beforehand with the native CLI (`openai-compliance-filter redact --jsonl`, the same core run
outside Envoy), so the soak checks what reached the upstream byte for byte.

Checks (exit 1 if any fails):
- unexpected results (wrong status/code, broken reply, transport error): 0
- upstream bodies that differ from what was expected: 0
- refused requests that reached the upstream anyway: 0
- one audit record per request; no sensitive value in Envoy's output
- the wasm VM's linear memory is flat after warm-up (end - warm-up <= 1 MiB)
Reports requests/s, the VM memory at start / warm-up / middle / end (from /proc/<envoy>/maps,
as bench/run.py reads it), and Envoy's /stats?filter=wasm and /memory.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.client
import json
import multiprocessing as mp
import os
import queue
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

EMAIL_FMT = "soak.user{n}@example.com"
CARD = "4111 1111 1111 1111"
API_KEY_IN_TEXT = "sk-proj-SoakFakeKey0000NotReal0000abcdefghijklmnopqrstuvwxyz0123456789"
FORBIDDEN = ("soak.user", CARD, "4111111111111111", API_KEY_IN_TEXT, API_KEY_IN_TEXT[8:28])
AUTH = "Bearer sk-soak-not-a-real-key"
MAX_SECONDS_DEFAULT = 600

# ---------------------------------------------------------------------------------------------
# The upstream (a separate process: `soak.py --serve-upstream`)


SSE_EVENTS = [
    {"id": "chatcmpl-soak", "object": "chat.completion.chunk", "created": 1, "model": "m",
     "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]},
    {"id": "chatcmpl-soak", "object": "chat.completion.chunk", "created": 1, "model": "m",
     "choices": [{"index": 0, "delta": {"content": "OK."}, "finish_reason": None}]},
    {"id": "chatcmpl-soak", "object": "chat.completion.chunk", "created": 1, "model": "m",
     "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}},
]
SSE_BODY = "".join(f"data: {json.dumps(e)}\n\n" for e in SSE_EVENTS) + "data: [DONE]\n\n"
JSON_REPLY = json.dumps({
    "id": "chatcmpl-soak", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "OK."},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}}).encode()


class Upstream:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                hdrs: dict[str, str] = {}
                for ln in lines[1:]:
                    if ln:
                        k, _, v = ln.partition(":")
                        hdrs[k.strip().lower()] = v.strip()
                if "chunked" in hdrs.get("transfer-encoding", "").lower():
                    body = bytearray()
                    while True:
                        size = int((await reader.readline()).split(b";")[0].strip(), 16)
                        if size == 0:
                            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                                pass
                            break
                        body += await reader.readexactly(size)
                        await reader.readline()
                    body = bytes(body)
                else:
                    body = await reader.readexactly(int(hdrs.get("content-length", "0")))
                if path == "/__soak/ids":
                    out = json.dumps(self.ids).encode()
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                                 b"content-length: %d\r\n\r\n%s" % (len(out), out))
                    await writer.drain()
                    continue
                self.ids.append(hdrs.get("x-soak-id", "?"))
                digest = hashlib.sha256(body).hexdigest().encode()
                if b'"stream":true' in body or b'"stream": true' in body:
                    payload = SSE_BODY.encode()
                    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                                 b"transfer-encoding: chunked\r\nx-upstream-body-sha256: "
                                 + digest + b"\r\n\r\n" + chunked)
                else:
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                                 b"x-upstream-body-sha256: " + digest + b"\r\n"
                                 b"content-length: %d\r\n\r\n%s" % (len(JSON_REPLY), JSON_REPLY))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def main(self) -> None:
        server = await asyncio.start_server(self.handle, "127.0.0.1", 0, backlog=1024)
        print(server.sockets[0].getsockname()[1], flush=True)
        async with server:
            await server.serve_forever()


def serve_upstream() -> int:
    asyncio.run(Upstream().main())
    return 0


# ---------------------------------------------------------------------------------------------
# The request mix


def build_cases(cli: str, policy_file: str, rng: random.Random) -> list[dict]:
    """Distinct request templates with what must happen to each (expected upstream bodies via
    the CLI, checked per request)."""
    words = ["order", "invoice", "weather", "summary", "translate", "poem", "refund", "plan"]
    cases: list[dict] = []

    def chat(text: str, **extra) -> bytes:
        return json.dumps({"model": "gpt-4o-mini", **extra,
                           "messages": [{"role": "system", "content": "Be brief."},
                                        {"role": "user", "content": text}]},
                          separators=(",", ":")).encode()

    for n in range(60):
        w = " ".join(rng.choice(words) for _ in range(rng.randint(3, 40)))
        cases.append({"kind": "clean", "body": chat(f"{w} {n}", temperature=0.5, seed=n)})
        cases.append({"kind": "redacted",
                      "body": chat(f"{w} mail {EMAIL_FMT.format(n=n)} card {CARD} please, ref {n}")})
        cases.append({"kind": "blocked",
                      "body": chat(f"{w} my key is {API_KEY_IN_TEXT} {n}")})
        cases.append({"kind": "stream", "body": chat(
            f"{w} {n}" + (f" mail {EMAIL_FMT.format(n=n)}" if n % 2 else ""),
            stream=True, stream_options={"include_usage": True})})
    malformed = [
        (b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]', None,
         400, "invalid_json"),
        (b'{"model":"a","model":"b","messages":[]}', None, 400, "duplicate_json_key"),
        (b'{"messages":"\\ud800"}', None, 400, "invalid_json"),
        (chat("hello"), "text/plain", 415, "unsupported_content_type"),
        (chat("hello"), "application/json; charset=latin-1", 415, "unsupported_content_type"),
        (b"", None, 400, "invalid_json"),
    ]
    for body, ctype, status, code in malformed:
        cases.append({"kind": "malformed", "body": body, "ctype": ctype or "application/json",
                      "status": status, "code": code})
    for c in cases:
        c.setdefault("ctype", "application/json")
        if c["kind"] == "blocked":
            c["status"], c["code"] = 403, "content_blocked"
    # Expected upstream bodies from the native core.
    fwd = [c for c in cases if c["kind"] in ("clean", "redacted", "stream")]
    out = subprocess.run([cli, "redact", "--policy", policy_file, "--jsonl"],
                         input=b"\n".join(c["body"] for c in fwd) + b"\n",
                         capture_output=True, check=True, timeout=120).stdout
    lines = out.rstrip(b"\n").split(b"\n")
    assert len(lines) == len(fwd), (len(lines), len(fwd))
    for c, line in zip(fwd, lines):
        c["expect_sha"] = hashlib.sha256(line).hexdigest()
        c["status"] = 200
        if c["kind"] == "clean":
            assert line == c["body"], "the CLI changed a clean body"
        else:
            assert b"soak.user" not in line and CARD.encode() not in line
    for c in cases:
        assert "status" in c
    return cases


MIX = ["clean"] * 35 + ["redacted"] * 30 + ["blocked"] * 10 + ["malformed"] * 10 + \
    ["stream"] * 15


# ---------------------------------------------------------------------------------------------
# Client workers (processes; each runs a few threads with keep-alive connections)


def _check(case: dict, status: int, headers: dict[str, str], body: bytes) -> str | None:
    """None if the reply is what `case` must get, else a short description."""
    if status != case["status"]:
        return f"{case['kind']}: status {status} != {case['status']}"
    if status == 200:
        if headers.get("x-upstream-body-sha256") != case["expect_sha"]:
            return "MISMATCH"
        if case["kind"] == "stream":
            if not body.rstrip().endswith(b"data: [DONE]"):
                return "stream: SSE reply did not end with [DONE]"
        elif json.loads(body).get("object") != "chat.completion":
            return f"{case['kind']}: reply is not a chat completion"
        return None
    try:
        err = json.loads(body)["error"]
    except (ValueError, KeyError):
        return f"{case['kind']}: error reply is not OpenAI-shaped"
    if err.get("code") != case["code"]:
        return f"{case['kind']}: code {err.get('code')} != {case['code']}"
    return None


class NoDelayConnection(http.client.HTTPConnection):
    """Keep-alive HTTP/1.1 with TCP_NODELAY (also after http.client reconnects by itself):
    without it a request written in pieces waits out Nagle + delayed ACK (~40 ms)."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class H1Client:
    def __init__(self, port: int, chunked: bool) -> None:
        self.port, self.chunked = port, chunked
        self.conn = NoDelayConnection("127.0.0.1", port, timeout=60)

    def send(self, case: dict, rid: str) -> tuple[int, dict[str, str], bytes]:
        body = case["body"]
        for attempt in (0, 1):
            try:
                c = self.conn
                c.putrequest("POST", "/v1/chat/completions", skip_accept_encoding=True)
                c.putheader("Content-Type", case["ctype"])
                c.putheader("Authorization", AUTH)
                c.putheader("x-soak-id", rid)
                if self.chunked and body:
                    c.putheader("Transfer-Encoding", "chunked")
                    c.endheaders()
                    mid = len(body) // 2
                    c.send(b"".join(b"%x\r\n%s\r\n" % (len(p), p)
                                    for p in (body[:mid], body[mid:]) if p) + b"0\r\n\r\n")
                else:
                    c.putheader("Content-Length", str(len(body)))
                    c.endheaders(body)
                r = c.getresponse()
                data = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if r.will_close:
                    c.close()
                return r.status, hdrs, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # Keep-alive connection closed by Envoy between requests: one retry on a new one.
                self.conn.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")


class H2Client:
    def __init__(self, port: int) -> None:
        from h2client import H2Conn  # tests/e2e/h2client.py
        self.port, self.factory = port, H2Conn
        self.conn = H2Conn("127.0.0.1", port)
        self.used = 0

    def send(self, case: dict, rid: str) -> tuple[int, dict[str, str], bytes]:
        if self.conn.closed or self.used >= 5000:  # stream ids are finite; renew now and then
            self.conn.close()
            self.conn = self.factory("127.0.0.1", self.port)
            self.used = 0
        self.used += 1
        body = case["body"]
        r = self.conn.request("POST", "/v1/chat/completions",
                              [("content-type", case["ctype"]), ("authorization", AUTH),
                               ("x-soak-id", rid), ("content-length", str(len(body)))], body)
        if not r.complete:
            raise ConnectionError(f"h2 stream ended without a complete response: {r}")
        return r.status or 0, r.headers, r.body


def worker(wid: int, port: int, cases: list[dict], n: int, threads: int, seed: int,
           progress, deadline: float, results) -> None:
    by_kind: dict[str, list[dict]] = {}
    for c in cases:
        by_kind.setdefault(c["kind"], []).append(c)
    counts = {"errors": 0, "mismatches": 0, "sent": 0, "error_samples": [], "denied_ids": []}
    lock = threading.Lock()

    def run(tid: int, quota: int) -> None:
        rng = random.Random(seed * 1000 + tid)
        transport = ("h1", "h1-chunked", "h2")[(wid + tid) % 3]
        client = H2Client(port) if transport == "h2" else H1Client(port, transport == "h1-chunked")
        for i in range(quota):
            if time.time() > deadline:
                break
            case = rng.choice(by_kind[rng.choice(MIX)])
            rid = f"{wid}-{tid}-{i}"
            try:
                status, hdrs, body = client.send(case, rid)
                problem = _check(case, status, hdrs, body)
            except Exception as e:  # noqa: BLE001 - every failure is counted and sampled
                problem = f"{transport}: {type(e).__name__}: {e}"[:200]
                client = H2Client(port) if transport == "h2" else \
                    H1Client(port, transport == "h1-chunked")
            with lock:
                counts["sent"] += 1
                if case["status"] != 200:
                    counts["denied_ids"].append(rid)
                if problem == "MISMATCH":
                    counts["mismatches"] += 1
                elif problem:
                    counts["errors"] += 1
                    if len(counts["error_samples"]) < 5:
                        counts["error_samples"].append(f"{transport}: {problem}")
            with progress.get_lock():
                progress.value += 1

    per = [n // threads + (1 if t < n % threads else 0) for t in range(threads)]
    ts = [threading.Thread(target=run, args=(t, per[t])) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    results.put(counts)


# ---------------------------------------------------------------------------------------------
# Driver


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - loopback only
        return r.read().decode()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--quick", action="store_true", help="2 000 requests (CI smoke)")
    ap.add_argument("--envoy", default=str(REPO / ".venv" / "bin" / "envoy"))
    ap.add_argument("--wasm", default=str(REPO / "target" / "wasm32-wasip1" / "release" /
                                          "openai_compliance_filter.wasm"))
    ap.add_argument("--cli", default=str(REPO / "target" / "release" /
                                         "openai-compliance-filter"))
    ap.add_argument("--procs", type=int, default=3, help="client processes")
    ap.add_argument("--threads", type=int, default=3, help="threads (connections) per process")
    ap.add_argument("--max-seconds", type=float, default=MAX_SECONDS_DEFAULT)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--serve-upstream", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_upstream:
        return serve_upstream()
    total = 2000 if args.quick else args.requests

    from harness import Envoy, new_workdir, render_config  # tests/e2e/harness.py
    from wasm_memory import wasm_linear_memories  # scripts/wasm_memory.py

    for what, path in (("envoy", args.envoy), ("wasm", args.wasm), ("cli", args.cli)):
        if not Path(path).exists():
            print(f"soak: {what} not found at {path} (make build venv; cargo build --release "
                  f"--bin openai-compliance-filter)", file=sys.stderr)
            return 2

    work = Path(tempfile.mkdtemp(prefix="ocf-soak-"))
    policy_file = REPO / "envoy" / "policies" / "demo.json"
    cases = build_cases(args.cli, str(policy_file), random.Random(args.seed))
    up = subprocess.Popen([sys.executable, __file__, "--serve-upstream"], stdout=subprocess.PIPE,
                          start_new_session=True)
    assert up.stdout is not None
    up_port = int(up.stdout.readline())
    env = Envoy(args.envoy, render_config(upstream_port=up_port, wasm=Path(args.wasm),
                                          policy=policy_file.read_text()),
                new_workdir(work, "envoy-"), name="soak")
    failures: list[str] = []
    try:
        env.start()
        pid = env.proc.pid  # type: ignore[union-attr]

        def vm_mem() -> int:
            mems = wasm_linear_memories(pid)
            return mems[0] if mems else 0

        mem = {"start": vm_mem()}
        print(f"soak: {total} requests, {args.procs}x{args.threads} connections "
              f"(h1 / h1-chunked / h2), {len(cases)} request templates; Envoy pid {pid}, "
              f"log {env.log_path}", flush=True)
        print("--- /stats?filter=wasm (start)\n" + _get(env.admin + "/stats?filter=wasm").strip())
        progress = mp.Value("l", 0)
        results: mp.Queue = mp.Queue()
        deadline = time.time() + args.max_seconds
        per = [total // args.procs + (1 if p < total % args.procs else 0)
               for p in range(args.procs)]
        procs = [mp.Process(target=worker, args=(p, env.port, cases, per[p], args.threads,
                                                 args.seed + p, progress, deadline, results))
                 for p in range(args.procs)]
        t0 = time.time()
        for p in procs:
            p.start()
        marks = {"warm-up": total // 10, "middle": total // 2}
        last_print = t0
        agg = {"errors": 0, "mismatches": 0, "sent": 0, "error_samples": [], "denied_ids": []}
        collected = 0
        # Drain results while waiting: a worker cannot exit before its queued result is read.
        while collected < len(procs):
            try:
                c = results.get(timeout=0.2)
            except queue.Empty:
                c = None
            if c is not None:
                collected += 1
                for k in agg:
                    agg[k] += c[k]
            done = progress.value
            for name, at in list(marks.items()):
                if done >= at:
                    mem[name] = vm_mem()
                    del marks[name]
            now = time.time()
            if now - last_print > 15:
                last_print = now
                print(f"  {done}/{total} in {now - t0:.0f}s ({done / (now - t0):.0f}/s), "
                      f"VM {vm_mem() / 2**20:.1f} MiB", flush=True)
            if now > deadline + 120 or (c is None and not any(p.is_alive() for p in procs)
                                        and results.empty()):
                failures.append("client workers did not report back")
                break
        elapsed = time.time() - t0
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
        mem["end"] = vm_mem()
        for name in list(marks):
            mem[name] = mem["end"]

        # The upstream's view: refused requests must never have reached it.
        received = set(json.loads(_get(f"http://127.0.0.1:{up_port}/__soak/ids")))
        leaked = [i for i in agg["denied_ids"] if i in received]
        # One audit record per request (on_log runs after the reply; give it a moment).
        deadline_audit = time.time() + 30
        audits = 0
        while time.time() < deadline_audit:
            audits = env.log_bytes().count(b"ocf.audit ")
            if audits >= agg["sent"]:
                break
            time.sleep(0.5)
        log = env.log_text()
        leaks = [v[:4] for v in FORBIDDEN if v in log]

        print("--- /stats?filter=wasm (end)\n" + _get(env.admin + "/stats?filter=wasm").strip())
        print("--- /memory\n" + _get(env.admin + "/memory").strip())
        mib = {k: round(v / 2**20, 2) for k, v in mem.items()}
        print("--- soak result")
        print(f"requests sent:                         {agg['sent']} of {total}")
        print(f"duration:                              {elapsed:.1f} s")
        print(f"requests/s:                            {agg['sent'] / elapsed:.0f}")
        print(f"unexpected results (must be 0):        {agg['errors']}")
        for s in agg["error_samples"]:
            print(f"    e.g. {s}")
        print(f"upstream bodies that differ from what was expected (must be 0): "
              f"{agg['mismatches']}")
        print(f"refused requests that reached the upstream (must be 0): {len(leaked)}")
        print(f"audit records:                         {audits} (requests {agg['sent']})")
        print(f"sensitive values in Envoy's output:    {len(leaks)}")
        print(f"wasm VM linear memory (MiB):           start {mib['start']}, warm-up "
              f"{mib['warm-up']}, middle {mib['middle']}, end {mib['end']}")
        # Evidence from the soak's own log: the CLI's report over Envoy's ocf.audit lines.
        report_dir = work / "report"
        rep = subprocess.run([args.cli, "report", "--period", "hour", "--out-dir",
                              str(report_dir), str(env.log_path)],
                             capture_output=True, text=True, timeout=300)
        report_json = {}
        if rep.returncode == 0:
            report_json = json.loads((report_dir / "report.json").read_text())
        reported = report_json.get("records", 0)
        print(f"report of the log:                     {reported} records, "
              f"{len(report_json.get('policies', []))} policy digest(s), in {report_dir}")
        if agg["sent"] < total:
            failures.append(f"only {agg['sent']} of {total} requests within "
                            f"{args.max_seconds:.0f}s")
        if agg["errors"]:
            failures.append(f"{agg['errors']} unexpected results")
        if agg["mismatches"]:
            failures.append(f"{agg['mismatches']} upstream bodies differ")
        if leaked:
            failures.append(f"{len(leaked)} refused requests reached the upstream")
        if audits != agg["sent"]:
            failures.append(f"{audits} audit records for {agg['sent']} requests")
        if rep.returncode != 0 or reported != audits:
            failures.append(f"the report read {reported} records of {audits}: {rep.stderr[:200]}")
        if leaks:
            failures.append("sensitive values in Envoy's output")
        if mem["end"] - mem["warm-up"] > 1 << 20:
            failures.append("the VM's memory kept growing after warm-up")
        if not env.running:
            failures.append("Envoy died")
    finally:
        env.stop()
        if up.poll() is None:
            os.killpg(up.pid, 15)
            up.wait(timeout=10)
    if failures:
        print("SOAK FAILED: " + "; ".join(failures))
        return 1
    print("SOAK OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
