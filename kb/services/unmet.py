"""Unmet needs: the secretariat's planning tool (which competences to recruit, which offers nobody uses).

- Unmet requests: published requests whose best suggestion is weak (`weak_fit`, the one rule) or that have waited
  more than KB_UNMET_WAIT_DAYS since publication without any proposal (match); the oldest first, at most
  KB_UNMET_LIMIT of them are examined (each needs one ranking of the offers).
- Grouped by sector and by regional group, and clustered by meaning across languages: agglomerative clustering
  (scikit-learn, cosine distance, average linkage, KB_UNMET_CLUSTER_DISTANCE) of the requests' stored
  multilingual embeddings, each cluster labelled by its most common sector and its most characteristic terms
  (class-based TF-IDF: frequent in the cluster, rare in the others).
- Supply side: published offers never proposed in any match.
- The secretariat is told (once per request, in its inbox and by e-mail as each chose for reminders) when a request
  is published without a strong suggestion (the match alerts' job, kb/services/alerts.py, which ranks the offers
  anyway) or when it starts waiting too long (the hourly reminders' job); pages then say so (`notice`).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import exists, func, select
from sqlalchemy.orm import undefer

from kb import permissions
from kb.errors import Forbidden
from kb.extensions import db
from kb.i18n import N_
from kb.matching.text import record_text, tokenize
from kb.models import Match, Offer, OfferState, ReminderSent, Request, RequestState, User, utcnow
from kb.models.reference import country_groups
from kb.services import matching, unit_of_work
from kb.services.audit import record_event
from kb.services.pages import first

OFFERS_SHOWN = 100
_WORD = re.compile(r"[^\W\d_]{3,}")
TERMS_PER_LABEL = 3


def weak_fit(best_fit: float | None) -> bool:
    """The one rule of an unmet request's suggestions: none at all, or the best one's calibrated fit (the estimated
    probability that the pair is relevant, docs/MATCHING.md) below KB_UNMET_MIN_FIT (0.5: no strong match)."""
    return best_fit is None or best_fit < current_app.config["KB_UNMET_MIN_FIT"]


def waiting(now: datetime) -> tuple:
    """The one rule of a request that has waited too long: published more than KB_UNMET_WAIT_DAYS ago and without a
    proposal (workspace.no_live_match, the desk's and /home's rule: a declined or rejected match leaves it waiting
    again) (conditions on Request)."""
    from kb.services.workspace import no_live_match

    wait = timedelta(days=current_app.config["KB_UNMET_WAIT_DAYS"])
    return (Request.status == RequestState.PUBLISHED, no_live_match(), Request.published_at < now - wait)


def _best_fit(actor: User, request: Request) -> float | None:
    hits = matching.suggest(actor, "request", request.id, matching.SuggestionArgs(k=1, include_weak=True))
    return hits[0]["fit"] if hits else None


def unmet_needs(actor: User | None) -> dict[str, Any]:
    """Unmet requests (with why), their groups by sector and region, their clusters, and offers never proposed."""
    if not permissions.is_staff(actor):
        raise Forbidden(N_("The unmet needs are the secretariat's planning tool."))
    cfg = current_app.config
    now = utcnow()
    published = (select(Request).where(Request.status == RequestState.PUBLISHED)
                 .order_by(Request.published_at, Request.id))
    examined = first(published.options(undefer(Request.embedding), undefer(Request.embedding_e5)),
                     cfg["KB_UNMET_LIMIT"])
    total_published = db.session.scalar(select(func.count()).select_from(published.subquery())) or 0
    waiting_ids = set(db.session.scalars(select(Request.id).where(*waiting(now))))
    unmet = []
    for r in examined:
        best = _best_fit(actor, r)  # type: ignore[arg-type]
        reasons = []
        if weak_fit(best):
            reasons.append("weak")
        if r.id in waiting_ids:
            reasons.append("waiting")
        if reasons:
            days = (now - r.published_at).days if r.published_at else None
            unmet.append({"request": r, "best_fit": best, "reasons": reasons, "days_published": days})
    clusters = _clusters([u["request"] for u in unmet])
    return {
        "examined": len(examined), "published": int(total_published), "unmet": unmet,
        "by_sector": _by_sector(unmet), "by_region": _by_region(unmet), "clusters": clusters,
        "offers_never_proposed": _offers_never_proposed(),
        "settings": {"wait_days": cfg["KB_UNMET_WAIT_DAYS"], "min_fit": cfg["KB_UNMET_MIN_FIT"],
                     "limit": cfg["KB_UNMET_LIMIT"], "distance": cfg["KB_UNMET_CLUSTER_DISTANCE"]},
    }


def _by_sector(unmet: list[dict[str, Any]]) -> list[tuple[str, int]]:
    counts = Counter(code for u in unmet for code in (u["request"].sector_codes or ["—"]))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _by_region(unmet: list[dict[str, Any]]) -> list[tuple[str, int]]:
    countries = {u["request"].country_code for u in unmet}
    groups: dict[str, set[str]] = {}
    if countries:
        for country, group in db.session.execute(select(country_groups.c.country_code, country_groups.c.group_code)
                                                 .where(country_groups.c.country_code.in_(countries))):
            groups.setdefault(country, set()).add(group)
    counts = Counter(g for u in unmet for g in (groups.get(u["request"].country_code) or {"—"}))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _clusters(requests: list[Request]) -> list[dict[str, Any]]:
    """Requests grouped by meaning (their stored embeddings of the current model), largest first."""
    model = matching.embedder().name
    usable = [r for r in requests if r.embedding is not None and r.embedding_model == model]
    if not usable:
        return []
    vectors = np.vstack([np.frombuffer(r.embedding, dtype=np.float32) for r in usable])  # type: ignore[arg-type]
    if len(usable) == 1:
        labels = np.zeros(1, dtype=int)
    else:
        from sklearn.cluster import AgglomerativeClustering

        labels = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average",
            distance_threshold=current_app.config["KB_UNMET_CLUSTER_DISTANCE"]).fit_predict(vectors)
    members: dict[int, list[Request]] = {}
    for r, label in zip(usable, labels, strict=True):
        members.setdefault(int(label), []).append(r)
    terms = _characteristic_terms(members)
    out = []
    for label, rs in members.items():
        sectors = Counter(code for r in rs for code in r.sector_codes)
        out.append({"requests": rs, "size": len(rs), "terms": terms[label],
                    "sector": sectors.most_common(1)[0][0] if sectors else None,
                    "countries": sorted({r.country_code for r in rs}),
                    "languages": sorted({r.text_lang for r in rs})})
    out.sort(key=lambda c: (-c["size"], c["requests"][0].id))
    return out


def _characteristic_terms(members: dict[int, list[Request]]) -> dict[int, list[str]]:
    """Class-based TF-IDF: each cluster's terms (the matching's stems) weighted by their frequency in it and their
    rarity across clusters, each shown as the word it most often stands for in the cluster."""
    counts: dict[int, Counter] = {}
    words: dict[int, dict[str, Counter]] = {}
    for label, rs in members.items():
        counts[label], words[label] = Counter(), {}
        for r in rs:
            for word in _WORD.findall(record_text(r.title, r.description).lower()):
                stems = tokenize(word)
                if stems and len(stems[0]) > 2:
                    counts[label][stems[0]] += 1
                    words[label].setdefault(stems[0], Counter())[word] += 1
    df = Counter(t for c in counts.values() for t in c)
    n = len(counts)
    out = {}
    for label, c in counts.items():
        size = sum(c.values()) or 1
        scored = sorted(c, key=lambda t: (-(c[t] / size) * math.log(1 + n / df[t]), t))
        out[label] = [words[label][t].most_common(1)[0][0] for t in scored[:TERMS_PER_LABEL]]
    return out


def _offers_never_proposed() -> dict[str, Any]:
    never = (select(Offer).where(Offer.status == OfferState.PUBLISHED, ~exists().where(Match.offer_id == Offer.id))
             .order_by(Offer.published_at, Offer.id))
    total = db.session.scalar(select(func.count()).select_from(never.subquery())) or 0
    return {"total": int(total), "offers": first(never, OFFERS_SHOWN)}


# --- telling the secretariat ---------------------------------------------------------------------------------

TOLD = "unmet"  # the stage of reminders_sent that records that the secretariat was told about a request
REASONS = {
    "weak": N_("Published without a strong match: no offer's fit reaches the strong band. It is listed among "
               "the unmet needs."),
    "waiting": N_("Still without any proposed match after the waiting period. It is listed among the unmet "
                  "needs."),
}


def tell_secretariat(request_id: int, reason: str, best_fit: float | None = None) -> bool:
    """Tell every secretariat user, once per request (whatever the reason), that a published request is unmet
    (reason: "weak" or "waiting"): an audited "unmet" event whose recipients kb/workflow/recipients.py names.
    True when they were told now; False when they had been before or the request is no longer published."""
    with unit_of_work():
        request = db.session.get(Request, request_id)
        if request is None or request.status != RequestState.PUBLISHED:
            return False
        if db.session.scalar(select(ReminderSent.id).where(ReminderSent.record_type == "request",
                                                           ReminderSent.record_id == request_id,
                                                           ReminderSent.stage == TOLD)) is not None:
            return False
        db.session.add(ReminderSent(record_type="request", record_id=request_id, stage=TOLD))
        record_event(None, request, "unmet", details={"reason": reason, "best_fit": best_fit},
                     reason=REASONS[reason])
    return True


def told(request_ids: list[int]) -> set[int]:
    """Which of these requests the secretariat has been told about."""
    if not request_ids:
        return set()
    return set(db.session.scalars(select(ReminderSent.record_id).where(
        ReminderSent.record_type == "request", ReminderSent.stage == TOLD, ReminderSent.record_id.in_(request_ids))))


def tell_about_waiting(now: datetime | None = None) -> int:
    """Tell the secretariat about every request that has started waiting too long (the rule `waiting`) and that
    it was not told about; how many (the hourly reminders' job)."""
    now = now or utcnow()
    ids = db.session.scalars(select(Request.id).where(*waiting(now)).where(~exists().where(
        ReminderSent.record_type == "request", ReminderSent.record_id == Request.id, ReminderSent.stage == TOLD))
        .order_by(Request.published_at, Request.id)).all()
    return sum(tell_secretariat(request_id, "waiting") for request_id in ids)


def notice(actor: User | None, record: Request | Offer) -> str | None:
    """What a page may add to "No strong match yet" about a request: "told" (to its organisation and others: the
    secretariat has been told, which is only said once it is true), "listed" (to the secretariat and the admin:
    by the unmet-needs rule its best fit is weak right now), or None."""
    if not isinstance(record, Request) or record.status != RequestState.PUBLISHED:
        return None
    if permissions.is_staff(actor):
        return "listed" if weak_fit(matching.best_fits([record])[record.id]) else None
    return "told" if record.id in told([record.id]) else None
