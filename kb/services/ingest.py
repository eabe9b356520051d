"""Bulk import of requests and offers (JSON Lines, the benchmark's format) as published records.

Each line is validated with the API's own field rules (kb/schemas/records.py: OfferImportSchema,
RequestImportSchema) and the reference lists; a bad line is rejected with its reasons and the others go on.
A line's `id` with its organisation is the record's stable key (external_id, unique per organisation), so a
file imported again, or re-run after a crash or a kill, creates nothing twice: a record whose content is
unchanged is skipped, a changed one is updated (and re-embedded only when its text changed). Lines are
committed in batches, one unit of work each.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select, text, tuple_
from sqlalchemy.orm import selectinload

from kb import i18n
from kb.errors import ValidationFailed
from kb.extensions import db
from kb.matching import language
from kb.models import (
    SDG,
    Country,
    Modality,
    Offer,
    OfferLanguage,
    OfferState,
    Organisation,
    OrgKind,
    Request,
    RequestLanguage,
    RequestState,
    Sector,
    User,
    utcnow,
)
from kb.schemas.records import OfferImportSchema, RequestImportSchema
from kb.services import populate, unit_of_work
from kb.services.audit import record_event
from kb.services.matching import embed_records
from kb.services.records import note_index_change

BATCH = 64
# Content fields an import line may set, beyond title, description, text_lang, the tags and the country.
OPTIONAL_FIELDS = {
    "offer": ("contact_name", "contact_email", "capacity", "terms", "valid_until"),
    "request": ("contact_name", "contact_email", "beneficiaries_count", "beneficiaries_kind", "duration_months",
                "wished_start", "wished_end", "cofinancing"),
}
TAGS = ("sectors", "modalities", "sdgs", "languages")


@dataclass
class Unreadable:
    """A line that is not a JSON value (or not UTF-8 text)."""

    reason: str


@dataclass
class ImportReport:
    """What an import did, line by line."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: list[tuple[int, list[str]]] = field(default_factory=list)  # (line number, reasons)
    ids: dict[str, int] = field(default_factory=dict)  # file id -> record id, for every line imported or kept

    def whole(self, path: str | Path) -> dict[str, int]:
        """ids, when every line was imported; else an error listing the rejected lines (the evaluation's need)."""
        if self.rejected:
            raise ValidationFailed({"file": [f"{path}:{line}: {'; '.join(reasons)}" for line, reasons in self.rejected]})
        return self.ids

    def summary(self) -> str:
        return (f"{self.created} created, {self.updated} updated, {self.skipped} skipped, "
                f"{len(self.rejected)} rejected")


def read_lines(path: str | Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value or Unreadable) for each non-blank line of a JSON Lines file."""
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield n, Unreadable(f"not UTF-8 text ({exc.reason} at byte {exc.start})")
                continue
            if not line.strip():
                continue
            try:
                value = json.loads(line)
                json.dumps(value, ensure_ascii=False).encode("utf-8")  # a lone surrogate (\ud800) cannot be stored
            except json.JSONDecodeError as exc:
                yield n, Unreadable(f"not JSON: {exc.msg} (column {exc.colno})")
                continue
            except UnicodeEncodeError:
                yield n, Unreadable("holds a lone surrogate escape (\\ud800-\\udfff), which is not text")
                continue
            yield n, value


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a JSON Lines file, all or nothing (the evaluation's input): a bad line is an error naming it."""
    rows = []
    for n, value in read_lines(path):
        if isinstance(value, Unreadable):
            raise ValidationFailed({"file": [f"{path}:{n}: {value.reason}"]})
        rows.append(value)
    return rows


def import_file(kind: str, path: str | Path, actor: User | None = None,
                progress: Callable[[int], None] | None = None, batch_size: int = BATCH) -> ImportReport:
    """Import a JSON Lines file of offers or requests (kind: "offer" or "request")."""
    return import_lines(kind, read_lines(path), actor, progress, batch_size)


def import_records(kind: str, rows: Iterable[dict[str, Any]], actor: User | None = None,
                   progress: Callable[[int], None] | None = None, batch_size: int = BATCH) -> ImportReport:
    """Import rows already read (numbered from 1 as lines)."""
    return import_lines(kind, enumerate(rows, 1), actor, progress, batch_size)


class _Vocabulary:
    """The reference lists a line is checked against, read once per import."""

    def __init__(self) -> None:
        self.countries = set(db.session.scalars(select(Country.code)))
        self.sectors = {s.code: s for s in db.session.scalars(select(Sector))}
        self.modalities = {m.code: m for m in db.session.scalars(select(Modality))}
        self.sdgs = {s.number: s for s in db.session.scalars(select(SDG))}

    def unknown(self, data: dict[str, Any]) -> list[str]:
        problems = []
        if data["country"] not in self.countries:
            problems.append(f"country: unknown country {data['country']!r}.")
        for name, known in (("sectors", self.sectors), ("modalities", self.modalities), ("sdgs", self.sdgs)):
            missing = [c for c in data.get(name) or [] if c not in known]
            if missing:
                problems.append(f"{name}: unknown {', '.join(map(str, missing))}.")
        return problems


def import_lines(kind: str, lines: Iterable[tuple[int, Any]], actor: User | None = None,
                 progress: Callable[[int], None] | None = None, batch_size: int = BATCH) -> ImportReport:
    """Validate, then create, update or skip each line's record in batches; rejected lines are reported."""
    if kind not in ("offer", "request"):
        raise ValidationFailed({"kind": ["offer or request"]})
    schema = OfferImportSchema() if kind == "offer" else RequestImportSchema()
    vocab = _Vocabulary()
    report = ImportReport()
    seen: dict[tuple[str, str, str], int] = {}  # (organisation name, country, id) -> line, within this file
    batch: list[tuple[int, dict[str, Any], set[str]]] = []
    orgs: dict[tuple[str, str], int] = {}
    for n, value in lines:
        row = _validate(schema, vocab, n, value, report)
        if row is not None:
            data, given = row
            key = (_org_name(kind, data), data["country"], data["id"])
            if key in seen:
                report.rejected.append((n, [f"id: {data['id']!r} already on line {seen[key]} for this organisation."]))
            else:
                seen[key] = n
                batch.append((n, data, given))
        else:
            _advance(progress, 1)
        if len(batch) >= batch_size:
            _import_batch(kind, batch, vocab, orgs, actor, report)
            _advance(progress, len(batch))
            batch = []
    if batch:
        _import_batch(kind, batch, vocab, orgs, actor, report)
        _advance(progress, len(batch))
    if report.created or report.updated:
        analyze(IMPORTED_TABLES[kind])
    return report


IMPORTED_TABLES = {
    kind: ("organisations", f"{kind}s", f"{kind}_sectors", f"{kind}_modalities", f"{kind}_sdgs", f"{kind}_languages",
           "index_changes", "events")
    for kind in ("offer", "request")
}


def analyze(tables: Iterable[str]) -> None:
    """Refresh PostgreSQL's planner statistics of tables a bulk write has just filled.

    Without them the planner takes a freshly imported table for a few rows (it estimated 16 for 10,005) and picks
    plans that sort or scan it whole; autovacuum would analyse it too, but only after a while. Table names are
    this module's constants, never input."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    with unit_of_work() as session:
        session.execute(text(f"ANALYZE {', '.join(tables)}"))


def _advance(progress: Callable[[int], None] | None, k: int) -> None:
    if progress:
        progress(k)


def _validate(schema, vocab: _Vocabulary, n: int, value: Any, report: ImportReport):  # type: ignore[no-untyped-def]
    """(loaded data, names the line gave) or None when the line is rejected (reasons added to the report)."""
    if isinstance(value, Unreadable):
        report.rejected.append((n, [value.reason]))
        return None
    try:
        data = schema.load(value)
    except ValidationError as err:
        report.rejected.append((n, _reasons(err.normalized_messages())))
        return None
    data["country"] = data["country"].upper()
    problems = vocab.unknown(data)
    if problems:
        report.rejected.append((n, problems))
        return None
    given = set(value) | ({"modalities"} if "modality" in value else set())
    return data, given


def _reasons(errors: Any, prefix: str = "") -> list[str]:
    """marshmallow's nested errors as 'field: message' lines ('languages[0]: ...' for list items)."""
    if isinstance(errors, dict):
        out = []
        for key, value in errors.items():
            name = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            if key == "_schema":
                name = prefix or "line"
            out += _reasons(value, name)
        return out
    if isinstance(errors, (list, tuple)):
        return [m for e in errors for m in _reasons(e, prefix)]
    return [f"{prefix}: {i18n.plain(errors)}" if prefix else str(i18n.plain(errors))]


def _org_name(kind: str, data: dict[str, Any]) -> str:
    name = data.get("institution") if kind == "offer" else data.get("requester")
    return (name or "").strip() or f"Unnamed ({data['country']})"


def _organisation(kind: str, data: dict[str, Any], cache: dict, new: dict) -> Organisation:
    """The line's organisation: found by name and country, else a new one (added, not flushed yet: the batch
    writes nothing before its vectors are computed, so it holds SQLite's write lock only briefly)."""
    key = (_org_name(kind, data), data["country"])
    if key in new:
        return new[key]
    if key not in cache:
        org_id = db.session.scalar(select(Organisation.id).where(Organisation.name == key[0],
                                                                 Organisation.country_code == key[1])
                                   .order_by(Organisation.id).limit(1))
        if org_id is None:
            new[key] = Organisation(name=key[0], country_code=key[1], verified=False,
                                    kind=OrgKind.COMPETENCE_CENTRE if kind == "offer" else OrgKind.MINISTRY)
            db.session.add(new[key])
            return new[key]
        cache[key] = org_id
    return db.session.get(Organisation, cache[key])


def _content(kind: str, data: dict[str, Any], given: set[str], vocab: _Vocabulary) -> dict[str, Any]:
    """The values the line sets, as the record holds them (tags as ORM objects)."""
    values: dict[str, Any] = {"title": data["title"], "description": data["description"],
                              "text_lang": data.get("text_lang") or language.detect(data["title"], data["description"]),
                              "country_code": data["country"]}
    for name in OPTIONAL_FIELDS[kind]:
        if name in given:
            values[name] = data.get(name)
    if "sectors" in given:
        values["sectors"] = [vocab.sectors[c] for c in dict.fromkeys(data["sectors"])]
    if "modalities" in given:
        values["modalities"] = [vocab.modalities[c] for c in dict.fromkeys(data["modalities"])]
    if "sdgs" in given:
        values["sdgs"] = [vocab.sdgs[i] for i in dict.fromkeys(data["sdgs"])]
    if "languages" in given:
        values["languages"] = list(dict.fromkeys(data["languages"]))
    return values


def _differences(record: Request | Offer, values: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in values.items():
        if name in ("sectors", "modalities", "sdgs"):
            current = sorted(o.code if name != "sdgs" else o.number for o in getattr(record, name))
            wanted = sorted(o.code if name != "sdgs" else o.number for o in value)
        elif name == "languages":
            current, wanted = record.language_codes, sorted(value)
        else:
            current, wanted = getattr(record, name), value
        if current != wanted:
            changed.append(name)
    return changed


def _set(kind: str, record: Request | Offer, values: dict[str, Any], names: Iterable[str]) -> None:
    lang_model = OfferLanguage if kind == "offer" else RequestLanguage
    names = list(names)
    if "languages" in names:
        record.languages = [lang_model(code=c) for c in values["languages"]]
    populate(record, values, [n for n in names if n != "languages"])


def _import_batch(kind: str, batch: list[tuple[int, dict[str, Any], set[str]]], vocab: _Vocabulary,
                  orgs: dict, actor: User | None, report: ImportReport) -> None:
    """One unit of work: create what is new, update what changed, skip what is the same."""
    model = Offer if kind == "offer" else Request
    counts = {"created": 0, "updated": 0, "skipped": 0}
    ids: dict[str, int] = {}
    new_orgs: dict[tuple[str, str], Organisation] = {}
    with unit_of_work(), db.session.no_autoflush:  # one flush for the batch, after the vectors
        keyed = [(_organisation(kind, data, orgs, new_orgs), data, given) for _n, data, given in batch]
        known = [(org.id, data["id"]) for org, data, _g in keyed if org.id is not None]
        existing = {(r.organisation_id, r.external_id): r for r in db.session.scalars(
            select(model).where(tuple_(model.organisation_id, model.external_id).in_(known))
            .options(*(selectinload(getattr(model, t)) for t in TAGS)))} if known else {}
        made, changed = [], []
        for org, data, given in keyed:
            values = _content(kind, data, given, vocab)
            record = existing.get((org.id, data["id"])) if org.id is not None else None
            if record is None:
                record = model(organisation=org, external_id=data["id"], published_at=utcnow(),
                               status=OfferState.PUBLISHED if kind == "offer" else RequestState.PUBLISHED)
                _set(kind, record, values, values)
                made.append((data, record))
            else:
                names = _differences(record, values)
                if names:
                    _set(kind, record, values, names)
                    record.updated_at = utcnow()
                    changed.append((data, record, names))
                else:
                    counts["skipped"] += 1
                    ids[data["id"]] = record.id
        # Unchanged texts keep their vectors (reading a deferred vector must not flush half a batch); a batch
        # with nothing new or changed does not even load the model.
        if made or changed:
            embed_records([r for _d, r in made] + [r for _d, r, _n in changed])
        for _data, record in made:
            db.session.add(record)
        db.session.flush()  # the batch's first write
        for key, org in new_orgs.items():
            record_event(actor, org, "create", details={"name": org.name, "by": "import"}, notify=False)
            orgs[key] = org.id
        for data, record in made:
            record_event(actor, record, "import", None, record.status, details={"external_id": data["id"]},
                         notify=False)
            note_index_change(record)
            ids[data["id"]] = record.id
        for data, record, names in changed:
            record_event(actor, record, "import", record.status, record.status,
                         details={"external_id": data["id"], "fields": sorted(names)}, notify=False)
            note_index_change(record)
            ids[data["id"]] = record.id
        counts["created"], counts["updated"] = len(made), len(changed)
    report.created += counts["created"]
    report.updated += counts["updated"]
    report.skipped += counts["skipped"]
    report.ids.update(ids)
