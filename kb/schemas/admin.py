"""The administration's input: vocabulary entries (sectors, modalities) with their labels in four languages."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from kb import permissions
from kb import workflow as wf
from kb.i18n import N_
from kb.models import ContributionKind, ContributionOfferState
from kb.schemas.common import (
    ID,
    Money,
    PageQuerySchema,
    StrictSchema,
    codes,
    country_code,
    transition_schema,
    viewer,
)

VOCABULARY_CODE = validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$",
                                  error=N_("Lower-case letters and digits, words joined by hyphens (e.g. water-supply)."))
LABEL = validate.Length(min=1, max=200)


class VocabularyLabelsSchema(StrictSchema):
    """A sector's or modality's labels, one per interface language."""

    label_en = fields.Str(required=True, validate=LABEL)
    label_es = fields.Str(required=True, validate=LABEL)
    label_pt = fields.Str(required=True, validate=LABEL)
    label_fr = fields.Str(required=True, validate=LABEL)


class VocabularyEntryInSchema(VocabularyLabelsSchema):
    """A new sector or modality: its code (never changed afterwards) and its labels."""

    code = fields.Str(required=True, validate=[validate.Length(min=2, max=64), VOCABULARY_CODE])


class PrioritiesSchema(StrictSchema):
    """A partner's priorities: what it would co-finance (each list empty: no preference)."""

    priority_sectors = fields.List(fields.Str(validate=validate.Length(max=64)), validate=validate.Length(max=100))
    priority_regions = fields.List(fields.Str(validate=validate.Length(max=32)), validate=validate.Length(max=100))
    priority_countries = fields.List(fields.Str(validate=country_code), validate=validate.Length(max=250))
    priority_sdgs = fields.List(fields.Int(validate=validate.Range(min=1, max=17)), validate=validate.Length(max=17))
    priority_contributions = fields.List(fields.Str(validate=validate.OneOf([k.value for k in ContributionKind])),
                                         validate=validate.Length(max=10))


class ContributionOfferInSchema(StrictSchema):
    """What a partner offers to bring to an exchange (the secretariat accepts or declines it)."""

    kind = fields.Str(required=True, validate=validate.OneOf([k.value for k in ContributionKind]))
    amount = Money(allow_none=True)
    currency = fields.Str(allow_none=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    expert_days = fields.Float(allow_none=True, validate=validate.Range(min=0, max=100000))
    description = fields.Str(allow_none=True, validate=validate.Length(max=2000))


class ContributionOfferOutSchema(Schema):
    """A partner's contribution offer and the secretariat's answer."""

    id = fields.Int()
    exchange_id = fields.Int()
    organisation_id = fields.Int()
    organisation_name = fields.Function(lambda o: o.organisation.name)
    status = fields.Str(metadata=codes(ContributionOfferState))
    kind = fields.Str(metadata=codes(ContributionKind))
    amount = Money(allow_none=True)
    currency = fields.Str(allow_none=True)
    expert_days = fields.Float(allow_none=True)
    description = fields.Str(allow_none=True)
    reason = fields.Str(allow_none=True)
    contribution_id = fields.Int(allow_none=True)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    version = fields.Int()
    actions = fields.Method("_actions", metadata={"type": "array", "items": {
        "type": "string", **codes(wf.CONTRIBUTION_OFFER.actions)}})

    def _actions(self, obj) -> list[str]:  # type: ignore[no-untyped-def]
        return permissions.transitions(viewer(), obj)


class ContributionOfferQuerySchema(PageQuerySchema):
    """Filters of the contribution offer list."""

    status = fields.Str(validate=validate.OneOf([s.value for s in ContributionOfferState]))
    exchange_id = fields.Int(validate=ID)


ContributionOfferTransitionSchema = transition_schema(wf.CONTRIBUTION_OFFER, "ContributionOfferTransitionSchema")
