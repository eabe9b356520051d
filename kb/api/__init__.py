"""REST API under /api/v1 (flask-smorest): thin views that parse, call one service, and dump."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from kb.i18n import N_


def _require_json_body(request) -> None:  # type: ignore[no-untyped-def]
    """A body sent to the API must be JSON: a form or text body is refused (415), never read as empty."""
    from kb.errors import UnsupportedMediaType

    if request.method in ("POST", "PUT", "PATCH") and request.content_length and not request.is_json:
        raise UnsupportedMediaType(N_("Send the body as JSON, with 'Content-Type: application/json'."))


def register_api(app: Flask, api: Api) -> None:
    """Register every API blueprint and the bearer security scheme."""
    from kb.api import accounts, auth, exchanges, exports, matching, organisations, records, reference, reports
    from kb.api.blueprint import is_public

    modules = (auth, organisations, records, exchanges, matching, reference, accounts, reports, exports)
    ours = {blp.name for module in modules for blp in module.BLUEPRINTS}

    @app.before_request
    def _authenticate():  # type: ignore[no-untyped-def]
        """Resolve the bearer token once per API call (a bad token is a 401 everywhere), then refuse an
        anonymous caller on a route that needs a user, before its body or query string is read."""
        from flask import request

        from kb.api.common import current_user, require_user

        if request.path.startswith("/api/"):
            user = current_user()
            if user is None and request.blueprint in ours and request.endpoint and \
                    not is_public(app.view_functions.get(request.endpoint), request.method):
                require_user()
            _require_json_body(request)

    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for module in modules:
        for blp in module.BLUEPRINTS:
            api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix or ''}")
