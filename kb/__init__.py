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

    api.init_app(app)
    from kb.api import register_api

    register_api(app, api)

    from kb.errorhandlers import register_error_handlers

    register_error_handlers(app)

    from kb.web import register_web

    register_web(app)

    if app.config["KB_PRELOAD_MODEL"] and not app.config.get("TESTING"):
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
    """Warm the embedding model and the index in a background thread, so the first search is fast."""
    import logging
    import threading

    def work() -> None:
        try:
            with app.app_context():
                from kb.services.matching import manager

                manager()
        except Exception:  # the first request will load it (and report any error) instead
            logging.getLogger(__name__).exception("Preloading the matching index failed")

    threading.Thread(target=work, name="kb-preload", daemon=True).start()


_PRAGMAS_INSTALLED = False


def _sqlite_pragmas(app: Flask) -> None:
    """Enforce foreign keys on SQLite (off by default there) and wait on locks instead of failing."""
    global _PRAGMAS_INSTALLED
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if _PRAGMAS_INSTALLED:
        return
    _PRAGMAS_INSTALLED = True

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        if type(dbapi_conn).__module__.startswith("sqlite3"):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()
