"""The installation page (admin): the matching index, the e-mail outbox, and the versions of what runs.

The outbox is the notifications table (kb/models/audit.py) that `flask kb outbox send` works through; a failed
message can be put back in the queue (retry: pending again, attempts from zero), audited."""
from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from flask_babel import lazy_gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select, text

from kb import permissions
from kb.errors import Conflict, NotFound
from kb.extensions import db
from kb.i18n import N_
from kb.models import Notification, NotificationStatus, User
from kb.services import unit_of_work
from kb.services.audit import record_event
from kb.services.pages import paginate

LIBRARIES = ("flask", "sqlalchemy", "alembic", "flask-smorest", "marshmallow", "flask-babel", "faiss-cpu",
             "sentence-transformers", "torch", "numpy", "gunicorn")


def _require(actor: User | None) -> None:
    permissions.require_administration(actor, permissions.SEE_INSTALLATION)


def index_status(actor: User) -> dict[str, Any]:
    """The matching index of this process: model, counts, revision, staleness (as `flask kb index status`)."""
    from kb.services import matching

    _require(actor)
    return matching.status()


def decision_figures(actor: User) -> dict[str, Any]:
    """Acceptance of suggestions by the band shown and the calibration of the fit, from the judged pairs (what
    `flask kb eval --live` reports besides the ranking's nDCG, which needs a ranking per request)."""
    from kb.services import live_eval

    _require(actor)
    return live_eval.decision_report()


def rebuild_index(actor: User) -> dict[str, Any]:
    """Re-embed what is missing or from another model, reload the index and save a snapshot (as `flask kb index
    rebuild`); audited with the counts."""
    from kb.services import matching

    _require(actor)
    counts = matching.rebuild()
    with unit_of_work():
        record_event(actor, db.session.get(User, actor.id), "rebuild_index", details={"embedded": counts},
                     notify=False)
    return counts


@dataclass
class OutboxFigures:
    """How many messages are in each state."""

    pending: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def outbox_figures(actor: User) -> OutboxFigures:
    """Messages by state."""
    _require(actor)
    rows = db.session.execute(select(Notification.status, func.count()).group_by(Notification.status))
    return OutboxFigures(**{str(status): n for status, n in rows})


def outbox(actor: User, status: str, page: int = 1, per_page: int = 20) -> Pagination:
    """One page of the messages in a state (pending or failed, say), oldest first, with their errors."""
    _require(actor)
    stmt = select(Notification).where(Notification.status == status).order_by(Notification.id)
    return paginate(stmt, page, per_page)


def job_queue(actor: User) -> dict[str, Any]:
    """The job queue next to the outbox (what `flask kb outbox status` prints): backend, queued and scheduled
    jobs, messages a worker holds now, each periodic job's last run; ``error`` when the queue cannot be read."""
    from kb import jobs
    from kb.services.events import outbox_overview

    _require(actor)
    figures: dict[str, Any] = {"backend": jobs.backend(), "claimed": outbox_overview(actor, limit=0).claimed}
    try:
        figures.update(jobs.queue_figures(), last_runs=jobs.last_runs(), error=None)
    except Exception as exc:  # noqa: BLE001  (Redis down, a locked queue file: say so on the page)
        figures.update(queued=None, scheduled=None, last_runs={}, error=str(exc)[:300])
    return figures


def retry(actor: User, notification_id: int) -> Notification:
    """Put a failed message back in the queue: pending, attempts from zero; a delivery job is queued."""
    _require(actor)
    with unit_of_work():
        message = db.session.get(Notification, notification_id)
        if message is None:
            raise NotFound(lazy_gettext("Message %(id)s not found.", id=notification_id))
        if message.status != NotificationStatus.FAILED:
            raise Conflict(N_("Only a failed message can be tried again."))
        details = {"error": message.error, "attempts": message.attempts}
        message.status, message.attempts, message.next_attempt_at = NotificationStatus.PENDING, 0, None
        message.error = None
        record_event(actor, message, "retry", NotificationStatus.FAILED, NotificationStatus.PENDING, details=details,
                     notify=False)
        from kb.jobs import after_commit, send_outbox

        after_commit(send_outbox)  # a worker sends it as soon as the transaction has committed
    return message


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def versions(actor: User) -> dict[str, Any]:
    """kb, Python, key libraries, the database server and the migration the database is at (and the code's head)."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    _require(actor)
    bind = db.session.get_bind()
    dialect = bind.dialect.name
    if dialect == "postgresql":
        server = db.session.scalar(text("SHOW server_version"))
    elif dialect == "sqlite":
        server = db.session.scalar(text("SELECT sqlite_version()"))
    else:
        server = None
    at = sorted(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    heads = sorted(script.get_heads())
    return {"kb": _version("kb") or "", "python": platform.python_version(),
            "libraries": {name: _version(name) for name in LIBRARIES if _version(name)},
            "database": {"dialect": dialect, "server": server},
            "migration": {"database": at, "code": heads, "current": at == heads}}
