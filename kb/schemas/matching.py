"""Suggestions and search: query parameters and results."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from kb.schemas.common import StrictSchema, language_code


class SuggestionQuerySchema(StrictSchema):
    """k and hard filters (own-country candidates are left out unless include_own_country)."""

    k = fields.Int(load_default=10, validate=validate.Range(min=1, max=100))
    include_own_country = fields.Bool(load_default=False)
    sector = fields.Str(validate=validate.Length(min=1, max=64))
    modality = fields.Str(validate=validate.Length(min=1, max=64))
    language = fields.Str(validate=language_code)
    country = fields.Str(validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    region = fields.Str(validate=validate.Length(min=1, max=32))


class SearchQuerySchema(SuggestionQuerySchema):
    """Free text in any of the four languages, over published offers or requests."""

    q = fields.Str(required=True, validate=validate.Length(min=1, max=500), metadata={
        "pattern": "^[^\\x00]*\\w[^\\x00]*$", "description": "Free text with at least one letter or digit."})
    kind = fields.Str(load_default="offers", validate=validate.OneOf(["offers", "requests"]))


class ExplanationSchema(Schema):
    """Why a candidate was suggested."""

    components = fields.Dict()
    weights = fields.Dict()
    shared_sectors = fields.List(fields.Str())
    shared_modalities = fields.List(fields.Str())
    working_languages = fields.Dict()
    matching_terms = fields.List(fields.Str())
    passage = fields.Str(allow_none=True)


class SuggestionSchema(Schema):
    """One ranked candidate with its score and explanation."""

    kind = fields.Str()
    id = fields.Int()
    title = fields.Str()
    country_code = fields.Str()
    organisation = fields.Dict()
    text_lang = fields.Str()
    score = fields.Float()
    explanation = fields.Nested(ExplanationSchema)


class SuggestionListSchema(Schema):
    """Ranked candidates, best first."""

    items = fields.List(fields.Nested(SuggestionSchema))
    k = fields.Int()
    revision = fields.Int()
