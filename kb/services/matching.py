"""Matching use cases: embedding records when saved, suggestions both ways, free-text search."""
from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from babel import Locale
from flask import current_app, g, has_request_context
from flask_babel import lazy_ngettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Integer, Select, any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import lazyload, undefer

from kb.errors import Starting, ValidationFailed
from kb.extensions import db
from kb.i18n import N_
from kb.matching import calibration, ranking
from kb.matching.embedder import Embedder, load_embedder, load_second_embedder, second_model_name
from kb.matching.sync import (
    G_INDEX_CHECKED,
    PENDING_INDEX_CHANGES,
    IndexManager,
    StillLoading,
    get_manager,
    started_manager,
)
from kb.matching.text import record_text, text_hash, tokenize
from kb.models import Offer, Request, User
from kb.services import access, cache
from kb.services.pages import ListPagination
from kb.services.tags import attach_tags

MAX_K = 100
STARTING_RETRY_AFTER = 5  # seconds a client is told to wait while the index loads
STRONG_FIT = calibration.STRONG_FIT   # a pair at or above this fit is a strong match (alerts, unmet needs)
POSSIBLE_FIT = calibration.POSSIBLE_FIT
BEST_FIT_TTL = 600.0  # seconds a request's best fit is cached (any change to a record moves the index revision first;
#                      the TTL only bounds what the calendar changes: offers expiring)
MAX_QUERY = 500  # characters; the longest query URL stays well within MAX_URL_LENGTH


def embedder() -> Embedder:
    """The process's embedder for the configured model."""
    return load_embedder(current_app.config["KB_EMBEDDING_MODEL"])


def second_name() -> str | None:
    """The configured second embedder's name (None: switched off); does not load it."""
    return second_model_name(current_app.config.get("KB_SECOND_EMBEDDING_MODEL"))


def manager() -> IndexManager:
    """The process's catalogues, brought up to date with every committed change: checked once per request
    (again after a commit), on the request's own connection (kb.matching.sync.IndexManager.ensure_fresh)."""
    # A request waits KB_INDEX_WAIT_SECONDS at most (then 503); the command line and background jobs wait for it.
    wait = current_app.config["KB_INDEX_WAIT_SECONDS"] if has_request_context() else None
    try:
        m = started_manager(current_app.config["KB_EMBEDDING_MODEL"], _load_manager, wait)
    except StillLoading:
        raise Starting(N_("The search index is still loading; try again in a few seconds."),
                       retry_after=STARTING_RETRY_AFTER) from None
    if not g.get(G_INDEX_CHECKED):
        m.ensure_fresh(lambda: cache.revisions()["index"])
        g.setdefault(G_INDEX_CHECKED, True)
    return m


def start_loading() -> None:
    """Start loading the model and the index in the background unless it is under way or done (no wait)."""
    with contextlib.suppress(StillLoading):
        started_manager(current_app.config["KB_EMBEDDING_MODEL"], _load_manager, 0)


def _load_manager() -> IndexManager:
    """Load the model and the index (in the background thread of kb.matching.sync.started_manager)."""
    m = get_manager(embedder(), current_app.config["KB_INDEX_DIR"], second_name())
    m.ensure_fresh()
    return m


def embed_records(records: Iterable[Request | Offer], batch_size: int = 64) -> int:
    """Store each record's vector unless its text and model are unchanged; returns how many were embedded."""
    emb = embedder()
    todo = []
    for r in records:
        text = record_text(r.title, r.description)
        h = text_hash(emb.name, text)
        if r.embedding_hash != h or r.embedding is None:
            todo.append((r, text, h))
    for start in range(0, len(todo), batch_size):
        chunk = todo[start:start + batch_size]
        vectors = emb.encode([t for _r, t, _h in chunk], batch_size=batch_size)
        for (r, t, h), v in zip(chunk, vectors, strict=True):
            r.embedding, r.embedding_model, r.embedding_hash = v.astype(np.float32).tobytes(), emb.name, h
            _drop_stale_second(r, t)
    return len(todo)


# --- the second embedder: computed by the job workers after the save (kb.jobs.embed_second) ---------------

def _second_hash(name: str, text: str) -> str:
    return text_hash(name, text)


def _drop_stale_second(record: Request | Offer, text: str) -> None:
    """The text changed: the second vector no longer describes it (the pair falls back to the first model)."""
    name = second_name()
    if record.embedding_e5_hash is not None and (name is None or record.embedding_e5_hash != _second_hash(name, text)):
        record.embedding_e5 = record.embedding_e5_model = record.embedding_e5_hash = None


def needs_second(record: Request | Offer) -> bool:
    """Whether the record's second vector is missing or describes another text or model."""
    name = second_name()
    if name is None:
        return False
    # The model and hash are set and cleared with the vector (read without loading the deferred vector).
    return record.embedding_e5_model != name or \
        record.embedding_e5_hash != _second_hash(name, record_text(record.title, record.description))


def queue_second(record: Request | Offer) -> None:
    """Ask a worker to compute the record's second vector once this transaction commits (when it needs one)."""
    if record.id is not None and needs_second(record):
        from kb.jobs import after_commit, embed_second

        after_commit(embed_second, "request" if isinstance(record, Request) else "offer", record.id)


class VectorCache:
    """Second vectors on disk by content hash (model and text): `kb eval` and `kb calibrate` pay for the
    benchmark's ~200 texts once (about a minute), not on every run. One .npy file per text."""

    def __init__(self, directory: str | None) -> None:
        from pathlib import Path

        self.dir = Path(directory) if directory else None
        if self.dir is not None:
            self.dir.mkdir(parents=True, exist_ok=True)

    def get(self, h: str) -> np.ndarray | None:
        if self.dir is None:
            return None
        path = self.dir / f"{h}.npy"
        try:
            return np.load(path) if path.exists() else None
        except (OSError, ValueError):
            return None

    def put(self, h: str, v: np.ndarray) -> None:
        if self.dir is not None:
            import os

            tmp = self.dir / f"{h}.{os.getpid()}.tmp.npy"
            np.save(tmp, np.asarray(v, dtype=np.float32))
            os.replace(tmp, self.dir / f"{h}.npy")


def embed_second(kind: str, ids: list[int] | None = None, progress: Callable[[str, int, int], None] | None = None,
                 cache_dir: str | None = None, batch: int = 16, limit: int | None = None) -> int:
    """Compute and store the second vector of the records (all of the kind when ids is None) that need one,
    a batch per transaction; each stored vector of a published record appends an index change, so every
    process's catalogue picks it up. Returns how many were computed. Used by the worker's job (one record),
    `kb index rebuild`, `kb import`, the demo loader and `kb eval` (with a disk cache). limit: at most that many
    of the records without a second vector of this model, newest first (the workers' periodic sweep)."""
    from kb.services import unit_of_work

    name = second_name()
    if name is None:
        return 0
    from kb.matching.sync import KINDS

    model, published = KINDS[kind]
    stmt = select(model.id).order_by(model.id)
    if ids is not None:
        stmt = stmt.where(model.id.in_(ids))
    if limit is not None:
        stmt = stmt.where(model.embedding_e5_model.is_(None) | (model.embedding_e5_model != name)) \
            .order_by(None).order_by(model.id.desc()).limit(limit)
    todo_ids = list(db.session.scalars(stmt))
    emb2 = None
    cache = VectorCache(cache_dir)
    done = computed = 0
    for start in range(0, len(todo_ids), batch):
        with unit_of_work():
            chunk = db.session.scalars(select(model).where(model.id.in_(todo_ids[start:start + batch]))
                                       .options(undefer(model.embedding_e5))
                                       .execution_options(populate_existing=True)).all()
            work = []
            for r in chunk:
                text = record_text(r.title, r.description)
                h = _second_hash(name, text)
                if r.embedding_e5 is not None and r.embedding_e5_model == name and r.embedding_e5_hash == h:
                    continue
                work.append((r, r.version, text, h))  # the version read with the text
            vectors = {h: cache.get(h) for _r, _v, _t, h in work}
            missing = {h: t for _r, _v, t, h in work if vectors[h] is None}
            if missing:
                emb2 = emb2 or load_second_embedder(current_app.config.get("KB_SECOND_EMBEDDING_MODEL"))
                for h, v in zip(missing, emb2.encode(list(missing.values())), strict=True):
                    cache.put(h, v)
                    vectors[h] = v
            table = model.__table__
            for r, version, _t, h in work:
                # A Core UPDATE, not the ORM: a derived cache is not an edit, so the record's version (which the
                # author's next save must quote, 409 otherwise) and updated_at stay as they are; and it only lands
                # if the record was not saved meanwhile (its version unchanged), when its text may have changed.
                stored = db.session.execute(
                    update(table).where(table.c.id == r.id, table.c.version == version).values(
                        embedding_e5=np.asarray(vectors[h], dtype=np.float32).tobytes(), embedding_e5_model=name,
                        embedding_e5_hash=h, updated_at=table.c.updated_at)).rowcount
                if stored and r.status == published:
                    db.session.info.setdefault(PENDING_INDEX_CHANGES, set()).add((kind, r.id))
            computed += len(work)
        done += len(chunk)
        if progress:
            progress(kind, done, len(todo_ids))
    return computed


@dataclass
class SuggestionArgs(ranking.Filters):
    """k and the hard filters of a suggestion or search call (codes normalised to upper case)."""

    k: int = 10
    include_weak: bool = False

    def __post_init__(self) -> None:
        self.country = self.country.upper() if self.country else None
        self.region = self.region.upper() if self.region else None

    def filters(self) -> ranking.Filters:
        return self


def _query_for(record: Request | Offer) -> ranking.Query:
    emb = embedder()
    text = record_text(record.title, record.description)
    if record.embedding is not None and record.embedding_model == emb.name and \
            record.embedding_hash == text_hash(emb.name, text):
        vector = np.frombuffer(record.embedding, dtype=np.float32)
    else:
        vector = emb.encode([text])[0]
    # The second vector only when stored and current: a query never encodes with the second embedder.
    name, vector2 = second_name(), None
    if name is not None and record.embedding_e5 is not None and record.embedding_e5_model == name and \
            record.embedding_e5_hash == _second_hash(name, text):
        vector2 = np.frombuffer(record.embedding_e5, dtype=np.float32)
    return ranking.Query(vector=vector, vector2=vector2, text=text, country=record.country_code,
                         organisation_id=record.organisation_id, sectors=tuple(record.sector_codes),
                         modalities=tuple(record.modality_codes), languages=tuple(record.language_codes),
                         text_lang=record.text_lang, record_id=record.id, from_offer=isinstance(record, Offer))


def suggest(actor: User | None, kind: str, record_id: int, args: SuggestionArgs) -> list[dict[str, Any]]:
    """Offers for a request (kind='request') or requests for an offer (kind='offer')."""
    source_model, target_kind = (Request, "offer") if kind == "request" else (Offer, "request")
    # 404 unless the caller may see it; with its stored vectors, and its tags (the query) in one more statement
    record = access.get_visible_record(source_model, record_id, actor, options=_source_options(source_model))
    attach_tags(source_model, [record])
    q = _query_for(record)
    return _run(target_kind, q, args, source=record)


@functools.cache
def _source_options(model: type[Request] | type[Offer]) -> tuple:
    """How a suggestion loads its source record: with its stored vectors; its organisation and country are not
    read, so not joined. Built once per model (loader options cost more to build than to apply)."""
    return (undefer(model.embedding), undefer(model.embedding_e5), lazyload(model.organisation),
            lazyload(model.country))


def search(actor: User | None, text: str, kind: str, args: SuggestionArgs) -> list[dict[str, Any]]:
    """Free-text search of published offers or requests, in any of the four languages."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({"q": [N_("Give some words to search for.")]})
    if len(text) > MAX_QUERY:
        raise ValidationFailed({"q": [lazy_ngettext("At most %(num)s character.", "At most %(num)s characters.", MAX_QUERY)]})
    if not tokenize(text) and not re.search(r"\w", text):
        raise ValidationFailed({"q": [N_("The query has no words.")]})
    vector = embedder().encode([text], query=True)[0]
    q = ranking.Query(vector=vector, text=text)
    return _run(kind.rstrip("s"), q, args, judged=False)


def search_page(actor: User | None, text: str, kind: str, filters: dict[str, Any], page: int,
                per_page: int) -> Pagination:
    """One page of a free-text search (the catalogue's search box); text_lang filters the ranked list."""
    filters = dict(filters)
    text_lang = filters.pop("text_lang", None)
    hits = search(actor, text, kind, SuggestionArgs(k=MAX_K, **filters))
    if text_lang:
        hits = [hit for hit in hits if hit["text_lang"] == text_lang]
    return ListPagination(hits, page, per_page)


def best_fits(requests: Iterable[Request]) -> dict[int, float | None]:
    """Each published request's best calibrated fit among the published offers, with the default filters (as its
    suggestions, weak ones included, would show first); None when no offer is a candidate at all. Ranked on the
    process's catalogue only (no statement per request): load the requests with their embedding and tags. Each
    value is cached per process while the index revision stands (any change to a published record moves it), at
    most BEST_FIT_TTL seconds."""
    def compute(r: Request) -> float | None:
        cats = manager().catalogues
        scored = ranking.rank(cats["offer"], _query_for(r), SuggestionArgs(k=1).filters(), 1, requests=cats["request"])
        return pair_fit(scored[0].score)[0] if scored else None

    name = current_app.config["KB_EMBEDDING_MODEL"]
    return {r.id: cache.cached(("best-fit", name, r.id), functools.partial(compute, r), depends=("index",),
                               ttl=BEST_FIT_TTL) for r in requests}


def pair_fit(score: float) -> tuple[float, str]:
    """The calibrated fit of a pair from its fused score (request side), and its band: the one place
    pages, the API, alerts and reports get a pair's fit from."""
    value = calibration.fit(score)
    return round(value, 3), calibration.band(value)


def fit_band(value: float) -> str:
    """strong (>= STRONG_FIT), possible (>= POSSIBLE_FIT) or weak."""
    return calibration.band(value)


def has_strong(suggestions: list[dict[str, Any]]) -> bool:
    """Whether any of the suggestions is strong (fit >= STRONG_FIT)."""
    return any(s["band"] == "strong" for s in suggestions)


def _run(target_kind: str, q: ranking.Query, args: SuggestionArgs, judged: bool = True,
         source: Request | Offer | None = None) -> list[dict[str, Any]]:
    """Rank; judged pairs (suggestions) carry fit and band and hide weak ones unless asked; free-text
    search ranks text that is not a request or offer, so its hits carry no fit."""
    m = manager()
    offers = m.catalogues["offer"] if target_kind == "request" and q.from_offer else None
    requests = m.catalogues["request"] if target_kind == "offer" else None  # rc(cos) of the pairs (and of search hits)
    scored = ranking.rank(m.catalogues[target_kind], q, args.filters(), args.k, offers=offers, requests=requests)
    texts = _shown(Offer if target_kind == "offer" else Request, [s.id for s in scored])
    out = []
    for s in scored:
        record = texts.get(s.id)
        if record is None or record.status != "published":
            continue  # changed since the catalogue was refreshed; never show it
        if judged and not args.include_weak and calibration.band(calibration.fit(s.score)) == "weak":
            continue
        out.append((s, record))
    passages = _best_passages(source, q, [r for _s, r in out], [s.matched_terms for s, _r in out])
    items = []
    for (s, record), passage in zip(out, passages, strict=True):
        item = _explain(target_kind, s, record, passage)
        if not judged:
            item["fit"] = item["band"] = None
        items.append(item)
    return items


# --- explanations --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shown:
    """What the explanation of a ranked record shows of it (read as plain columns: no ORM objects, no joins beyond
    its organisation's name)."""

    id: int
    title: str
    description: str
    country_code: str
    organisation_id: int
    organisation_name: str
    text_lang: str
    status: str

    @classmethod
    def of(cls, record: Request | Offer) -> Shown:
        return cls(record.id, record.title, record.description, record.country_code, record.organisation_id,
                   record.organisation.name, record.text_lang, record.status)


def _shown(model: type[Request] | type[Offer], ids: list[int]) -> dict[int, Shown]:
    """The ranked records by id, in one statement."""
    if not ids:
        return {}
    statement = _shown_statement(model, db.session.get_bind().dialect.name == "postgresql")
    return {row[0]: Shown(*row) for row in db.session.execute(statement, {"ids": ids})}


@functools.cache
def _shown_statement(model: type[Request] | type[Offer], postgresql: bool = False) -> Select:
    """Built once per model (SQLAlchemy reuses its compiled form). On PostgreSQL the ids are one array parameter
    (`= ANY(%(ids)s)`, as attach_tags'): an expanding IN is re-rendered with one parameter per id on every call."""
    from kb.models import Organisation

    among = model.id == any_(bindparam("ids", type_=ARRAY(Integer))) if postgresql else \
        model.id.in_(bindparam("ids", expanding=True))
    return select(model.id, model.title, model.description, model.country_code, model.organisation_id,
                  Organisation.name, model.text_lang, model.status) \
        .join(Organisation, Organisation.id == model.organisation_id) \
        .where(among)


_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
MAX_SENTENCES = 8           # sentences of one description compared (the first ones)
_SENTENCE_CACHE_SIZE = 20000  # sentence vectors kept per process (~40 MB at 512 floats)
_sentence_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_sentence_lock = threading.Lock()


def sentences(description: str) -> list[str]:
    """The description's sentences worth quoting (field-listing sentences left out), at most MAX_SENTENCES."""
    return list(_sentences(description or ""))


@functools.lru_cache(maxsize=4096)
def _sentences(description: str) -> tuple[str, ...]:
    """sentences(), split once per description and process (the candidates of suggestions recur)."""
    from kb.matching.text import strip_field_sentences

    out = []
    for part in _SENTENCES.split(strip_field_sentences(description or "")):
        part = part.strip()
        if len(re.findall(r"\w+", part)) >= 3:
            out.append(part[:400])
        if len(out) == MAX_SENTENCES:
            break
    return tuple(out)


@functools.lru_cache(maxsize=20000)
def _sentence_stems(sentence: str) -> frozenset[str]:
    """A sentence's stems, tokenised once per process."""
    return frozenset(tokenize(sentence))


def sentence_vectors(texts: list[str]) -> np.ndarray:
    """Embedding of each sentence, from a per-process cache (a description's sentences are encoded once)."""
    emb = embedder()
    with _sentence_lock:
        missing = list(dict.fromkeys(t for t in texts if (emb.name, t) not in _sentence_cache))
    if missing:
        vectors = emb.encode(missing, batch_size=64)
        with _sentence_lock:
            for t, v in zip(missing, vectors, strict=True):
                _sentence_cache[(emb.name, t)] = np.asarray(v, dtype=np.float32)
            while len(_sentence_cache) > _SENTENCE_CACHE_SIZE:
                _sentence_cache.popitem(last=False)
    with _sentence_lock:
        out = []
        for t in texts:
            v = _sentence_cache.get((emb.name, t))
            if v is None:  # evicted meanwhile by another thread
                v = np.asarray(emb.encode([t])[0], dtype=np.float32)
            out.append(v)
    return np.vstack(out) if out else np.zeros((0, emb.dim), dtype=np.float32)


PASSAGE_CANDIDATES = 3  # sentences of each candidate compared by embedding: those sharing most matched terms


def _shortlist(group: list[str], stems: list[str]) -> list[str]:
    """The PASSAGE_CANDIDATES sentences holding most of the matched stems (earlier first on ties)."""
    if len(group) <= PASSAGE_CANDIDATES:
        return group
    wanted = set(stems)
    ranked = sorted(range(len(group)), key=lambda i: (-len(wanted & _sentence_stems(group[i])), i))
    return [group[i] for i in sorted(ranked[:PASSAGE_CANDIDATES])]


def _best_passages(source: Request | Offer | None, q: ranking.Query, candidates: list[Shown] | list[Offer],
                   stems: list[list[str]] | None = None) -> list[tuple[str | None, str | None]]:
    """For each candidate, (the source's sentence, the candidate's sentence) most similar to each other
    (sentence embeddings, cosine); without a source record (free-text search), the candidate's sentence
    closest to the query. The source's sentences are all compared; of each candidate, the few sharing
    most matched terms. Every sentence is encoded once (cached per process), in one batch."""
    if not candidates:
        return []
    own = sentences(source.description) if source is not None else []
    stems = stems or [[] for _c in candidates]
    theirs = [_shortlist(sentences(c.description), st) for c, st in zip(candidates, stems, strict=True)]
    flat = [t for group in theirs for t in group]
    vectors = sentence_vectors(own + flat)
    own_v, cand_v = vectors[:len(own)], vectors[len(own):]
    out: list[tuple[str | None, str | None]] = []
    start = 0
    for group in theirs:
        block = cand_v[start:start + len(group)]
        start += len(group)
        if not group:
            out.append((None, None))
        elif own:
            sims = own_v @ block.T
            i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
            out.append((own[i], group[j]))
        else:
            out.append((None, group[int(np.argmax(block @ q.vector))]))
    return out


def explain_pair(request: Request, offer: Offer) -> tuple[float, dict[str, Any]] | tuple[None, None]:
    """The score and explanation of one request-offer pair, as a suggestion would show it."""
    m = manager()
    cat = m.catalogues["offer"]
    q = _query_for(request)

    def score() -> list[ranking.Scored]:
        if offer.id not in cat.entries:
            return []
        cosine = float(cat.vectors_for([offer.id])[0] @ q.vector)
        return ranking.score_candidates(cat, q, {offer.id: cosine}, 1, requests=m.catalogues["request"])

    # as rank() does: scored again when another thread changed a catalogue in the middle (a sibling withdrawn)
    scored = ranking.retrying([cat, m.catalogues["request"]], score)
    if not scored:
        return None, None
    result = _explain("offer", scored[0], Shown.of(offer),
                      _best_passages(request, q, [offer], [scored[0].matched_terms])[0])
    return result["score"], {**result["explanation"], "fit": result["fit"], "band": result["band"],
                             "revision": m.revision, "model": embedder().name}


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str | None:
    toks = tokenize(word)
    return toks[0] if toks else None


def _words_for(stems: list[str], title: str, description: str) -> list[str]:
    """The record's words for the matched stems, in the stems' order."""
    first = _first_words(title, description)
    return [first[s] for s in stems if s in first]


@functools.lru_cache(maxsize=2048)
def _first_words(title: str, description: str) -> dict[str, str]:
    """Each stem of the record's text with the first word that has it: the text is split and each distinct word
    stemmed once per process (the same candidates recur across suggestions; about 5 kB an entry with its key, so
    10 MB at most). Read only."""
    first: dict[str, str] = {}
    for word in dict.fromkeys(re.findall(r"\w+", record_text(title, description))):
        stem = _stem(word)
        if stem is not None and stem not in first:
            first[stem] = word
    return first


def _explain(kind: str, s: ranking.Scored, record: Shown,
             passage: tuple[str | None, str | None] = (None, None)) -> dict[str, Any]:
    """A candidate with its fit and explanation; passage = (the source's sentence, the candidate's)."""
    mine, theirs = passage
    request_passage, offer_passage = (mine, theirs) if kind == "offer" else (theirs, mine)
    terms = _words_for(s.matched_terms, record.title, record.description)
    item = {
        "kind": kind,
        "id": s.id,
        "title": record.title,
        "country_code": record.country_code,
        "organisation": {"id": record.organisation_id, "name": record.organisation_name},
        "text_lang": record.text_lang,
        "score": round(s.score, 4),
        **dict(zip(("fit", "band"), pair_fit(s.score), strict=True)),
        "explanation": {
            "components": {
                "dense_cosine": round(s.cosine, 4), "dense_z": round(s.dense_z, 4),
                "keyword": round(s.keyword, 4), "sectors": round(s.sector, 4),
                "modalities": round(s.modality, 4), "languages": s.language,
                "has_sectors": s.has_sectors, "has_modalities": s.has_modalities, "dense_rc": round(s.dense_rc, 4),
                "same_text_lang": s.same_text_lang,
                **({"dense_z_e5": round(s.dense_z2, 4)} if s.dense_z2 is not None else {}),
                **({"sibling_z": round(s.sibling_z, 4)} if s.sibling_z is not None else {}),
            },
            "weights": dict(_rounded_weights(s.dense_z2 is not None)),
            "shared_sectors": s.shared_sectors,
            "shared_modalities": s.shared_modalities,
            "working_languages": {"shared": s.shared_languages, "offered": list(s.entry.languages),
                                  "fit": bool(s.shared_languages)},
            "matching_terms": terms,
            "passage": theirs or ranking.best_passage(record.description, s.matched_terms),
            "passages": {"request": request_passage, "offer": offer_passage},
            "sibling_offer": ({"id": s.sibling.id, "title": s.sibling.title}
                              if s.sibling is not None and (s.sibling_z or 0.0) >= SIBLING_MENTION_Z else None),
        },
    }
    item["explanation"]["summary"] = summary_sentence(item["explanation"])
    return item


_ENGLISH = Locale.parse("en")
SIBLING_MENTION_Z = 1.0  # an explanation names the institution's other offer when it is this close (sibling_z)


def _weights(second: bool) -> dict[str, float]:
    """The learnt weights that scored a pair: with the second embedder's feature or without it."""
    p = calibration.params()
    return p["second"]["weights"] if second and p.get("second") else p["weights"]


_rounded: dict[bool, tuple[dict[str, Any], dict[str, float]]] = {}


def _rounded_weights(second: bool) -> dict[str, float]:
    """_weights(second) rounded to 4 decimals as an explanation shows them, once per calibration (read only)."""
    weights = _weights(second)
    memo = _rounded.get(second)
    if memo is None or memo[0] is not weights:
        memo = _rounded[second] = (weights, {name: round(w, 4) for name, w in weights.items()})
    return memo[1]


_LISTS_MAX = 8192
_lists: dict[tuple[tuple[str, ...], str], str] = {}   # (items, locale identifier) -> the list in words


def _format_list(items: tuple[str, ...], locale: Locale, tag: str | None = None) -> str:
    """babel's format_list, once per list and locale per process (a summary formats three or four lists).
    tag: str(locale), when the caller has it (keyed by it: comparing babel Locales is slow)."""
    key = (items, tag or str(locale))
    value = _lists.get(key)
    if value is None:
        from babel.lists import format_list

        value = format_list(list(items), locale=locale)
        if len(_lists) >= _LISTS_MAX:
            _lists.clear()
        _lists[key] = value
    return value


def _language_names(codes: tuple[str, ...], locale: Locale, tag: str | None = None) -> str:
    """The languages' names in the locale's language (English, then the code, when it has none), as a list;
    once per list of codes and locale per process."""
    tag = tag or str(locale)
    key = (("\x00languages", *codes), tag)
    value = _lists.get(key)
    if value is None:
        value = _format_list(tuple(locale.languages.get(c) or _ENGLISH.languages.get(c) or c for c in codes),
                             locale, tag)
        _lists[key] = value
    return value


_SUMMARIES_MAX = 8192
_summaries: dict[tuple, str] = {}  # (locale, what the sentence names) -> the sentence


def summary_sentence(explanation: dict[str, Any]) -> str:
    """One plain sentence, in the reader's language, saying what the pair has in common (shared
    sectors, modalities asked for and offered, working languages, matching terms), computed when
    shown so that a stored explanation reads in whoever's language looks at it.

    Written once per process for each locale and everything it names (the vocabularies' labels are looked up on
    every call, so an edited label is followed at once): the 10 suggestions of a page mostly repeat."""
    from kb.i18n import current_language, current_locale  # Flask-Babel's, memoised per request
    from kb.services import reference

    locale = current_locale() or _ENGLISH
    lang = current_language()
    tag = str(locale)
    sectors = explanation.get("shared_sectors") or []
    modalities = explanation.get("shared_modalities") or []
    working = explanation.get("working_languages") or {}
    terms = explanation.get("matching_terms") or []

    def names(codes: list[str], vocabulary: str) -> tuple[str, ...]:
        if not codes:
            return ()
        labels = reference.labels(vocabulary, lang)
        return tuple(labels.get(c, c) for c in codes)

    sibling = (explanation.get("sibling_offer") or {}).get("title") or ""
    key = (tag, names(sectors, "sectors"), names(modalities, "modalities"), tuple(working.get("shared") or ()),
           bool(working.get("offered")), tuple(terms[:5]), sibling)
    sentence = _summaries.get(key)
    if sentence is None:
        sentence = _summary(locale, tag, *key[1:])
        if len(_summaries) >= _SUMMARIES_MAX:
            _summaries.clear()
        _summaries[key] = sentence
    return sentence


def _summary(locale: Locale, tag: str, sectors: tuple[str, ...], modalities: tuple[str, ...],
             shared: tuple[str, ...], offered: bool, terms: tuple[str, ...], sibling: str = "") -> str:
    """summary_sentence's sentence, from the labels of the shared sectors and modalities, the shared working
    languages' codes, whether any working language is offered, the first five matching terms and the title of the
    offer's institution's other offer close to the request ("" when none is named)."""
    from kb.i18n import gettext, label_in_sentence, ngettext

    parts = []
    if sectors:
        parts.append(ngettext("shares the sector %(names)s", "shares the sectors %(names)s", len(sectors),
                              names=_format_list(tuple(map(label_in_sentence, sectors)), locale, tag)))
    if modalities:
        parts.append(ngettext("offers %(names)s, as the request asks", "offers %(names)s, as the request asks",
                              len(modalities),
                              names=_format_list(tuple(map(label_in_sentence, modalities)), locale, tag)))
    if shared:
        parts.append(gettext("both work in %(languages)s", languages=_language_names(shared, locale, tag)))
    elif offered:
        parts.append(gettext("no working language in common"))
    if terms:
        parts.append(gettext("both mention %(terms)s", terms=_format_list(terms, locale, tag)))
    if sibling:
        parts.append(gettext("the same institution also offers “%(title)s”, close to the request", title=sibling))
    if not sectors and not modalities and not terms:
        parts.insert(0, gettext("close in meaning only, without shared tags or terms"))
    sentence = "; ".join(parts)
    return sentence[:1].upper() + sentence[1:] + "." if sentence else ""


def rebuild(progress: Callable[[str, int, int], None] | None = None, batch_size: int = 64,
            second: bool = False) -> dict[str, Any]:
    """Re-embed every record whose vector is missing or from another model, then reload the index.

    second: also compute the second embedder's missing vectors (about 4 records a second: the command line's
    rebuild does; the admin page's, which runs in a web request, leaves them to the workers and the command)."""
    from kb.services import unit_of_work

    counts: dict[str, int] = {}
    for model, kind in ((Offer, "offer"), (Request, "request")):
        ids = list(db.session.scalars(select(model.id).order_by(model.id)))
        done = embedded = 0
        for start in range(0, len(ids), 512):
            with unit_of_work():
                chunk = db.session.scalars(select(model).where(model.id.in_(ids[start:start + 512]))
                                           .execution_options(populate_existing=True)).all()
                embedded += embed_records(chunk, batch_size)
            done += len(chunk)
            if progress:
                progress(kind, done, len(ids))
        counts[kind] = embedded
    for kind in ("offer", "request") if second else ():
        counts[f"{kind}_second"] = embed_second(kind, progress=(lambda k, d, t: progress(f"{k} (second vectors)", d, t))
                                                if progress else None)
    m = get_manager(embedder(), current_app.config["KB_INDEX_DIR"], second_name())
    m.loaded = False
    m.ensure_fresh()
    m.save_snapshot(_identity())
    return counts


def _identity() -> str:
    from kb.matching.sync import database_identity

    return database_identity()


def status() -> dict[str, Any]:
    """Model, counts, revision and staleness of this process's index."""
    from sqlalchemy import func

    from kb.models import IndexChange, OfferState, RequestState

    m = manager()
    emb = embedder()
    latest = db.session.scalar(select(func.max(IndexChange.id))) or 0
    out: dict[str, Any] = {"model": emb.name, "dim": emb.dim, "revision": m.revision, "database_revision": latest,
                           "second_model": second_name()}
    for model, kind, published in ((Offer, "offer", OfferState.PUBLISHED), (Request, "request", RequestState.PUBLISHED)):
        total = db.session.scalar(select(func.count()).select_from(model).where(model.status == published))
        stale = db.session.scalar(select(func.count()).select_from(model).where(
            model.status == published,
            (model.embedding_model.is_(None)) | (model.embedding_model != emb.name)))
        out[kind] = {"published": total, "indexed": len(m.catalogues[kind]), "stale_vectors": stale,
                     "second_vectors": len(m.catalogues[kind].second)}
    out["up_to_date"] = m.revision == latest and all(out[k]["stale_vectors"] == 0 for k in ("offer", "request"))
    return out


# --- near-duplicates -----------------------------------------------------------------------------

# Cosine of the records' embeddings (title + description, USE multilingual) at or above which two
# records of the same kind are flagged as possible duplicates, whatever their languages. Chosen on half of
# the labelled set of bench/data/duplicates.jsonl (60 translations and paraphrases of benchmark records,
# 34 hard negatives, every other pair as a negative) by best F1 and reported on the other half
# (`kb eval --duplicates`; table in docs/MATCHING.md).
DUPLICATE_SIMILARITY = 0.72
DUPLICATE_LIMIT = 5


def _duplicate_states(model: type[Request] | type[Offer]) -> tuple[str, str]:
    from kb.models import OfferState, RequestState

    states = RequestState if model is Request else OfferState
    return states.SUBMITTED.value, states.PUBLISHED.value


def find_duplicates(record: Request | Offer, viewer: User | None, limit: int = DUPLICATE_LIMIT) -> list[dict[str, Any]]:
    """The near-duplicates of a record as the viewer may see them (kb.permissions.duplicate_as_seen_by: another
    organisation's record still in review is counted, not named, except for the secretariat)."""
    from kb import permissions

    return [permissions.duplicate_as_seen_by(viewer, d) for d in near_duplicates(record, limit)]


def near_duplicates(record: Request | Offer, limit: int = DUPLICATE_LIMIT) -> list[dict[str, Any]]:
    """Published or in-review records of the same kind (any organisation, any language) whose text is
    nearly the same as this one's: id, title, similarity, status, text language, organisation, same
    organisation or not; closest first, unfiltered (callers show them through find_duplicates).
    Published ones come from the catalogue's vector index, those in review from the database."""
    emb = embedder()
    if record.embedding is None or record.embedding_model != emb.name:
        return []
    model = type(record)
    vector = np.frombuffer(record.embedding, dtype=np.float32)
    submitted, published = _duplicate_states(model)
    kind = "request" if model is Request else "offer"
    try:
        cat = manager().catalogues[kind]
    except Starting:  # the index is loading (a few seconds after a start): a save is not refused for it; only
        cat = None    # the records in review are compared until the published ones are loaded
    found: dict[int, float] = {}
    if cat is not None and len(cat):
        ids, cos = cat.dense(vector, min(len(cat), 2 * limit + 1))
        found.update({int(i): float(c) for i, c in zip(ids, cos, strict=True) if c >= DUPLICATE_SIMILARITY})
    in_review = db.session.execute(select(model.id, model.embedding).where(
        model.status == submitted, model.embedding.is_not(None), model.embedding_model == emb.name)).all()
    for rid, blob in in_review:
        c = float(np.frombuffer(blob, dtype=np.float32) @ vector)
        if c >= DUPLICATE_SIMILARITY:
            found[rid] = c
    found.pop(record.id, None)
    if not found:
        return []
    rows = {r.id: r for r in db.session.scalars(select(model).where(
        model.id.in_(list(found)), model.status.in_((submitted, published))))}
    out = [{"id": rid, "title": rows[rid].title, "similarity": round(c, 3), "status": str(rows[rid].status),
            "text_lang": rows[rid].text_lang, "organisation_id": rows[rid].organisation_id,
            "same_organisation": rows[rid].organisation_id == record.organisation_id}
           for rid, c in sorted(found.items(), key=lambda kv: -kv[1]) if rid in rows]
    return out[:limit]


def duplicates(actor: User | None, kind: str, record_id: int) -> list[dict[str, Any]]:
    """Possible duplicates of a record the caller may see (404 otherwise)."""
    model = Request if kind == "request" else Offer
    record = access.get_visible_record(model, record_id, actor)
    return find_duplicates(record, actor)


def current_ranking(request: Request, k: int) -> list[tuple[int, float | None]]:
    """The offers the suggestion service ranks first for a request today, whatever the request's state
    (`kb eval --live` scores it against the installation's decisions): (offer id, fit), best first, weak
    ones included, default filters."""
    items = _run("offer", _query_for(request), SuggestionArgs(k=k, include_weak=True))
    return [(item["id"], item["fit"]) for item in items]
