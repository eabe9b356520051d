"""Organisations and users (admin), and a user's own profile."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext, lazy_ngettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select
from zxcvbn import zxcvbn

from kb import i18n, permissions
from kb.errors import Conflict, Forbidden, NotFound, ValidationFailed, unknown_reference
from kb.extensions import db
from kb.i18n import N_
from kb.models import Country, Organisation, Role, User, utcnow
from kb.services import access, change_log, changed_fields, populate, unit_of_work
from kb.services.audit import record_event
from kb.services.auth import end_sessions
from kb.services.pages import paginate

MIN_PASSWORD = 10
MIN_PASSWORD_SCORE = 3
# A password is rated by its first MAX_SCORED characters: zxcvbn's time grows with length, and zxcvbn 4.5 raises
# ValueError beyond 72 characters (a 500 for every password of 73 to 200 characters, which the schemas allow).
MAX_SCORED = 72
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ORG_FIELDS = ("name", "acronym", "kind", "country_code", "verified", "website", "contact_email", "active")
USER_FIELDS = ("name", "role", "organisation_id", "language", "active")


def _require_admin(actor: User | None, operation: str = permissions.MANAGE_USERS) -> None:
    permissions.require_administration(actor, operation)


def _check_country(code: str | None) -> None:
    if code is not None and db.session.get(Country, code) is None:
        raise ValidationFailed({"country_code": [lazy_gettext("Unknown country: %(code)s.", code=code)]})


def create_organisation(actor: User | None, data: dict[str, Any]) -> Organisation:
    """Register an organisation (admin; None as actor for the command line)."""
    if actor is not None:
        _require_admin(actor, permissions.MANAGE_ORGANISATIONS)
    with unit_of_work() as session:
        data = {**data, "country_code": data["country_code"].upper()}
        _check_country(data["country_code"])
        org = Organisation(**{k: data[k] for k in ORG_FIELDS if k in data})
        session.add(org)
        session.flush()
        record_event(actor, org, "create", details={"name": org.name}, notify=False)
    return org


def update_organisation(actor: User, org_id: int, data: dict[str, Any], version: int | None) -> Organisation:
    """Edit an organisation (admin): its details, verified, active. Deactivating it deactivates its users (each
    audited, their sessions and tokens ended); reactivating it leaves them to be reactivated one by one."""
    _require_admin(actor, permissions.MANAGE_ORGANISATIONS)
    with unit_of_work():
        org = get_organisation(org_id)
        access.require_version(org, version)
        if data.get("country_code"):
            data = {**data, "country_code": data["country_code"].upper()}
        current = {k: getattr(org, k) for k in ORG_FIELDS}
        changed = changed_fields(current, data)
        if not changed:
            return org
        if "country_code" in changed:
            _check_country(data["country_code"])
        if "active" in changed and not data["active"] and org.id == actor.organisation_id:
            raise Conflict(N_("You cannot deactivate your own organisation."),
                           {"active": [N_("You cannot deactivate your own organisation.")]})
        populate(org, data, changed)
        org.updated_at = utcnow()
        record_event(actor, org, "update", details=change_log(current, data, changed), notify=False)
        if "active" in changed and not org.active:
            for user in db.session.scalars(select(User).where(User.organisation_id == org.id,
                                                              User.active.is_(True)).order_by(User.id)):
                user.active = False
                user.updated_at = utcnow()
                end_sessions(user)
                details = change_log({"active": True}, {"active": False}, ["active"])
                record_event(actor, user, "update", details={**details, "organisation_deactivated": org.id},
                             notify=False)
    return org


def get_organisation(org_id: int) -> Organisation:
    """An organisation by id, else 404."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound(i18n.not_found("organisation", org_id))
    return org


def _check_password(password: str, field: str = "password", user_inputs: tuple[str, ...] = ()) -> None:
    """Long enough and hard to guess: zxcvbn (Dropbox's estimator, with its lists of common passwords, names
    and words, and its patterns: repeats, sequences, keyboard walks, dates) must rate it at least 3 of 4
    (about 10^8 guesses). The person's own e-mail and name count as known words."""
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed({field: [lazy_ngettext("Use at least %(num)s character.", "Use at least %(num)s characters.",
                                                      MIN_PASSWORD)]})
    words = []
    for text in (t.strip().lower() for t in user_inputs if t and t.strip()):
        words += [text, text.partition("@")[0], *(w for w in re.split(r"[^\w]+", text) if len(w) > 2)]
    if zxcvbn(password[:MAX_SCORED], user_inputs=words)["score"] < MIN_PASSWORD_SCORE:
        raise ValidationFailed({field: [lazy_gettext(
            "This password is too easy to guess: it is common, or built from a name, a date, a repeated "
            "character or a keyboard pattern. A phrase of four unrelated words is long and easy to remember.")]})


def create_user(actor: User | None, data: dict[str, Any]) -> User:
    """Create a user in an organisation with one role (admin; None as actor for the command line)."""
    if actor is not None:
        _require_admin(actor)
    with unit_of_work() as session:
        email = data["email"].strip().lower()
        if not EMAIL.match(email) or len(email) > 254:
            raise ValidationFailed({"email": [lazy_gettext("Not a valid e-mail address: %(value)s.", value=repr(data["email"]))]})
        if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
            raise Conflict(N_("A user with this e-mail exists."), {"email": [N_("Already registered.")]})
        if db.session.get(Organisation, data["organisation_id"]) is None:
            raise unknown_reference("organisation_id", lazy_gettext("Unknown organisation: %(id)s.",
                                                                    id=data["organisation_id"]))
        _check_password(data["password"], user_inputs=(email, data.get("name") or ""))
        user = User(email=email, name=data.get("name") or "", role=Role(data["role"]),
                    organisation_id=data["organisation_id"], language=data.get("language") or None)
        user.set_password(data["password"])
        session.add(user)
        session.flush()
        record_event(actor, user, "create", details={"role": str(user.role)}, notify=False)
    return user


def update_user(actor: User, user_id: int, data: dict[str, Any], version: int | None) -> User:
    """Change a user's role, organisation, name, language, active flag or password (admin)."""
    _require_admin(actor)
    with unit_of_work():
        user = get_user(actor, user_id)
        access.require_version(user, version)
        if "organisation_id" in data and db.session.get(Organisation, data["organisation_id"]) is None:
            raise unknown_reference("organisation_id", lazy_gettext("Unknown organisation: %(id)s.",
                                                                    id=data["organisation_id"]))
        if user.id == actor.id and (data.get("active") is False or data.get("role") not in (None, Role.ADMIN)):
            raise Conflict(N_("You cannot deactivate or demote yourself."))
        # A password is never compared: sending one always sets it (and is always a change).
        current = {k: getattr(user, k) for k in USER_FIELDS}
        changed = changed_fields(current, data)
        if not changed:
            return user
        populate(user, data, [k for k in changed if k in USER_FIELDS])
        if "password" in changed:
            _check_password(data["password"], user_inputs=(user.email, user.name))
            user.set_password(data["password"])
        user.updated_at = utcnow()
        if "password" in changed:
            end_sessions(user)  # a new password ends the user's sessions and tokens (after the edit: one version)
        record_event(actor, user, "update", details=change_log(current, data, changed), notify=False)
    return user


def get_user(actor: User, user_id: int) -> User:
    """A user (admin, or oneself), else 404."""
    if actor.role != Role.ADMIN and actor.id != user_id:
        raise Forbidden(N_("Only an administrator may see other users."))
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(i18n.not_found("user", user_id))
    return user


@dataclass
class UserFilters:
    """Filters of the user list."""

    role: str | None = None
    organisation_id: int | None = None
    q: str | None = None
    active: bool | None = None


def list_users(actor: User, f: UserFilters, page: int = 1, per_page: int = 20) -> Pagination:
    """One page of the users (admin only), oldest account first; q matches the name or e-mail address."""
    _require_admin(actor)
    stmt = select(User).order_by(User.id)
    if f.role:
        stmt = stmt.where(User.role == f.role)
    if f.organisation_id:
        stmt = stmt.where(User.organisation_id == f.organisation_id)
    if f.active is not None:
        stmt = stmt.where(User.active.is_(f.active))
    if f.q:
        like = f"%{f.q.lower()}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), func.lower(User.email).like(like)))
    return paginate(stmt, page, per_page)


@dataclass
class OrganisationFilters:
    """Filters of the organisation list."""

    kind: str | None = None
    country: str | None = None
    q: str | None = None
    verified: bool | None = None
    active: bool | None = None


def list_organisations(f: OrganisationFilters, page: int = 1, per_page: int = 20) -> Pagination:
    """One page of the organisations (public: names and kinds), by name; q matches the name or acronym."""
    stmt = select(Organisation).order_by(Organisation.name, Organisation.id)
    if f.kind:
        stmt = stmt.where(Organisation.kind == f.kind)
    if f.country:
        stmt = stmt.where(Organisation.country_code == f.country.upper())
    if f.q:
        like = f"%{f.q.lower()}%"
        stmt = stmt.where(or_(func.lower(Organisation.name).like(like), func.lower(Organisation.acronym).like(like)))
    if f.verified is not None:
        stmt = stmt.where(Organisation.verified.is_(f.verified))
    if f.active is not None:
        stmt = stmt.where(Organisation.active.is_(f.active))
    return paginate(stmt, page, per_page)


def administered_organisations(actor: User, f: OrganisationFilters, page: int = 1,
                               per_page: int = 20) -> Pagination:
    """The administration's organisation list (admin and secretariat): the public list's filters, every state."""
    _require_admin(actor, permissions.SEE_ORGANISATIONS)
    return list_organisations(f, page, per_page)


ORGANISATION_CHOICES = 2000


def organisation_choices(actor: User) -> list[Organisation]:
    """Active organisations by name, to move a user into one (admin)."""
    _require_admin(actor)
    return list(list_organisations(OrganisationFilters(active=True), 1, ORGANISATION_CHOICES).items)


def first_organisation_id() -> int | None:
    """The oldest organisation's id (the command line's default for a new user), or None."""
    return db.session.scalar(select(Organisation.id).order_by(Organisation.id).limit(1))


def change_own_password(actor: User, current: str, new: str) -> User:
    """A user changes their own password after proving the current one.

    Every other session and every API token of the user ends; the caller signs the current session in again
    with the returned user (whose session key is new).
    """
    with unit_of_work():
        user = db.session.get(User, actor.id)
        if not user.check_password(current):
            raise ValidationFailed({"current_password": [lazy_gettext("Wrong password.")]})
        _check_password(new, "new_password", user_inputs=(user.email, user.name))
        user.set_password(new)
        user.updated_at = utcnow()
        revoked = end_sessions(user)
        record_event(actor, user, "password", details={"tokens_revoked": revoked}, notify=False)
    return user


def set_language(actor: User, language: str) -> None:
    """Remember a user's interface language."""
    with unit_of_work():
        user = db.session.get(User, actor.id)
        user.language = language
        record_event(actor, user, "language", details={"language": language}, notify=False)


PRIORITY_FIELDS = ("priority_sectors", "priority_regions", "priority_countries", "priority_sdgs",
                   "priority_contributions")


def update_priorities(actor: User, org_id: int, data: dict[str, Any]) -> Organisation:
    """Declare a partner's priorities (its own staff, or the admin): sectors, regional groups, countries, SDGs and
    kinds of contribution; unknown codes are refused naming the field; audited with the change log."""
    from kb.models import RegionalGroup, Sector

    error = permissions.priorities_refusal(actor, org_id)
    if error is not None:
        raise error
    with unit_of_work():
        org = get_organisation(org_id)
        data = {k: list(dict.fromkeys(v)) for k, v in data.items() if k in PRIORITY_FIELDS}
        for name, model in (("priority_sectors", Sector), ("priority_regions", RegionalGroup),
                            ("priority_countries", Country)):
            wanted = data.get(name) or []
            known = set(db.session.scalars(select(model.code).where(model.code.in_(wanted)))) if wanted else set()
            if unknown := [c for c in wanted if c not in known]:
                raise ValidationFailed({name: [lazy_gettext("Unknown code: %(codes)s.", codes=", ".join(unknown))]})
        current = {k: list(getattr(org, k) or []) for k in PRIORITY_FIELDS}
        changed = changed_fields(current, data)
        if not changed:
            return org
        populate(org, data, changed)
        org.updated_at = utcnow()
        record_event(actor, org, "priorities", details=change_log(current, data, changed), notify=False)
    return org
