"""Helpers for the thin API views: the caller, pages, and dumping with visibility rules."""
from __future__ import annotations

import math
from typing import Any

from flask import g, request

from kb.errors import Unauthorized
from kb.models import User
from kb.services import auth
from kb.services.records import paginate


def current_user() -> User | None:
    """The user behind the bearer token, None when anonymous; a bad token is a 401."""
    if "kb_user" not in g:
        header = request.headers.get("Authorization", "")
        if not header:
            g.kb_user = None
        else:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("Use 'Authorization: Bearer <token>'.")
            g.kb_user = auth.user_for_token(token.strip())
    return g.kb_user


def require_user() -> User:
    """The signed-in user, else 401."""
    user = current_user()
    if user is None:
        raise Unauthorized("Sign in first: POST /api/v1/auth/tokens.")
    return user


def page_of(stmt, args: dict[str, Any]) -> dict[str, Any]:
    """Run a select for one page and build the list envelope (items dumped by the response schema)."""
    page, per_page = args.get("page", 1), args.get("per_page", 20)
    items, total = paginate(stmt, page, per_page)
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "pages": math.ceil(total / per_page) if total else 0}
