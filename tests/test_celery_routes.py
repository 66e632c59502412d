"""Each Celery task goes to its queue (config/settings.py CELERY_TASK_ROUTES), read through Celery's own router
as a sender does: a national export or a webhook backlog never sits in front of the deadline sweep or an alert.
docker-compose.yml runs one worker per queue group and consumes every queue; the embedded run.sh worker (no -Q)
consumes them all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.utils.module_loading import autodiscover_modules

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent
QUEUES = {
    "rhi.deadline_sweep": "deadlines",
    "rhi.send_notification_email": "notifications",
    "rhi.send_manager_digests": "notifications",
    "rhi.notify_handoff": "notifications",
    "rhi.send_invitation_email": "notifications",
    "sharing.deliver_webhook": "webhooks",
    "sharing.webhook_sweep": "webhooks",
    "reporting.run_export": "exports",
    "rhi.generate_report": "exports",
    "missing_episodes.run_import": "exports",
    "missing_episodes.run_care_period_import": "exports",
    "rhi.run_history_import": "exports",
    "missing_episodes.import_sweep": "exports",
    "missing_episodes.end_care_at_eighteen": "celery",
    "api.purge_idempotency_keys": "celery",
    "reporting.refresh_performance_facts": "celery",
}


def queue_of(name: str) -> str:
    route: dict[str, Any] = app.amqp.router.route({}, name)
    return str(route["queue"].name)


def test_each_task_is_sent_to_its_queue() -> None:
    assert {name: queue_of(name) for name in QUEUES} == QUEUES


def test_every_task_the_workers_know_has_its_queue_decided() -> None:
    autodiscover_modules("tasks")
    registered = {name for name in app.tasks if not name.startswith("celery.")}
    assert registered == set(QUEUES)


def _compose_workers() -> dict[str, list[str]]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    workers: dict[str, list[str]] = {}
    for name, service in compose["services"].items():
        command = service.get("command") or []
        if isinstance(command, list) and command[:4] == ["celery", "-A", "config", "worker"]:
            queues = next(arg for arg in command if arg.startswith("--queues="))
            workers[name] = queues.removeprefix("--queues=").split(",")
    return workers


def test_docker_compose_runs_one_worker_per_queue_group_and_every_queue_is_consumed_once() -> None:
    workers = _compose_workers()
    consumed = [queue for queues in workers.values() for queue in queues]
    declared = [queue.name for queue in app.conf.task_queues]
    assert sorted(consumed) == sorted(declared)
    assert workers["worker-deadlines"] == ["deadlines"]
    assert workers["worker-exports"] == ["exports"]
    assert workers["worker-webhooks"] == ["webhooks"]


def test_the_exports_worker_takes_one_long_task_at_a_time() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["worker-exports"]["command"]
    assert "--prefetch-multiplier=1" in command
    assert "--concurrency=1" in command


def test_the_embedded_worker_consumes_every_queue() -> None:
    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    worker_line = next(line for line in run_sh.splitlines() if "-A config worker" in line)
    assert "-Q" not in worker_line and "--queues" not in worker_line
