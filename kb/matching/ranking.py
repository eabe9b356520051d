"""Ranking: dense similarity fused with keywords and the records' structured fields.

score = W_DENSE * z(cos) + W_KEYWORD * keyword + W_SECTOR * Jaccard(sectors)
        + W_MODALITY * share of wanted modalities offered + W_LANGUAGE * [a working language shared]

z(cos) standardises the cosine against the whole catalogue for this query (mean and spread come
from the catalogue's moments), so the structured-field boosts weigh the same whatever the model's
score range. The keyword score only counts rare query terms (acronyms, names, technical terms)
that the other side contains verbatim: a cross-language-safe signal, where plain BM25 over all
words rewards same-language pairs and drowns the multilingual one (see docs/MATCHING.md).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from kb.matching.index import Catalogue, Entry

W_DENSE, W_KEYWORD, W_SECTOR, W_MODALITY, W_LANGUAGE = 0.5, 0.5, 0.5, 0.25, 0.25
RARE_DF = 0.02          # a query term is "rare" when at most 2% of the catalogue contains it
POOL = 400              # dense candidates re-scored per query (plus keyword candidates)


@dataclass
class Query:
    """What a ranking starts from: a vector, the text, and the asking record's fields."""

    vector: np.ndarray
    text: str
    country: str | None = None
    organisation_id: int | None = None
    sectors: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    exclude_ids: frozenset[int] = frozenset()


@dataclass
class Filters:
    """Hard filters a user can set; own-country candidates are left out unless asked for."""

    include_own_country: bool = False
    sector: str | None = None
    modality: str | None = None
    language: str | None = None
    country: str | None = None
    region: str | None = None
    today: date = field(default_factory=date.today)

    def admits(self, e: Entry, q: Query) -> bool:
        if e.id in q.exclude_ids or e.expired(self.today):
            return False
        if q.organisation_id is not None and e.organisation_id == q.organisation_id:
            return False
        if not self.include_own_country and q.country and e.country == q.country:
            return False
        if self.sector and self.sector not in e.sectors:
            return False
        if self.modality and self.modality not in e.modalities:
            return False
        if self.language and self.language not in e.languages:
            return False
        if self.country and e.country != self.country:
            return False
        return not (self.region and self.region not in e.groups)

    @property
    def selective(self) -> bool:
        return any((self.sector, self.modality, self.language, self.country, self.region))


@dataclass
class Scored:
    """One ranked candidate with everything its explanation needs."""

    id: int
    score: float
    cosine: float
    dense_z: float
    keyword: float
    sector: float
    modality: float
    language: float
    entry: Entry
    shared_sectors: list[str]
    shared_modalities: list[str]
    shared_languages: list[str]
    matched_terms: list[str]


def _jaccard(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def rank(cat: Catalogue, q: Query, filters: Filters, k: int) -> list[Scored]:
    """The k best admissible candidates of the catalogue for the query."""
    n = len(cat)
    if n == 0 or k <= 0:
        return []
    ids, cos = cat.dense(q.vector, min(n, max(POOL, 4 * k)))
    pool = {int(i): float(c) for i, c in zip(ids, cos, strict=True) if filters.admits(cat.entries[int(i)], q)}
    if filters.selective and len(pool) < k:
        allowed = [e.id for e in cat.entries.values() if filters.admits(e, q)]
        ids, cos = cat.dense(q.vector, max(POOL, 4 * k), allowed_ids=allowed)
        pool.update({int(i): float(c) for i, c in zip(ids, cos, strict=True)})

    kw = cat.keywords
    terms = kw.query_terms(q.text)
    rare = {t: idf for t, idf in terms.items() if kw.df[t] <= max(1, RARE_DF * len(kw))}
    if rare:
        extra = [d for d, _s in kw.top(rare, 50) if d not in pool and d in cat.entries
                 and filters.admits(cat.entries[d], q)]
        if extra:
            vectors = cat.vectors_for(extra)
            pool.update({d: float(v @ q.vector) for d, v in zip(extra, vectors, strict=True)})
    if not pool:
        return []
    return score_candidates(cat, q, pool, k, terms, rare)


def score_candidates(cat: Catalogue, q: Query, pool: dict[int, float], k: int,
                     terms: dict[int, float] | None = None, rare: dict[int, float] | None = None) -> list[Scored]:
    """Fuse the signals for candidates whose cosine is known; the k best with their explanations."""
    kw = cat.keywords
    if terms is None:
        terms = kw.query_terms(q.text)
        rare = {t: idf for t, idf in terms.items() if kw.df[t] <= max(1, RARE_DF * len(kw))}
    cand = list(pool)
    mean, std = cat.similarity_stats(q.vector)
    kw_raw = kw.scores(rare, cand) if rare else np.zeros(len(cand), dtype=np.float32)
    kw_max = sum(rare.values()) * 2.2 if rare else 1.0  # BM25 ceiling: every rare term, saturated tf
    results: list[Scored] = []
    for d, kscore in zip(cand, kw_raw.tolist(), strict=True):
        e = cat.entries[d]
        c = pool[d]
        z = (c - mean) / std
        keyword = min(kscore / kw_max, 1.0) if kw_max else 0.0
        shared_s = [s for s in q.sectors if s in e.sectors]
        shared_m = [m for m in q.modalities if m in e.modalities]
        shared_l = [lang for lang in q.languages if lang in e.languages]
        sector = _jaccard(q.sectors, e.sectors)
        modality = len(shared_m) / len(set(q.modalities)) if q.modalities else 0.0
        language = 1.0 if shared_l else 0.0
        score = (W_DENSE * z + W_KEYWORD * keyword + W_SECTOR * sector + W_MODALITY * modality
                 + W_LANGUAGE * language)
        results.append(Scored(d, score, c, z, keyword, sector, modality, language, e, shared_s, shared_m,
                              shared_l, []))
    results.sort(key=lambda s: (-s.score, s.id))
    top = results[:k]
    for s in top:
        s.matched_terms = kw.matched_terms(s.id, terms)[:12]
    return top


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def best_passage(text: str, stems: list[str]) -> str | None:
    """The sentence of text that contains the most matched term stems (for the explanation)."""
    from kb.matching.text import tokenize

    if not stems:
        return None
    wanted = set(stems)
    best, best_hits = None, 0
    for sentence in _SENTENCE.split(text):
        hits = len(wanted & set(tokenize(sentence)))
        if hits > best_hits:
            best, best_hits = sentence.strip(), hits
    return best[:400] if best else None


def calibrated(score: float) -> float:
    """A 0-1 reading of the fused score for display (logistic; for ordering use the score itself)."""
    return 1.0 / (1.0 + math.exp(-(score - 1.0) * 2.0))
