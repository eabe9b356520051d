"""Keeping each process's catalogues in step with the database.

The database is the source of truth (vectors included). Every committed change to a searchable
record appends a row to `index_changes` in the same transaction; before answering, a process reads
the rows past the revision it has applied and reloads just those records. A rolled-back change
leaves no row, so it is never seen. Snapshots under KB_INDEX_DIR only speed up start-up.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from flask import g, has_app_context
from sqlalchemy import event, func, null, select, text
from sqlalchemy.orm import Session, selectinload

from kb.extensions import db
from kb.matching.embedder import Embedder
from kb.matching.faiss_index import FaissIndex
from kb.matching.index import Catalogue, Entry
from kb.matching.text import record_text
from kb.models import (
    Country,
    IndexChange,
    Modality,
    Offer,
    OfferLanguage,
    OfferState,
    Request,
    RequestLanguage,
    RequestState,
    Sector,
)
from kb.models.records import offer_modalities, offer_sectors, request_modalities, request_sectors

KINDS = {"offer": (Offer, OfferState.PUBLISHED), "request": (Request, RequestState.PUBLISHED)}
PENDING_INDEX_CHANGES = "kb_index_changes"  # Session.info key: (kind, record id) noted by the unit of work
INDEX_CHANGES_LOCK = 0x6B62_0001  # PostgreSQL advisory lock key serialising the writers of index_changes
_WROTE_INDEX_CHANGES = "kb_wrote_index_changes"
G_INDEX_CHECKED = "kb_index_fresh"  # flask.g: this request has checked the index already
FRESHNESS_INTERVAL = 0.005  # seconds: a process checks for new changes at most this often (requests between reuse it)


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
    session.info[_WROTE_INDEX_CHANGES] = True


@event.listens_for(Session, "after_commit")
def _index_changed_here(session: Session) -> None:
    """This process committed a change: its next search checks at once (reads its own writes)."""
    if session.info.pop(_WROTE_INDEX_CHANGES, False):
        with _managers_lock:
            for m in _managers.values():
                m.generation += 1
    if has_app_context():
        g.pop(G_INDEX_CHECKED, None)


@event.listens_for(Session, "after_rollback")
def _forget_index_changes(session: Session) -> None:
    session.info.pop(PENDING_INDEX_CHANGES, None)
    session.info.pop(_WROTE_INDEX_CHANGES, None)
SNAPSHOT_VERSION = 3  # 2: one vector index file per kind, written by the backend; 3: float16 exact index (EXACT_KIND)


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


def _rows(model, ids: list[int] | None):
    """The columns an index entry needs, as plain rows (no ORM objects: a full load at 100k records built
    hundreds of MB of throw-away objects)."""
    columns = [model.id, model.status, model.title, model.description, model.country_code, model.organisation_id,
               model.text_lang, model.embedding, model.embedding_model, model.embedding_e5, model.embedding_e5_model]
    columns.append(model.valid_until if model is Offer else null().label("valid_until"))
    stmt = select(*columns)
    if ids is not None:
        stmt = stmt.where(model.id.in_(ids))
    return stmt.execution_options(yield_per=2000)


def _tags(session: Session, model, ids: list[int] | None) -> dict[str, dict[int, list[str]]]:
    """Each record's sector and modality codes (in display order) and working languages (sorted), by record id."""
    owner = "request_id" if model is Request else "offer_id"
    links = (request_sectors, request_modalities) if model is Request else (offer_sectors, offer_modalities)
    languages = RequestLanguage if model is Request else OfferLanguage
    out: dict[str, dict[int, list[str]]] = {}
    for name, link, vocab, code in (("sectors", links[0], Sector, "sector_code"),
                                    ("modalities", links[1], Modality, "modality_code")):
        stmt = select(link.c[owner], link.c[code]).join(vocab, vocab.code == link.c[code]) \
            .order_by(link.c[owner], vocab.position)
        if ids is not None:
            stmt = stmt.where(link.c[owner].in_(ids))
        out[name] = _grouped(session.execute(stmt))
    owner_col = getattr(languages, owner)
    stmt = select(owner_col, languages.code).order_by(owner_col, languages.code)
    if ids is not None:
        stmt = stmt.where(owner_col.in_(ids))
    out["languages"] = _grouped(session.execute(stmt))
    return out


def _grouped(rows) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    grouped: dict[int, list[str]] = {}
    for rid, code in rows:
        grouped.setdefault(rid, []).append(code)
    return grouped


def release_memory() -> None:
    """Give the memory a load freed back to the system: collect garbage, then ask glibc's allocator to return its
    free pages (malloc_trim; without it a worker kept ~630 MB of freed memory after loading 100k records)."""
    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        pass


class IndexManager:
    """The catalogues of one process for one database and one embedding model."""

    def __init__(self, embedder: Embedder, snapshot_dir: str | None = None, second: str | None = None) -> None:
        self.embedder = embedder
        self.second = second  # the second embedder's name: stored vectors of that model join the catalogues
        self.catalogues = {kind: Catalogue(kind, embedder.dim) for kind in KINDS}
        self.revision = 0
        self.loaded = False
        self.stale: dict[str, int] = {kind: 0 for kind in KINDS}
        self.snapshot_dir = Path(snapshot_dir) if snapshot_dir else None
        self._write = threading.Lock()
        self.generation = 0  # moves with every commit of index changes made in this process
        self.checked: tuple[float, int] = (float("-inf"), -1)  # (time.monotonic(), generation) of the last look

    # --- keeping in step -------------------------------------------------------------------
    def ensure_fresh(self, newest: Callable[[], int] | None = None) -> int:
        """Apply every committed change this process has not seen yet; returns the revision.

        The check (the newest change's id: one index lookup) is `newest()`, read by the caller on its own session
        (the request's connection: no checkout, no pool ping; kb.services.matching.manager reads it with the
        request's other revisions in one statement), at most every FRESHNESS_INTERVAL seconds per process; a commit
        made in this process makes the next call check at once. Only when there is something new, the changes are
        read and applied through a session of its own, so only committed data ever reaches the catalogues, even
        when called in the middle of a caller's unit of work (index changes are written at commit time, so the
        caller's session sees no uncommitted one).
        """
        now, generation = time.monotonic(), self.generation
        if self.loaded and generation == self.checked[1] and now - self.checked[0] < FRESHNESS_INTERVAL:
            return self.revision
        if self.loaded and newest is not None:
            latest = newest()
            self.checked = (now, generation)  # a commit here meanwhile moved the generation: checked again next time
            if latest <= self.revision:
                return self.revision
        with Session(db.engine) as session:
            revision = self._ensure_fresh(session)
        self.checked = (now, generation)
        return revision

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
                release_memory()
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
        wanted = sorted(ids) if ids is not None else None
        tags = _tags(session, model, wanted)
        seen: set[int] = set()
        batch_entries: list[Entry] = []
        batch_vectors: list[np.ndarray] = []
        batch_texts: list[str] = []
        second_ids: list[int] = []
        second_vectors: list[np.ndarray] = []
        no_second: list[int] = []
        drop: list[int] = []
        stale = 0
        for row in session.execute(_rows(model, wanted)):
            seen.add(row.id)
            searchable = row.status == published
            if searchable and (row.embedding is None or row.embedding_model != self.embedder.name):
                stale += 1
                searchable = False
            if not searchable:
                drop.append(row.id)
                continue
            batch_entries.append(Entry(
                id=row.id, title=row.title, country=row.country_code, organisation_id=row.organisation_id,
                sectors=tuple(tags["sectors"].get(row.id, ())), modalities=tuple(tags["modalities"].get(row.id, ())),
                languages=tuple(tags["languages"].get(row.id, ())), text_lang=row.text_lang,
                valid_until=row.valid_until, groups=groups.get(row.country_code, frozenset())))
            batch_vectors.append(np.frombuffer(row.embedding, dtype=np.float32))
            batch_texts.append(record_text(row.title, row.description))
            if self.second and row.embedding_e5 is not None and row.embedding_e5_model == self.second:
                second_ids.append(row.id)
                second_vectors.append(np.frombuffer(row.embedding_e5, dtype=np.float32))
            else:
                no_second.append(row.id)
            if len(batch_entries) >= 2000:
                cat.upsert_many(batch_entries, np.vstack(batch_vectors), batch_texts)
                batch_entries, batch_vectors, batch_texts = [], [], []
                if second_ids:  # by batch too: no list of 100,000 row buffers and float32 copy of them all at once
                    cat.set_second(second_ids, np.vstack(second_vectors))
                    second_ids, second_vectors = [], []
        cat.upsert_many(batch_entries, np.vstack(batch_vectors) if batch_vectors else np.zeros((0, cat.dim)),
                        batch_texts)
        if ids is not None:
            drop.extend(i for i in ids if i not in seen)  # deleted rows
            self.stale[kind] = max(0, self.stale[kind] + stale)
        else:
            self.stale[kind] = stale
        cat.remove_many(drop)
        cat.set_second(no_second, None)
        if second_ids:
            cat.set_second(second_ids, np.vstack(second_vectors))
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
        # Mapped, not read (FaissIndex.load): workers that load the same snapshot share its pages.
        cat = Catalogue(kind, self.embedder.dim, FaissIndex(self.embedder.dim, mmap=True))
        cat.load(index_path, [_entry_from_row(r) for r in rows], _texts(session, KINDS[kind][0]))
        if self.second:  # the second vectors come from the database (the source of truth), not the snapshot
            model = KINDS[kind][0]
            result = session.execute(select(model.id, model.embedding_e5).where(
                model.embedding_e5_model == self.second, model.embedding_e5.is_not(None))
                .execution_options(yield_per=2000))
            for part in result.partitions():  # 2,000 rows at a time: no full list of row buffers
                got = [(i, b) for i, b in part if i in cat.entries]
                if got:
                    cat.set_second([i for i, _b in got],
                                   np.vstack([np.frombuffer(b, dtype=np.float32) for _i, b in got]))
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


def get_manager(embedder: Embedder, snapshot_dir: str | None, second: str | None = None) -> IndexManager:
    """The process-wide manager for the current database and model (second: the second embedder's name)."""
    key = (database_identity(), embedder.name)
    with _managers_lock:
        if key not in _managers:
            _managers[key] = IndexManager(embedder, snapshot_dir, second)
        return _managers[key]


def forget_managers() -> None:
    """Drop every process-wide manager (tests, and after a rebuild in this process)."""
    with _managers_lock:
        _managers.clear()
        _starts.clear()


class StillLoading(Exception):
    """The process's index is loading in the background; the caller answers "retry later"."""


@dataclass
class _Start:
    """A background load of one database and model's index."""

    done: threading.Event
    manager: IndexManager | None = None
    error: BaseException | None = None


_starts: dict[tuple[str, str], _Start] = {}
_log = logging.getLogger(__name__)


def started_manager(model_name: str, make: Callable[[], IndexManager], wait: float | None) -> IndexManager:
    """The process's loaded manager for the current database and model; the first call starts loading it
    (make(): load the model, read the index) in a background thread with the current app's context.

    Waits at most `wait` seconds for it (None: until it is loaded), then raises StillLoading: a request is never held past the
    server's timeout by a load (25-120 s at 100k records), and the worker is not killed mid-load. A load that
    failed raises its error once; the next call starts another."""
    from flask import current_app

    key = (database_identity(), model_name)
    with _managers_lock:
        start = _starts.get(key)
        if start is None:
            start = _starts[key] = _Start(threading.Event())
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            threading.Thread(target=_load_in_background, args=(app, start, make), name="kb-index-load",
                             daemon=True).start()
    if not start.done.wait(wait):
        raise StillLoading
    if start.error is not None:
        with _managers_lock:
            if _starts.get(key) is start:
                del _starts[key]
        raise start.error
    assert start.manager is not None
    return start.manager


def loaded_before_fork(timeout: float | None = None) -> bool:
    """Wait (at most timeout seconds) for this process's background loads; True when every one has succeeded.

    gunicorn's master (preload_app, see gunicorn.conf.py and kb/serving.py) calls it before re-forking its
    workers: a worker forked afterwards inherits the loaded catalogues instead of loading its own."""
    with _managers_lock:
        starts = list(_starts.values())
    if not starts:
        return False
    for start in starts:
        if not start.done.wait(timeout):
            return False
    return all(s.error is None and s.manager is not None for s in starts)


def _after_fork_in_child() -> None:
    """In a forked child (a gunicorn worker forked from a master that loaded the index): keep the catalogues the
    parent finished loading, forget the loads it had under way (their thread did not come along: the child starts
    its own when asked), and make the next request check the database for changes past the inherited revision.
    Locks are new: a parent's thread may have held one at the fork."""
    global _managers_lock
    _managers_lock = threading.Lock()
    # A manager whose write lock was held at the fork was being changed by a thread that did not come along (a
    # load, or changes half applied: FAISS updated, entries not): the child cannot trust it and loads its own.
    busy = {id(m) for m in _managers.values() if m._write.locked()}
    finished = {key: s for key, s in _starts.items()
                if s.done.is_set() and s.error is None and s.manager is not None and id(s.manager) not in busy}
    kept = {id(s.manager) for s in finished.values()}
    _starts.clear()
    _starts.update(finished)
    for key, m in list(_managers.items()):
        if id(m) in busy or (id(m) not in kept and not m.loaded):
            del _managers[key]  # half-built or half-changed by a thread that did not come along
            continue
        m._write = threading.Lock()
        m.checked = (float("-inf"), -1)  # check for changes past the inherited revision on the first request
        for cat in m.catalogues.values():
            cat.lock = threading.RLock()
            cat.keywords._lock = threading.RLock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _load_in_background(app, start: _Start, make: Callable[[], IndexManager]) -> None:  # type: ignore[no-untyped-def]
    began = time.monotonic()
    try:
        with app.app_context():
            start.manager = make()
        _log.info("Matching index loaded in %.1f s", time.monotonic() - began)
    except BaseException as exc:  # noqa: BLE001 (handed to the waiting request)
        _log.exception("Loading the matching index failed")
        start.error = exc
    finally:
        start.done.set()


__all__ = ["IndexManager", "StillLoading", "entry_for", "get_manager", "forget_managers", "database_identity",
           "loaded_before_fork", "started_manager"]
