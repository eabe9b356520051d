"""Ranking: dense similarity fused with keywords and the records' structured fields.

A pair's score is always computed from the request's side (the request is the query, the offer the
document), whichever record a page starts from: the score, and the fit calibrated on it, are
properties of the pair, never of the page, direction or filters that show it (`pair_scores`).

score = w . features + bias, the log-odds that the pair is relevant, with the features
        z(cos), keyword, Jaccard(sectors), share of wanted modalities offered, [a working language
        shared], [the request has sectors], [the request has modalities], rc(cos), [both texts are
        written in the same language]

and the weights learnt from judged pairs by logistic regression (`flask kb calibrate`, shipped in
kb/data/calibration.json): the pair's fit is sigmoid(score) (kb.matching.calibration).

z(cos) standardises the cosine against the whole catalogue for this query (mean and spread come
from the catalogue's moments), so the structured-field boosts weigh the same whatever the model's
score range. rc(cos) = RC_SCALE * (cos - the offer's mean cosine with the other requests) is the
reverse view: how much closer this request is to the offer than the other requests are on average,
which discounts "hub" offers written in general terms that come close to every request
(`reverse_centred`). [Same text language] (less the share of the offers written in the request's
language, `same_text_lang`) lets the model correct the embedders' pull towards pairs written in one
language (a same-language pair gets a higher cosine for the language alone; the learnt weight is
negative). The keyword score only counts rare query terms (acronyms, names, technical terms)
that the other side contains verbatim: a cross-language-safe signal, where plain BM25 over all
words rewards same-language pairs and drowns the multilingual one (see docs/MATCHING.md).
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

import numpy as np

from kb.matching import calibration
from kb.matching.index import (
    NO_ORG,
    Catalogue,
    Entry,
    as_second_stored,
    as_stored,
    known_country_code,
    known_text_lang_code,
    masks_exact,
    tag_mask,
)
from kb.matching.keyword import K1, B, KeywordIndex
from kb.matching.text import tokenize

FEATURES = ("dense_z", "keyword", "sectors", "modalities", "languages", "has_sectors", "has_modalities", "dense_rc",
            "same_text_lang")
# When both records have the second embedder's vector: z of the second cosine, and sibling_z (the institution's other
# offers; it joins this set only: with the first model alone it lowered the out-of-fold figures, docs/MATCHING.md)
SECOND_FEATURES = FEATURES + ("dense_z_e5", "sibling_z")
RARE_DF = 0.02          # a query term is "rare" when at most 2% of the catalogue contains it
POOL = 400              # dense candidates re-scored per query (plus keyword candidates)
SIBLING_BLOCK = 1024    # siblings' vectors read and compared at a time (an institution may have thousands of offers)
SECOND_POOL = 50        # candidates drawn from the second embedder's vectors as well (a query that has one)
SECOND_SEARCH_LIMIT = 200_000  # above, no search of the second vectors (an exact scan, 2.4 ms at 100,000: MATCHING.md)
_K1_PLUS_1 = K1 + 1     # BM25's (k1 + 1), computed as the term-by-term formula did
RC_SCALE = 10.0         # dense_rc in tenths of a cosine (a cosine's spread over a catalogue is about 0.1)
RC_PRIOR = 5            # pseudo-requests at the request's own mean cosine in the offer's mean (small catalogues)


@dataclass
class Query:
    """What a ranking starts from: a vector, the text, and the asking record's fields."""

    vector: np.ndarray
    text: str
    vector2: np.ndarray | None = None   # the second embedder's stored vector (None: not computed yet, or free text)
    text_lang: str | None = None        # the language of the record's text (None: free text)
    record_id: int | None = None        # the record the query stands for (None: free text)
    country: str | None = None
    organisation_id: int | None = None
    sectors: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    exclude_ids: frozenset[int] = frozenset()
    from_offer: bool = False   # the query is an offer: candidates (requests) are scored from their side

    def __post_init__(self) -> None:
        self.vector = as_stored(self.vector)  # the precision of the catalogues' vectors
        self.vector2 = as_second_stored(self.vector2)


_NEVER = object()  # equal to no code or id


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

    def admitter(self, q: Query) -> Callable[[Entry], bool]:
        """admits(e, q) for one query's candidates: the same answers, with the checks that cannot apply to this
        query left out (a suggestion tests some 450 candidates)."""
        if self.selective:
            return lambda e: self.admits(e, q)
        exclude, today = q.exclude_ids, self.today
        org = q.organisation_id if q.organisation_id is not None else _NEVER
        own = q.country if q.country and not self.include_own_country else _NEVER

        def admit(e: Entry) -> bool:
            return not (e.id in exclude or (e.valid_until is not None and e.valid_until < today)
                        or e.organisation_id == org or e.country == own)
        return admit

    def admitted(self, q: Query, cat: Catalogue, ids: np.ndarray) -> np.ndarray | None:
        """admitter(q) of candidates of cat (ids, all in the catalogue) at once, as a mask, from the catalogue's
        columns; None when the filters are selective (the caller then tests each entry with admitter(q))."""
        if self.selective:
            return None
        cols = cat.columns
        keep = cols.until[ids] >= self.today.toordinal()
        if q.exclude_ids:
            keep &= ~np.isin(ids, np.fromiter(q.exclude_ids, dtype=np.int64, count=len(q.exclude_ids)))
        if q.organisation_id is not None:
            keep &= cols.org[ids] != q.organisation_id
        if q.country and not self.include_own_country:
            keep &= cols.country[ids] != known_country_code(q.country)
        return keep

    @property
    def selective(self) -> bool:
        return any((self.sector, self.modality, self.language, self.country, self.region))


@dataclass
class Scored:
    """One ranked candidate with everything its explanation needs (request-side pair features)."""

    id: int
    score: float
    cosine: float
    dense_z: float
    keyword: float
    sector: float
    modality: float
    language: float
    has_sectors: float
    has_modalities: float
    dense_rc: float
    same_text_lang: float
    dense_z2: float | None
    entry: Entry
    shared_sectors: list[str]
    shared_modalities: list[str]
    shared_languages: list[str]
    matched_terms: list[str]
    sibling_z: float | None = None      # scored with the second set: max(0, z(cos) of the best sibling offer)
    sibling: Entry | None = None        # that sibling offer (None: the offer's institution has no other offer)


@dataclass
class Features:
    """The pair features of n candidates, as arrays (request side: query = request, document = offer)."""

    ids: np.ndarray
    cosine: np.ndarray
    dense_z: np.ndarray
    keyword: np.ndarray
    sector: np.ndarray
    modality: np.ndarray
    language: np.ndarray
    has_sectors: np.ndarray
    has_modalities: np.ndarray
    dense_rc: np.ndarray
    same_text_lang: np.ndarray
    dense_z2: np.ndarray | None = None   # z of the second cosine (0 where has2 is False)
    has2: np.ndarray | None = None       # both records of the pair have a second vector
    sibling_z: np.ndarray | None = None  # sibling_z (second set only; None when no pair has the second vectors)
    sibling_id: np.ndarray | None = None  # the best sibling offer's id (-1: none)

    def matrix(self) -> np.ndarray:
        """n x len(FEATURES), in FEATURES order."""
        return np.column_stack([self.dense_z, self.keyword, self.sector, self.modality, self.language,
                                self.has_sectors, self.has_modalities, self.dense_rc, self.same_text_lang])

    @functools.cached_property
    def score(self) -> np.ndarray:
        return fuse(self.matrix(), self.dense_z2, self.has2, self.sibling_z)


def fuse(features: np.ndarray, dense_z2: np.ndarray | None = None, has2: np.ndarray | None = None,
         sibling: np.ndarray | None = None) -> np.ndarray:
    """The fused score (log-odds of relevance) of pairs from their features (rows in FEATURES order):
    the one formula every page, API call, alert and report uses.

    Pairs whose two records both have the second embedder's vector (has2) are scored by the model learnt
    with z(second cosine) as an eighth feature (calibration "second"); the others by the model learnt
    without it, so the fit is calibrated either way (a record whose vector the worker has not computed yet
    is scored as before). sibling: the second set's sibling_z (0 for every pair when None; a calibration
    without its weight, from before it existed, gives it none)."""
    p = calibration.params()
    w = np.array([p["weights"][name] for name in FEATURES], dtype=np.float64)
    score = features @ w + p["bias"]
    second = p.get("second")
    if second is None or has2 is None or dense_z2 is None or not has2.any():
        return score
    w2 = np.array([second["weights"].get(name, 0.0) for name in SECOND_FEATURES], dtype=np.float64)
    if sibling is None:
        sibling = np.zeros(len(features))
    score2 = np.column_stack([features, dense_z2, sibling]) @ w2 + second["bias"]
    return np.where(has2, score2, score)


def _second_z(cat: Catalogue, q_vector2: np.ndarray | None, cand: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """z of the second cosine of the query against candidates of cat (request side), and where it exists."""
    n = len(cand)
    if q_vector2 is None or not len(cat.second):
        return np.zeros(n), np.zeros(n, dtype=bool)
    has, vecs = cat.second_for(cand)
    if not has.any():
        return np.zeros(n), has
    mean, std = cat.second_stats(q_vector2)
    z = (np.einsum("ij,j->i", vecs, q_vector2).astype(np.float64) - mean) / std  # no BLAS threads for 400 x 384
    return np.where(has, z, 0.0), has


def sibling_z(offers: Catalogue, vector: np.ndarray, mean: float, std: float, ids: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """The institution's other offers, for one request (vector; mean and std: its cosines' moments over the offers'
    catalogue) against candidate offers (ids): for each, max(0, z(cos) of the request with the closest other offer of
    the offer's organisation in the catalogue), 0 when it has none, and that offer's id (-1: none). A provider that
    publishes several offers often can do more than one of them says (the benchmark grades providers); an
    institution's other offer close to the request is evidence for this one. The siblings are read from the
    catalogue's organisation map (every sibling, candidate or not, filters aside: a property of the pair and the
    catalogue, like z(cos)); ties go to the lowest id, as from the offer's side (sibling_z_for_offer)."""
    n = len(ids)
    z, best = np.zeros(n), np.full(n, -1, dtype=np.int64)
    orgs = offers.columns.org[ids]
    sib = _current(offers, offers.siblings_of(orgs[orgs != NO_ORG].tolist()))
    if not len(sib):  # (one current offer can still be an expired candidate's sibling)
        return z, best
    cos = np.concatenate([np.einsum("ij,j->i", offers.vectors_for(sib[s:s + SIBLING_BLOCK].tolist()), vector)
                          for s in range(0, len(sib), SIBLING_BLOCK)]).astype(np.float64)  # no BLAS threads
    sorg = offers.columns.org[sib]
    order = np.lexsort((sib, -cos, sorg))  # by organisation, closest first, then by id
    so, sc, si = sorg[order], cos[order], sib[order]
    starts = np.flatnonzero(np.r_[True, so[1:] != so[:-1]])
    sizes = np.diff(np.r_[starts, len(so)])
    uorg, b_cos, b_id = so[starts], sc[starts], si[starts]
    second_at = np.minimum(starts + 1, len(so) - 1)
    s_cos = np.where(sizes >= 2, sc[second_at], np.nan)
    s_id = np.where(sizes >= 2, si[second_at], -1)
    g = np.minimum(np.searchsorted(uorg, orgs), len(uorg) - 1)
    known = uorg[g] == orgs
    is_best = b_id[g] == ids
    c = np.where(is_best, s_cos[g], b_cos[g])
    bid = np.where(known, np.where(is_best, s_id[g], b_id[g]), -1)
    ok = bid >= 0
    z[ok] = np.maximum((c[ok] - mean) / std, 0.0)
    best[ok] = bid[ok]
    return z, best


def sibling_z_for_offer(offers: Catalogue, q: Query, vectors: np.ndarray, mean: np.ndarray, std: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """sibling_z from an offer's page: the offer (q) is the pair's offer for every candidate request (vectors; mean
    and std: each request's cosines' moments over the offers' catalogue), its siblings the other offers of its
    organisation in the catalogue. The same numbers as from each request's side (sibling_z)."""
    n = len(vectors)
    z, best = np.zeros(n), np.full(n, -1, dtype=np.int64)
    if q.organisation_id is None:
        return z, best
    sib = _current(offers, offers.siblings_of([q.organisation_id]))
    sib = sib[sib != (q.record_id if q.record_id is not None else -1)]
    if not len(sib):
        return z, best
    # By blocks of siblings (an institution may have thousands of offers: no candidates x siblings matrix), keeping
    # each request's closest so far; the first of equals wins, the lowest id (sib is sorted), as from the other side.
    top, at = np.full(n, -np.inf), np.zeros(n, dtype=np.int64)
    rows = np.arange(n)
    for s in range(0, len(sib), SIBLING_BLOCK):
        cos = np.einsum("kj,ij->ki", vectors, offers.vectors_for(sib[s:s + SIBLING_BLOCK].tolist()))
        a = np.argmax(cos, axis=1)
        t = cos[rows, a].astype(np.float64)
        better = t > top
        top[better], at[better] = t[better], a[better] + s
    return np.maximum((top - mean) / std, 0.0), sib[at]


def _current(offers: Catalogue, ids: np.ndarray) -> np.ndarray:
    """The offers of ids that have not expired today: an expired offer is no evidence and is never named."""
    return ids[offers.columns.until[ids] >= date.today().toordinal()] if len(ids) else ids


# --- tags as bit masks (kb.matching.index.tag_mask), so the structured-field features of ~400 candidates are NumPy
# operations ---

_mask = tag_mask


Groups = list[tuple[str, ...]] | tuple[str, ...]  # each candidate's codes, or one tuple shared by every candidate
_GROUP_KINDS = ("sectors", "sectors", "modalities", "modalities", "languages", "languages")  # _tag_features' groups


def _masks(groups: Groups, kind: str) -> np.ndarray | None:
    """The groups' bit masks (one shared tuple: a scalar mask, broadcast by the bit operations); kind: sectors,
    modalities or languages."""
    masks = _mask(kind, groups) if isinstance(groups, tuple) else [_mask(kind, g) for g in groups]
    if not masks_exact():
        return None  # too many distinct codes for one machine word: the caller falls back to sets
    return np.array(masks, dtype=np.uint64)


def _popcount(a: np.ndarray) -> np.ndarray:
    return np.bitwise_count(a).astype(np.float64)


def _tag_features(req_sectors: Groups, req_modalities: Groups, req_languages: Groups, off_sectors: Groups,
                  off_modalities: Groups, off_languages: Groups) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Jaccard of sectors, share of the request's modalities offered, [a working language shared]; each side per
    candidate (a list) or the same for every candidate (a tuple: the query's own)."""
    groups = (req_sectors, off_sectors, req_modalities, off_modalities, req_languages, off_languages)
    n = next(len(g) for g in groups if isinstance(g, list))
    masks = [_masks(g, kind) for g, kind in zip(groups, _GROUP_KINDS, strict=True)]
    if any(m is None for m in masks):
        req_sectors, off_sectors, req_modalities, off_modalities, req_languages, off_languages = (
            [g] * n if isinstance(g, tuple) else g for g in groups)
        sector = np.array([_jaccard(a, b) for a, b in zip(req_sectors, off_sectors, strict=True)])
        modality = np.array([len(set(a) & set(b)) / len(set(a)) if a else 0.0
                             for a, b in zip(req_modalities, off_modalities, strict=True)])
        language = np.array([1.0 if set(a) & set(b) else 0.0 for a, b in zip(req_languages, off_languages, strict=True)])
        return sector, modality, language
    return _mask_features(n, *masks)


def _mask_features(n: int, rs: np.ndarray, os_: np.ndarray, rm: np.ndarray, om: np.ndarray, rl: np.ndarray,
                   ol: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """_tag_features from the two sides' bit masks (each n masks, or one broadcast)."""
    union = np.broadcast_to(_popcount(rs | os_), (n,))
    sector = np.divide(_popcount(rs & os_), union, out=np.zeros(n), where=union > 0)
    wanted = np.broadcast_to(_popcount(rm), (n,))
    modality = np.divide(np.broadcast_to(_popcount(rm & om), (n,)), wanted, out=np.zeros(n), where=wanted > 0)
    language = np.broadcast_to(((rl & ol) != 0).astype(np.float64), (n,)).copy()
    return sector, modality, language


def _jaccard(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def rare_terms(kw: KeywordIndex, terms: dict[int, float]) -> dict[int, float]:
    """The query terms that are rare in the catalogue (in at most RARE_DF of its documents)."""
    limit = max(1, RARE_DF * len(kw))
    return {t: idf for t, idf in terms.items() if kw.df[t] <= limit}


def _keyword_ceiling(rare: dict[int, float]) -> float:
    return sum(rare.values()) * 2.2 if rare else 1.0  # BM25 ceiling: every rare term, saturated tf


T = TypeVar("T")
RACE_RETRIES = 3  # rankings started again when another thread changed a catalogue in the middle of one


def rank(cat: Catalogue, q: Query, filters: Filters, k: int, offers: Catalogue | None = None,
         requests: Catalogue | None = None) -> list[Scored]:
    """The k best admissible candidates of the catalogue for the query.

    When the catalogue holds requests and `offers` is given, q is an offer (its id in q.exclude_ids
    is not needed) and every candidate request is scored as the pair (request, offer) from the
    request's side, against the offers' catalogue: the same number as on the request's own page.
    When the catalogue holds offers, `requests` is the requests' catalogue (for rc(cos); every
    caller ranking offers for a request passes it, or the fit would not be the pair's).

    A ranking reads the catalogues under their locks several times; in a threaded server another request's
    thread may apply an index change between two reads (a candidate removed after the dense search found it).
    Such a ranking is started again on the changed catalogues; an error without a change is raised as it is.
    """
    return retrying([c for c in (cat, offers, requests) if c is not None],
                    lambda: _rank(cat, q, filters, k, offers, requests))


def retrying(catalogues: list[Catalogue], work: Callable[[], T]) -> T:
    """work(), started again (up to RACE_RETRIES times) when it failed while another thread changed one of the
    catalogues it reads (a record removed between two reads: KeyError, IndexError); an error without a change is
    raised as it is."""
    for _ in range(RACE_RETRIES):
        before = [c.revision for c in catalogues]
        try:
            return work()
        except (KeyError, IndexError, RuntimeError):
            if [c.revision for c in catalogues] == before:
                raise
    return work()


def _rank(cat: Catalogue, q: Query, filters: Filters, k: int, offers: Catalogue | None,
          requests: Catalogue | None) -> list[Scored]:
    n = len(cat)
    if n == 0 or k <= 0:
        return []
    ids, cos = cat.dense(q.vector, min(n, max(POOL, 4 * k)))
    # the catalogue's highest cosine for the query (an exact index's first hit): bounds every sibling's z
    top_cosine = float(cos[0]) if len(cos) and not getattr(cat.index, "approximate", True) else None
    admit, entries = filters.admitter(q), cat.entries
    keep = filters.admitted(q, cat, ids)
    if keep is None:
        pool = {i: c for i, c in zip(ids.tolist(), cos.tolist(), strict=True) if admit(entries[i])}
    else:
        pool = dict(zip(ids[keep].tolist(), cos[keep].tolist(), strict=True))
    if filters.selective and len(pool) < k:
        allowed = [e.id for e in cat.entries.values() if admit(e)]
        ids, cos = cat.dense(q.vector, max(POOL, 4 * k), allowed_ids=allowed)
        pool.update(zip(ids.tolist(), cos.tolist(), strict=True))

    if q.vector2 is not None and 0 < len(cat.second) <= SECOND_SEARCH_LIMIT:
        # The second embedder's nearest records too: a pair only it sees close enters the list (at the benchmark's
        # size every record is a candidate anyway; at 10,000+ the first model's top POOL may miss it).
        near = cat.second_search(q.vector2, SECOND_POOL)
        extra = [d for d in near.tolist() if d not in pool and d in entries and admit(entries[d])]
        if extra:
            vectors = cat.vectors_for(extra)
            pool.update(zip(extra, np.einsum("ij,j->i", vectors, q.vector).tolist(), strict=True))

    kw = cat.keywords
    terms = kw.query_terms(q.text)
    rare = rare_terms(kw, terms)
    if rare:
        extra = [d for d, _s in kw.top(rare, 50) if d not in pool and d in cat.entries
                 and admit(cat.entries[d])]
        if extra:
            vectors = cat.vectors_for(extra)
            pool.update({d: float(v @ q.vector) for d, v in zip(extra, vectors, strict=True)})
    if not pool:
        return []
    if offers is not None:
        return score_requests_for_offer(cat, offers, q, pool, k)
    return score_candidates(cat, q, pool, k, terms, rare, requests=requests, top_cosine=top_cosine)


def reverse_centred(cosine: np.ndarray, hub: tuple[np.ndarray, int] | None, listed: np.ndarray | bool,
                    forward_mean: np.ndarray | float) -> np.ndarray:
    """rc(cos) = RC_SCALE * (cos - each offer's mean cosine with the other requests of the requests' catalogue),
    from the catalogue's running sum (no scan). An offer written in general terms is close to most requests; this
    says how much closer this request is than the average other one (the reverse of z(cos), which compares the
    request's offers). listed: the pair's request is in the catalogue (its own cosine is then left out of the
    mean, so a pair scores the same from both sides). The mean is shrunk towards the request's own mean cosine
    with the offers (forward_mean) by RC_PRIOR pseudo-requests: with few other requests (a new installation) the
    offer's mean is barely known, and rc then tends to the forward view, RC_SCALE * (cos - forward_mean); with
    thousands the prior weighs nothing. Without a requests' catalogue (free-text search of requests) it is
    RC_SCALE * cos: the offer's side is then the query, the same for every candidate.

    hub: (each offer's vector . the sum of the requests' catalogue's vectors, that catalogue's count), from
    Catalogue.hub_dots or _hub_of; None without a requests' catalogue."""
    if hub is None:
        return RC_SCALE * cosine
    dot, n = hub
    listed = np.broadcast_to(np.asarray(listed, dtype=bool), cosine.shape)
    others = n - listed.astype(np.int64)
    hub = (dot - np.where(listed, cosine, 0.0) + RC_PRIOR * np.asarray(forward_mean)) / (others + RC_PRIOR)
    return RC_SCALE * (cosine - hub)


def _hub_of(offer_vectors: np.ndarray, requests: Catalogue) -> tuple[np.ndarray, int]:
    """reverse_centred's hub for offer vectors not in the offers' catalogue (an offer's own page: the query)."""
    total, n = requests.vector_sum()
    return np.einsum("ij,j->i", offer_vectors, total.astype(np.float32)).astype(np.float64), n  # no BLAS threads


def same_text_lang(request_langs: list[str | None], offer_langs: list[str], offers: Catalogue) -> np.ndarray:
    """[both texts in the same language] less the share of the offers' catalogue written in the request's
    language: centred like z(cos), so that in a catalogue written in one language it is 0 for every pair (the
    embedders' pull towards same-language pairs is then the same for all). 0 when a side has no language (free text)."""
    out = np.zeros(len(offer_langs))
    shares: dict[str, float] = {}
    for i, (r, o) in enumerate(zip(request_langs, offer_langs, strict=True)):
        if r and o:
            share = shares.get(r)
            if share is None:
                share = shares[r] = offers.language_share(r)
            out[i] = (1.0 if r == o else 0.0) - share
    return out


def score_candidates(cat: Catalogue, q: Query, pool: dict[int, float], k: int,
                     terms: dict[int, float] | None = None, rare: dict[int, float] | None = None,
                     requests: Catalogue | None = None, top_cosine: float | None = None) -> list[Scored]:
    """Fuse the signals for candidates (documents of cat) whose cosine is known; the k best, explained.
    requests: the requests' catalogue when cat holds offers (see reverse_centred). top_cosine: the query's highest
    cosine over the whole catalogue, when known exactly: sibling_z is then computed only for the candidates it could
    bring into the k best (_needs_sibling); the k returned are the same."""
    kw = cat.keywords
    if terms is None or rare is None:
        terms = kw.query_terms(q.text)
        rare = rare_terms(kw, terms)
    cand = list(pool)
    ids = np.array(cand, dtype=np.int64)
    cosine = np.fromiter(pool.values(), dtype=np.float64, count=len(cand))
    mean, std = cat.similarity_stats(q.vector)
    kw_raw = kw.scores(rare, cand).astype(np.float64) if rare else np.zeros(len(cand))
    n = len(cand)
    sector, modality, language = _candidate_tags(cat, q, cand, ids)
    z2, has2 = _second_z(cat, q.vector2, cand)
    listed = q.record_id is not None and requests is not None and q.record_id in requests.entries
    rc = reverse_centred(cosine, cat.hub_dots(cand, requests) if requests is not None else None, listed, mean)
    f = Features(ids, cosine, (cosine - mean) / std,
                 np.minimum(kw_raw / _keyword_ceiling(rare), 1.0), sector, modality, language,
                 np.full(n, 1.0 if q.sectors else 0.0), np.full(n, 1.0 if q.modalities else 0.0), rc,
                 _same_text_lang_of(q.text_lang, cat, ids), z2, has2)
    if has2.any():
        need = _needs_sibling(f, k, top_cosine, mean, std)
        f.sibling_z, f.sibling_id = np.zeros(n), np.full(n, -1, dtype=np.int64)
        if need.any():
            f.sibling_z[need], f.sibling_id[need] = sibling_z(cat, q.vector, mean, std, ids[need])
    top = _top(f, k)
    out = []
    for i in top:
        e = cat.entries[cand[i]]
        s = _scored(f, i, e, q.sectors, q.modalities, q.languages, e, cat)
        s.matched_terms = kw.matched_terms(s.id, terms)[:12]
        out.append(s)
    return out


def _needs_sibling(f: Features, k: int, top_cosine: float | None, mean: float, std: float) -> np.ndarray:
    """The candidates whose sibling_z could bring them into the k best (mask; f without sibling_z yet). A sibling's
    z is at most that of the catalogue's highest cosine for the query, so sibling_z adds at most
    bound = w * max(0, (top_cosine - mean) / std) to a score, and nothing takes any away (w >= 0): a candidate whose
    score without it plus the bound stays under the k-th best score without it can never be among the k best. Every
    candidate the second set scores when that cannot be said (top_cosine unknown, a negative weight, k or fewer)."""
    has2 = f.has2 if f.has2 is not None else np.zeros(len(f.ids), dtype=bool)
    second = calibration.params().get("second") or {}
    w = float(second.get("weights", {}).get("sibling_z", 0.0))
    if top_cosine is None or w < 0 or len(f.ids) <= k:
        return has2.copy()
    base = fuse(f.matrix(), f.dense_z2, f.has2)
    kth = np.partition(base, len(base) - k)[len(base) - k]
    # 1e-5 on the cosine: float32 cosines computed two ways (FAISS's kernel, NumPy's) differ by about 1e-7
    bound = w * max(0.0, (top_cosine + 1e-5 - mean) / std)
    return has2 & (base + bound >= kth)


def _candidate_tags(cat: Catalogue, q: Query, cand: list[int], ids: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """_tag_features of the query against candidates of cat, from the catalogue's columns of bit masks."""
    query = [_masks(tuple(q.sectors), "sectors"), _masks(tuple(q.modalities), "modalities"),
             _masks(tuple(q.languages), "languages")]
    if any(m is None for m in query):
        entries = [cat.entries[d] for d in cand]
        return _tag_features(tuple(q.sectors), tuple(q.modalities), tuple(q.languages), [e.sectors for e in entries],
                             [e.modalities for e in entries], [e.languages for e in entries])
    m = cat.columns.masks[ids]
    return _mask_features(len(ids), query[0], m[:, 0], query[1], m[:, 1], query[2], m[:, 2])


def _same_text_lang_of(text_lang: str | None, offers: Catalogue, ids: np.ndarray) -> np.ndarray:
    """same_text_lang of one request's text language against offers of the catalogue (ids), from its column of
    text language codes."""
    if not text_lang:
        return np.zeros(len(ids))
    codes = offers.columns.lang[ids]
    share = offers.language_share(text_lang)
    return np.where(codes != 0, (codes == known_text_lang_code(text_lang)).astype(np.float64) - share, 0.0)


def _top(f: Features, k: int) -> list[int]:
    """Positions of the k best scores, best first, ties by id."""
    order = np.lexsort((f.ids, -f.score))
    return order[:k].tolist()


def _scored(f: Features, i: int, entry: Entry, req_s: tuple[str, ...], req_m: tuple[str, ...],
            req_l: tuple[str, ...], offer: Entry, offers: Catalogue) -> Scored:
    second = f.has2 is not None and bool(f.has2[i])
    sibling_id = int(f.sibling_id[i]) if second and f.sibling_id is not None else -1
    return Scored(int(f.ids[i]), float(f.score[i]), float(f.cosine[i]), float(f.dense_z[i]), float(f.keyword[i]),
                  float(f.sector[i]), float(f.modality[i]), float(f.language[i]), float(f.has_sectors[i]),
                  float(f.has_modalities[i]), float(f.dense_rc[i]), float(f.same_text_lang[i]),
                  float(f.dense_z2[i]) if f.has2 is not None and f.has2[i] else None, entry,
                  [s for s in req_s if s in offer.sectors], [m for m in req_m if m in offer.modalities],
                  [lang for lang in req_l if lang in offer.languages], [],
                  float(f.sibling_z[i]) if second and f.sibling_z is not None else None,
                  offers.entries.get(sibling_id) if sibling_id >= 0 else None)


def offer_document(offers: Catalogue, text: str) -> tuple[dict[int, int], int]:
    """An offer's text as (term id of the offers' keyword index -> count, length), tokenised once."""
    toks = tokenize(text)
    vocab = offers.keywords.vocab
    counts = Counter(vocab[t] for t in toks if t in vocab)
    return dict(counts), len(toks)


def score_requests_for_offer(requests: Catalogue, offers: Catalogue, q: Query, pool: dict[int, float],
                             k: int) -> list[Scored]:
    """Score candidate requests for an offer (q) as pairs from each request's side: the request's
    cosine z-scored against the offers' catalogue, its rare terms (rare among offers) found in the
    offer, its sectors, wanted modalities and languages against the offer's."""
    cand = list(pool)
    entries = [requests.entries[d] for d in cand]
    cosine = np.fromiter(pool.values(), dtype=np.float64, count=len(cand))
    vectors = requests.vectors_for(cand)
    mean, std = offers.similarity_stats_many(vectors)
    doc, length = offer_document(offers, q.text)
    okw = offers.keywords
    keyword, matched = _request_keywords(requests.keywords, okw, cand, doc, length)
    n = len(cand)
    sector, modality, language = _tag_features(
        [e.sectors for e in entries], [e.modalities for e in entries], [e.languages for e in entries],
        tuple(q.sectors), tuple(q.modalities), tuple(q.languages))
    # The second cosine from each request's side: z-scored against the offers' second vectors.
    z2, has2 = np.zeros(n), np.zeros(n, dtype=bool)
    if q.vector2 is not None and len(offers.second):
        has2, rvecs = requests.second_for(cand)
        if has2.any():
            m2, s2 = offers.second_stats_many(rvecs)
            z2 = np.where(has2, ((rvecs @ q.vector2).astype(np.float64) - m2) / s2, 0.0)
    rc = reverse_centred(cosine, _hub_of(q.vector[None, :], requests), True, mean)  # the one offer (q) against them
    sib, sib_id = sibling_z_for_offer(offers, q, vectors, mean, std) if has2.any() else (None, None)
    f = Features(np.array(cand, dtype=np.int64), cosine, (cosine - mean) / std, keyword, sector, modality, language,
                 np.array([1.0 if e.sectors else 0.0 for e in entries]),
                 np.array([1.0 if e.modalities else 0.0 for e in entries]), rc,
                 same_text_lang([e.text_lang for e in entries], [q.text_lang or ""] * n, offers), z2, has2,
                 sib, sib_id)
    offer = Entry(id=-1, title="", country=q.country or "", organisation_id=q.organisation_id or -1,
                  sectors=q.sectors, modalities=q.modalities, languages=q.languages, text_lang="")
    out = []
    for i in _top(f, k):
        e = entries[i]
        s = _scored(f, i, e, e.sectors, e.modalities, e.languages, offer, offers)
        s.matched_terms = [okw.term_list[t] for t in matched(i)][:12]
        out.append(s)
    return out


def _request_keywords(rkw: KeywordIndex, okw: KeywordIndex, cand: list[int], doc: dict[int, int], length: int
                      ) -> tuple[np.ndarray, Callable[[int], list[int]]]:
    """The keyword feature of candidate requests against one offer (doc, length: offer_document): each request's
    terms that are rare among the offers, mapped into the offers' vocabulary, BM25 of those the offer contains
    over the most they could score (every rare term, saturated); and matched(i), the offer term ids of candidate i
    found in the offer, rarest first (for its explanation).

    Every distinct term is mapped and weighed once, the sums run per candidate in its terms' order (np.bincount
    adds in input order): the numbers of the term-by-term loop this replaces, at a fraction of its cost."""
    n = len(cand)
    keyword = np.zeros(n)
    rdocs = [rkw.docs.get(d) for d in cand]
    counts = np.fromiter((0 if r is None else r[0].size for r in rdocs), dtype=np.int64, count=n)
    if not counts.any():
        return keyword, lambda i: []
    n_docs = max(len(okw), 1)
    avg = okw.total_len / n_docs if okw.total_len else 1.0
    norm = K1 * (1 - B + B * length / avg)
    limit = max(1, RARE_DF * len(okw))
    terms = np.concatenate([r[0] for r in rdocs if r is not None])
    owner = np.repeat(np.arange(n), counts)
    ends = np.cumsum(counts)
    uniq, inv = np.unique(terms, return_inverse=True)
    vocab, names, df_of = okw.vocab, rkw.term_list, okw.df
    mapped = [vocab.get(names[t]) for t in uniq.tolist()]
    ot_u = np.array([-1 if o is None else o for o in mapped], dtype=np.int64)
    df_u = np.array([0 if o is None else df_of[o] for o in mapped], dtype=np.int64)
    valid_u = (ot_u >= 0) & (df_u > 0) & (df_u <= limit)
    dfs = np.unique(df_u[valid_u])
    idfs = np.array([math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) for df in dfs.tolist()], dtype=np.float64)
    idf_u = np.zeros(len(uniq))
    idf_u[valid_u] = idfs[np.searchsorted(dfs, df_u[valid_u])]
    tf_u = np.array([doc.get(o, 0) if ok else 0 for o, ok in zip(ot_u.tolist(), valid_u.tolist(), strict=True)],
                    dtype=np.float64)
    valid, idf, tf = valid_u[inv], idf_u[inv], tf_u[inv]
    hit = valid & (tf > 0)
    ceiling = np.bincount(owner[valid], weights=idf[valid], minlength=n)
    total = np.bincount(owner[hit], weights=idf[hit] * tf[hit] * _K1_PLUS_1 / (tf[hit] + norm), minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        keyword = np.where(ceiling > 0, np.minimum(total / (ceiling * 2.2), 1.0), 0.0)
    ot = ot_u[inv]

    def matched(i: int) -> list[int]:
        span = slice(ends[i] - counts[i], ends[i])
        at = hit[span]
        pairs = zip(idf[span][at].tolist(), ot[span][at].tolist(), strict=True)
        return [t for _idf, t in sorted(pairs, reverse=True)]
    return keyword, matched


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def best_passage(text: str, stems: list[str]) -> str | None:
    """The sentence of text that contains the most matched term stems (for the explanation)."""
    if not stems:
        return None
    wanted = set(stems)
    best, best_hits = None, 0
    for sentence in _SENTENCE.split(text):
        hits = len(wanted & set(tokenize(sentence)))
        if hits > best_hits:
            best, best_hits = sentence.strip(), hits
    return best[:400] if best else None
