"""Keeping each process's catalogues in step with the database.

The database is the source of truth (vectors included). Every committed change to a searchable
record appends a row to `index_changes` in the same transaction; before answering, a process reads
the rows past the revision it has applied and reloads just those records. A rolled-back change
leaves no row, so it is never seen. Snapshots under KB_INDEX_DIR only speed up start-up.
"""
from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session, selectinload, undefer

from kb.extensions import db
from kb.matching.embedder import Embedder
from kb.matching.index import Catalogue, Entry
from kb.matching.text import record_text
from kb.models import Country, IndexChange, Offer, OfferState, Request, RequestState

KINDS = {"offer": (Offer, OfferState.PUBLISHED), "request": (Request, RequestState.PUBLISHED)}
PENDING_INDEX_CHANGES = "kb_index_changes"  # Session.info key: (kind, record id) noted by the unit of work
INDEX_CHANGES_LOCK = 0x6B62_0001  # PostgreSQL advisory lock key serialising the writers of index_changes


@event.listens_for(Session, "before_commit")
def write_index_changes(session: Session) -> None:
    """Insert the unit of work's index_changes rows as it commits, in the order readers will see them.

    Readers apply the changes past the revision they hold, by increasing id. PostgreSQL takes an id at
    INSERT, and transactions commit in any order: a change with a lower id committing after one with a
    higher id would be skipped for good. So the rows are inserted at commit time under a transaction-level
    advisory lock, held until COMMIT (or ROLLBACK) ends the transaction: writers of index changes commit one
    at a time, in id order. The lock is held only from here to the COMMIT. SQLite has one writer at a time anyway.
    """
    pending = session.info.pop(PENDING_INDEX_CHANGES, None)
    if not pending:
        return
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INDEX_CHANGES_LOCK})
    session.add_all(IndexChange(kind=kind, record_id=rid) for kind, rid in sorted(pending))


@event.listens_for(Session, "after_rollback")
def _forget_index_changes(session: Session) -> None:
    session.info.pop(PENDING_INDEX_CHANGES, None)
SNAPSHOT_VERSION = 2  # 2: one vector index file per kind, written by the backend


def _country_groups(session: Session) -> dict[str, frozenset[str]]:
    rows = session.scalars(select(Country).options(selectinload(Country.groups))).all()
    return {c.code: frozenset(g.code for g in c.groups) for c in rows}


def entry_for(record: Request | Offer, groups: dict[str, frozenset[str]]) -> Entry:
    """The catalogue entry of a record."""
    return Entry(
        id=record.id, title=record.title, country=record.country_code, organisation_id=record.organisation_id,
        sectors=tuple(record.sector_codes), modalities=tuple(record.modality_codes),
        languages=tuple(record.language_codes), text_lang=record.text_lang,
        valid_until=getattr(record, "valid_until", None), groups=groups.get(record.country_code, frozenset()),
    )


def _load(model, ids: Iterable[int] | None):
    stmt = select(model).options(undefer(model.embedding), selectinload(model.sectors),
                                 selectinload(model.modalities), selectinload(model.languages))
    if ids is not None:
        stmt = stmt.where(model.id.in_(list(ids)))
    return stmt


class IndexManager:
    """The catalogues of one process for one database and one embedding model."""

    def __init__(self, embedder: Embedder, snapshot_dir: str | None = None) -> None:
        self.embedder = embedder
        self.catalogues = {kind: Catalogue(kind, embedder.dim) for kind in KINDS}
        self.revision = 0
        self.loaded = False
        self.stale: dict[str, int] = {kind: 0 for kind in KINDS}
        self.snapshot_dir = Path(snapshot_dir) if snapshot_dir else None
        self._write = threading.Lock()

    # --- keeping in step -------------------------------------------------------------------
    def ensure_fresh(self) -> int:
        """Apply every committed change this process has not seen yet; returns the revision.

        Reads through a session of its own, so only committed data ever reaches the catalogues,
        even when called in the middle of a caller's unit of work.
        """
        with Session(db.engine) as session:
            return self._ensure_fresh(session)

    def _ensure_fresh(self, session: Session) -> int:
        if self.loaded and self._latest(session) <= self.revision:
            return self.revision  # the usual case: nothing new, no lock taken
        with self._write:
            # Read again under the lock: a value read before it may be older than what another thread has
            # applied meanwhile, and would look like a reset (a full reload for nothing).
            latest = self._latest(session)
            if latest < self.revision:  # the database was reset: start again
                self.loaded = False
            if not self.loaded:
                if not self._load_snapshot(session):
                    self._full_load(session, latest)
                self.loaded = True
            if latest > self.revision:
                changes = session.execute(
                    select(IndexChange.kind, IndexChange.record_id).where(IndexChange.id > self.revision,
                                                                          IndexChange.id <= latest)).all()
                by_kind: dict[str, set[int]] = {}
                for kind, rid in changes:
                    by_kind.setdefault(kind, set()).add(rid)
                for kind, ids in by_kind.items():
                    self._reload(session, kind, ids)
                self.revision = latest
        return self.revision

    @staticmethod
    def _latest(session: Session) -> int:
        """The newest committed change (each statement sees the latest commits: SQLite's autocommit reads,
        PostgreSQL's READ COMMITTED)."""
        return session.scalar(select(func.max(IndexChange.id))) or 0

    def _full_load(self, session: Session, latest: int) -> None:
        self.catalogues = {kind: Catalogue(kind, self.embedder.dim) for kind in KINDS}
        self.stale = {kind: 0 for kind in KINDS}
        for kind in KINDS:
            self._reload(session, kind, None)
        self.revision = latest

    def _reload(self, session: Session, kind: str, ids: set[int] | None) -> None:
        model, published = KINDS[kind]
        cat = self.catalogues[kind]
        groups = _country_groups(session)
        seen: set[int] = set()
        batch_entries: list[Entry] = []
        batch_vectors: list[np.ndarray] = []
        batch_texts: list[str] = []
        drop: list[int] = []
        stale = 0
        for record in session.scalars(_load(model, ids)).yield_per(2000):
            seen.add(record.id)
            searchable = record.status == published
            if searchable and (record.embedding is None or record.embedding_model != self.embedder.name):
                stale += 1
                searchable = False
            if not searchable:
                drop.append(record.id)
                continue
            batch_entries.append(entry_for(record, groups))
            batch_vectors.append(np.frombuffer(record.embedding, dtype=np.float32))
            batch_texts.append(record_text(record.title, record.description))
            if len(batch_entries) >= 2000:
                cat.upsert_many(batch_entries, np.vstack(batch_vectors), batch_texts)
                batch_entries, batch_vectors, batch_texts = [], [], []
        cat.upsert_many(batch_entries, np.vstack(batch_vectors) if batch_vectors else np.zeros((0, cat.dim)),
                        batch_texts)
        if ids is not None:
            drop.extend(i for i in ids if i not in seen)  # deleted rows
            self.stale[kind] = max(0, self.stale[kind] + stale)
        else:
            self.stale[kind] = stale
        cat.remove_many(drop)
        cat.keywords.compact()

    # --- snapshots -------------------------------------------------------------------------
    def _paths(self) -> tuple[Path, dict[str, Path]] | None:
        """The manifest, and each kind's vector index file."""
        if self.snapshot_dir is None:
            return None
        safe = self.embedder.name.replace("/", "_").replace(":", "_")
        return (self.snapshot_dir / f"{safe}.manifest.json",
                {kind: self.snapshot_dir / f"{safe}.{kind}.index" for kind in KINDS})

    @staticmethod
    def _revision_stamp(session: Session, revision: int) -> str | None:
        """When the change at `revision` was made: ties a snapshot to this database's history."""
        at = session.scalar(select(IndexChange.at).where(IndexChange.id == revision))
        return at.isoformat() if at else None

    def save_snapshot(self, database_identity: str) -> Path | None:
        """Write each kind's vector index, then a JSON manifest with the entries, atomically (temp file + rename)."""
        paths = self._paths()
        if paths is None:
            return None
        manifest_path, index_paths = paths
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        entries: dict[str, list] = {}
        for kind, cat in self.catalogues.items():
            tmp = index_paths[kind].with_suffix(".tmp")
            entries[kind] = [_entry_row(e) for e in cat.save(tmp)]
            os.replace(tmp, index_paths[kind])
        with Session(db.engine) as session:
            stamp = self._revision_stamp(session, self.revision)
        manifest = {"version": SNAPSHOT_VERSION, "model": self.embedder.name, "dim": self.embedder.dim,
                    "revision": self.revision, "revision_at": stamp, "database": database_identity,
                    "written_at": time.time(),
                    "counts": {k: len(v) for k, v in entries.items()}, "entries": entries}
        tmp_manifest = manifest_path.with_suffix(".tmp")
        tmp_manifest.write_text(json.dumps(manifest))
        os.replace(tmp_manifest, manifest_path)
        return manifest_path

    def _load_snapshot(self, session: Session) -> bool:
        """Start from the snapshot when it belongs to this model and database history; False when not."""
        paths = self._paths()
        if paths is None or not paths[0].exists():
            return False
        try:
            manifest = json.loads(paths[0].read_text())
            if not self._snapshot_fits(session, manifest):
                return False
            catalogues = {kind: self._restore(session, kind, manifest["entries"][kind], paths[1][kind])
                          for kind in KINDS}
        except (OSError, KeyError, TypeError, ValueError):  # json.JSONDecodeError is a ValueError
            return False
        self.catalogues, self.revision = catalogues, manifest["revision"]
        return True

    def _snapshot_fits(self, session: Session, manifest: dict) -> bool:
        """Same format, model and database, and the database's history still holds its revision."""
        if (manifest.get("version") != SNAPSHOT_VERSION or manifest.get("model") != self.embedder.name
                or manifest.get("database") != database_identity()):
            return False
        # Another history (the database was reset or restored since) has no change at that revision or another time.
        return manifest.get("revision_at") == self._revision_stamp(session, manifest["revision"])

    def _restore(self, session: Session, kind: str, rows: list[list], index_path: Path) -> Catalogue:
        """A new catalogue from a saved vector index and the manifest's entries, keyword texts from the database."""
        cat = Catalogue(kind, self.embedder.dim)
        cat.load(index_path, [_entry_from_row(r) for r in rows], _texts(session, KINDS[kind][0]))
        return cat


def _entry_row(e: Entry) -> list:
    """An entry as a JSON row of the manifest."""
    return [e.id, e.title, e.country, e.organisation_id, list(e.sectors), list(e.modalities), list(e.languages),
            e.text_lang, e.valid_until.isoformat() if e.valid_until else None, sorted(e.groups)]


def _entry_from_row(r: list) -> Entry:
    return Entry(id=r[0], title=r[1], country=r[2], organisation_id=r[3], sectors=tuple(r[4]),
                 modalities=tuple(r[5]), languages=tuple(r[6]), text_lang=r[7],
                 valid_until=date.fromisoformat(r[8]) if r[8] else None, groups=frozenset(r[9]))


def _texts(session: Session, model) -> Iterator[tuple[int, str]]:
    """(id, keyword text) of every record, streamed from one query: keyword statistics need the full texts."""
    rows = session.execute(select(model.id, model.title, model.description).execution_options(yield_per=2000))
    for rid, title, desc in rows:
        yield rid, record_text(title, desc)


def database_identity() -> str:
    """Which database a snapshot belongs to (URL without password)."""
    return db.engine.url.render_as_string(hide_password=True)


_managers: dict[tuple[str, str], IndexManager] = {}
_managers_lock = threading.Lock()


def get_manager(embedder: Embedder, snapshot_dir: str | None) -> IndexManager:
    """The process-wide manager for the current database and model."""
    key = (database_identity(), embedder.name)
    with _managers_lock:
        if key not in _managers:
            _managers[key] = IndexManager(embedder, snapshot_dir)
        return _managers[key]


def forget_managers() -> None:
    """Drop every process-wide manager (tests, and after a rebuild in this process)."""
    with _managers_lock:
        _managers.clear()


__all__ = ["IndexManager", "entry_for", "get_manager", "forget_managers", "database_identity"]
