"""The signed-in user's inbox: /notifications (newest first, a link to each record, read marks)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kb.errors import DomainError
from kb.services import inbox, preferences
from kb.web import helpers as h
from kb.workflow import recipients as rcp

bp = Blueprint("inbox", __name__)
PER_PAGE = 20


@bp.route("/notifications")
@login_required
def notifications():
    """My notifications, newest first; ?unread=1 for the unread ones only."""
    unread = request.args.get("unread") == "1"
    page = h.page_number()
    listing = inbox.list_notifications(current_user, unread, page, PER_PAGE)
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


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences_page():
    """Choose, per kind of notification, e-mails immediately, in a daily digest, or never."""
    saved = False
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        choices = {kind: request.form.get(kind, "") for kind in rcp.KINDS if kind in request.form}
        try:
            preferences.set_preferences(current_user, choices)
        except DomainError as exc:
            errors = h.messages((exc.errors or {}).get("json", exc.errors))
        else:
            saved = True
    return render_template("inbox/preferences.html", choices=preferences.get_preferences(current_user),
                           kinds=rcp.KINDS, deliveries=rcp.DELIVERIES, saved=saved, errors=errors), \
        (422 if errors else 200)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """The link of an e-mail's List-Unsubscribe: GET asks for confirmation, POST (a mail program's one-click,
    RFC 8058, or the button) stops e-mails of that kind. The signed token is the authority: no sign-in."""
    if request.method == "POST":
        user, kind = preferences.unsubscribe(token)
        return render_template("inbox/unsubscribe.html", done=True, kind=kind, email=user.email, token=token)
    user, kind = preferences.read_unsubscribe_token(token)
    return render_template("inbox/unsubscribe.html", done=False, kind=kind, email=user.email, token=token)


@bp.route("/answer/<token>", methods=["GET", "POST"])
def answer(token: str):
    """A "match proposed" e-mail's accept or decline link: a light page confirming the action (asking the reason
    for a decline), without sign-in; a used link says so."""
    from kb.services import answers

    error = None
    reason = ""
    try:
        a = answers.read(token)
    except answers.LinkExpired as exc:
        return render_template("inbox/answer.html", a=None, state="expired", message=h.message(exc.message)), 410
    if a.used_at is not None:
        return render_template("inbox/answer.html", a=a, state="used"), 409
    if request.method == "POST":
        reason = request.form.get("reason", "")
        try:
            a = answers.answer(token, reason)
        except answers.LinkUsed:
            return render_template("inbox/answer.html", a=answers.read(token), state="used"), 409
        except DomainError as exc:
            error = h.messages(exc.errors).get("reason", [h.message(exc.message)])[0] if exc.errors \
                else h.message(exc.message)
            status = h.form_status(exc)
            return render_template("inbox/answer.html", a=a, state="ask", error=error, reason=reason), status
        return render_template("inbox/answer.html", a=a, state="done")
    return render_template("inbox/answer.html", a=a, state="ask", error=error, reason=reason)
