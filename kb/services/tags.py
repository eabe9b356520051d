"""What a list shows of each record's collections, read for a whole page in one statement.

Loading a page's sectors, modalities, SDGs, working languages and (offers) experts as ORM collections cost one
statement and a few ORM objects per collection (~1.2 ms CPU each at 20 rows); the lists only show their codes.
attach_tags reads them with one UNION ALL of Core rows and keeps the codes on the records, where the models'
properties (sector_codes, modality_codes, sdg_numbers, language_codes, expert_ids) read them while the collection
itself is not loaded and until the record is expired or refreshed (kb.models.records).
"""
from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Integer, String, any_, bindparam, cast, literal, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY

from kb.extensions import db
from kb.models import Expert, Modality, Offer, OfferLanguage, Request, RequestLanguage, Sector
from kb.models.records import TAGS_KEY


def attach_tags(model: type[Request] | type[Offer], items: list) -> list:
    """Read what a list shows of each record's collections (sectors, modalities, SDGs, working languages, an
    offer's experts) in one statement for the whole page, and keep the codes on the records (RecordMixin's
    properties read them): loading each collection's objects cost a statement and a few ORM objects per row."""
    if not items:
        return items
    ids = [r.id for r in items]
    found: dict[int, dict[str, list]] = {i: {"sectors": [], "modalities": [], "sdgs": [], "languages": [],
                                             "experts": []} for i in ids}
    statement = _tags_statement(model, db.session.get_bind().dialect.name == "postgresql")
    for rid, name, code, pos in db.session.execute(statement, {"ids": ids}):
        found[rid][name].append((code, pos))
    for record in items:
        tags = found[record.id]
        record.__dict__[TAGS_KEY] = {
            "sectors": [c for c, _p in sorted(tags["sectors"], key=lambda t: t[1])],
            "modalities": [c for c, _p in sorted(tags["modalities"], key=lambda t: t[1])],
            "sdgs": sorted(p for _c, p in tags["sdgs"]),
            "languages": sorted(c for c, _p in tags["languages"]),
            "experts": [p for _n, p in sorted(tags["experts"], key=lambda t: (t[0], t[1]))],
        }
    return items


@functools.cache
def _tags_statement(model: type[Request] | type[Offer], postgresql: bool = False) -> Any:
    """attach_tags' statement, built once per model (its compiled form is then cached by SQLAlchemy).

    On PostgreSQL the ids are one array parameter (`= ANY(%(ids)s)`): an expanding IN is re-rendered with one
    parameter per id on every execution (a quarter of attach_tags' CPU), and its text changes with the page size."""
    ids = bindparam("ids", type_=ARRAY(Integer)) if postgresql else bindparam("ids", expanding=True)

    def among(column):  # type: ignore[no-untyped-def]
        return column == any_(ids) if postgresql else column.in_(ids)

    owner = "offer_id" if model is Offer else "request_id"
    sectors, modalities, sdgs = (rel.property.secondary for rel in (model.sectors, model.modalities, model.sdgs))
    languages = (OfferLanguage if model is Offer else RequestLanguage).__table__
    parts = [
        select(sectors.c[owner].label("rid"), literal("sectors").label("name"), sectors.c.sector_code.label("code"),
               Sector.position.label("pos")).join(Sector, Sector.code == sectors.c.sector_code)
        .where(among(sectors.c[owner])),
        select(modalities.c[owner], literal("modalities"), modalities.c.modality_code, Modality.position)
        .join(Modality, Modality.code == modalities.c.modality_code).where(among(modalities.c[owner])),
        select(sdgs.c[owner], literal("sdgs"), cast(sdgs.c.sdg_number, String), sdgs.c.sdg_number)
        .where(among(sdgs.c[owner])),
        select(languages.c[owner], literal("languages"), languages.c.code, literal(0))
        .where(among(languages.c[owner])),
    ]
    if model is Offer:
        experts = Offer.experts.property.secondary
        parts.append(select(experts.c.offer_id, literal("experts"), Expert.name, experts.c.expert_id)
                     .join(Expert, Expert.id == experts.c.expert_id).where(among(experts.c.offer_id)))
    return union_all(*parts)
