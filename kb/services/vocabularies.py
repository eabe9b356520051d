"""The sector and modality vocabularies, administered in the database: add an entry, edit its labels, retire it.

Nothing is deleted: a retired entry is offered by no form and refused on new tags (kb/services/records.py), but
stays on the records that have it with its labels. Every change is audited (record type "sector" or "modality",
record id the entry's position, which is never reused)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import func, select

from kb import permissions
from kb.errors import Conflict, NotFound
from kb.extensions import db
from kb.i18n import LANGUAGES
from kb.models import Modality, Sector, User
from kb.models.records import offer_modalities, offer_sectors, request_modalities, request_sectors
from kb.services import change_log, changed_fields, populate, reference, unit_of_work
from kb.services.audit import record_event

MODELS = {"sectors": Sector, "modalities": Modality}
LABEL_FIELDS = tuple(f"label_{lang}" for lang in LANGUAGES)
_TAGS = {"sectors": ((request_sectors, "sector_code"), (offer_sectors, "sector_code")),
         "modalities": ((request_modalities, "modality_code"), (offer_modalities, "modality_code"))}


@dataclass
class Entry:
    """A vocabulary entry with how many requests and offers carry it."""

    entry: Sector | Modality
    requests: int
    offers: int

    @property
    def uses(self) -> int:
        return self.requests + self.offers


def _model(vocabulary: str):  # type: ignore[no-untyped-def]
    if vocabulary not in MODELS:
        raise NotFound(lazy_gettext("Unknown vocabulary: %(name)s.", name=vocabulary))
    return MODELS[vocabulary]


def _get(vocabulary: str, code: str) -> Sector | Modality:
    entry = db.session.get(_model(vocabulary), code)
    if entry is None:
        raise NotFound(lazy_gettext("Sector %(code)s not found.", code=code) if vocabulary == "sectors"
                       else lazy_gettext("Modality %(code)s not found.", code=code))
    return entry


def _uses(vocabulary: str) -> tuple[dict[str, int], dict[str, int]]:
    counts = []
    for table, column in _TAGS[vocabulary]:
        rows = db.session.execute(select(table.c[column], func.count()).group_by(table.c[column]))
        counts.append({code: n for code, n in rows})
    return counts[0], counts[1]


def list_entries(actor: User, vocabulary: str) -> list[Entry]:
    """Every entry of sectors or modalities, retired ones too, in display order, with their uses (admin)."""
    permissions.require_administration(actor, permissions.MANAGE_VOCABULARIES)
    model = _model(vocabulary)
    on_requests, on_offers = _uses(vocabulary)
    return [Entry(e, on_requests.get(e.code, 0), on_offers.get(e.code, 0))
            for e in reference.list_vocabulary(model)]


def add_entry(actor: User, vocabulary: str, data: dict[str, Any]) -> Sector | Modality:
    """Add a sector or modality at the end of the list (admin); its code must be new."""
    permissions.require_administration(actor, permissions.MANAGE_VOCABULARIES)
    model = _model(vocabulary)
    with unit_of_work() as session:
        if session.get(model, data["code"]) is not None:
            message = lazy_gettext("The code %(code)s is taken.", code=data["code"])
            raise Conflict(message, {"code": [message]})
        position = (session.scalar(select(func.max(model.position))) or 0) + 1
        entry = model(code=data["code"], position=position, retired=False,
                      **{k: data[k] for k in LABEL_FIELDS})
        session.add(entry)
        session.flush()
        record_event(actor, entry, "create", details={"code": entry.code, "labels": entry.labels()}, notify=False)
    reference.forget_labels()
    return entry


def update_labels(actor: User, vocabulary: str, code: str, data: dict[str, Any]) -> Sector | Modality:
    """Change an entry's labels (admin); the records carrying it show the new labels at once."""
    permissions.require_administration(actor, permissions.MANAGE_VOCABULARIES)
    with unit_of_work():
        entry = _get(vocabulary, code)
        current = {k: getattr(entry, k) for k in LABEL_FIELDS}
        changed = changed_fields(current, data)
        if not changed:
            return entry
        populate(entry, data, changed)
        record_event(actor, entry, "update", details={"code": code, **change_log(current, data, changed)},
                     notify=False)
    reference.forget_labels()
    return entry


def set_retired(actor: User, vocabulary: str, code: str, retired: bool) -> Sector | Modality:
    """Retire an entry (forms stop offering it; records keep it) or bring it back (admin)."""
    permissions.require_administration(actor, permissions.MANAGE_VOCABULARIES)
    with unit_of_work():
        entry = _get(vocabulary, code)
        if entry.retired == retired:
            return entry
        entry.retired = retired
        record_event(actor, entry, "retire" if retired else "restore", details={"code": code}, notify=False)
    reference.forget_labels()
    return entry
