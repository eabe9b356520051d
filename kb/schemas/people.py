"""Authentication, organisations and users."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from kb.i18n import LANGUAGES
from kb.models import OrgKind, Role
from kb.schemas.common import (
    COUNTRY_CODES,
    ID,
    WEB_ADDRESS,
    PageQuerySchema,
    StrictSchema,
    codes,
    country_code,
    viewer,
)

# The part of the password policy a JSON Schema cannot state (kb/services/admin.py `_check_password`).
PASSWORD_RULE = ("10 to 200 characters, and hard to guess: zxcvbn must rate it at least 3 of 4. Common passwords, "
                 "repeated characters, sequences, keyboard walks, dates and the person's own name or e-mail are "
                 "refused with 422.")


class TokenRequestSchema(StrictSchema):
    """Credentials exchanged for a bearer token."""

    email = fields.Str(required=True, validate=validate.Length(min=3, max=254))
    password = fields.Str(required=True, load_only=True, validate=validate.Length(min=1, max=200),
                          metadata={"trim": False})


class TokenSchema(Schema):
    """A new bearer token (shown once)."""

    token = fields.Str()
    expires_at = fields.DateTime()
    user_id = fields.Int()
    role = fields.Str()


class OrganisationInSchema(StrictSchema):
    """A new organisation."""

    name = fields.Str(required=True, validate=validate.Length(min=2, max=300))
    acronym = fields.Str(allow_none=True, validate=validate.Length(max=40))
    kind = fields.Enum(OrgKind, by_value=True, required=True)
    country_code = fields.Str(required=True, validate=country_code, metadata=codes(COUNTRY_CODES))
    verified = fields.Bool(load_default=False)
    website = fields.Str(allow_none=True, validate=[validate.Length(max=300), validate.Regexp(WEB_ADDRESS)],
                         metadata={"description": "An http(s) address, e.g. https://www.example.org/path"})
    contact_email = fields.Email(allow_none=True, validate=validate.Length(max=254))


class OrganisationPatchSchema(OrganisationInSchema):
    """Partial edit of an organisation."""

    EDIT = True

    active = fields.Bool(metadata={"description": "false deactivates the organisation and its users (admin)"})
    version = fields.Int(load_default=None, allow_none=True, validate=ID)


class OrganisationOutSchema(Schema):
    """An organisation (contact e-mail only for signed-in users)."""

    id = fields.Int()
    name = fields.Str()
    acronym = fields.Str(allow_none=True)
    kind = fields.Str(metadata=codes(OrgKind))
    country_code = fields.Str()
    verified = fields.Bool()
    website = fields.Str(allow_none=True)
    contact_email = fields.Function(lambda o: o.contact_email if viewer() else None, allow_none=True)
    active = fields.Bool()
    version = fields.Int()


class OrganisationQuerySchema(PageQuerySchema):
    """Filters of the organisation list."""

    kind = fields.Str(validate=validate.OneOf([k.value for k in OrgKind]))
    country = fields.Str(validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    q = fields.Str(validate=validate.Length(min=1, max=200))
    verified = fields.Bool()
    active = fields.Bool()


class UserInSchema(StrictSchema):
    """A new user."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.Str(load_default="", validate=validate.Length(max=200))
    password = fields.Str(required=True, load_only=True, validate=validate.Length(min=10, max=200),
                          metadata={"trim": False, "description": PASSWORD_RULE})
    role = fields.Enum(Role, by_value=True, required=True)
    organisation_id = fields.Int(required=True, validate=ID)
    language = fields.Str(load_default="en", validate=validate.OneOf(LANGUAGES))


class UserPatchSchema(StrictSchema):
    """Partial edit of a user."""

    EDIT = True

    name = fields.Str(validate=validate.Length(max=200))
    password = fields.Str(load_only=True, validate=validate.Length(min=10, max=200),
                          metadata={"trim": False, "description": PASSWORD_RULE})
    role = fields.Enum(Role, by_value=True)
    organisation_id = fields.Int(validate=ID)
    language = fields.Str(validate=validate.OneOf(LANGUAGES))
    active = fields.Bool()
    version = fields.Int(load_default=None, allow_none=True, validate=ID)


class UserOutSchema(Schema):
    """A user (never the password hash)."""

    id = fields.Int()
    email = fields.Str()
    name = fields.Str()
    role = fields.Str(metadata=codes(Role))
    organisation_id = fields.Int()
    language = fields.Str(metadata=codes(LANGUAGES))
    active = fields.Bool()
    created_at = fields.DateTime()
    version = fields.Int()


class UserQuerySchema(PageQuerySchema):
    """Filters of the user list."""

    role = fields.Str(validate=validate.OneOf([r.value for r in Role]))
    organisation_id = fields.Int(validate=ID)
    q = fields.Str(validate=validate.Length(min=1, max=200), metadata={"description": "part of the name or e-mail"})
    active = fields.Bool()
