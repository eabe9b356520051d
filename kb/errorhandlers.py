"""One error body for the API: {"code", "status", "message", "errors"}; never a stack trace."""
from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify, make_response, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException

from kb import i18n
from kb.errors import DomainError
from kb.i18n import N_
from kb.services import discard_changes

log = logging.getLogger(__name__)


def error_body(code: int, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """The error shape shared by every API response."""
    body: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _respond(code: int, message: str, errors: dict[str, Any] | None = None, headers: dict | None = None):
    # No URL adapter: the request was refused before routing (a Host outside TRUSTED_HOSTS); a page, which links
    # to other pages, cannot be built for it, so it gets the JSON body.
    if not request.path.startswith("/api/") and _html_handler is not None and request_ctx.url_adapter is not None:
        resp = make_response(_html_handler(code, message, errors))
        if headers and "Retry-After" in headers:  # a page tells browsers and crawlers when to come back too
            resp.headers["Retry-After"] = headers["Retry-After"]
        return resp
    discard_changes()  # what the failed request left (a broken transaction too): nothing of it is kept
    # In the caller's language (Accept-Language, else the token user's choice; kb.web.select_locale): lazy messages
    # render themselves, constants and the libraries' messages go through the catalogues.
    resp = jsonify(error_body(code, i18n.translate(message), i18n.translated(errors)))
    resp.status_code = code
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


# The web interface installs an HTML renderer here (pages in the user's language).
_html_handler = None


def set_html_error_handler(handler) -> None:  # type: ignore[no-untyped-def]
    """Let the web blueprint render errors outside /api as HTML pages."""
    global _html_handler
    _html_handler = handler


def register_error_handlers(app: Flask) -> None:
    """Turn domain errors, HTTP errors and unexpected exceptions into one response shape."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):  # type: ignore[no-untyped-def]
        retry_after = getattr(exc, "retry_after", None)  # Throttled (429), Starting (503)
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return _respond(exc.status, exc.message, exc.errors, headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        code = exc.code or 500
        data = getattr(exc, "data", None) or {}
        errors = data.get("messages") if isinstance(data, dict) else None
        message = data.get("message") if isinstance(data, dict) and data.get("message") else None
        if message is None:
            message = exc.description or HTTPStatus(code).phrase
            if code == 422:
                message = N_("Invalid input.")
            if code == 400 and errors and isinstance(errors, dict) and "json" in errors:
                message = N_("Malformed request body.")
        headers = dict(getattr(exc, "headers", None) or {}) if code in (405, 401) else {}
        headers.pop("Content-Type", None)
        if code == 405 and exc.get_response().headers.get("Allow"):
            headers["Allow"] = exc.get_response().headers["Allow"]
        return _respond(code, message, errors, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return _respond(500, "Internal error; it has been logged.")
