"""Background jobs on Huey: the queue, the tasks, the worker.

The queue lives in Redis when KB_REDIS_URL is set (any number of `flask --app wsgi kb worker` processes on any
number of machines), else in a SQLite file (KB_JOBS_FILE, under instance/) that the server and the worker
`make run` starts next to it share: nothing to install. The database stays the source of truth: a job only
says "there is work"; each job reads what is due, claims it with a lease and marks each item done in its own
transaction, so a job lost with a killed worker loses nothing (the periodic sweep, or the next job, finds the
work again) and a job run twice does nothing twice.

Tasks run in an application context of the app that configured the queue (configure()).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

log = logging.getLogger("kb.jobs")

# Tasks are registered on this instance at import; configure() gives it its storage.
huey = Huey("kb", results=False, utc=True, storage_class=MemoryStorage)
_app: Flask | None = None


def configure(app: Flask) -> None:
    """Point the queue at Redis (KB_REDIS_URL) or the SQLite queue file, for this app."""
    global _app
    _app = app
    url = (app.config.get("KB_REDIS_URL") or "").strip()
    if url:
        huey.storage = RedisStorage("kb", url=url)
    elif app.config.get("KB_JOBS_FILE") == ":memory:":
        huey.storage = MemoryStorage("kb")
    else:
        path = Path(app.config["KB_JOBS_FILE"])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage = SqliteStorage("kb", filename=str(path))


def backend() -> str:
    """Where the queue is: redis, sqlite or memory."""
    return {RedisStorage: "redis", SqliteStorage: "sqlite"}.get(type(huey.storage), "memory")


def _in_app(func: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        if _app is None:
            raise RuntimeError("kb.jobs.configure(app) was not called in this process")
        with _app.app_context():
            return func(*args, **kwargs)
    run.__name__, run.__doc__ = func.__name__, func.__doc__
    return run


def enqueue(task: Any, *args: Any) -> bool:
    """Queue a task; a queue that cannot be reached is logged, not raised (the periodic sweep catches up)."""
    try:
        task(*args)
        return True
    except Exception:  # noqa: BLE001  (Redis down, a locked queue file: the sweep will find the work)
        log.exception("cannot queue %s", getattr(task, "name", task))
        return False


class OutboxRunFailed(RuntimeError):
    """The run stopped early (SMTP down, refused TLS or login): Huey retries the job with backoff."""


@huey.task(retries=5, retry_delay=15, retry_backoff=2, name="kb.send_outbox")
@_in_app
def send_outbox() -> dict[str, int]:
    """Deliver the due outbox messages (idempotent: claimed with a lease, each marked in its own transaction)."""
    from kb.services.events import next_outbox_run, send_pending

    report = send_pending(limit=_app.config["KB_OUTBOX_BATCH"] * 20)  # type: ignore[union-attr]
    log.info("outbox: %s", report.counts())
    if report.stopped:
        raise OutboxRunFailed(report.stopped)
    wait = next_outbox_run() if report.configured else None
    if wait is not None:  # messages another (perhaps dead) worker holds, or retries due soon
        send_outbox.schedule(delay=max(1.0, min(wait, 60.0)))
    return report.counts()


@huey.periodic_task(crontab(minute="*"), name="kb.sweep_outbox")
def sweep_outbox() -> None:
    """Every minute: queue a delivery run (what a lost job, a killed worker or a retry left due)."""
    send_outbox()


def after_commit(task: Any) -> None:
    """Queue task once the current transaction has committed (services call this, e.g. when notifying)."""
    from kb.extensions import db

    db.session.info.setdefault("kb_after_commit", set()).add(task)


def _install_commit_hook() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    @event.listens_for(Session, "after_commit")
    def _queue(session: Session) -> None:
        for task in session.info.pop("kb_after_commit", ()):
            enqueue(task)

    @event.listens_for(Session, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop("kb_after_commit", None)


_install_commit_hook()


def run_worker(threads: int, periodic: bool = True) -> None:
    """The consumer: threads workers and the periodic scheduler, until SIGINT (graceful) or SIGTERM."""
    consumer = huey.create_consumer(workers=threads, worker_type="thread", periodic=periodic,
                                    initial_delay=0.1, max_delay=2.0, check_worker_health=True)
    enqueue(send_outbox)  # whatever is due now, without waiting for the first sweep
    consumer.run()


def queue_figures() -> dict[str, Any]:
    """What the queue holds: backend, queued jobs, scheduled (delayed) jobs."""
    return {"backend": backend(), "queued": huey.pending_count(), "scheduled": huey.scheduled_count()}
