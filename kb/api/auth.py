"""POST /auth/tokens (sign in), DELETE /auth/tokens/current (sign out), GET /auth/me."""
from __future__ import annotations

from flask import request
from flask.views import MethodView

from kb.api.blueprint import Blueprint
from kb.api.common import require_user
from kb.schemas.people import TokenRequestSchema, TokenSchema, UserOutSchema
from kb.services import auth

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Bearer tokens")
BLUEPRINTS = [blp]


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.public
    @blp.refuses(429)
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    def post(self, creds):
        """Exchange e-mail and password for a bearer token (failed attempts are throttled)."""
        plain, token = auth.issue_token(creds["email"], creds["password"], request.remote_addr)
        return {"token": plain, "expires_at": token.expires_at, "user_id": token.user_id,
                "role": str(token.user.role)}


@blp.route("/tokens/current")
class CurrentToken(MethodView):
    @blp.response(204)
    def delete(self):
        """Revoke the token used for this call."""
        require_user()
        auth.revoke_token(request.headers["Authorization"].partition(" ")[2].strip())


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserOutSchema)
    def get(self):
        """The signed-in user."""
        return require_user()
