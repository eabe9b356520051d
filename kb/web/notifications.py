"""The signed-in user's inbox: /notifications (newest first, a link to each record, read marks)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kb.services import inbox

bp = Blueprint("inbox", __name__)
PER_PAGE = 20


@bp.route("/notifications")
@login_required
def notifications():
    """My notifications, newest first; ?unread=1 for the unread ones only."""
    unread = request.args.get("unread") == "1"
    page = request.args.get("page", 1, type=int) or 1
    listing = inbox.list_notifications(current_user, unread, max(1, min(page, 100000)), PER_PAGE)
    return render_template("inbox/notifications.html", items=listing.items, total=listing.total, page=listing.page,
                           pages=listing.pages, unread=unread)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    """Mark one read, then back to the list."""
    inbox.mark_read(current_user, notification_id)
    return redirect(url_for("inbox.notifications", unread=request.form.get("unread") or None))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def read_all():
    """Mark every notification read."""
    inbox.mark_all_read(current_user)
    return redirect(url_for("inbox.notifications"))
