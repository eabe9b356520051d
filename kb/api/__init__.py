"""REST API under /api/v1 (flask-smorest): thin views that parse, call one service, and dump."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def register_api(app: Flask, api: Api) -> None:
    """Register every API blueprint and the bearer security scheme."""
    from kb.api import auth, exchanges, organisations, records, reference

    @app.before_request
    def _authenticate():  # type: ignore[no-untyped-def]
        """Resolve the bearer token once per API call (a bad token is a 401 everywhere)."""
        from flask import request

        from kb.api.common import current_user

        if request.path.startswith("/api/"):
            current_user()

    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for module in (auth, organisations, records, exchanges, reference):
        for blp in module.BLUEPRINTS:
            api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix or ''}")
