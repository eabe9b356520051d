"""/admin: organisations and users (the admin; the secretariat sees the organisation list), in the browser.

Each page parses its input with the API's schemas and calls the administration services (kb/services/admin.py),
which check the permissions (kb/permissions.py) and audit every change with its change log."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required

from kb import permissions
from kb.errors import DomainError
from kb.i18n import LANGUAGES
from kb.models import OrgKind, Role
from kb.schemas.admin import VocabularyEntryInSchema, VocabularyLabelsSchema
from kb.schemas.people import (
    OrganisationInSchema,
    OrganisationPatchSchema,
    OrganisationQuerySchema,
    UserPatchSchema,
    UserQuerySchema,
)
from kb.services import accounts
from kb.services import admin as svc
from kb.services import installation as install
from kb.services import vocabularies as vocab
from kb.services.pages import filters_from
from kb.web import display
from kb.web import helpers as h

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.context_processor(display.context)

ORG_KIND_LABELS = {
    OrgKind.MINISTRY.value: lazy_gettext("Ministry"),
    OrgKind.COOPERATION_AGENCY.value: lazy_gettext("Cooperation agency"),
    OrgKind.COMPETENCE_CENTRE.value: lazy_gettext("Competence centre"),
    OrgKind.TRAINING_INSTITUTE.value: lazy_gettext("Training institute"),
    OrgKind.UNIVERSITY.value: lazy_gettext("University"),
    OrgKind.REGIONAL_BODY.value: lazy_gettext("Regional body"),
    OrgKind.UN_AGENCY.value: lazy_gettext("United Nations agency"),
    OrgKind.FUND_DONOR.value: lazy_gettext("Fund or donor"),
    OrgKind.PRIVATE_COMPANY.value: lazy_gettext("Private company"),
    OrgKind.NGO.value: lazy_gettext("Non-governmental organisation"),
}
ORG_FIELDS = ("name", "acronym", "kind", "country_code", "website", "contact_email")
USER_FIELDS = ("name", "role", "organisation_id", "language")
# The state buttons of an organisation and a user: the change each one asks for.
ORG_ACTIONS = {"verify": {"verified": True}, "unverify": {"verified": False}, "deactivate": {"active": False},
               "activate": {"active": True}}
USER_ACTIONS = {"deactivate": {"active": False}, "activate": {"active": True}}


@bp.before_request
@login_required
def _signed_in():  # type: ignore[no-untyped-def]
    return None


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"kinds": [(k, str(v)) for k, v in ORG_KIND_LABELS.items()], "kind_label": _kind,
            "may": lambda operation: permissions.may_administer(current_user, operation), "P": permissions}


def _kind(code: Any) -> str:
    return str(ORG_KIND_LABELS.get(str(code), code))


def _query(schema) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, str]]:  # type: ignore[no-untyped-def]
    """The list's filters: (loaded, errors, raw values to show); a wrong filter is shown and left out."""
    raw = {k: v.strip() for k, v in request.args.items() if k in schema.fields and v.strip()}
    data, errors = h.load(schema, raw)
    if errors:
        data, _ignored = h.load(schema, {k: v for k, v in raw.items() if k not in errors})
    return data or {"page": 1, "per_page": 20}, errors, raw


def _form(schema, fields: tuple[str, ...], partial: bool = True) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    """A form through the API schema (an edit: partial); an optional field left blank clears it."""
    data = {k: request.form[k].strip() for k in fields if request.form.get(k, "").strip()}
    for k in fields:
        if k in request.form and k not in data and schema.fields[k].allow_none:
            data[k] = None
    if request.form.get("version", "").strip():
        data["version"] = request.form["version"].strip()
    return h.load(schema, data, partial=partial)


def _values() -> dict[str, Any]:
    return {k: v for k, v in request.form.items()}


@bp.route("/")
def index():
    """The administration's first page: the organisations."""
    permissions.require_administration(current_user, permissions.SEE_ORGANISATIONS)
    return redirect(url_for("admin.organisations"))


# --- organisations -----------------------------------------------------------------------------

@bp.route("/organisations")
def organisations():
    """Search organisations, filter by country and kind, page through them (admin and secretariat)."""
    args, errors, raw = _query(OrganisationQuerySchema())
    found = svc.administered_organisations(current_user, filters_from(svc.OrganisationFilters, args), args["page"],
                                           args["per_page"])
    return render_template("admin/organisations.html", found=found, args=raw, errors=errors,
                           countries=display.country_options()), (422 if errors else 200)


def _render_org(org, values: dict[str, Any], errors: dict[str, list[str]], message: str | None = None,
                status: int = 200):
    return render_template("admin/organisation.html", org=org, values=values, errors=errors, message=message,
                           countries=display.country_options()), status


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation():
    """Register an organisation (admin)."""
    permissions.require_administration(current_user, permissions.MANAGE_ORGANISATIONS)
    if request.method == "GET":
        return _render_org(None, {"kind": "ministry"}, {})
    data, errors = _form(OrganisationInSchema(), ORG_FIELDS, partial=False)
    if errors:
        return _render_org(None, _values(), errors, status=422)
    data["verified"] = request.form.get("verified") == "true"
    try:
        org = svc.create_organisation(current_user, data)
    except DomainError as exc:
        return _render_org(None, _values(), h.messages(exc.errors), h.message(exc.message), h.form_status(exc))
    flash(_("Organisation %(name)s registered.", name=org.name), "ok")
    return redirect(url_for("admin.organisation", org_id=org.id))


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
def organisation(org_id: int):
    """Edit an organisation; verify, deactivate or reactivate it (admin)."""
    permissions.require_administration(current_user, permissions.MANAGE_ORGANISATIONS)
    org = svc.get_organisation(org_id)
    if request.method == "GET":
        values = {k: getattr(org, k) for k in ORG_FIELDS}
        values["version"] = org.version
        return _render_org(org, values, {})
    data, errors = _form(OrganisationPatchSchema(), ORG_FIELDS)
    if errors:
        return _render_org(org, _values(), errors, status=422)
    version = data.pop("version", None)
    try:
        svc.update_organisation(current_user, org_id, data, version)
    except DomainError as exc:
        return _render_org(svc.get_organisation(org_id), _values(), h.messages(exc.errors), h.message(exc.message),
                           h.form_status(exc))
    flash(_("Changes saved."), "ok")
    return redirect(url_for("admin.organisation", org_id=org_id))


@bp.route("/organisations/<int:org_id>/state", methods=["POST"])
def organisation_state(org_id: int):
    """Verify, unverify, deactivate (with its users) or reactivate an organisation (admin)."""
    permissions.require_administration(current_user, permissions.MANAGE_ORGANISATIONS)
    action = request.form.get("action", "")
    if action not in ORG_ACTIONS:
        return _render_org(svc.get_organisation(org_id), {}, {"action": [_("Unknown action.")]},
                           _("Unknown action."), 422)
    data, errors = _form(OrganisationPatchSchema(), ())
    version = (data or {}).get("version")
    try:
        svc.update_organisation(current_user, org_id, dict(ORG_ACTIONS[action]), version)
    except DomainError as exc:
        org = svc.get_organisation(org_id)
        values = {**{k: getattr(org, k) for k in ORG_FIELDS}, "version": org.version}
        return _render_org(org, values, h.messages(exc.errors), h.message(exc.message), exc.status)
    flash(ORG_DONE[action], "ok")
    return redirect(url_for("admin.organisation", org_id=org_id))


ORG_DONE = {"verify": lazy_gettext("The organisation is verified."),
            "unverify": lazy_gettext("The organisation is no longer marked verified."),
            "deactivate": lazy_gettext("The organisation and its users are deactivated."),
            "activate": lazy_gettext("The organisation is active again; reactivate its users one by one.")}


# --- users -------------------------------------------------------------------------------------

@bp.route("/users")
def users():
    """Search users by name or e-mail, filter by role, organisation and state (admin)."""
    args, errors, raw = _query(UserQuerySchema())
    found = svc.list_users(current_user, filters_from(svc.UserFilters, args), args["page"], args["per_page"])
    return render_template("admin/users.html", found=found, args=raw, errors=errors,
                           roles=[(r.value, h.role(r.value)) for r in Role],
                           organisations=svc.organisation_choices(current_user)), (422 if errors else 200)


def _render_user(user, values: dict[str, Any], errors: dict[str, list[str]], message: str | None = None,
                 status: int = 200):
    return render_template("admin/user.html", user=user, values=values, errors=errors, message=message,
                           roles=[(r.value, h.role(r.value)) for r in Role],
                           languages=[(c, h.LANGUAGE_NAMES[c]) for c in LANGUAGES],
                           organisations=svc.organisation_choices(current_user)), status


def _user_values(user) -> dict[str, Any]:
    return {"name": user.name, "role": user.role.value, "organisation_id": user.organisation_id,
            "language": user.language, "version": user.version}


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    """Change a user's name, role, organisation or language (admin)."""
    permissions.require_administration(current_user, permissions.MANAGE_USERS)
    person = svc.get_user(current_user, user_id)
    if request.method == "GET":
        return _render_user(person, _user_values(person), {})
    data, errors = _form(UserPatchSchema(), USER_FIELDS)
    if errors:
        return _render_user(person, _values(), errors, status=422)
    version = data.pop("version", None)
    try:
        svc.update_user(current_user, user_id, data, version)
    except DomainError as exc:
        return _render_user(svc.get_user(current_user, user_id), _values(), h.messages(exc.errors),
                            h.message(exc.message), h.form_status(exc))
    flash(_("Changes saved."), "ok")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/state", methods=["POST"])
def user_state(user_id: int):
    """Deactivate (they cannot sign in; their records and history stay) or reactivate a user (admin)."""
    permissions.require_administration(current_user, permissions.MANAGE_USERS)
    action = request.form.get("action", "")
    if action not in USER_ACTIONS:
        person = svc.get_user(current_user, user_id)
        return _render_user(person, _user_values(person), {"action": [_("Unknown action.")]}, _("Unknown action."), 422)
    data, _errors = _form(UserPatchSchema(), ())
    try:
        svc.update_user(current_user, user_id, dict(USER_ACTIONS[action]), (data or {}).get("version"))
    except DomainError as exc:
        person = svc.get_user(current_user, user_id)
        return _render_user(person, _user_values(person), h.messages(exc.errors), h.message(exc.message), exc.status)
    flash(_("The user is deactivated: they cannot sign in; their records and history stay.") if action == "deactivate"
          else _("The user is active again."), "ok")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/reset-link", methods=["POST"])
def user_reset_link(user_id: int):
    """E-mail the user the same reset link as /password/forgot (admin; audited)."""
    permissions.require_administration(current_user, permissions.MANAGE_USERS)
    try:
        person = accounts.send_reset_link(current_user, user_id)
    except DomainError as exc:
        person = svc.get_user(current_user, user_id)
        return _render_user(person, _user_values(person), h.messages(exc.errors), h.message(exc.message), exc.status)
    flash(_("A link to set a new password is on its way to %(email)s.", email=person.email), "ok")
    return redirect(url_for("admin.user", user_id=user_id))


# --- vocabularies ------------------------------------------------------------------------------

VOCABULARIES = ("sectors", "modalities")


def _render_vocabularies(failure: dict[str, Any] | None = None, status: int = 200):
    """Both vocabularies; failure names the form that was refused ({"form", "values", "errors", "message"})."""
    return render_template("admin/vocabularies.html", lists={v: vocab.list_entries(current_user, v) for v in VOCABULARIES},
                           failure=failure or {}, languages=LANGUAGES), status


@bp.route("/vocabularies")
def vocabularies():
    """Sectors and modalities: labels in four languages, uses, add, edit labels, retire (admin)."""
    permissions.require_administration(current_user, permissions.MANAGE_VOCABULARIES)
    return _render_vocabularies()


def _vocabulary_form(schema, form: str):  # type: ignore[no-untyped-def]
    data = {k: v.strip() for k, v in request.form.items() if k in schema.fields and v.strip()}
    loaded, errors = h.load(schema, data)
    return loaded, ({"form": form, "values": _values(), "errors": errors} if errors else None)


@bp.route("/vocabularies/<any(sectors, modalities):vocabulary>", methods=["POST"])
def add_entry(vocabulary: str):
    """Add a sector or modality (admin)."""
    permissions.require_administration(current_user, permissions.MANAGE_VOCABULARIES)
    data, failure = _vocabulary_form(VocabularyEntryInSchema(), f"new-{vocabulary}")
    if failure:
        return _render_vocabularies(failure, 422)
    try:
        vocab.add_entry(current_user, vocabulary, data)
    except DomainError as exc:
        return _render_vocabularies({"form": f"new-{vocabulary}", "values": _values(),
                                     "errors": h.messages(exc.errors), "message": h.message(exc.message)},
                                    h.form_status(exc))
    flash(_("Added: %(code)s.", code=data["code"]), "ok")
    return redirect(url_for("admin.vocabularies", _anchor=f"{vocabulary}-{data['code']}"))


@bp.route("/vocabularies/<any(sectors, modalities):vocabulary>/<code>", methods=["POST"])
def edit_entry(vocabulary: str, code: str):
    """Change an entry's labels, or retire it or bring it back (admin)."""
    permissions.require_administration(current_user, permissions.MANAGE_VOCABULARIES)
    form = f"{vocabulary}-{code}"
    action = request.form.get("action", "labels")
    try:
        if action in ("retire", "restore"):
            vocab.set_retired(current_user, vocabulary, code, action == "retire")
        elif action == "labels":
            data, failure = _vocabulary_form(VocabularyLabelsSchema(), form)
            if failure:
                return _render_vocabularies(failure, 422)
            vocab.update_labels(current_user, vocabulary, code, data)
        else:
            return _render_vocabularies({"form": form, "values": {}, "errors": {},
                                         "message": _("Unknown action.")}, 422)
    except DomainError as exc:
        return _render_vocabularies({"form": form, "values": _values(), "errors": h.messages(exc.errors),
                                     "message": h.message(exc.message)}, h.form_status(exc))
    flash(VOCABULARY_DONE[action], "ok")
    return redirect(url_for("admin.vocabularies", _anchor=form))


VOCABULARY_DONE = {"labels": lazy_gettext("Labels saved; every record carrying it shows them."),
                   "retire": lazy_gettext("Retired: forms no longer offer it; the records that have it keep it."),
                   "restore": lazy_gettext("Brought back: forms offer it again.")}


# --- installation ------------------------------------------------------------------------------

OUTBOX_STATES = ("failed", "pending")


@bp.route("/installation")
def installation():
    """The matching index (status, rebuild), the outbox (pending, failed with errors, retry), versions (admin)."""
    permissions.require_administration(current_user, permissions.SEE_INSTALLATION)
    shown = request.args.get("outbox", "failed")
    shown = shown if shown in OUTBOX_STATES else "failed"
    page = h.page_number()
    return render_template("admin/installation.html", index=install.index_status(current_user),
                           figures=install.outbox_figures(current_user), jobs=install.job_queue(current_user),
                           shown=shown,
                           messages=install.outbox(current_user, shown, page, 20),
                           versions=install.versions(current_user),
                           decisions=install.decision_figures(current_user))


@bp.route("/installation/rebuild", methods=["POST"])
def rebuild_index():
    """Rebuild the matching index now (what `flask kb index rebuild` does)."""
    permissions.require_administration(current_user, permissions.SEE_INSTALLATION)
    counts = install.rebuild_index(current_user)
    flash(_("Index rebuilt; vectors computed again: %(offers)s for offers, %(requests)s for requests.",
            offers=h.number(counts.get("offer", 0)), requests=h.number(counts.get("request", 0))), "ok")
    return redirect(url_for("admin.installation"))


@bp.route("/installation/outbox/<int:message_id>/retry", methods=["POST"])
def retry_message(message_id: int):
    """Put a failed message back in the queue."""
    permissions.require_administration(current_user, permissions.SEE_INSTALLATION)
    install.retry(current_user, message_id)
    flash(_("Message %(id)s is queued again; a worker sends it.", id=message_id), "ok")
    return redirect(url_for("admin.installation", outbox="failed", _anchor="outbox"))
