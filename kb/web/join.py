"""Joining and recovering access: /join (institution applications), /password/forgot and the reset link,
invitations (the invitee's link and the form to invite someone)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, lazy_gettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from kb import permissions
from kb.errors import DomainError, NotFound, Throttled
from kb.i18n import LANGUAGES
from kb.models import OrgKind
from kb.schemas.accounts import (
    ApplicationInSchema,
    InvitationInSchema,
    NewPasswordSchema,
    PasswordForgotSchema,
)
from kb.services import accounts, admin, reference
from kb.web import helpers as h

bp = Blueprint("join", __name__)
APPLICANT_ROLES = ("director", "centre", "partner")
ORG_KIND_LABELS = {
    OrgKind.MINISTRY.value: lazy_gettext("Ministry"),
    OrgKind.COOPERATION_AGENCY.value: lazy_gettext("Cooperation agency"),
    OrgKind.COMPETENCE_CENTRE.value: lazy_gettext("Competence centre (technical institution)"),
    OrgKind.TRAINING_INSTITUTE.value: lazy_gettext("Training institute"),
    OrgKind.UNIVERSITY.value: lazy_gettext("University"),
    OrgKind.REGIONAL_BODY.value: lazy_gettext("Regional body"),
    OrgKind.UN_AGENCY.value: lazy_gettext("United Nations agency"),
    OrgKind.FUND_DONOR.value: lazy_gettext("Fund or donor"),
    OrgKind.PRIVATE_COMPANY.value: lazy_gettext("Private company"),
    OrgKind.NGO.value: lazy_gettext("Non-governmental organisation"),
}
ORGANISATIONS_SHOWN = 1000  # the staff's invitation form lists organisations by name


def _lang() -> str:
    return str(get_locale() or "en")[:2]


def _refusal(exc: DomainError) -> tuple[dict[str, list[str]], str]:
    """A service's refusal as (field errors, message) in the current language."""
    return h.messages(exc.errors), h.message(exc.message)


def _kinds() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in ORG_KIND_LABELS.items()]


def _languages() -> list[tuple[str, str]]:
    return [(code, h.LANGUAGE_NAMES[code]) for code in LANGUAGES]


def _countries() -> list[tuple[str, str]]:
    """(code, name) of every country in the current language, by name."""
    lang = _lang()
    return sorted(((c.code, c.label(lang)) for c in reference.list_countries()), key=lambda pair: pair[1])


def _invalid_link(exc: NotFound, kind: str = "password"):  # type: ignore[no-untyped-def]
    """The page of a used, expired or mangled link, with the way to a new one of its kind (password, invitation,
    application): an invitee or an applicant was offered a new password link, for an account they may not have."""
    return render_template("account/link_invalid.html", message=h.message(exc.message), kind=kind), 404


# --- /join -----------------------------------------------------------------------------------

@bp.route("/join", methods=["GET", "POST"])
def join():
    """An institution applies: its organisation and a first person; a link confirms the e-mail address."""
    values: dict = {"language": _lang()}
    errors: dict[str, list[str]] = {}
    message = None
    status = 200
    if request.method == "POST":
        values = {k: v for k, v in request.form.items() if k not in ("password", "repeat_password", "csrf_token")}
        data, errors = h.load(ApplicationInSchema(), h.form_data(ApplicationInSchema()))
        if not errors and request.form.get("password") != request.form.get("repeat_password"):
            errors = {"repeat_password": [_("The two passwords differ.")]}
        if not errors:
            try:
                accounts.apply(data, request.remote_addr)
            except Throttled as exc:
                message, status = h.message(exc.message), 429
            except DomainError as exc:
                errors, message = _refusal(exc)
                status = h.form_status(exc)
            else:
                return render_template("account/join_sent.html", email=data["email"])
        if errors:
            status = 422
            message = message or _("Please correct the fields marked below.")
    return render_template("account/join.html", values=values, errors=errors, message=message, kinds=_kinds(),
                           countries=_countries(), languages=_languages(), roles=[(r, h.role(r)) for r in APPLICANT_ROLES]), status


@bp.route("/join/confirm/<token>")
def confirm(token: str):
    """The applicant confirms their e-mail address: the application joins the secretariat's queue."""
    try:
        application = accounts.confirm_application(token)
    except NotFound as exc:
        return _invalid_link(exc, "application")
    return render_template("account/join_confirmed.html", application=application)


# --- password reset --------------------------------------------------------------------------

@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    errors: dict[str, list[str]] = {}
    message = None
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        data, errors = h.load(PasswordForgotSchema(), h.form_data(PasswordForgotSchema()))
        if not errors:
            try:
                accounts.request_password_reset(data["email"], request.remote_addr)
            except Throttled as exc:
                return render_template("account/forgot.html", email=email, errors={},
                                       message=h.message(exc.message)), 429
            except DomainError as exc:
                errors, message = _refusal(exc)
            else:
                return render_template("account/forgot_sent.html", email=data["email"])
        return render_template("account/forgot.html", email=email, errors=errors, message=message), 422
    return render_template("account/forgot.html", email=email, errors=errors, message=message)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through the e-mailed link (once); every session and API token of the user ends."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data, errors = h.load(NewPasswordSchema(), h.form_data(NewPasswordSchema()))
        if not errors and data["password"] != data["repeat_password"]:
            errors = {"repeat_password": [_("The two passwords differ.")]}
        if not errors:
            try:
                accounts.reset_password(token, data["password"])
            except NotFound as exc:
                return _invalid_link(exc)
            except DomainError as exc:
                errors, _message = _refusal(exc)
            else:
                session.clear()
                flash(_("Your password has been changed. Sign in with it; every other session has ended."), "ok")
                return redirect(url_for("account.login"))
        return render_template("account/reset.html", user=None, errors=errors), 422
    try:
        user = accounts.user_for_reset(token)
    except NotFound as exc:
        return _invalid_link(exc)
    return render_template("account/reset.html", user=user, errors=errors)


# --- invitations -----------------------------------------------------------------------------

@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The invitee chooses their name, password and language; then they are signed in."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    if request.method == "POST":
        values = {"name": request.form.get("name", ""), "language": request.form.get("language", "")}
        data, errors = h.load(NewPasswordSchema(), h.form_data(NewPasswordSchema()))
        if not errors and data["password"] != data["repeat_password"]:
            errors = {"repeat_password": [_("The two passwords differ.")]}
        if not errors:
            try:
                user = accounts.accept_invitation(token, data.get("name", ""), data["password"], data.get("language"))
            except NotFound as exc:
                return _invalid_link(exc, "invitation")
            except DomainError as exc:
                errors, _message = _refusal(exc)
            else:
                session.clear()
                login_user(user)
                flash(_("Welcome to the Knowledge Bank."), "ok")
                return redirect(url_for("catalogue.home"))
        status = 422
    else:
        status = 200
    try:
        invite = accounts.invitation_for_link(token)
    except NotFound as exc:
        return _invalid_link(exc, "invitation")
    values.setdefault("language", invite.language)
    return render_template("account/invitation.html", invitation=invite, values=values, errors=errors,
                           languages=_languages()), status


@bp.route("/invite", methods=["GET", "POST"])
@login_required
def invite():
    """Invite a person: staff into any organisation, others a colleague into their own with their own role."""
    roles = permissions.invitable_roles(current_user)
    staff = permissions.is_staff(current_user)
    organisations = admin.list_organisations(admin.OrganisationFilters(), 1, ORGANISATIONS_SHOWN).items if staff \
        else [current_user.organisation]
    errors: dict[str, list[str]] = {}
    message = None
    # A colleague is invited into the inviter's organisation with the inviter's role (the only choice they have);
    # the secretariat and the admin choose both themselves: preset to their own, an invitation went out as
    # "Administrator" of the secretariat by default.
    values: dict = {"language": _lang()} if staff else {
        "organisation_id": str(current_user.organisation_id), "role": current_user.role.value, "language": _lang()}
    status = 200
    if request.method == "POST":
        values = dict(request.form.items())
        data, errors = h.load(InvitationInSchema(), h.form_data(InvitationInSchema()))
        if not errors:
            try:
                sent = accounts.invite(current_user, data)
            except DomainError as exc:
                if not isinstance(exc, NotFound) and exc.status == 403 and not exc.errors:
                    abort(403)
                errors, message = _refusal(exc)
                status = h.form_status(exc)
            else:
                flash(_("Invitation sent to %(email)s.", email=sent.email), "ok")
                return redirect(url_for("join.invite"))
        else:
            status = 422
    return render_template("account/invite.html", values=values, errors=errors, message=message, staff=staff,
                           roles=[(r.value, h.role(r.value)) for r in roles],
                           organisations=[(str(o.id), o.name) for o in organisations],
                           languages=_languages()), status
