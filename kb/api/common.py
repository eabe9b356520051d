"""Helpers for the thin API views: the caller, pages, and dumping with visibility rules."""
from __future__ import annotations

from typing import Any

from flask import g, request
from flask_sqlalchemy.pagination import Pagination

from kb.errors import Unauthorized
from kb.i18n import N_
from kb.models import User
from kb.services import auth


def current_user() -> User | None:
    """The user behind the bearer token, None when anonymous; a bad token is a 401."""
    if "kb_user" not in g:
        header = request.headers.get("Authorization", "")
        if not header:
            g.kb_user = None
        else:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized(N_("Use 'Authorization: Bearer <token>'."))
            g.kb_user = auth.user_for_token(token.strip())
    return g.kb_user


def require_user() -> User:
    """The signed-in user, else 401."""
    user = current_user()
    if user is None:
        raise Unauthorized(N_("Sign in first: POST /api/v1/auth/tokens."))
    return user


def page_of(pagination: Pagination) -> dict[str, Any]:
    """The list envelope of one page (items dumped by the response schema)."""
    return {"items": pagination.items, "total": pagination.total, "page": pagination.page,
            "per_page": pagination.per_page, "pages": pagination.pages}
