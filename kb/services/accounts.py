"""Joining and recovering access: password reset, invitations, institution applications (issue #9 §1).

Links e-mailed to people are signed with the secret key (itsdangerous), carry their purpose (a salt) and
expire (KB_PASSWORD_RESET_MINUTES, KB_INVITATION_DAYS, KB_APPLICATION_CONFIRM_HOURS). Each is single-use by
what it names:
- a reset link names the user and a fingerprint of their password hash and session key: the reset changes
  both (and ends every session and API token), so the link dies with its first use, and any sign-out kills it;
- an invitation link names a pending invitation and its address: accepting it makes it accepted;
- a confirmation link names an unconfirmed application and its address: confirming moves it to the queue.

Requests that make kb write to an address anyone may type (a reset, an application) are counted per address
and per client in `mail_requests` and refused with 429 past KB_MAIL_REQUESTS_PER_EMAIL /
KB_MAIL_REQUESTS_PER_CLIENT an hour, whether or not the address has an account; the answer to a reset request
is the same either way.

Messages go through the notification outbox (`flask kb outbox send`) in the recipient's language.

For the administration pages (also used by /admin/applications here):
- ``list_applications(actor, status, page, per_page)``: one page of applications (secretariat and admin), the
  oldest first; ``status`` one of unconfirmed, waiting (the queue), approved, refused, or None for all.
- ``application_queue(actor, status, page, per_page)``: that page with each application's actions and the
  organisations of its country (closest names first) it could be attached to (the /admin/applications page).
- ``get_application(actor, application_id)``: one application.
- ``decide_application(actor, application_id, action, reason=None, organisation_id=None, version=None)``:
  ``approve`` (with ``organisation_id``: attach the person to that existing organisation; without: create the
  applicant's organisation, verified) or ``refuse`` (a reason is required); the applicant is told by e-mail.
- ``send_reset_link(actor, user_id)``: the admin e-mails a user the /password/forgot reset link (audited).
- ``invite(actor, data)``: an invitation (``email``, ``role``, ``organisation_id``, optional ``language``).
"""
from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, has_request_context
from flask_babel import force_locale, gettext, lazy_gettext
from flask_sqlalchemy.pagination import Pagination
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from kb import i18n, permissions
from kb.errors import Conflict, NotFound, Throttled, ValidationFailed, unknown_reference
from kb.extensions import db
from kb.i18n import LANGUAGES, N_
from kb.models import (
    Application,
    ApplicationState,
    Country,
    Event,
    Invitation,
    InvitationState,
    MailRequest,
    Notification,
    Organisation,
    Role,
    User,
    utcnow,
)
from kb.services import unit_of_work
from kb.services.admin import EMAIL, _check_password
from kb.services.audit import page_link as _link
from kb.services.audit import record_event
from kb.services.auth import client_key, end_sessions
from kb.services.mail import SUBJECT_MAX, body_text, header_text
from kb.services.pages import paginate
from kb.workflow import recipients as rcp
from kb.workflow.applications import APPLICANT, APPLICATION, DECISIONS

APPLICANT_ROLES = (Role.DIRECTOR, Role.CENTRE, Role.PARTNER)
SALTS = {"reset": "kb-password-reset", "invitation": "kb-invitation", "confirm": "kb-application-confirm"}
INVALID_LINK = N_("This link is not valid any more: it was used already, it has expired, or it was copied "
                  "incompletely. Ask for a new one.")


# --- helpers ---------------------------------------------------------------------------------

def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALTS[purpose])


def _load(purpose: str, token: str, max_age: int) -> Any:
    """The payload of a signed link, else 404 (tampered, expired or from another purpose)."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        raise NotFound(INVALID_LINK) from None


def _normalise_email(value: str, field: str = "email") -> str:
    email = (value or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise ValidationFailed({field: [lazy_gettext("Not a valid e-mail address: %(value)s.", value=repr(value))]})
    return email


def _user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def _language(value: str | None, default: str | None = None) -> str:
    """value when it is one of the interface's languages, else default, else the request's (Accept-Language)."""
    if value in LANGUAGES:
        return value  # type: ignore[return-value]
    if default in LANGUAGES:
        return default  # type: ignore[return-value]
    if has_request_context():
        from flask_babel import get_locale

        return str(get_locale() or "en")[:2]
    return "en"


def _queue_mail(event: Event, language: str, compose: Callable[[], tuple[str, str]], user: User | None = None,
                email: str | None = None) -> Notification:
    """Queue one message, written in language (compose() runs under that locale), to a user or an address."""
    with force_locale(_language(language)):
        subject, body = compose()
    note = Notification(event_id=event.id, user_id=user.id if user else None, email=None if user else email,
                        kind=rcp.ACCOUNT, record_type=event.record_type, record_id=event.record_id,
                        subject=header_text(subject, SUBJECT_MAX), body=body_text(body))
    db.session.add(note)
    from kb.jobs import after_commit, send_outbox

    after_commit(send_outbox)  # a worker delivers it as soon as the transaction has committed
    return note


def _throttle(purpose: str, email: str, address: str | None) -> None:
    """Refuse (429) a request past the hourly limits per e-mail and per client; else count it (flush only)."""
    since = utcnow() - timedelta(hours=1)
    limits = ((MailRequest.email == email, current_app.config["KB_MAIL_REQUESTS_PER_EMAIL"]),)
    if address is not None:
        limits += ((MailRequest.remote_addr == address, current_app.config["KB_MAIL_REQUESTS_PER_CLIENT"]),)
    for condition, limit in limits:
        recent = db.session.scalars(select(MailRequest.at).where(MailRequest.purpose == purpose, condition,
                                                                 MailRequest.at >= since)
                                    .order_by(MailRequest.at.desc()).limit(limit)).all()
        if len(recent) >= limit:
            wait = recent[limit - 1] + timedelta(hours=1) - utcnow()
            raise Throttled(N_("Too many requests for this address; try again later."),
                            retry_after=max(1, math.ceil(wait.total_seconds())))
    db.session.add(MailRequest(purpose=purpose, email=email[:254], remote_addr=address))


# --- password reset --------------------------------------------------------------------------

def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.session_key}:{user.password_hash}".encode()).hexdigest()[:24]


def request_password_reset(email: str, remote_addr: str | None = None) -> None:
    """E-mail a reset link to the active account of email, if there is one; the caller answers the same either
    way. Throttled per address and per client (429)."""
    email = _normalise_email(email)
    with unit_of_work():
        _throttle("reset", email, client_key(remote_addr))
        user = _user_by_email(email)
        if user is None or not user.active:
            return
        _mail_reset_link(None, user, "reset-requested")


def send_reset_link(actor: User, user_id: int) -> User:
    """The admin sends a user the same reset link as /password/forgot (audited as reset-link-sent, by the
    admin); a deactivated user gets none (409)."""
    permissions.require_administration(actor, permissions.MANAGE_USERS)
    with unit_of_work():
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound(i18n.not_found("user", user_id))
        if not user.active:
            raise Conflict(N_("This user is deactivated: reactivate them before sending a reset link."))
        _mail_reset_link(actor, user, "reset-link-sent")
    return user


def _mail_reset_link(actor: User | None, user: User, action: str) -> None:
    """Queue the reset message to user (inside the caller's transaction), audited as action by actor."""
    token = _serializer("reset").dumps([user.id, _fingerprint(user)])
    link = _link("join.reset_password", token=token)
    minutes = current_app.config["KB_PASSWORD_RESET_MINUTES"]
    event = record_event(actor, user, action, notify=False)

    def compose() -> tuple[str, str]:
        return (gettext("Knowledge Bank: set a new password"),
                gettext("Someone (we hope you) asked to set a new password for your Knowledge Bank account "
                        "%(email)s.\n\nOpen this link within %(minutes)s minutes to choose one (it works once):"
                        "\n%(link)s\n\nIf it was not you, ignore this message: your password stays as it is.",
                        email=user.email, minutes=minutes, link=link))

    _queue_mail(event, user.language, compose, user=user)


def user_for_reset(token: str) -> User:
    """The user a reset link is for, while it is valid (unused, unexpired), else 404."""
    payload = _load("reset", token, current_app.config["KB_PASSWORD_RESET_MINUTES"] * 60)
    try:
        user_id, fingerprint = payload
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        raise NotFound(INVALID_LINK) from None
    if user is None or not user.active or fingerprint != _fingerprint(user):
        raise NotFound(INVALID_LINK)
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link: every session and API token of the user ends, the link dies."""
    with unit_of_work():
        user = user_for_reset(token)
        _check_password(password, "password", user_inputs=(user.email, user.name))
        user.set_password(password)
        user.updated_at = utcnow()
        revoked = end_sessions(user)
        record_event(user, user, "password-reset", details={"tokens_revoked": revoked}, notify=False)
    return user


# --- invitations -----------------------------------------------------------------------------

def invite(actor: User, data: dict[str, Any]) -> Invitation:
    """Invite a person into an organisation with a role (see permissions.invitation_refusal); the invitee gets
    a link to set their password, in data's language (else the inviter's)."""
    email = _normalise_email(data["email"])
    role = Role(data["role"])
    with unit_of_work() as session:
        org = db.session.get(Organisation, data["organisation_id"])
        if org is None:
            raise unknown_reference("organisation_id", lazy_gettext("Unknown organisation: %(id)s.",
                                                                    id=data["organisation_id"]))
        error = permissions.invitation_refusal(actor, org.id, role)
        if error is not None:
            raise error
        if _user_by_email(email) is not None:
            raise Conflict(N_("A user with this e-mail exists."), {"email": [N_("Already registered.")]})
        invitation = Invitation(email=email, role=role, organisation_id=org.id, invited_by_id=actor.id,
                                language=_language(data.get("language"), actor.language))
        session.add(invitation)
        session.flush()
        event = record_event(actor, invitation, "invite", to_state=InvitationState.PENDING, notify=False,
                             details={"email": email, "role": str(role), "organisation_id": org.id})
        token = _serializer("invitation").dumps([invitation.id, email])
        link = _link("join.invitation", token=token)
        days = current_app.config["KB_INVITATION_DAYS"]
        inviter = actor.name or actor.email

        def compose() -> tuple[str, str]:
            return (gettext("Knowledge Bank: you are invited to join %(organisation)s", organisation=org.name),
                    gettext("%(inviter)s invites you to the Knowledge Bank for South-South cooperation, in "
                            "%(organisation)s, as %(role)s.\n\nOpen this link within %(days)s days to choose your "
                            "password:\n%(link)s", inviter=inviter, organisation=org.name,
                            role=_role_label(role), days=days, link=link))

        _queue_mail(event, invitation.language, compose, email=email)
    return invitation


def _role_label(role: Role) -> str:
    return str(ROLE_NAMES.get(role, role))


ROLE_NAMES = {Role.ADMIN: lazy_gettext("Administrator"), Role.SECRETARIAT: lazy_gettext("Secretariat"),
              Role.DIRECTOR: lazy_gettext("Cooperation director"), Role.CENTRE: lazy_gettext("Competence centre"),
              Role.PARTNER: lazy_gettext("Partner")}


def invitation_for_link(token: str) -> Invitation:
    """The pending invitation a link names, while valid, else 404."""
    payload = _load("invitation", token, current_app.config["KB_INVITATION_DAYS"] * 86400)
    try:
        invitation_id, email = payload
        invitation = db.session.get(Invitation, int(invitation_id))
    except (TypeError, ValueError):
        raise NotFound(INVALID_LINK) from None
    if invitation is None or invitation.status != InvitationState.PENDING or invitation.email != email:
        raise NotFound(INVALID_LINK)
    return invitation


def accept_invitation(token: str, name: str, password: str, language: str | None = None) -> User:
    """The invitee sets their name, password and language: their account exists from now on."""
    with unit_of_work() as session:
        invitation = invitation_for_link(token)
        name = (name or "").strip()
        if not name:
            raise ValidationFailed({"name": [N_("May not be blank.")]})
        if _user_by_email(invitation.email) is not None:
            raise Conflict(N_("A user with this e-mail exists."), {"email": [N_("Already registered.")]})
        _check_password(password, "password", user_inputs=(invitation.email, name))
        user = User(email=invitation.email, name=name[:200], role=invitation.role,
                    organisation_id=invitation.organisation_id, language=_language(language, invitation.language))
        user.set_password(password)
        session.add(user)
        session.flush()
        invitation.status, invitation.accepted_at, invitation.user_id = InvitationState.ACCEPTED, utcnow(), user.id
        record_event(user, invitation, "accept", from_state=InvitationState.PENDING, to_state=InvitationState.ACCEPTED,
                     notify=False)
        record_event(user, user, "create", details={"role": str(user.role), "invitation_id": invitation.id},
                     notify=False)
    return user


# --- applications ----------------------------------------------------------------------------

def apply(data: dict[str, Any], remote_addr: str | None = None) -> Application:
    """An institution applies to join: its organisation, a first person with the role wished (director, centre
    or partner, never secretariat or admin) and a password. A link to confirm the address is e-mailed; an
    address that has an account already gets a message saying so instead (the page answers the same)."""
    email = _normalise_email(data["email"])
    role = data.get("role")
    if role not in {r.value for r in APPLICANT_ROLES}:
        raise ValidationFailed({"role": [N_("Choose director, centre or partner.")]})
    country = (data.get("country_code") or "").upper()
    if db.session.get(Country, country) is None:
        raise ValidationFailed({"country_code": [lazy_gettext("Unknown country: %(code)s.", code=country)]})
    language = _language(data.get("language"))
    with unit_of_work() as session:
        _throttle("apply", email, client_key(remote_addr))
        _check_password(data["password"], "password", user_inputs=(email, data.get("person_name") or ""))
        application = Application(
            organisation_name=data["organisation_name"], organisation_kind=data["organisation_kind"],
            country_code=country, website=data.get("website") or None, person_name=data["person_name"],
            email=email, role=Role(role), language=language)
        application.password_hash = generate_password_hash(data["password"],
                                                           method=current_app.config["KB_PASSWORD_METHOD"])
        session.add(application)
        session.flush()
        event = record_event(None, application, "apply", to_state=ApplicationState.UNCONFIRMED, notify=False,
                             details={"email": email, "role": role})
        existing = _user_by_email(email)
        if existing is not None:
            link = _link("join.forgot_password")

            def compose() -> tuple[str, str]:
                return (gettext("Knowledge Bank: you already have an account"),
                        gettext("Someone (we hope you) applied to join the Knowledge Bank with %(email)s, which "
                                "already has an account. Sign in, or set a new password here:\n%(link)s",
                                email=email, link=link))
        else:
            token = _serializer("confirm").dumps([application.id, email])
            link = _link("join.confirm", token=token)
            hours = current_app.config["KB_APPLICATION_CONFIRM_HOURS"]

            def compose() -> tuple[str, str]:
                return (gettext("Knowledge Bank: confirm your e-mail address"),
                        gettext("Thank you for applying to join the Knowledge Bank for %(organisation)s.\n\nOpen "
                                "this link within %(hours)s hours to confirm your address; the secretariat then "
                                "reviews your application:\n%(link)s", organisation=application.organisation_name,
                                hours=hours, link=link))
        _queue_mail(event, language, compose, email=email)
    return application


def confirm_application(token: str) -> Application:
    """Follow the confirmation link: the application joins the secretariat's queue (a second click is harmless)."""
    payload = _load("confirm", token, current_app.config["KB_APPLICATION_CONFIRM_HOURS"] * 3600)
    with unit_of_work():
        try:
            application_id, email = payload
            application = db.session.get(Application, int(application_id))
        except (TypeError, ValueError):
            raise NotFound(INVALID_LINK) from None
        if application is None or application.email != email:
            raise NotFound(INVALID_LINK)
        if application.status == ApplicationState.WAITING:
            return application
        if _user_by_email(email) is not None:
            raise NotFound(INVALID_LINK)
        t = APPLICATION.check(application.status, "confirm", {APPLICANT})
        application.status, application.confirmed_at = ApplicationState(t.target), utcnow()
        record_event(None, application, "confirm", from_state=t.source, to_state=t.target)  # tells the secretariat
    return application


def list_applications(actor: User, status: str | None = ApplicationState.WAITING, page: int = 1,
                      per_page: int = 20) -> Pagination:
    """One page of applications (secretariat and admin), oldest first; status None lists every state."""
    permissions.require_application_reviewer(actor)
    stmt = select(Application).order_by(Application.created_at, Application.id)
    if status:
        stmt = stmt.where(Application.status == status)
    return paginate(stmt, page, per_page)


CANDIDATES = 50  # organisations offered to attach an applicant to, per application


@dataclass
class ApplicationQueue:
    """A page of applications with, for each, what the reviewer may do and the organisations of its country
    (those whose name shares a word with the applicant's first) it could be attached to."""

    page: Pagination
    actions: dict[int, list[str]]
    candidates: dict[int, list[Organisation]]


def application_queue(actor: User, status: str | None = ApplicationState.WAITING, page: int = 1,
                      per_page: int = 20) -> ApplicationQueue:
    """The review page's data: list_applications, each application's actions and candidate organisations."""
    listing = list_applications(actor, status, page, per_page)
    actions, candidates = {}, {}
    for application in listing.items:
        actions[application.id] = application_actions(actor, application)
        if actions[application.id]:
            candidates[application.id] = _candidates(application)
    return ApplicationQueue(listing, actions, candidates)


def _candidates(application: Application) -> list[Organisation]:
    words = {w for w in re.findall(r"\w{4,}", application.organisation_name.lower())}
    orgs = db.session.scalars(select(Organisation).where(Organisation.country_code == application.country_code)
                              .order_by(Organisation.name, Organisation.id).limit(500)).all()

    def shared(org: Organisation) -> int:
        return len(words & set(re.findall(r"\w{4,}", f"{org.name} {org.acronym or ''}".lower())))

    return sorted(orgs, key=lambda o: (-shared(o), o.name))[:CANDIDATES]


def get_application(actor: User, application_id: int) -> Application:
    """One application (secretariat and admin), else 404."""
    permissions.require_application_reviewer(actor)
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound(lazy_gettext("Application %(id)s not found.", id=application_id))
    return application


def application_actions(actor: User | None, application: Application) -> list[str]:
    """What actor may decide on application now (the API's `actions`, the page's buttons)."""
    return APPLICATION.available(application.status, permissions.application_capacities(actor))


def decide_application(actor: User, application_id: int, action: str, reason: str | None = None,
                       organisation_id: int | None = None, version: int | None = None) -> Application:
    """Approve (creating the organisation, verified, or attaching the person to organisation_id) or refuse with a
    reason; the applicant is told by e-mail in their language. Every change is audited."""
    from kb.services.access import require_version

    with unit_of_work() as session:
        application = get_application(actor, application_id)
        require_version(application, version)
        if action not in DECISIONS:
            raise ValidationFailed({"action": [lazy_gettext("Unknown action for %(record)s: %(action)s.",
                                                            record=i18n.a_record("application"), action=action)]})
        t = APPLICATION.check(application.status, action, permissions.application_capacities(actor), reason)
        reason = (reason or "").strip() or None
        if action == "refuse" and not reason:
            raise ValidationFailed({"reason": [lazy_gettext("A reason is required to %(action)s.",
                                                            action=i18n.action("refuse"))]})
        if action == "approve":
            org, user = _approve(actor, application, organisation_id)
            application.organisation_id, application.user_id = org.id, user.id
        application.status, application.decided_at, application.decided_by_id = ApplicationState(t.target), \
            utcnow(), actor.id
        application.reason = reason
        application.password_hash = None  # kept only until the decision
        session.flush()
        event = record_event(actor, application, action, from_state=t.source, to_state=t.target, reason=reason,
                             details={"organisation_id": application.organisation_id, "user_id": application.user_id},
                             notify=False)
        _tell_applicant(event, application, action, reason)
    return application


def _approve(actor: User, application: Application, organisation_id: int | None) -> tuple[Organisation, User]:
    if _user_by_email(application.email) is not None:
        raise Conflict(N_("A user with this e-mail exists."), {"email": [N_("Already registered.")]})
    if organisation_id is not None:
        org = db.session.get(Organisation, organisation_id)
        if org is None:
            raise unknown_reference("organisation_id", lazy_gettext("Unknown organisation: %(id)s.",
                                                                    id=organisation_id))
    else:
        org = Organisation(name=application.organisation_name, kind=application.organisation_kind,
                           country_code=application.country_code, website=application.website, verified=True,
                           contact_email=application.email)
        db.session.add(org)
        db.session.flush()
        record_event(actor, org, "create", details={"name": org.name, "application_id": application.id},
                     notify=False)
    user = User(email=application.email, name=application.person_name, role=application.role,
                organisation_id=org.id, language=application.language,
                password_hash=application.password_hash or "!")
    db.session.add(user)
    db.session.flush()
    record_event(actor, user, "create", details={"role": str(user.role), "application_id": application.id},
                 notify=False)
    return org, user


def _tell_applicant(event: Event, application: Application, action: str, reason: str | None) -> None:
    organisation = application.organisation_name
    if action == "approve":
        link = _link("account.login")

        def compose() -> tuple[str, str]:
            return (gettext("Knowledge Bank: your application is approved"),
                    gettext("Welcome to the Knowledge Bank: the application of %(organisation)s is approved. Sign "
                            "in with your e-mail address and the password you chose:\n%(link)s",
                            organisation=organisation, link=link))
    else:
        def compose() -> tuple[str, str]:
            return (gettext("Knowledge Bank: your application"),
                    gettext("The secretariat could not approve the application of %(organisation)s to join the "
                            "Knowledge Bank. Reason: %(reason)s", organisation=organisation, reason=reason))
    _queue_mail(event, application.language, compose, email=application.email)
