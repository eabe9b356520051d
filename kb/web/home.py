"""/home: the signed-in user's workspace, what waits for them first (kb/services/workspace.py)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from kb.services import workspace as svc
from kb.web import display

bp = Blueprint("home", __name__)
bp.context_processor(display.context)

RENEW_DAYS = 365  # "renew in one click": a year after the later of today and the current end of validity


def renew_until(valid_until: date | None) -> date:
    """The date a one-click renewal sets."""
    start = max(valid_until or date.today(), date.today())
    return start + timedelta(days=RENEW_DAYS)


@bp.route("/home")
@login_required
def home():
    """What waits for the signed-in user, by role, each item a link to where it is done."""
    ws = svc.workspace(current_user)
    return render_template("home/home.html", ws=ws, renew_until=renew_until)
