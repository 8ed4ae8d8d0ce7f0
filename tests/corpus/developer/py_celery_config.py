# Python: Celery configuration module for a worker fleet
import os

from kombu import Exchange, Queue

broker_url = os.environ.get("CELERY_BROKER_URL", "redis://redis:6379/0")
result_backend = os.environ.get("CELERY_RESULT_BACKEND", "redis://redis:6379/1")
broker_transport_options = {"visibility_timeout": 3600, "fanout_prefix": True}

task_serializer = "json"
result_serializer = "json"
accept_content = ["json"]
timezone = "UTC"
enable_utc = True

task_queues = (
    Queue("default", Exchange("default"), routing_key="default"),
    Queue("emails", Exchange("emails"), routing_key="emails.#"),
    Queue("exports", Exchange("exports"), routing_key="exports.#", queue_arguments={"x-max-priority": 10}),
)
task_routes = {
    "notifications.tasks.send_*": {"queue": "emails"},
    "reports.tasks.export_*": {"queue": "exports"},
}
task_acks_late = True
worker_prefetch_multiplier = 1
worker_max_tasks_per_child = 500
task_soft_time_limit = 300
task_time_limit = 360

beat_schedule = {
    "nightly-export": {"task": "reports.tasks.export_all", "schedule": 60 * 60 * 24},
    "refresh-exchange-rates": {"task": "billing.tasks.refresh_rates", "schedule": 900.0},
}
