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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, crontab
from huey.signals import SIGNAL_COMPLETE, SIGNAL_ERROR
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


@huey.task(retries=3, retry_delay=30, retry_backoff=2, name="kb.match_alerts")
@_in_app
def match_alerts(kind: str, record_id: int) -> dict[str, int]:
    """A request or offer was published: alert the organisations whose published records fit it."""
    from kb.services.alerts import alert_for

    report = alert_for(kind, record_id)
    log.info("alerts for %s %s: %s", kind, record_id, report)
    return {"pairs": report.pairs, "users": report.users}


@huey.task(retries=3, retry_delay=30, retry_backoff=2, name="kb.embed_second")
@_in_app
def embed_second(kind: str, record_id: int) -> int:
    """A request or offer was saved with a new text: compute its second embedder's vector (about a quarter of a
    second), store it and append an index change, so every process's catalogue scores its pairs with it.
    Idempotent: a vector already current is not computed again."""
    from kb.services.matching import embed_second as run

    return run(kind, [record_id])


SWEEP_SECOND_BATCH = 60  # records of each kind per sweep: about half a minute of a worker at 4 vectors a second


@huey.periodic_task(crontab(minute="*/5"), name="kb.sweep_second")
@_in_app
def sweep_second() -> dict[str, int]:
    """Every five minutes: second vectors that no job computed (the queue was down at the save, a worker was
    killed, or the second embedder was just switched on), newest records first."""
    from kb.services.matching import embed_second as run

    return {kind: run(kind, limit=SWEEP_SECOND_BATCH) for kind in ("request", "offer")}


@huey.periodic_task(crontab(minute="30"), retries=3, retry_delay=300, name="kb.send_reminders")
@_in_app
def send_reminders() -> dict[str, int]:
    """Every hour: the reminders due (proposed matches unanswered, offers expiring or expired, quiet exchanges,
    requests waiting too long without a proposal)."""
    from kb.services.reminders import send_reminders as run

    report = run()
    log.info("reminders: %s", report)
    return {"matches": report.matches, "offers": report.offers, "exchanges": report.exchanges,
            "requests": report.requests, "users": report.users}


def _digest_time(moment: Any) -> bool:
    hour = _app.config["KB_DIGEST_HOUR"] if _app is not None else 6
    return moment.minute == 0 and moment.hour == hour


@huey.periodic_task(_digest_time, retries=3, retry_delay=300, name="kb.send_digests")
@_in_app
def send_digests() -> dict[str, int]:
    """Every day at KB_DIGEST_HOUR (UTC): each user's daily digest."""
    from kb.services.digests import send_digests as run

    report = run()
    log.info("digests: %s sent, %s notifications, %s failed", report.sent, report.notifications, report.failed)
    if report.stopped:
        raise OutboxRunFailed(report.stopped)
    return {"sent": report.sent, "notifications": report.notifications, "failed": report.failed}


def _weekly_time(moment: Any) -> bool:
    return moment.weekday() == 0 and _digest_time(moment)


@huey.periodic_task(_weekly_time, retries=3, retry_delay=300, name="kb.send_weekly")
@_in_app
def send_weekly() -> dict[str, int]:
    """Every Monday at KB_DIGEST_HOUR (UTC): the weekly digest of new fitting records."""
    from kb.services.digests import send_weekly as run

    report = run()
    log.info("weekly digests: %s sent, %s records", report.sent, report.records)
    if report.stopped:
        raise OutboxRunFailed(report.stopped)
    return {"sent": report.sent, "records": report.records}


def after_commit(task: Any, *args: Any) -> None:
    """Queue task(*args) once the current transaction has committed (services call this, e.g. when notifying)."""
    from kb.extensions import db

    db.session.info.setdefault("kb_after_commit", set()).add((task, args))


def _install_commit_hook() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    @event.listens_for(Session, "after_commit")
    def _queue(session: Session) -> None:
        for task, args in session.info.pop("kb_after_commit", ()):
            enqueue(task, *args)

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


PERIODIC = ("kb.sweep_outbox", "kb.send_reminders", "kb.send_digests", "kb.send_weekly", "kb.sweep_second")
LAST_RUN = "kb.last_run:"


@huey.signal(SIGNAL_COMPLETE, SIGNAL_ERROR)
def _remember_periodic_run(signal: str, task: Any, exc: BaseException | None = None) -> None:
    """Keep, in the queue's own storage, when each periodic job last ended and how (for the admin's page)."""
    if task.name in PERIODIC:
        huey.put(LAST_RUN + task.name, {"at": datetime.now(UTC).isoformat(timespec="seconds"),
                                        "ok": signal == SIGNAL_COMPLETE, "error": None if exc is None else repr(exc)[:500]})


def last_runs() -> dict[str, dict[str, Any] | None]:
    """Each periodic job's last end ({"at", "ok", "error"}), None when it has not run with this queue."""
    return {name: huey.get(LAST_RUN + name, peek=True) for name in PERIODIC}


def queue_figures() -> dict[str, Any]:
    """What the queue holds: backend, queued jobs, scheduled (delayed) jobs."""
    return {"backend": backend(), "queued": huey.pending_count(), "scheduled": huey.scheduled_count()}
