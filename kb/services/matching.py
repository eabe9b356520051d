"""Matching use cases: embedding records when saved, suggestions both ways, free-text search."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import current_app
from flask_babel import lazy_ngettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from kb.errors import ValidationFailed
from kb.extensions import db
from kb.i18n import N_
from kb.matching import calibration, ranking
from kb.matching.embedder import Embedder, load_embedder
from kb.matching.sync import IndexManager, get_manager
from kb.matching.text import record_text, text_hash, tokenize
from kb.models import Offer, Request, User
from kb.services import access
from kb.services.pages import ListPagination

MAX_K = 100
STRONG_FIT = calibration.STRONG_FIT   # a pair at or above this fit is a strong match (alerts, unmet needs)
POSSIBLE_FIT = calibration.POSSIBLE_FIT
MAX_QUERY = 500  # characters; the longest query URL stays well within MAX_URL_LENGTH


def embedder() -> Embedder:
    """The process's embedder for the configured model."""
    return load_embedder(current_app.config["KB_EMBEDDING_MODEL"])


def manager() -> IndexManager:
    """The process's catalogues, brought up to date with every committed change."""
    m = get_manager(embedder(), current_app.config["KB_INDEX_DIR"])
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
        for (r, _t, h), v in zip(chunk, vectors, strict=True):
            r.embedding, r.embedding_model, r.embedding_hash = v.astype(np.float32).tobytes(), emb.name, h
    return len(todo)


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
    return ranking.Query(vector=vector, text=text, country=record.country_code,
                         organisation_id=record.organisation_id, sectors=tuple(record.sector_codes),
                         modalities=tuple(record.modality_codes), languages=tuple(record.language_codes),
                         from_offer=isinstance(record, Offer))


def suggest(actor: User | None, kind: str, record_id: int, args: SuggestionArgs) -> list[dict[str, Any]]:
    """Offers for a request (kind='request') or requests for an offer (kind='offer')."""
    source_model, target_kind = (Request, "offer") if kind == "request" else (Offer, "request")
    record = access.get_visible_record(source_model, record_id, actor)  # 404 unless the caller may see it
    q = _query_for(record)
    return _run(target_kind, q, args)


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


def _run(target_kind: str, q: ranking.Query, args: SuggestionArgs, judged: bool = True) -> list[dict[str, Any]]:
    """Rank; judged pairs (suggestions) carry fit and band and hide weak ones unless asked; free-text
    search ranks text that is not a request or offer, so its hits carry no fit."""
    m = manager()
    offers = m.catalogues["offer"] if target_kind == "request" and q.from_offer else None
    scored = ranking.rank(m.catalogues[target_kind], q, args.filters(), args.k, offers=offers)
    model = Offer if target_kind == "offer" else Request
    texts = {r.id: r for r in db.session.scalars(select(model).where(model.id.in_([s.id for s in scored])))}
    out = []
    for s in scored:
        record = texts.get(s.id)
        if record is None or record.status != "published":
            continue  # changed since the catalogue was refreshed; never show it
        item = _explain(target_kind, s, record)
        if not judged:
            item["fit"] = item["band"] = None
        if not judged or args.include_weak or item["band"] != "weak":
            out.append(item)
    return out


def explain_pair(request: Request, offer: Offer) -> tuple[float, dict[str, Any]] | tuple[None, None]:
    """The score and explanation of one request-offer pair, as a suggestion would show it."""
    m = manager()
    cat = m.catalogues["offer"]
    if offer.id not in cat.entries:
        return None, None
    q = _query_for(request)
    cosine = float(cat.vectors_for([offer.id])[0] @ q.vector)
    scored = ranking.score_candidates(cat, q, {offer.id: cosine}, 1)
    if not scored:
        return None, None
    result = _explain("offer", scored[0], offer)
    return result["score"], {**result["explanation"], "fit": result["fit"], "band": result["band"],
                             "revision": m.revision, "model": embedder().name}


def _words_for(stems: list[str], text: str) -> list[str]:
    seen: dict[str, str] = {}
    for word in re.findall(r"\w+", text):
        toks = tokenize(word)
        if toks and toks[0] in stems and toks[0] not in seen:
            seen[toks[0]] = word
    return [seen[s] for s in stems if s in seen]


def _explain(kind: str, s: ranking.Scored, record: Request | Offer) -> dict[str, Any]:
    text = record_text(record.title, record.description)
    return {
        "kind": kind,
        "id": s.id,
        "title": record.title,
        "country_code": record.country_code,
        "organisation": {"id": record.organisation_id, "name": record.organisation.name},
        "text_lang": record.text_lang,
        "score": round(s.score, 4),
        **dict(zip(("fit", "band"), pair_fit(s.score), strict=True)),
        "explanation": {
            "components": {
                "dense_cosine": round(s.cosine, 4), "dense_z": round(s.dense_z, 4),
                "keyword": round(s.keyword, 4), "sectors": round(s.sector, 4),
                "modalities": round(s.modality, 4), "languages": s.language,
                "has_sectors": s.has_sectors, "has_modalities": s.has_modalities,
            },
            "weights": {name: round(w, 4) for name, w in calibration.params()["weights"].items()},
            "shared_sectors": s.shared_sectors,
            "shared_modalities": s.shared_modalities,
            "working_languages": {"shared": s.shared_languages, "offered": list(s.entry.languages),
                                  "fit": bool(s.shared_languages)},
            "matching_terms": _words_for(s.matched_terms, text),
            "passage": ranking.best_passage(record.description, s.matched_terms),
        },
    }


def rebuild(progress: Callable[[str, int, int], None] | None = None, batch_size: int = 64) -> dict[str, Any]:
    """Re-embed every record whose vector is missing or from another model, then reload the index."""
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
    m = get_manager(embedder(), current_app.config["KB_INDEX_DIR"])
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
    out: dict[str, Any] = {"model": emb.name, "dim": emb.dim, "revision": m.revision, "database_revision": latest}
    for model, kind, published in ((Offer, "offer", OfferState.PUBLISHED), (Request, "request", RequestState.PUBLISHED)):
        total = db.session.scalar(select(func.count()).select_from(model).where(model.status == published))
        stale = db.session.scalar(select(func.count()).select_from(model).where(
            model.status == published,
            (model.embedding_model.is_(None)) | (model.embedding_model != emb.name)))
        out[kind] = {"published": total, "indexed": len(m.catalogues[kind]), "stale_vectors": stale}
    out["up_to_date"] = m.revision == latest and all(out[k]["stale_vectors"] == 0 for k in ("offer", "request"))
    return out
