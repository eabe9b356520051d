"""Web pages (being built)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("records", __name__)


@bp.route("/my/<any(requests, offers):kind>")
def mine(kind):
    """My organisation's requests or offers."""
    return ""


@bp.route("/my/experts")
def experts():
    """The centre's expert roster."""
    return ""
