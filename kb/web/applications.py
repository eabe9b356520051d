"""/admin/applications: the secretariat's and the admin's queue of institutions applying to join (approve,
attaching the person to an existing organisation if need be, or refuse with a reason). The administration
pages link here; the list and the decision are kb.services.accounts' list_applications and decide_application."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kb.errors import DomainError
from kb.models import ApplicationState
from kb.schemas.accounts import ApplicationQuerySchema, ApplicationTransitionSchema
from kb.services import accounts
from kb.web import helpers as h
from kb.web.join import ORG_KIND_LABELS

bp = Blueprint("application_queue", __name__, url_prefix="/admin")


def _status_labels() -> dict[str, str]:
    return {ApplicationState.WAITING.value: _("Waiting for review"),
            ApplicationState.UNCONFIRMED.value: _("E-mail not confirmed yet"),
            ApplicationState.APPROVED.value: _("Approved"), ApplicationState.REFUSED.value: _("Refused"),
            "all": _("All")}


def _render(status: str, page: int, failure: tuple[int, dict, str] | None = None, code: int = 200):  # type: ignore[no-untyped-def]
    listing = accounts.list_applications(current_user, None if status == "all" else status, page, 20)
    return render_template("account/applications.html", page=listing, status=status, statuses=_status_labels(),
                           kinds={k: str(v) for k, v in ORG_KIND_LABELS.items()}, failure=failure,
                           actions={a.id: accounts.application_actions(current_user, a) for a in listing.items}), code


@bp.route("/applications")
@login_required
def applications():
    """The applications, the queue (waiting for review) first."""
    args, errors = h.load(ApplicationQuerySchema(), dict(request.args))
    if errors:
        args = {"status": "waiting", "page": 1}
    return _render(args["status"], args["page"])


@bp.route("/applications/<int:application_id>", methods=["POST"])
@login_required
def decide(application_id: int):
    """Approve or refuse one application."""
    data, errors = h.load(ApplicationTransitionSchema(), h.form_data(ApplicationTransitionSchema()))
    status = request.args.get("status", "waiting")
    if status not in _status_labels():
        status = "waiting"
    if errors:
        return _render(status, 1, (application_id, errors, _("Please correct the fields marked below.")), 422)
    try:
        application = accounts.decide_application(current_user, application_id, data["action"], data["reason"],
                                                  data["organisation_id"], data["version"])
    except DomainError as exc:
        if exc.status in (401, 403) or (exc.status == 404 and not exc.errors):
            raise
        return _render(status, 1, (application_id, h.messages(exc.errors), h.message(exc.message)),
                       h.form_status(exc))
    if application.status == ApplicationState.APPROVED:
        flash(_("%(name)s is approved; the applicant was told by e-mail.", name=application.organisation_name), "ok")
    else:
        flash(_("%(name)s is refused; the applicant was told by e-mail.", name=application.organisation_name), "ok")
    return redirect(url_for("application_queue.applications", status=status))
