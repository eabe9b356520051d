"""Requests, offers and experts: input and output schemas."""
from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

from kb import data as vocabularies
from kb import permissions
from kb import workflow as wf
from kb.i18n import LANGUAGES
from kb.models import OfferState, RequestState, Sex, Terms
from kb.schemas.common import (
    ID,
    LONG_TEXT,
    TITLE,
    Money,
    PageQuerySchema,
    StrictSchema,
    codes,
    language_code,
    transition_schema,
    viewer,
)

TAGS = validate.Length(max=25)
# The code lists of the OpenAPI document. The database holds the vocabularies (/admin/vocabularies): the served
# document replaces these lists, marked x-kb-vocabulary, with the database's codes (kb/api/blueprint.py), what
# new tags may use (retired entries left out) or, on output, every code a record may carry.
SECTOR_CODES = {**codes(s["code"] for s in vocabularies.load("sectors")), "x-kb-vocabulary": "sectors"}
MODALITY_CODES = {**codes(m["code"] for m in vocabularies.load("modalities")), "x-kb-vocabulary": "modalities"}
ALL_SECTOR_CODES = {**SECTOR_CODES, "x-kb-vocabulary": "sectors+retired"}
ALL_MODALITY_CODES = {**MODALITY_CODES, "x-kb-vocabulary": "modalities+retired"}


class RecordInSchema(StrictSchema):
    """Fields common to request and offer input."""

    title = fields.Str(required=True, validate=TITLE)
    description = fields.Str(required=True, validate=LONG_TEXT)
    text_lang = fields.Str(validate=validate.OneOf(LANGUAGES), metadata={
        "description": "Language of title and description; detected from them when left out."})
    sectors = fields.List(fields.Str(validate=validate.Length(max=64), metadata=SECTOR_CODES), load_default=list,
                          validate=TAGS)
    modalities = fields.List(fields.Str(validate=validate.Length(max=64), metadata=MODALITY_CODES),
                             load_default=list, validate=TAGS)
    sdgs = fields.List(fields.Int(validate=validate.Range(min=1, max=17)), load_default=list, validate=TAGS)
    languages = fields.List(fields.Str(validate=language_code), load_default=list, validate=TAGS)
    contact_name = fields.Str(allow_none=True, validate=validate.Length(max=200))
    contact_email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    organisation_id = fields.Int(allow_none=True, validate=ID)


class RequestInSchema(RecordInSchema):
    """A new request."""

    beneficiaries_count = fields.Int(allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    beneficiaries_kind = fields.Str(allow_none=True, validate=validate.Length(max=300))
    duration_months = fields.Int(allow_none=True, validate=validate.Range(min=1, max=120))
    wished_start = fields.Date(allow_none=True)
    wished_end = fields.Date(allow_none=True)
    cofinancing = fields.Str(allow_none=True, validate=validate.Length(max=2000))
    seeks_cofinancing = fields.Bool(metadata={"description": "true: the request seeks co-financing from partners "
                                                             "(cofinancing_purpose says for what)."})
    cofinancing_amount = Money(allow_none=True, metadata={"description": "The co-financing sought, e.g. \"15000.00\"."})
    cofinancing_currency = fields.Str(allow_none=True, validate=validate.Regexp(r"^[A-Z]{3}$"),
                                      metadata={"description": "ISO 4217 code of cofinancing_amount (EUR, USD, ...)."})
    cofinancing_purpose = fields.Str(allow_none=True, validate=validate.Length(max=2000),
                                     metadata={"description": "What the co-financing would pay for."})


class OfferInSchema(RecordInSchema):
    """A new offer."""

    capacity = fields.Str(allow_none=True, validate=validate.Length(max=300))
    terms = fields.Enum(Terms, by_value=True, load_default=Terms.IN_KIND)
    valid_until = fields.Date(allow_none=True)
    expert_ids = fields.List(fields.Int(validate=ID), validate=validate.Length(max=200))


class RequestPatchSchema(RequestInSchema):
    """Partial edit of a request; version guards against lost updates (a record keeps its organisation)."""

    EDIT = True

    class Meta:
        exclude = ("organisation_id",)

    version = fields.Int(load_default=None, allow_none=True, validate=ID)


class OfferPatchSchema(OfferInSchema):
    """Partial edit of an offer (a record keeps its organisation)."""

    EDIT = True

    class Meta:
        exclude = ("organisation_id",)

    version = fields.Int(load_default=None, allow_none=True, validate=ID)


class OrgRefSchema(Schema):
    """An organisation as referenced from a record."""

    id = fields.Int()
    name = fields.Str()
    acronym = fields.Str(allow_none=True)
    kind = fields.Str()
    country_code = fields.Str()


class RecordOutSchema(Schema):
    """Fields common to request and offer output (contacts blanked for those who may not see them)."""

    id = fields.Int()
    title = fields.Str()
    description = fields.Str()
    text_lang = fields.Str(metadata=codes(LANGUAGES))
    organisation = fields.Nested(OrgRefSchema)
    country_code = fields.Str()
    sectors = fields.List(fields.Str(metadata=ALL_SECTOR_CODES), attribute="sector_codes")
    modalities = fields.List(fields.Str(metadata=ALL_MODALITY_CODES), attribute="modality_codes")
    sdgs = fields.List(fields.Int(), attribute="sdg_numbers")
    languages = fields.List(fields.Str(), attribute="language_codes")
    contact_name = fields.Method("_contact_name", allow_none=True)
    contact_email = fields.Method("_contact_email", allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Int()
    actions = fields.Method("_actions")

    def _contact_name(self, obj):  # type: ignore[no-untyped-def]
        return obj.contact_name if permissions.can_see_contacts(viewer(), obj) else None

    def _contact_email(self, obj):  # type: ignore[no-untyped-def]
        return obj.contact_email if permissions.can_see_contacts(viewer(), obj) else None

    def _actions(self, obj) -> list[str]:  # type: ignore[no-untyped-def]
        return permissions.transitions(viewer(), obj)
    possible_duplicates = fields.List(fields.Nested("DuplicateSchema"), dump_only=True, metadata={
        "description": "In the answer to a create or update only: published or in-review records of the same kind, "
                       "in any language, whose text is nearly the same (see GET .../duplicates)."})


class RequestOutSchema(RecordOutSchema):
    """A request as the API shows it."""

    status = fields.Str(metadata=codes(RequestState))
    actions = fields.Method("_actions", metadata={"type": "array", "items": {"type": "string",
                                                                            **codes(wf.REQUEST.actions)}})

    beneficiaries_count = fields.Int(allow_none=True)
    beneficiaries_kind = fields.Str(allow_none=True)
    duration_months = fields.Int(allow_none=True)
    wished_start = fields.Date(allow_none=True)
    wished_end = fields.Date(allow_none=True)
    cofinancing = fields.Str(allow_none=True)
    seeks_cofinancing = fields.Bool()
    cofinancing_amount = Money(allow_none=True)
    cofinancing_currency = fields.Str(allow_none=True)
    cofinancing_purpose = fields.Str(allow_none=True)


class OfferOutSchema(RecordOutSchema):
    """An offer as the API shows it."""

    status = fields.Str(metadata=codes(OfferState))
    actions = fields.Method("_actions", metadata={"type": "array", "items": {"type": "string",
                                                                            **codes(wf.OFFER.actions)}})
    capacity = fields.Str(allow_none=True)
    terms = fields.Str(metadata=codes(Terms))
    valid_until = fields.Date(allow_none=True)
    expired = fields.Method("_expired", metadata={"type": "boolean"})
    expert_ids = fields.Method("_expert_ids")

    def _expired(self, obj) -> bool:  # type: ignore[no-untyped-def]
        return obj.is_expired()

    def _expert_ids(self, obj) -> list[int]:  # type: ignore[no-untyped-def]
        return obj.expert_ids


class RecordQuerySchema(PageQuerySchema):
    """Filters shared by the request and offer lists."""

    q = fields.Str(validate=validate.Length(min=1, max=200))
    sector = fields.Str(validate=validate.Length(min=1, max=64),
                        metadata={"description": "A sector code (/sectors)."})
    modality = fields.Str(validate=validate.Length(min=1, max=64),
                          metadata={"description": "A modality code (/modalities)."})
    language = fields.Str(validate=language_code)
    country = fields.Str(validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    region = fields.Str(validate=validate.Length(min=1, max=32))
    organisation_id = fields.Int(validate=ID)
    text_lang = fields.Str(validate=validate.OneOf(LANGUAGES))


class RequestQuerySchema(RecordQuerySchema):
    """Filters of the request list."""

    status = fields.Str(validate=validate.OneOf([s.value for s in RequestState]))


class OfferQuerySchema(RecordQuerySchema):
    """Filters of the offer list."""

    status = fields.Str(validate=validate.OneOf([s.value for s in OfferState]))
    include_expired = fields.Bool(load_default=True)


RequestTransitionSchema = transition_schema(wf.REQUEST, "RequestTransitionSchema")
OfferTransitionSchema = transition_schema(wf.OFFER, "OfferTransitionSchema")


class ExpertInSchema(StrictSchema):
    """A roster entry."""

    name = fields.Str(required=True, validate=validate.Length(min=2, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = fields.Str(allow_none=True, validate=validate.Length(max=40))
    expertise = fields.Str(required=True, validate=LONG_TEXT)
    languages = fields.List(fields.Str(validate=language_code), load_default=list, validate=TAGS)
    availability = fields.Str(allow_none=True, validate=validate.Length(max=300))
    active = fields.Bool(load_default=True)
    organisation_id = fields.Int(allow_none=True, validate=ID)
    sex = fields.Enum(Sex, by_value=True, allow_none=True)
    nationality_code = fields.Str(allow_none=True, validate=validate.Regexp(r"^[A-Z]{2}$"))
    sectors = fields.List(fields.Str(validate=validate.Length(max=64), metadata=SECTOR_CODES), load_default=list,
                          validate=TAGS)
    years_experience = fields.Int(allow_none=True, validate=validate.Range(min=0, max=80))
    cv = fields.Str(allow_none=True, validate=validate.Length(max=2000))


class ExpertPatchSchema(ExpertInSchema):
    """Partial edit of a roster entry (an expert stays on the roster of its organisation)."""

    EDIT = True

    class Meta:
        exclude = ("organisation_id",)

    version = fields.Int(load_default=None, allow_none=True, validate=ID)


class ExpertOutSchema(Schema):
    """A roster entry (personal data: shown only to those allowed)."""

    id = fields.Int()
    organisation_id = fields.Int()
    name = fields.Str()
    email = fields.Str(allow_none=True)
    phone = fields.Str(allow_none=True)
    expertise = fields.Str()
    languages = fields.List(fields.Str())
    availability = fields.Str(allow_none=True)
    active = fields.Bool()
    sex = fields.Str(allow_none=True, metadata=codes(Sex))
    nationality_code = fields.Str(allow_none=True)
    sectors = fields.Method("_sectors", metadata={"type": "array", "items": {"type": "string"}})
    years_experience = fields.Int(allow_none=True)
    cv = fields.Str(allow_none=True)
    version = fields.Int()

    def _sectors(self, obj) -> list[str]:  # type: ignore[no-untyped-def]
        return list(obj.sectors or [])


class ExpertQuerySchema(PageQuerySchema):
    """Filters of the expert list."""

    organisation_id = fields.Int(validate=ID)
    language = fields.Str(validate=language_code)
    active = fields.Bool()


class _ImportRow:
    """What a line of a bulk import file (`flask kb import`, the benchmark's JSON Lines) adds to the API's fields:
    its stable id, the country, the organisation's name, a source note (not stored), and `modality` as another
    name of `modalities`. Every other field is the API's own, with the API's rules."""

    id = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    country = fields.Str(required=True, validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    source = fields.Str(allow_none=True, validate=validate.Length(max=2000))

    @pre_load
    def _modality_alias(self, data, **_kwargs):  # type: ignore[no-untyped-def]
        if isinstance(data, dict) and "modality" in data and "modalities" not in data:
            data = {**data, "modalities": data["modality"]}
            del data["modality"]
        return data


class OfferImportSchema(_ImportRow, OfferInSchema):
    """A line of an offers file: an offer published as it is imported."""

    institution = fields.Str(allow_none=True, validate=validate.Length(min=1, max=300))

    class Meta(OfferInSchema.Meta):
        exclude = ("organisation_id", "expert_ids")


class RequestImportSchema(_ImportRow, RequestInSchema):
    """A line of a requests file: a request published as it is imported."""

    requester = fields.Str(allow_none=True, validate=validate.Length(min=1, max=300))

    class Meta(RequestInSchema.Meta):
        exclude = ("organisation_id",)


class DuplicateSchema(Schema):
    """A possible duplicate of a record."""

    id = fields.Int(allow_none=True, metadata={"description": "None when withheld."})
    title = fields.Str(allow_none=True, metadata={"description": "None when withheld."})
    similarity = fields.Float(metadata={"description": "Cosine of the two texts' embeddings (at or above "
                                                       "kb.services.matching.DUPLICATE_SIMILARITY)."})
    status = fields.Str()
    text_lang = fields.Str(allow_none=True)
    same_organisation = fields.Bool(allow_none=True, metadata={"description": "None when withheld."})
    withheld = fields.Bool(metadata={"description": "Another organisation's record still in review: counted, "
                                                    "not named (only the secretariat sees it whole)."})


class DuplicateListSchema(Schema):
    """Possible duplicates, closest first."""

    items = fields.List(fields.Nested(DuplicateSchema))
