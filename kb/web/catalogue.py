"""Public pages: the front page with headline figures, the catalogue of offers and requests."""
from __future__ import annotations

from flask import Blueprint, render_template

from kb.services import stats

bp = Blueprint("catalogue", __name__)


@bp.route("/")
def home():
    """Front page: headline figures and a search box."""
    return render_template("public/home.html", figures=stats.headline())


@bp.route("/offers")
def offers():
    """Published offers: browse, search, filter."""
    return render_template("public/home.html", figures=stats.headline())


@bp.route("/requests")
def requests():
    """Published requests: browse, search, filter."""
    return render_template("public/home.html", figures=stats.headline())
