"""Shared schema pieces: pagination, transitions, validators, and the input rules every schema keeps."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pycountry
from flask.globals import _cv_app, _cv_request
from flask_babel import lazy_gettext
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate
from marshmallow import missing as missing_

from kb.i18n import N_

TITLE = validate.Length(min=3, max=300)
LONG_TEXT = validate.Length(min=1, max=10000)
REASON = validate.Length(max=2000)
ID = validate.Range(min=1, max=2**31 - 1)  # ids and versions are database integers
LANG_CODES = frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))
# Languages with no two-letter code go by their ISO 639-3 code (as in BCP 47): Filipino fil, Tetum tet, Krio kri.
LANG3_ONLY_CODES = frozenset(lang.alpha_3 for lang in pycountry.languages if not hasattr(lang, "alpha_2"))
COUNTRY_CODES = frozenset(c.alpha_2 for c in pycountry.countries)

NUL_MESSAGE = N_("Text may not contain NUL characters.")
SURROGATE_MESSAGE = N_("Text may not contain unpaired surrogate characters (invalid Unicode).")
BLANK_MESSAGE = N_("May not be blank.")
_SURROGATE = re.compile("[\ud800-\udfff]")


def language_code(value: str) -> None:
    """An ISO 639-1 language code, or the ISO 639-3 code of a language that has no ISO 639-1 code."""
    if value not in LANG_CODES and value not in LANG3_ONLY_CODES:
        # In a list: marshmallow takes a message that is not a str (a lazy one) for a list of messages.
        raise ValidationError([lazy_gettext(
            "Not a language code (ISO 639-1, or ISO 639-3 for a language without a two-letter code): %(value)s.",
            value=repr(value))])


def country_code(value: str) -> None:
    """An ISO 3166-1 alpha-2 country code, in capitals."""
    if value not in COUNTRY_CODES:
        raise ValidationError([lazy_gettext("Not an ISO 3166-1 country code: %(value)s.", value=repr(value))])


def codes(values) -> dict:  # type: ignore[no-untyped-def]
    """Field metadata documenting a code list (what the services accept) in the OpenAPI document."""
    return {"enum": sorted(str(v) for v in values)}


# A web address: http(s), a host name with a top-level domain, an optional port, path and query.
WEB_ADDRESS = r"^https?://([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(:[0-9]{1,5})?(/[^\s\x00]*)?$"
MONEY_PATTERN = r"^(0|[1-9][0-9]{0,10})(\.[0-9]{1,2})?$"


class Money(fields.Decimal):
    """An amount of money as a decimal string with at most two decimals, below 100 billion ("1500.00").

    Exact, unlike a JSON number; sent and returned as a string (documented as type string, format decimal)."""

    default_error_messages = {"invalid_amount": N_("Give the amount as digits with at most two decimals, "
                                                   "in a string: \"1500.00\".")}

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        metadata = {"pattern": MONEY_PATTERN, "example": "1500.00", **kwargs.pop("metadata", {})}
        super().__init__(places=2, as_string=True, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        if not isinstance(value, str) or not re.fullmatch(MONEY_PATTERN, value):
            raise self.make_error("invalid_amount")
        return super()._deserialize(value, attr, data, **kwargs)


def viewer():
    """The user the response is for (set by the API's authentication), or None.

    Read from the contexts without flask's proxies (`g`, `has_request_context`): a list's schemas ask for each row's
    contacts and actions, 60 calls a page of 20."""
    if _cv_request.get(None) is None:
        return None
    ctx = _cv_app.get(None)
    return None if ctx is None else ctx.g.__dict__.get("kb_user")


# --- typed and text input -----------------------------------------------------------------------

_TEXT_INPUT: ContextVar[bool] = ContextVar("kb_text_input", default=False)


@contextmanager
def text_input() -> Iterator[None]:
    """Load values that arrive as text (HTML forms, query strings): "7" reads as 7 and "true" as true.

    Everywhere else (JSON bodies, JSON lines) input is typed: 7.9 and "7" are not integers, 0 and "true"
    are not booleans, "12" is not a number."""
    token = _TEXT_INPUT.set(True)
    try:
        yield
    finally:
        _TEXT_INPUT.reset(token)


def typed_input() -> bool:
    """True unless the values being loaded arrived as text (see text_input)."""
    return not _TEXT_INPUT.get()


def _wrong_type(field: fields.Field, value: Any) -> bool:
    """A typed (JSON) value of the wrong JSON type for field: no coercion of floats, strings or 0/1."""
    if value is None:
        return False  # allow_none decides
    if isinstance(field, fields.Boolean):
        return not isinstance(value, bool)
    if isinstance(field, fields.Integer):
        return isinstance(value, bool) or not isinstance(value, int)
    if isinstance(field, (fields.Float, fields.Number)) and not getattr(field, "as_string", False):
        return isinstance(value, bool) or not isinstance(value, (int, float))
    return False


def _is_text(field: fields.Field) -> bool:
    return isinstance(field, fields.String) and field.metadata.get("trim", True)


def _needs_text(field: fields.Field) -> bool:
    """Required text, or text with a minimum length: whitespace alone does not count."""
    return field.required or any(isinstance(v, validate.Length) and (v.min or 0) > 0 for v in field.validators)


def _bad_characters(value: Any) -> str | None:
    """The message for text (anywhere in value, keys included) that no database can store, else None."""
    if isinstance(value, str):
        if "\x00" in value:
            return NUL_MESSAGE
        if _SURROGATE.search(value):
            return SURROGATE_MESSAGE
        return None
    if isinstance(value, dict):
        items: Any = (x for kv in value.items() for x in kv)
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return None
    for item in items:
        found = _bad_characters(item)
        if found:
            return found
    return None


def _printable_key(key: Any) -> str:
    return str(key).encode("utf-8", "backslashreplace").decode("utf-8")


class StrictSchema(Schema):
    """The input rules of every schema that reads a body, a query string or a form.

    - Unknown fields are refused (the marshmallow default, stated for readers).
    - No text may hold a NUL character (PostgreSQL cannot store one) or an unpaired surrogate
      ("\\ud800": no encoding can store one): 422 on that field, wherever the text is.
    - Typed input (JSON) is taken at its type: no float is truncated into an integer, 0/1 are not booleans,
      strings are not numbers (text input from forms and query strings is converted as usual).
    - Required text (and text with a minimum length) may not be whitespace alone; text is stored without
      the whitespace around it (passwords, marked ``metadata={"trim": False}``, are kept as typed).
    """

    class Meta:
        unknown = "raise"

    @pre_load
    def _check_input(self, data, *, partial=None, **_kwargs):  # type: ignore[no-untyped-def]
        if not isinstance(data, Mapping):
            return data  # marshmallow answers "Invalid input type."
        errors: dict[str, Any] = {}
        faulty: set[str] = set()
        by_key = {field.data_key or name: (name, field) for name, field in self.load_fields.items()}
        typed = typed_input()
        for key, value in data.items():
            name, field = by_key.get(key, (None, None))
            message = _bad_characters(key) or (None if isinstance(field, fields.Nested) else _bad_characters(value))
            if message:
                errors[_printable_key(key)] = [message]
            elif field is None:
                continue
            elif typed and _wrong_type(field, value):
                errors[key] = [field.error_messages["invalid"]]
            elif typed and isinstance(field, fields.List) and isinstance(value, list) and \
                    any(_wrong_type(field.inner, item) for item in value):
                errors[key] = {i: [field.inner.error_messages["invalid"]] for i, item in enumerate(value)
                               if _wrong_type(field.inner, item)}
            elif _is_text(field) and isinstance(value, str) and not value.strip() and _needs_text(field):
                errors[key] = [BLANK_MESSAGE]
            else:
                continue
            if name:
                faulty.add(name)
        if errors:
            # Report the other fields' errors too, as marshmallow would have: load the rest on its own.
            rest = {k: v for k, v in data.items() if _printable_key(k) not in errors}
            raise ValidationError({**self._errors_of(rest, partial, faulty), **errors})
        return data

    def _errors_of(self, data: dict, partial: Any, skip: set[str]) -> dict:
        partial = True if partial is True else tuple(set(partial or ()) | skip)
        try:
            type(self)(only=self.only, exclude=self.exclude).load(data, partial=partial)
        except ValidationError as err:
            return err.messages if isinstance(err.messages, dict) else {}
        return {}

    @post_load
    def _trim(self, data, **_kwargs):  # type: ignore[no-untyped-def]
        for name, field in self.load_fields.items():
            value = data.get(name) if isinstance(data, dict) else None
            if _is_text(field) and isinstance(value, str):
                value = value.strip()
                data[name] = None if not value and field.allow_none else value
        return data


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


def transition_schema(machine, name: str) -> type[TransitionSchema]:  # type: ignore[no-untyped-def]
    """TransitionSchema with the actions a caller may ask of machine's records as its code list, and
    (in the document) the data each action needs (kb.workflow.NEEDS)."""
    from kb.workflow import NEEDS

    return type(name, (TransitionSchema,), {
        "action": fields.Str(required=True, validate=validate.OneOf(machine.requestable)),
        "NEEDS": {action: NEEDS.get(action, ()) for action in machine.requestable},
        "__doc__": f"An action on a {machine.name}, with its reason and the data some actions need.",
    })


class ErrorSchema(Schema):
    """The error body of every 4xx/5xx: errors maps field names (under "json" or "query" for the API's
    input) to lists of messages."""

    code = fields.Int(required=True, metadata={"description": "The HTTP status code."})
    status = fields.Str(required=True, metadata={"description": "The HTTP status phrase."})
    message = fields.Str(required=True, metadata={"description": "What went wrong, in the caller's language."})
    errors = fields.Dict(metadata={"description": "Messages by field (422), when fields are at fault."})


_SLOW = object()  # a value the plain copy below does not handle: the field's own serialisation then runs


def _plain_copy(field: fields.Field) -> Any:
    """A function giving what field.serialize gives for the usual values of a field of a plain kind (str, int or
    float scalars, dicts without key or value fields, lists of str), else _SLOW; None for other kinds of field."""
    if field.attribute is not None or field.dump_default is not missing_ or not field._CHECK_ATTRIBUTE:
        return None
    kind = type(field)
    if kind is fields.String:
        return lambda v: v if v.__class__ is str or v is None else _SLOW
    if kind is fields.Integer and not field.as_string:
        return lambda v: v if v.__class__ is int or v is None else _SLOW
    if kind is fields.Float and not field.as_string:
        return lambda v: v if v.__class__ is float or v is None else _SLOW
    if kind is fields.Dict and field.key_field is None and field.value_field is None and field.mapping_type is dict:
        return lambda v: dict(v) if v.__class__ is dict else None if v is None else _SLOW
    if kind is fields.List and type(field.inner) is fields.String and field.inner.attribute is None:
        return lambda v: list(v) if v.__class__ is list and all(x.__class__ is str for x in v) else \
            None if v is None else _SLOW
    return None


class PlainDumpSchema(Schema):
    """A response schema whose dump of a dict holding every field copies its plain values (str, int, float, dicts,
    lists of str: what marshmallow's fields would give them back as) without marshmallow's per-field machinery; any
    other field or value goes through marshmallow as usual. For the lists an endpoint serialises on every call (a
    page of 10 suggestions was ~190 field serialisations)."""

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        if many and obj is not None:
            return [self._serialize(d, many=False) for d in obj]
        plan = self.__dict__.get("_plain_plan")
        if plan is None:
            plan = self.__dict__["_plain_plan"] = [
                (name, f.data_key if f.data_key is not None else name, f, _plain_copy(f))
                for name, f in self.dump_fields.items()]
        if obj.__class__ is not dict or type(self).get_attribute is not Schema.get_attribute or \
                any(name not in obj for name, _key, _f, _copy in plan):
            return super()._serialize(obj, many=False)
        ret = self.dict_class()
        for name, key, field, copy in plan:
            value = _SLOW if copy is None else copy(obj[name])
            if value is _SLOW:
                value = field.serialize(name, obj, accessor=self.get_attribute)
                if value is missing_:
                    continue
            ret[key] = value
        return ret
