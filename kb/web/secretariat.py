"""Web pages (being built)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("secretariat", __name__)


@bp.route("/review")
def review():
    """Submitted requests and offers to publish, return or reject."""
    return ""


@bp.route("/desk")
def desk():
    """The matching desk."""
    return ""
