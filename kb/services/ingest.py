"""Bulk import of requests and offers (JSON Lines, the benchmark's format) as published records."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlalchemy import select

from kb.errors import ValidationFailed
from kb.extensions import db
from kb.i18n import LANGUAGES
from kb.models import (
    SDG, Country, Modality, Offer, OfferLanguage, OfferState, Organisation, OrgKind, Request, RequestLanguage,
    RequestState, Sector, User, utcnow,
)
from kb.services import unit_of_work
from kb.services.audit import record_event
from kb.services.matching import embed_records
from kb.services.records import note_index_change

BATCH = 64


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a JSON Lines file; a bad line is a clear error naming it."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValidationFailed({"file": [f"{path}:{n}: {exc.msg}"]}) from None
    return rows


def _organisation(name: str, country: str, kind: OrgKind, cache: dict) -> Organisation:
    key = (name, country)
    if key not in cache:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name,
                                                           Organisation.country_code == country))
        if org is None:
            org = Organisation(name=name[:300], country_code=country, kind=kind, verified=False)
            db.session.add(org)
            db.session.flush()
        cache[key] = org
    return cache[key]


def import_records(kind: str, rows: Iterable[dict[str, Any]], actor: User | None = None,
                   progress: Callable[[int], None] | None = None, batch_size: int = BATCH) -> dict[str, int]:
    """Create published records from rows; returns {row id: record id}. Embeds in batches, one commit per batch."""
    model = Offer if kind == "offer" else Request
    rows = list(rows)
    sectors = {s.code: s for s in db.session.scalars(select(Sector))}
    modalities = {m.code: m for m in db.session.scalars(select(Modality))}
    sdgs = {s.number: s for s in db.session.scalars(select(SDG))}
    countries = set(db.session.scalars(select(Country.code)))
    orgs: dict = {}
    mapping: dict[str, int] = {}
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        with unit_of_work():
            made = []
            for n, row in enumerate(chunk, start + 1):
                errors = _check(row, countries, sectors, modalities)
                if errors:
                    raise ValidationFailed({f"row {n}": errors})
                name = row.get("institution") if kind == "offer" else row.get("requester")
                org_kind = OrgKind.COMPETENCE_CENTRE if kind == "offer" else OrgKind.MINISTRY
                org = _organisation(name or f"Unnamed ({row['country']})", row["country"], org_kind, orgs)
                record = model(
                    organisation_id=org.id, country_code=row["country"], title=row["title"][:300],
                    description=row["description"], text_lang=row.get("text_lang") or "en",
                    status=OfferState.PUBLISHED if kind == "offer" else RequestState.PUBLISHED,
                    published_at=utcnow(),
                    sectors=[sectors[c] for c in dict.fromkeys(row.get("sectors") or [])],
                    modalities=[modalities[c] for c in dict.fromkeys(row.get("modality") or row.get("modalities") or [])],
                    sdgs=[sdgs[i] for i in dict.fromkeys(row.get("sdgs") or []) if i in sdgs],
                )
                lang_model = OfferLanguage if kind == "offer" else RequestLanguage
                record.languages = [lang_model(code=c) for c in dict.fromkeys(row.get("languages") or [])]
                made.append((row, record))
            embed_records([r for _row, r in made], batch_size=batch_size)
            for row, record in made:
                db.session.add(record)
            db.session.flush()
            for row, record in made:
                record_event(actor, record, "import", None, record.status,
                             details={"external_id": row.get("id")}, notify=False)
                note_index_change(record)
                if row.get("id"):
                    mapping[str(row["id"])] = record.id
        if progress:
            progress(len(chunk))
    return mapping


def _check(row: dict, countries: set, sectors: dict, modalities: dict) -> list[str]:
    errors = []
    for key in ("title", "description", "country"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            errors.append(f"'{key}' is required.")
    if isinstance(row.get("country"), str) and row["country"] not in countries:
        errors.append(f"Unknown country {row['country']!r}.")
    unknown = [s for s in row.get("sectors") or [] if s not in sectors]
    if unknown:
        errors.append(f"Unknown sectors {unknown}.")
    unknown = [m for m in (row.get("modality") or row.get("modalities") or []) if m not in modalities]
    if unknown:
        errors.append(f"Unknown modalities {unknown}.")
    if row.get("text_lang") not in (None, *LANGUAGES):
        errors.append(f"Unsupported text_lang {row.get('text_lang')!r}.")
    return errors
