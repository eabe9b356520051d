"""Requests, offers and experts: create, edit, move through their workflows, list."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, cast, exists, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import defaultload

from kb import permissions
from kb import workflow as wf
from kb.errors import Conflict, Forbidden, NotFound, ValidationFailed, unknown_reference
from kb.extensions import db
from kb.i18n import N_
from kb.matching import language
from kb.matching.sync import PENDING_INDEX_CHANGES
from kb.models import (
    SDG,
    Country,
    Expert,
    Modality,
    Offer,
    OfferLanguage,
    OfferState,
    Organisation,
    RegionalGroup,
    Request,
    RequestLanguage,
    RequestState,
    Role,
    Sector,
    User,
    utcnow,
)
from kb.services import access, change_log, changed_fields, populate, unit_of_work
from kb.services.audit import record_event
from kb.services.matching import embed_records, find_duplicates, queue_second
from kb.services.pages import first, paginate
from kb.services.tags import attach_tags

OWNER_ROLE = {Request: Role.DIRECTOR, Offer: Role.CENTRE}
MACHINE = {Request: wf.REQUEST, Offer: wf.OFFER}
SIMPLE_FIELDS = {
    Request: ("title", "description", "text_lang", "contact_name", "contact_email", "beneficiaries_count",
              "beneficiaries_kind", "duration_months", "wished_start", "wished_end", "cofinancing",
              "seeks_cofinancing", "cofinancing_amount", "cofinancing_currency", "cofinancing_purpose"),
    Offer: ("title", "description", "text_lang", "contact_name", "contact_email", "capacity", "terms",
            "valid_until"),
}


def note_index_change(record: Request | Offer) -> None:
    """Log that a record's searchable state changed (other processes refresh their index from it).

    The `index_changes` row is written when the transaction commits (kb.matching.sync.write_index_changes),
    so that its id is taken in commit order."""
    pending = db.session.info.setdefault(PENDING_INDEX_CHANGES, set())
    pending.add(("request" if isinstance(record, Request) else "offer", record.id))


def _unknown(label: str, missing: list):  # type: ignore[no-untyped-def]
    codes = ", ".join(map(str, missing))
    if label == "sectors":
        return lazy_gettext("Unknown sector: %(codes)s.", codes=codes)
    if label == "modalities":
        return lazy_gettext("Unknown modality: %(codes)s.", codes=codes)
    if label == "sdgs":
        return lazy_gettext("Unknown sustainable development goal: %(codes)s.", codes=codes)
    return lazy_gettext("Unknown expert: %(codes)s.", codes=codes)


def _lookup(model, codes: list, label: str, key) -> list:
    codes = list(dict.fromkeys(codes))
    if not codes:
        return []
    found = {getattr(o, key): o for o in db.session.scalars(select(model).where(getattr(model, key).in_(codes)))}
    missing = [c for c in codes if c not in found]
    if missing and label == "expert_ids":
        raise unknown_reference(label, _unknown(label, missing))
    if missing:
        raise ValidationFailed({label: [_unknown(label, missing)]})
    return [found[c] for c in codes]


def _not_retired(wanted: list, current: list, label: str) -> list:
    """Refuse a retired sector or modality the record does not have already (it keeps the ones it has)."""
    retired = [entry.code for entry in wanted if entry.retired and entry not in current]
    if retired:
        codes = ", ".join(retired)
        message = lazy_gettext("Retired sector: %(codes)s.", codes=codes) if label == "sectors" else \
            lazy_gettext("Retired modality: %(codes)s.", codes=codes)
        raise ValidationFailed({label: [message]})
    return wanted


def _check_cofinancing(record: Request) -> None:
    """A request seeking co-financing says what it would pay for; an amount has its currency. A rule across fields
    (and the stored values) the OpenAPI document cannot state: the record would be at fault, a conflict (409)
    naming the fields, as for publishing an incomplete record."""
    errors: dict[str, list] = {}
    if record.seeks_cofinancing and not (record.cofinancing_purpose or "").strip():
        errors["cofinancing_purpose"] = [N_("Say what the co-financing would pay for.")]
    if record.cofinancing_amount is not None and not record.cofinancing_currency:
        errors["cofinancing_currency"] = [N_("Give the currency of the amount.")]
    if errors:
        raise Conflict(N_("The co-financing sought is incomplete."), errors)


def _apply(model, record, data: dict[str, Any], actor: User) -> None:
    populate(record, data, SIMPLE_FIELDS[model])
    if "sectors" in data:
        record.sectors = _not_retired(_lookup(Sector, data["sectors"], "sectors", "code"), record.sectors, "sectors")
    if "modalities" in data:
        record.modalities = _not_retired(_lookup(Modality, data["modalities"], "modalities", "code"),
                                         record.modalities, "modalities")
    if "sdgs" in data:
        record.sdgs = _lookup(SDG, data["sdgs"], "sdgs", "number")
    if "languages" in data:
        lang_model = RequestLanguage if model is Request else OfferLanguage
        wanted = list(dict.fromkeys(data["languages"]))
        record.languages = [lang_model(code=c) for c in wanted]
    if model is Offer and "expert_ids" in data:
        experts = _lookup(Expert, data["expert_ids"], "expert_ids", "id")
        foreign = [e.id for e in experts if e.organisation_id != record.organisation_id]
        if foreign:
            message = lazy_gettext("Experts %(ids)s are not on this organisation's roster.",
                                   ids=", ".join(map(str, foreign)))
            raise Conflict(message, {"expert_ids": [message]})
        record.experts = experts
    if model is Request:
        start, end = record.wished_start, record.wished_end
        if start and end and end < start:
            raise ValidationFailed({"wished_end": [N_("Must not be before wished_start.")]})
        _check_cofinancing(record)


def _current(model, record) -> dict[str, Any]:
    """A record's editable values, as an edit would send them."""
    current = {name: getattr(record, name) for name in SIMPLE_FIELDS[model]}
    current.update(sectors=record.sector_codes, modalities=record.modality_codes, sdgs=record.sdg_numbers,
                   languages=record.language_codes)
    if model is Offer:
        current["expert_ids"] = [e.id for e in record.experts]
    return current


def _owner_org(model, actor: User, data: dict[str, Any]) -> Organisation:
    if actor.role == Role.SECRETARIAT:
        org_id = data.get("organisation_id")
        if org_id is None:  # the secretariat has no records of its own: it acts for an organisation
            raise Forbidden(N_("Required when the secretariat creates a record."),
                            {"organisation_id": [N_("Required when the secretariat creates a record.")]})
        org = db.session.get(Organisation, org_id)
        if org is None:
            raise unknown_reference("organisation_id", lazy_gettext("Unknown organisation: %(id)s.", id=org_id))
        return org
    if actor.role != OWNER_ROLE[model]:
        raise Forbidden(lazy_gettext("Your role may not create requests.") if model is Request
                        else lazy_gettext("Your role may not create offers."))
    if data.get("organisation_id") not in (None, actor.organisation_id):
        raise Forbidden(N_("You may only create records for your own organisation."))
    return actor.organisation


def create_record(model: type[Request] | type[Offer], actor: User, data: dict[str, Any]) -> Request | Offer:
    """Create a draft request (director) or offer (centre); the secretariat may create for any organisation."""
    detected = None
    if not data.get("text_lang"):  # left out: read from the title and description
        detected = language.detect(data["title"], data["description"])
        data = {**data, "text_lang": detected}
    with unit_of_work() as session:
        org = _owner_org(model, actor, data)
        initial = RequestState.DRAFT if model is Request else OfferState.DRAFT
        record = model(organisation_id=org.id, country_code=org.country_code, created_by_id=actor.id,
                       status=initial)
        record.organisation = org
        _apply(model, record, data, actor)
        embed_records([record])
        session.add(record)
        session.flush()
        # A new draft is nobody else's business yet: it is announced when submitted.
        details: dict[str, Any] = {"organisation_id": org.id}
        if detected:
            details["text_lang_detected"] = detected
        record_event(actor, record, "create", None, record.status, details=details, notify=False)
        note_index_change(record)
        queue_second(record)  # a worker computes the second vector after the commit (kb.jobs.embed_second)
    record.possible_duplicates = find_duplicates(record, actor)  # shown with the answer, never stored
    return record


def update_record(model: type[Request] | type[Offer], actor: User, record_id: int, data: dict[str, Any],
                  version: int | None) -> Request | Offer:
    """Edit a record: its owner while draft or returned, the secretariat until it is published."""
    with unit_of_work():
        record = access.get_visible_record(model, record_id, actor)
        permissions.require(actor, record, permissions.EDIT)
        access.require_version(record, version)
        data = {k: v for k, v in data.items() if k != "organisation_id"}
        current = _current(model, record)
        changed = changed_fields(current, data)
        if not changed:
            return record
        with db.session.no_autoflush:  # one UPDATE, one new version (a lookup in between flushed a first one)
            _apply(model, record, {k: data[k] for k in changed}, actor)
            embed_records([record])
            record.updated_at = utcnow()
        record_event(actor, record, "update", record.status, record.status,
                     details=change_log(current, data, changed), notify=False)
        note_index_change(record)
        queue_second(record)  # a worker computes the second vector after the commit (kb.jobs.embed_second)
    record.possible_duplicates = find_duplicates(record, actor)  # shown with the answer, never stored
    return record


def transition_record(model: type[Request] | type[Offer], actor: User, record_id: int, action: str,
                      reason: str | None = None, version: int | None = None,
                      extra: dict[str, Any] | None = None) -> Request | Offer:
    """Apply a workflow action (submit, publish, return, reject, withdraw, archive, renew, close)."""
    extra = extra or {}
    with unit_of_work():
        record = access.get_visible_record(model, record_id, actor)
        t = MACHINE[model].check(record.status, action, permissions.record_capacities(actor, record), reason)
        access.require_version(record, version)
        details: dict[str, Any] = {}
        if model is Offer and action == "renew":
            until = extra.get("valid_until")
            if until is None or until <= date.today():
                raise ValidationFailed({"valid_until": [N_("Renewing needs a valid_until date in the future.")]})
            details["valid_until"] = {"from": str(record.valid_until) if record.valid_until else None,
                                      "to": str(until)}
            record.valid_until = until
        if model is Offer and action == "submit" and record.is_expired():  # the record is at fault: 409, as publish
            raise Conflict(N_("An offer whose validity has passed cannot be submitted."),
                           {"valid_until": [N_("The offer's validity has passed; set a later date first.")]})
        if action == "publish":
            _check_publishable(record)
            record.published_at = utcnow()
            from kb.jobs import after_commit, match_alerts

            after_commit(match_alerts, "offer" if model is Offer else "request", record.id)  # kb/services/alerts.py
        from_state = record.status
        record.status = t.target
        record.updated_at = utcnow()
        record_event(actor, record, action, from_state, t.target, reason, details or None)
        note_index_change(record)
    return record


def _check_publishable(record: Request | Offer) -> None:
    errors: dict[str, list[str]] = {}
    if not record.sectors:
        errors["sectors"] = [N_("At least one sector is needed before publishing.")]
    if not record.languages:
        errors["languages"] = [N_("At least one working language is needed before publishing.")]
    if isinstance(record, Offer) and record.is_expired():
        errors["valid_until"] = [N_("The offer's validity has passed; set a later date first.")]
    if errors:  # the record, not the call, is at fault: a conflict with its content (409)
        raise Conflict(N_("The record is not complete enough to publish."), errors)


def system_transition(record: Request, action: str, actor: User | None, reason: str | None = None) -> None:
    """A consequential move made by the service itself (inside the caller's unit of work)."""
    t = wf.REQUEST.check(record.status, action, {wf.SYSTEM}, reason)
    from_state = record.status
    record.status = t.target
    record_event(actor, record, action, from_state, t.target, reason)
    note_index_change(record)


@dataclass
class RecordFilters:
    """Filters accepted by the request and offer lists."""

    status: str | None = None
    q: str | None = None
    sector: str | None = None
    modality: str | None = None
    language: str | None = None
    country: str | None = None
    region: str | None = None
    organisation_id: int | None = None
    text_lang: str | None = None
    include_expired: bool = True


def filtered_records(model: type[Request] | type[Offer], actor: User | None, f: RecordFilters) -> Select:
    """The visibility-filtered select for a list with its filters applied."""
    stmt = access.visible_records(model, actor)
    if f.status:
        stmt = stmt.where(model.status == f.status)
    if f.organisation_id:
        stmt = stmt.where(model.organisation_id == f.organisation_id)
    if f.country:
        stmt = stmt.where(model.country_code == f.country.upper())
    if f.text_lang:
        stmt = stmt.where(model.text_lang == f.text_lang)
    if f.region:
        stmt = stmt.where(model.country_code.in_(
            select(Country.code).join(Country.groups).where(RegionalGroup.code == f.region.upper())))
    if f.sector:
        stmt = stmt.where(model.sectors.any(Sector.code == f.sector))
    if f.modality:
        stmt = stmt.where(model.modalities.any(Modality.code == f.modality))
    if f.language:
        lang_model = RequestLanguage if model is Request else OfferLanguage
        stmt = stmt.where(model.languages.any(lang_model.code == f.language))
    if f.q:
        like = f"%{f.q.lower()}%"
        stmt = stmt.where(or_(func.lower(model.title).like(like), func.lower(model.description).like(like)))
    if model is Offer and not f.include_expired:
        stmt = stmt.where(or_(Offer.valid_until.is_(None), Offer.valid_until >= date.today()))
    return stmt.order_by(model.id.desc())


def get_record(model: type[Request] | type[Offer], actor: User | None, record_id: int) -> Request | Offer:
    """One request or offer the actor may see, else 404 (never revealing that it exists); its tags read in one
    statement (kb.services.tags) rather than one lazy load per collection."""
    return attach_tags(model, [access.get_visible_record(model, record_id, actor)])[0]


# A list shows the organisation's name and country code, never its Country object: that object is loaded when asked
# for (from the identity map when it is the record's own country) instead of joined on every row, where SQLAlchemy
# compared the two load paths of each country met through both record.country and record.organisation.country
# (about a fifth of building a page's 20 rows).
_LIST_LOADS = {model: defaultload(model.organisation).lazyload(Organisation.country) for model in (Request, Offer)}


def list_records(model: type[Request] | type[Offer], actor: User | None, f: RecordFilters, page: int = 1,
                 per_page: int = 20) -> Pagination:
    """One page of the requests or offers the actor may see, newest first, with the filters applied."""
    stmt = filtered_records(model, actor, f).options(_LIST_LOADS[model])
    # The count only changes with the records (every change to one notes an index change) and with the day
    # (expiry); who sees what: staff everything, others the published records plus their organisation's.
    viewer = "staff" if permissions.is_staff(actor) else (actor.organisation_id if actor else None)
    count_key = (model.__name__, viewer, dataclasses.astuple(f), date.today())
    found = paginate(stmt, page, per_page, count_key=count_key, count_depends=("index",))
    attach_tags(model, found.items)
    return found


def visible_by_id(model: type[Request] | type[Offer], actor: User | None, ids: list[int]) -> dict[int, Request | Offer]:
    """The records among ids the actor may see, by id (e.g. to show ranked suggestions)."""
    if not ids:
        return {}
    stmt = access.visible_records(model, actor).where(model.id.in_(ids))
    return {r.id: r for r in attach_tags(model, first(stmt, len(ids)))}


@dataclass
class ExpertFilters:
    """Filters of the expert list."""

    organisation_id: int | None = None
    language: str | None = None
    active: bool | None = None


def _speaks(language: str):  # type: ignore[no-untyped-def]
    """Experts whose languages (a JSON list) hold language: JSON containment, in each database's own terms."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(Expert.languages, JSONB).contains([language])
    spoken = func.json_each(Expert.languages).table_valued("value")
    return exists(select(1).select_from(spoken).where(spoken.c.value == language))


def list_experts(actor: User | None, f: ExpertFilters, page: int = 1, per_page: int = 20) -> Pagination:
    """One page of the experts the actor may see (staff all, a centre its roster, parties those engaged), by name."""
    stmt = access.visible_experts(actor).order_by(Expert.name, Expert.id)
    if f.organisation_id:
        stmt = stmt.where(Expert.organisation_id == f.organisation_id)
    if f.active is not None:
        stmt = stmt.where(Expert.active.is_(f.active))
    if f.language:
        stmt = stmt.where(_speaks(f.language))
    return paginate(stmt, page, per_page)


ROSTER_LIMIT = 500


def roster(actor: User) -> list[Expert]:
    """A centre's own experts by name (to link them to an offer); empty for other roles."""
    if actor.role != Role.CENTRE:
        return []
    return list(list_experts(actor, ExpertFilters(organisation_id=actor.organisation_id), 1, ROSTER_LIMIT).items)


# --- experts ---------------------------------------------------------------------------------

EXPERT_FIELDS = ("name", "email", "phone", "expertise", "languages", "availability", "active", "sex",
                 "nationality_code", "sectors", "years_experience", "cv")


def _expert_data(data: dict[str, Any]) -> dict[str, Any]:
    """Languages and sectors each once, sectors and nationality checked against the vocabularies."""
    data = dict(data)
    if "languages" in data:
        data["languages"] = list(dict.fromkeys(data["languages"]))
    if "sectors" in data:
        data["sectors"] = [s.code for s in _lookup(Sector, data["sectors"] or [], "sectors", "code")]
    if data.get("nationality_code") and db.session.get(Country, data["nationality_code"]) is None:
        raise ValidationFailed({"nationality_code": [lazy_gettext("Unknown country: %(code)s.",
                                                                  code=data["nationality_code"])]})
    return data


def _expert_for_edit(actor: User, expert_id: int) -> Expert:
    expert = db.session.scalar(access.visible_experts(actor).where(Expert.id == expert_id))
    if expert is None:
        raise NotFound(lazy_gettext("Expert %(id)s not found.", id=expert_id))
    if not (actor.role == Role.SECRETARIAT or
            (actor.role == Role.CENTRE and actor.organisation_id == expert.organisation_id)):
        raise Forbidden(N_("Only the centre's own staff or the secretariat may edit its roster."))
    return expert


def create_expert(actor: User, data: dict[str, Any]) -> Expert:
    """Add a person to a centre's roster (the centre's staff, or the secretariat for any centre)."""
    with unit_of_work() as session:
        if actor.role == Role.SECRETARIAT:
            org_id = data.get("organisation_id")
            if org_id is None:  # the secretariat keeps no roster of its own: it acts for a centre
                raise Forbidden(N_("A known organisation is required."),
                                {"organisation_id": [N_("A known organisation is required.")]})
            if db.session.get(Organisation, org_id) is None:
                raise unknown_reference("organisation_id", lazy_gettext("Unknown organisation: %(id)s.", id=org_id))
        elif actor.role == Role.CENTRE:
            if data.get("organisation_id") not in (None, actor.organisation_id):
                raise Forbidden(N_("You may only add experts to your own organisation's roster."))
            org_id = actor.organisation_id
        else:
            raise Forbidden(N_("Your role may not keep an expert roster."))
        expert = Expert(organisation_id=org_id, languages=[])
        data = _expert_data(data)
        populate(expert, data, EXPERT_FIELDS)
        session.add(expert)
        session.flush()
        record_event(actor, expert, "create", notify=False)
    return expert


def update_expert(actor: User, expert_id: int, data: dict[str, Any], version: int | None) -> Expert:
    """Edit a roster entry."""
    with unit_of_work():
        expert = _expert_for_edit(actor, expert_id)
        access.require_version(expert, version)
        data = _expert_data(data)
        current = {name: getattr(expert, name) for name in EXPERT_FIELDS}
        changed = changed_fields(current, {k: v for k, v in data.items() if k != "organisation_id"})
        if not changed:
            return expert
        populate(expert, data, changed)
        expert.updated_at = utcnow()
        record_event(actor, expert, "update", details=change_log(current, data, changed), notify=False)
    return expert


def get_expert(actor: User | None, expert_id: int) -> Expert:
    """One expert the caller may see, else 404."""
    expert = db.session.scalar(access.visible_experts(actor).where(Expert.id == expert_id))
    if expert is None:
        raise NotFound(lazy_gettext("Expert %(id)s not found.", id=expert_id))
    return expert
