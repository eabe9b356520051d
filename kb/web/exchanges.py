"""Web pages (being built)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exch", __name__)


@bp.route("/matches")
def matches():
    """Matches I can see."""
    return ""


@bp.route("/exchanges")
def board():
    """Exchanges board."""
    return ""
