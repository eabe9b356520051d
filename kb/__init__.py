"""Knowledge Bank for South-South and triangular cooperation: the application factory."""
from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from kb.config import ROOT, load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the Flask application."""
    from kb.jsonbody import JSONProvider

    app = Flask(__name__, instance_path=str(ROOT / "instance"), template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "kb" / "static"))
    app.json = JSONProvider(app)  # request.get_json() and the API refuse deep nesting and NaN (400)
    _limit_url_length(app)
    app.config.update(load_config(config))
    app.url_map.converters["int"] = IdConverter
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        (ROOT / "instance").mkdir(exist_ok=True)

    from kb import models  # noqa: F401  (register tables)
    from kb.extensions import api, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    _sqlite_pragmas(app)

    from kb.jobs import configure as configure_jobs

    configure_jobs(app)

    from kb.security import init_security

    init_security(app)
    api.init_app(app)
    from kb.api import register_api

    register_api(app, api)

    from kb.errorhandlers import register_error_handlers

    register_error_handlers(app)

    from kb.web import register_web

    register_web(app)

    from kb import serving

    serving.limit_blas_threads(app)
    if app.config["KB_PRELOAD_MODEL"] and not app.config.get("TESTING") and not serving.master_loads_later:
        _preload(app)

    from kb.cli import register_cli

    register_cli(app)
    return app


class IdConverter(IntegerConverter):
    """Path ids are database integers: a larger number matches no route (404) instead of overflowing."""

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


# The longest URL (path and query, as sent) the app answers; longer ones get 414 from the app itself (the JSON
# error body under /api, an HTML page elsewhere). gunicorn.conf.py lets gunicorn read request lines up to its
# own maximum (8190 bytes, method and protocol included), so gunicorn never answers first below this.
MAX_URL_LENGTH = 8000


def _limit_url_length(app: Flask) -> None:
    from urllib.parse import quote

    from flask import request
    from flask_babel import lazy_gettext
    from werkzeug.exceptions import RequestURITooLarge

    @app.before_request
    def _refuse_long_urls():  # type: ignore[no-untyped-def]
        env = request.environ
        raw = env.get("RAW_URI") or env.get("REQUEST_URI")
        if raw is None:  # a WSGI server that keeps no raw URI (the test client): rebuild it as sent
            raw = quote((env.get("SCRIPT_NAME", "") + env.get("PATH_INFO", "")).encode("latin-1"), safe="/;=,@:+$!*'()~") + \
                (f"?{env['QUERY_STRING']}" if env.get("QUERY_STRING") else "")
        if len(raw) > MAX_URL_LENGTH:
            raise RequestURITooLarge(lazy_gettext("The address is longer than %(max)s characters.",
                                                  max=MAX_URL_LENGTH))


def _preload(app: Flask) -> None:
    """Start loading the embedding model and the index in the background, so the first search is fast."""
    with app.app_context():
        from kb.services.matching import start_loading

        start_loading()


SQLITE_JOURNAL_MODES = ("wal", "delete", "truncate", "persist", "memory")
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(app: Flask) -> None:
    """On SQLite: foreign keys enforced (off by default there), a busy timeout (a writer waits for the one
    holding the write lock instead of failing with "database is locked") and WAL journaling, so that readers
    never block the writer nor the writer the readers (a CLI import next to a running server). WAL needs a
    local file system: KB_SQLITE_JOURNAL_MODE=delete for a database on a network share."""
    from sqlalchemy import event

    from kb.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    mode = str(app.config["KB_SQLITE_JOURNAL_MODE"]).strip().lower()
    if mode not in SQLITE_JOURNAL_MODES:
        raise ValueError(f"KB_SQLITE_JOURNAL_MODE must be one of {', '.join(SQLITE_JOURNAL_MODES)} (not {mode!r}).")
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute(f"PRAGMA journal_mode={mode}")
        cur.close()
