"""Shared schema pieces: pagination, transitions, validators."""
from __future__ import annotations

import pycountry
from flask import g, has_request_context
from flask_babel import lazy_gettext
from marshmallow import Schema, ValidationError, fields, pre_load, validate

TITLE = validate.Length(min=3, max=300)
LONG_TEXT = validate.Length(min=1, max=10000)
REASON = validate.Length(max=2000)
ID = validate.Range(min=1, max=2**31 - 1)  # ids and versions are database integers
LANG_CODES = frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))
# Languages with no two-letter code go by their ISO 639-3 code (as in BCP 47): Filipino fil, Tetum tet, Krio kri.
LANG3_ONLY_CODES = frozenset(lang.alpha_3 for lang in pycountry.languages if not hasattr(lang, "alpha_2"))


def language_code(value: str) -> None:
    """An ISO 639-1 language code, or the ISO 639-3 code of a language that has no ISO 639-1 code."""
    if value not in LANG_CODES and value not in LANG3_ONLY_CODES:
        # In a list: marshmallow takes a message that is not a str (a lazy one) for a list of messages.
        raise ValidationError([lazy_gettext(
            "Not a language code (ISO 639-1, or ISO 639-3 for a language without a two-letter code): %(value)s.",
            value=repr(value))])


def viewer():
    """The user the response is for (set by the API's authentication), or None."""
    return g.get("kb_user") if has_request_context() else None


class StrictSchema(Schema):
    """Unknown fields are refused (the marshmallow default, stated for readers)."""

    class Meta:
        unknown = "raise"

    @pre_load
    def _refuse_nul_characters(self, data, **_kwargs):  # type: ignore[no-untyped-def]
        """No text may hold a NUL character (PostgreSQL cannot store one): 422 on that field."""
        if hasattr(data, "keys"):
            bad = [key for key in data.keys() if _has_nul(data.get(key))]
            if bad:
                raise ValidationError({key: ["Text may not contain NUL characters."] for key in bad})
        return data


def _has_nul(value) -> bool:  # type: ignore[no-untyped-def]
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


class PageQuerySchema(StrictSchema):
    """page (from 1) and per_page (1..100)."""

    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Int(load_default=20, validate=validate.Range(min=1, max=100))


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """An envelope {items, total, page, per_page, pages} around item."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item)),
        "total": fields.Int(),
        "page": fields.Int(),
        "per_page": fields.Int(),
        "pages": fields.Int(),
    }, name=name)


class TransitionSchema(StrictSchema):
    """A workflow action with its reason and the data some actions need."""

    action = fields.Str(required=True, validate=validate.Length(min=1, max=32))
    reason = fields.Str(load_default=None, allow_none=True, validate=REASON)
    version = fields.Int(load_default=None, allow_none=True, validate=ID)
    valid_until = fields.Date(load_default=None, allow_none=True)
    agreement_ref = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=200))
    agreement_date = fields.Date(load_default=None, allow_none=True)
    start_date = fields.Date(load_default=None, allow_none=True)
    end_date = fields.Date(load_default=None, allow_none=True)
    completion_report = fields.Str(load_default=None, allow_none=True, validate=LONG_TEXT)


class ErrorSchema(Schema):
    """The error body of every 4xx/5xx."""

    code = fields.Int()
    status = fields.Str()
    message = fields.Str()
    errors = fields.Dict()
