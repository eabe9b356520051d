"""Invitations and institution applications (issue #9 §1)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from kb import permissions
from kb.i18n import LANGUAGES
from kb.models import ApplicationState, OrgKind, Role
from kb.schemas.common import (
    COUNTRY_CODES,
    ID,
    REASON,
    WEB_ADDRESS,
    PageQuerySchema,
    StrictSchema,
    codes,
    country_code,
    viewer,
)
from kb.workflow.applications import APPLICATION, DECISIONS

APPLICANT_ROLES = ("director", "centre", "partner")


class InvitationInSchema(StrictSchema):
    """Invite a person into an organisation with a role. The admin invites anyone anywhere, the secretariat
    anyone but an administrator; a director, centre or partner invites colleagues into their own organisation
    with their own role (403 otherwise). An address that has an account is refused (409)."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.Enum(Role, by_value=True, required=True)
    organisation_id = fields.Int(required=True, validate=ID)
    language = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES),
                          metadata={"description": "The invitation's language (default: the inviter's)."})


class InvitationOutSchema(Schema):
    """An invitation (the link goes to the invitee only, by e-mail)."""

    id = fields.Int()
    email = fields.Str()
    role = fields.Str(metadata=codes(Role))
    organisation_id = fields.Int()
    language = fields.Str(metadata=codes(LANGUAGES))
    status = fields.Str()
    created_at = fields.DateTime()


class ApplicationOutSchema(Schema):
    """An institution's application to join."""

    id = fields.Int()
    status = fields.Str(metadata=codes(ApplicationState))
    organisation_name = fields.Str()
    organisation_kind = fields.Str(metadata=codes(OrgKind))
    country_code = fields.Str()
    website = fields.Str(allow_none=True)
    person_name = fields.Str()
    email = fields.Str()
    role = fields.Str(metadata=codes(APPLICANT_ROLES))
    language = fields.Str(metadata=codes(LANGUAGES))
    created_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    reason = fields.Str(allow_none=True)
    organisation_id = fields.Int(allow_none=True)
    user_id = fields.Int(allow_none=True)
    version = fields.Int()
    actions = fields.Method("_actions", metadata={"type": "array", "items": {"type": "string",
                                                                            **codes(APPLICATION.requestable)}})

    def _actions(self, obj) -> list[str]:  # type: ignore[no-untyped-def]
        return APPLICATION.available(obj.status, permissions.application_capacities(viewer()))


class ApplicationQuerySchema(PageQuerySchema):
    """Filter of the application list: waiting (the queue, the default), unconfirmed, approved, refused, all."""

    status = fields.Str(load_default="waiting",
                        validate=validate.OneOf([*(s.value for s in ApplicationState), "all"]))


class ApplicationTransitionSchema(StrictSchema):
    """Approve (with organisation_id: attach the person to that existing organisation instead of creating the
    applicant's) or refuse with a reason."""

    NEEDS = {"approve": (), "refuse": ("reason",)}

    action = fields.Str(required=True, validate=validate.OneOf(DECISIONS))
    reason = fields.Str(load_default=None, allow_none=True, validate=REASON)
    organisation_id = fields.Int(load_default=None, allow_none=True, validate=ID)
    version = fields.Int(load_default=None, allow_none=True, validate=ID)


class ApplicationInSchema(StrictSchema):
    """What /join asks (the page's form is read with this schema)."""

    organisation_name = fields.Str(required=True, validate=validate.Length(min=2, max=300))
    organisation_kind = fields.Enum(OrgKind, by_value=True, required=True)
    country_code = fields.Str(required=True, validate=country_code, metadata=codes(COUNTRY_CODES))
    website = fields.Str(load_default=None, allow_none=True,
                         validate=[validate.Length(max=300), validate.Regexp(WEB_ADDRESS)])
    person_name = fields.Str(required=True, validate=validate.Length(min=2, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.Str(required=True, validate=validate.OneOf(APPLICANT_ROLES))
    language = fields.Str(load_default="en", validate=validate.OneOf(LANGUAGES))
    password = fields.Str(required=True, load_only=True, validate=validate.Length(min=10, max=200),
                          metadata={"trim": False})


class PasswordForgotSchema(StrictSchema):
    """The address a reset link goes to (the /password/forgot form)."""

    email = fields.Email(required=True, validate=validate.Length(max=254))


class NewPasswordSchema(StrictSchema):
    """A new password typed twice (reset and invitation forms); name and language when accepting an invitation."""

    password = fields.Str(required=True, validate=validate.Length(min=1, max=200), metadata={"trim": False})
    repeat_password = fields.Str(required=True, validate=validate.Length(min=1, max=200), metadata={"trim": False})
    name = fields.Str(validate=validate.Length(min=2, max=200))
    language = fields.Str(validate=validate.OneOf(LANGUAGES))
