"""/home: the signed-in user's workspace, what waits for them first (kb/services/workspace.py)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kb import permissions
from kb.errors import DomainError
from kb.models import Role
from kb.schemas.admin import ContributionOfferTransitionSchema, PrioritiesSchema
from kb.services import admin, partners
from kb.services import workspace as svc
from kb.web import display
from kb.web import helpers as h

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


PRIORITY_LISTS = ("priority_sectors", "priority_regions", "priority_countries", "priority_sdgs",
                  "priority_contributions")


def _render_organisation(org, values: dict[str, Any], errors: dict[str, list[str]], message: str | None = None,
                         status: int = 200):
    return render_template("home/organisation.html", org=org, values=values, errors=errors, message=message,
                           may_edit=permissions.priorities_refusal(current_user, org.id) is None,
                           countries=display.country_options(), regions=display.region_options()), status


@bp.route("/my/organisation", methods=["GET", "POST"])
@login_required
def organisation():
    """My organisation's profile; a partner declares its priorities here (what it would co-finance)."""
    org = admin.get_organisation(current_user.organisation_id)
    if request.method == "GET":
        return _render_organisation(org, {k: [str(v) for v in getattr(org, k) or []] for k in PRIORITY_LISTS}, {})
    data, errors = h.load(PrioritiesSchema(), {k: [v for v in request.form.getlist(k) if v.strip()]
                                               for k in PRIORITY_LISTS})
    values = {k: request.form.getlist(k) for k in PRIORITY_LISTS}
    if errors:
        return _render_organisation(org, values, errors, status=422)
    try:
        admin.update_priorities(current_user, org.id, data)
    except DomainError as exc:
        return _render_organisation(admin.get_organisation(org.id), values, h.messages(exc.errors),
                                    h.message(exc.message), h.form_status(exc))
    flash(_("Priorities saved."), "ok")
    return redirect(url_for("home.organisation"))


@bp.route("/cofinancing")
@login_required
def cofinancing():
    """Published requests seeking co-financing: for a partner those fitting its priorities, or all of them."""
    everything = request.args.get("all") == "1" or current_user.role != Role.PARTNER
    page = h.page_number()
    found = svc.cofinancing_requests(current_user, fitting=not everything, page=page)
    return render_template("home/cofinancing.html", found=found, everything=everything)


@bp.route("/contribution-offers/<int:offer_id>", methods=["POST"])
@login_required
def contribution_offer(offer_id: int):
    """Accept or decline a partner's contribution offer (secretariat), or withdraw it (the partner)."""
    from kb.web import forms
    from kb.web.exchanges import _render_exchange as render_exchange

    form = {k: v for k, v in request.form.items() if k in ("action", "reason", "version") and v.strip()}
    data, errors = h.load(ContributionOfferTransitionSchema(), form)
    offer = partners.get_offer(current_user, offer_id)
    key = f"offer-{offer_id}"
    if errors:  # the page again with the errors named, nothing changed
        return render_exchange(offer.exchange_id, forms.invalid(key, errors))
    try:
        partners.transition_offer(current_user, offer_id, data["action"], data.get("reason"), data.get("version"))
    except DomainError as exc:
        return render_exchange(offer.exchange_id, forms.refused(key, exc))
    flash(_("Done: %(action)s.", action=h.action(data["action"])), "ok")
    return redirect(url_for("exch.exchange", exchange_id=offer.exchange_id, _anchor="contribution-offers"))
