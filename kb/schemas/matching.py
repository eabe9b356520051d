"""Suggestions and search: query parameters and results."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from kb.schemas.common import ID, PageQuerySchema, PlainDumpSchema, StrictSchema, language_code


class _RankQuerySchema(StrictSchema):
    """k and hard filters (own-country candidates are left out unless include_own_country)."""

    k = fields.Int(load_default=10, validate=validate.Range(min=1, max=100))
    include_own_country = fields.Bool(load_default=False)
    sector = fields.Str(validate=validate.Length(min=1, max=64))
    modality = fields.Str(validate=validate.Length(min=1, max=64))
    language = fields.Str(validate=language_code)
    country = fields.Str(validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    region = fields.Str(validate=validate.Length(min=1, max=32))


class SuggestionQuerySchema(_RankQuerySchema):
    """k, hard filters, and whether weak suggestions (fit below 0.2) are shown too."""

    include_weak = fields.Bool(load_default=False, metadata={
        "description": "Also list weak suggestions (calibrated fit below 0.2); hidden by default."})


class SearchQuerySchema(_RankQuerySchema):
    """Free text in any of the four languages, over published offers or requests."""

    q = fields.Str(required=True, validate=validate.Length(min=1, max=500), metadata={
        "pattern": "^[^\\x00]*\\w[^\\x00]*$", "description": "Free text with at least one letter or digit."})
    kind = fields.Str(load_default="offers", validate=validate.OneOf(["offers", "requests"]))


class ExplanationSchema(PlainDumpSchema):
    """Why a candidate was suggested."""

    summary = fields.Str(metadata={"description": "One plain sentence in the caller's language: what the pair "
                                                  "has in common."})
    passages = fields.Dict(metadata={"description": "The most similar sentences of each side (sentence "
                                                    "embeddings): {\"request\": ..., \"offer\": ...}."})
    components = fields.Dict()
    weights = fields.Dict()
    shared_sectors = fields.List(fields.Str())
    shared_modalities = fields.List(fields.Str())
    working_languages = fields.Dict()
    matching_terms = fields.List(fields.Str())
    passage = fields.Str(allow_none=True)
    sibling_offer = fields.Dict(allow_none=True, metadata={
        "description": "Another offer of the offer's institution close to the request ({\"id\", \"title\"}), "
                       "when the pair's fit counts it (components.sibling_z >= 1); null otherwise."})


class SuggestionSchema(PlainDumpSchema):
    """One ranked candidate with its score and explanation."""

    kind = fields.Str()
    id = fields.Int()
    title = fields.Str()
    country_code = fields.Str()
    organisation = fields.Dict()
    text_lang = fields.Str()
    score = fields.Float(metadata={"description": "Fused score: the log-odds that the pair is relevant (for ordering)."})
    fit = fields.Float(allow_none=True, metadata={
        "description": "Calibrated probability that the pair is relevant (0-1); the same for a pair on every "
                       "page and in both directions. None for free-text search, which is not a pair."})
    band = fields.Str(allow_none=True, validate=validate.OneOf(["strong", "possible", "weak"]), metadata={
        "description": "strong: fit >= 0.5; possible: 0.2 <= fit < 0.5; weak: fit < 0.2."})
    explanation = fields.Nested(ExplanationSchema)


class SuggestionListSchema(PlainDumpSchema):
    """Ranked candidates, best first."""

    items = fields.List(fields.Nested(SuggestionSchema))
    k = fields.Int()
    has_strong = fields.Bool(allow_none=True, metadata={
        "description": "Whether any suggestion is strong (fit >= 0.5); false means no strong match yet. "
                       "None for free-text search."})
    revision = fields.Int()


class DeskSelectionSchema(Schema):
    """The record the matching desk works from (?request_id or ?offer_id); other parameters are read apart."""

    class Meta:
        unknown = "exclude"

    request_id = fields.Int(validate=ID)
    offer_id = fields.Int(validate=ID)


class WaitingQuerySchema(PageQuerySchema):
    """The order of the requests without a proposal yet."""

    order = fields.Str(load_default="age", validate=validate.OneOf(["age", "fit"]), metadata={
        "description": "age: oldest publication first (the default); fit: weakest best fit first (requests without "
                       "any candidate offer, then the lowest fit; ties oldest first), among the KB_UNMET_LIMIT oldest."})


class WaitingRequestSchema(Schema):
    """A published request without a proposal yet, with its age and its best suggestion's fit right now."""

    id = fields.Int()
    title = fields.Str()
    country_code = fields.Str()
    text_lang = fields.Str()
    organisation_id = fields.Int()
    published_at = fields.DateTime(allow_none=True)
    days_published = fields.Int(allow_none=True)
    best_fit = fields.Float(allow_none=True, metadata={
        "description": "The calibrated fit of its best suggested offer (default filters); null when no published "
                       "offer is a candidate."})
    band = fields.Str(allow_none=True, validate=validate.OneOf(["strong", "possible", "weak"]))
    seeks_cofinancing = fields.Bool()


class SuggestedPartnerSchema(Schema):
    """A partner organisation that could support the exchange or request, with its score and reasons."""

    organisation = fields.Dict(metadata={"description": "id, name, country_code, kind"})
    score = fields.Float(metadata={"description": "0-1: the weighted sum of the components (docs/MATCHING.md)."})
    components = fields.Dict(metadata={"description": "sectors, place, sdgs, track_record, contribution (each 0-1)."})
    reasons = fields.List(fields.Str(), metadata={"description": "Plain sentences in the caller's language."})
    exchanges_supported = fields.Int()
    similar_supported = fields.Int()


class SuggestedPartnerListSchema(Schema):
    """Suggested partners, best first."""

    items = fields.List(fields.Nested(SuggestedPartnerSchema))
