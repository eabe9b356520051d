"""Matches, exchanges, parties, contributions, activities, results, events and reference lists."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from kb import permissions
from kb import workflow as wf
from kb.models import (
    ActivityKind,
    ContributionKind,
    ExchangeState,
    MatchOrigin,
    MatchState,
    PartyRole,
)
from kb.schemas.common import (
    ID,
    REASON,
    Money,
    PageQuerySchema,
    StrictSchema,
    codes,
    transition_schema,
    viewer,
)
from kb.schemas.records import OrgRefSchema


class MatchInSchema(StrictSchema):
    """Propose a match (optionally carrying the suggestion's score and explanation)."""

    request_id = fields.Int(required=True, validate=ID)
    offer_id = fields.Int(required=True, validate=ID)
    note = fields.Str(load_default=None, allow_none=True, validate=REASON)
    from_suggestion = fields.Bool(load_default=False)


MatchTransitionSchema = transition_schema(wf.MATCH, "MatchTransitionSchema")
ExchangeTransitionSchema = transition_schema(wf.EXCHANGE, "ExchangeTransitionSchema")


class RecordRefSchema(Schema):
    """A request or offer as referenced from a match."""

    id = fields.Int()
    title = fields.Str()
    status = fields.Str(metadata=codes(set(wf.REQUEST.states) | set(wf.OFFER.states)))
    country_code = fields.Str()
    organisation = fields.Nested(OrgRefSchema)


class MatchOutSchema(Schema):
    """A match with each party's answer and the scores it was proposed with."""

    id = fields.Int()
    request = fields.Nested(RecordRefSchema)
    offer = fields.Nested(RecordRefSchema)
    status = fields.Str(metadata=codes(MatchState))
    origin = fields.Str(metadata=codes(MatchOrigin))
    proposed_by_id = fields.Int(allow_none=True)
    note = fields.Str(allow_none=True)
    score = fields.Float(allow_none=True)
    explanation = fields.Dict(allow_none=True)
    requester_answer = fields.Str(allow_none=True, metadata={"enum": ["accepted", "declined", None]})
    requester_reason = fields.Str(allow_none=True)
    provider_answer = fields.Str(allow_none=True, metadata={"enum": ["accepted", "declined", None]})
    provider_reason = fields.Str(allow_none=True)
    decision_reason = fields.Str(allow_none=True)
    exchange_id = fields.Method("_exchange_id")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Int()
    actions = fields.Method("_actions", metadata={"type": "array", "items": {"type": "string",
                                                                            **codes(wf.MATCH.actions)}})

    def _exchange_id(self, obj):  # type: ignore[no-untyped-def]
        return obj.exchange.id if obj.exchange else None

    def _actions(self, obj) -> list[str]:  # type: ignore[no-untyped-def]
        return permissions.transitions(viewer(), obj)


class MatchQuerySchema(PageQuerySchema):
    """Filters of the match list."""

    status = fields.Str(validate=validate.OneOf([s.value for s in MatchState]))
    request_id = fields.Int(validate=ID)
    offer_id = fields.Int(validate=ID)


class ContributionInSchema(StrictSchema):
    """What a party brings."""

    kind = fields.Str(required=True, validate=validate.OneOf([k.value for k in ContributionKind]))
    amount = Money(allow_none=True)
    currency = fields.Str(allow_none=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    expert_days = fields.Float(allow_none=True, validate=validate.Range(min=0, max=100000))
    description = fields.Str(allow_none=True, validate=validate.Length(max=2000))
    party_id = fields.Int(allow_none=True, validate=ID)


class ContributionOutSchema(Schema):
    """A declared contribution."""

    id = fields.Int()
    party_id = fields.Int()
    kind = fields.Str(metadata=codes(ContributionKind))
    amount = Money(allow_none=True)
    currency = fields.Str(allow_none=True)
    expert_days = fields.Float(allow_none=True)
    description = fields.Str(allow_none=True)


class PartnerContributionSchema(ContributionInSchema):
    """The contribution a partner declares when joining (its party is the new one)."""

    class Meta:
        exclude = ("party_id",)


class JoinInSchema(StrictSchema):
    """A partner joining an exchange with its contribution."""

    organisation_id = fields.Int(allow_none=True, validate=ID)
    contribution = fields.Nested(PartnerContributionSchema, required=True)


class PartyOutSchema(Schema):
    """An organisation's part in an exchange."""

    id = fields.Int()
    role = fields.Str(metadata=codes(PartyRole))
    organisation = fields.Nested(OrgRefSchema)
    joined_at = fields.DateTime()
    contributions = fields.List(fields.Nested(ContributionOutSchema))


class ActivityInSchema(StrictSchema):
    """A reported activity."""

    kind = fields.Enum(ActivityKind, by_value=True, required=True)
    title = fields.Str(required=True, validate=validate.Length(min=3, max=300))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    place = fields.Str(allow_none=True, validate=validate.Length(max=200))
    virtual = fields.Bool(load_default=False)
    participants_female = fields.Int(load_default=0, validate=validate.Range(min=0, max=1_000_000))
    participants_male = fields.Int(load_default=0, validate=validate.Range(min=0, max=1_000_000))
    participants_other = fields.Int(load_default=0, validate=validate.Range(min=0, max=1_000_000))
    participant_kinds = fields.Str(allow_none=True, validate=validate.Length(max=300))
    expert_days = fields.Float(load_default=0, validate=validate.Range(min=0, max=100000))
    description = fields.Str(allow_none=True, validate=validate.Length(max=10000))


class ActivityOutSchema(Schema):
    """An activity with its participants by sex."""

    id = fields.Int()
    kind = fields.Str(metadata=codes(ActivityKind))
    title = fields.Str()
    start_date = fields.Date()
    end_date = fields.Date()
    place = fields.Str(allow_none=True)
    virtual = fields.Bool()
    participants_female = fields.Int()
    participants_male = fields.Int()
    participants_other = fields.Int()
    participants_total = fields.Int()
    participant_kinds = fields.Str(allow_none=True)
    expert_days = fields.Float()
    description = fields.Str(allow_none=True)
    created_at = fields.DateTime()


class ExchangeExpertInSchema(StrictSchema):
    """A roster expert who took part in the exchange, with the expert-days given."""

    expert_id = fields.Int(required=True, validate=ID)
    expert_days = fields.Float(required=True, validate=validate.Range(min=0, max=100000))


class ExchangeExpertOutSchema(Schema):
    """An expert mobilised on the exchange (the roster entry itself is personal data: GET /experts/{id})."""

    expert_id = fields.Int()
    expert_days = fields.Float()
    added_at = fields.DateTime()


class ResultInSchema(StrictSchema):
    """Results and feedback reported by a party."""

    people_trained = fields.Int(allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    women_trained = fields.Int(allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    policy_changes = fields.Str(allow_none=True, validate=validate.Length(max=10000))
    practice_changes = fields.Str(allow_none=True, validate=validate.Length(max=10000))
    feedback = fields.Str(allow_none=True, validate=validate.Length(max=10000))
    rating = fields.Int(allow_none=True, validate=validate.Range(min=1, max=5))
    party_id = fields.Int(allow_none=True, validate=ID)


class ResultOutSchema(Schema):
    """A reported result."""

    id = fields.Int()
    party_id = fields.Int(allow_none=True)
    people_trained = fields.Int(allow_none=True)
    women_trained = fields.Int(allow_none=True)
    policy_changes = fields.Str(allow_none=True)
    practice_changes = fields.Str(allow_none=True)
    feedback = fields.Str(allow_none=True)
    rating = fields.Int(allow_none=True)
    created_at = fields.DateTime()


class ExchangeOutSchema(Schema):
    """An exchange with its parties, activities and results."""

    id = fields.Int()
    match_id = fields.Int()
    request_id = fields.Int()
    offer_id = fields.Int()
    title = fields.Str()
    status = fields.Str(metadata=codes(ExchangeState))
    agreement_ref = fields.Str(allow_none=True)
    agreement_date = fields.Date(allow_none=True)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    completion_report = fields.Str(allow_none=True)
    parties = fields.List(fields.Nested(PartyOutSchema))
    activities = fields.List(fields.Nested(ActivityOutSchema))
    results = fields.List(fields.Nested(ResultOutSchema))
    experts = fields.List(fields.Nested(ExchangeExpertOutSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Int()
    actions = fields.Method("_actions", metadata={"type": "array", "items": {"type": "string",
                                                                            **codes(wf.EXCHANGE.actions)}})

    def _actions(self, obj) -> list[str]:  # type: ignore[no-untyped-def]
        return permissions.transitions(viewer(), obj)


class ExchangeQuerySchema(PageQuerySchema):
    """Filters of the exchange list."""

    status = fields.Str(validate=validate.OneOf([s.value for s in ExchangeState]))
    organisation_id = fields.Int(validate=ID)


class EventOutSchema(Schema):
    """An audit event."""

    id = fields.Int()
    at = fields.DateTime()
    actor_id = fields.Int(allow_none=True)
    actor_email = fields.Method("_actor_email", allow_none=True, metadata={
        "description": "The actor's e-mail: shown to the secretariat and admins, and to the actor's own "
                       "organisation; null for anyone else."})
    record_type = fields.Str()
    record_id = fields.Int()
    action = fields.Str()
    from_state = fields.Str(allow_none=True)
    to_state = fields.Str(allow_none=True)
    reason = fields.Str(allow_none=True)
    details = fields.Dict(allow_none=True)


    def _actor_email(self, event):  # type: ignore[no-untyped-def]
        return event.actor.email if event.actor and permissions.can_see_email_of(viewer(), event.actor) else None


class EventQuerySchema(PageQuerySchema):
    """Filters of the audit trail."""

    record_type = fields.Str(validate=validate.OneOf(
        ["request", "offer", "match", "exchange", "expert", "organisation", "user", "sector", "modality"]))
    record_id = fields.Int(validate=ID)
    action = fields.Str(validate=validate.Length(min=1, max=32))


class LabelsSchema(Schema):
    """Labels in four languages."""

    en = fields.Str()
    es = fields.Str()
    pt = fields.Str()
    fr = fields.Str()


class VocabularyOutSchema(Schema):
    """A sector, modality, SDG or regional group."""

    code = fields.Str()
    labels = fields.Function(lambda o: o.labels())
    retired = fields.Function(lambda o: bool(getattr(o, "retired", False)),
                              metadata={"description": "A retired sector or modality stays on the records that "
                                                       "have it and is refused on new tags."})


class SdgOutSchema(Schema):
    """A Sustainable Development Goal."""

    number = fields.Int()
    labels = fields.Function(lambda o: o.labels())


class CountryOutSchema(Schema):
    """A country with its names and regional groups."""

    code = fields.Str()
    alpha3 = fields.Str()
    labels = fields.Function(lambda o: o.labels())
    groups = fields.Function(lambda o: [g.code for g in o.groups])


class CountryQuerySchema(StrictSchema):
    """Filter countries by regional group."""

    region = fields.Str(validate=validate.Length(min=1, max=32))


class ReasonSchema(StrictSchema):
    """A free reason."""

    reason = fields.Str(validate=REASON)
