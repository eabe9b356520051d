"""The administration's input: vocabulary entries (sectors, modalities) with their labels in four languages."""
from __future__ import annotations

from marshmallow import fields, validate

from kb.i18n import N_
from kb.models import ContributionKind
from kb.schemas.common import StrictSchema, country_code

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
