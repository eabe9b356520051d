"""Match alerts: when a request is published, the centres whose published offers fit it are told; when an offer
is published, the directors whose open requests it fits. Once per pair (match_alerts), with the reasons (the
suggestion's explanation: shared sectors, matching terms, working languages). A request published without a strong
match is reported to the secretariat here too (kb/services/unmet.py: the same ranking tells both)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from kb.extensions import db
from kb.models import MatchAlert, Offer, Request, User
from kb.services import unit_of_work
from kb.services.audit import queue_notifications, record_event
from kb.workflow import recipients as rcp

log = logging.getLogger(__name__)


def deserves_alert(suggestion: dict[str, Any]) -> bool:
    """The one rule: does this suggested pair deserve an alert? Its calibrated fit (the estimated probability that
    the pair is relevant, kb.matching.calibration) at least KB_ALERT_MIN_FIT (by default the strong band's cut-off)."""
    return float(suggestion["fit"]) >= float(current_app.config["KB_ALERT_MIN_FIT"])


@dataclass
class AlertReport:
    considered: int = 0  # counterparts ranked
    fitting: int = 0     # of which deserved an alert
    pairs: int = 0       # new pairs alerted (the others were alerted before)
    users: int = 0       # notifications made
    unmet: bool = False  # a request without a strong match: the secretariat was told (kb/services/unmet.py)


def alert_for(kind: str, record_id: int) -> AlertReport:
    """Alert the parties whose published records fit the newly published record (kind: request or offer)."""
    from kb.services.matching import SuggestionArgs, _query_for, _run

    report = AlertReport()
    model, target_kind = (Request, "offer") if kind == "request" else (Offer, "request")
    record = db.session.get(model, record_id)
    if record is None or str(record.status) != "published":
        return report
    _second_vector_first(kind, record_id)
    hits = _run(target_kind, _query_for(record),
                SuggestionArgs(k=max(1, int(current_app.config["KB_ALERT_CANDIDATES"])), include_weak=True))
    report.considered = len(hits)
    if kind == "request":
        from kb.services import unmet

        best = max((float(h["fit"]) for h in hits), default=None)  # ranked with the unmet-needs report's filters
        if unmet.weak_fit(best):
            report.unmet = unmet.tell_secretariat(record.id, "weak", best)
    fitting = [h for h in hits if deserves_alert(h)]
    report.fitting = len(fitting)
    if not fitting:
        db.session.rollback()
        return report
    with unit_of_work():
        pair = (lambda h: (record.id, h["id"])) if kind == "request" else (lambda h: (h["id"], record.id))
        done = set(db.session.execute(select(MatchAlert.request_id, MatchAlert.offer_id).where(
            (MatchAlert.request_id.in_([pair(h)[0] for h in fitting])) &
            (MatchAlert.offer_id.in_([pair(h)[1] for h in fitting])))).all())
        orgs = {h["organisation"]["id"] for h in fitting}
        users_by_org: dict[int, list[User]] = {}
        for user in db.session.scalars(select(User).where(User.organisation_id.in_(orgs), User.active.is_(True))
                                       .order_by(User.id)):
            users_by_org.setdefault(user.organisation_id, []).append(user)
        for h in fitting:
            request_id, offer_id = pair(h)
            if (request_id, offer_id) in done:
                continue
            db.session.add(MatchAlert(request_id=request_id, offer_id=offer_id, score=float(h["fit"])))
            reasons = _reasons(h)
            event = record_event(None, record, "alert", details={"fits": {"kind": target_kind, "id": h["id"],
                                                                          "title": h["title"]},
                                                                 "score": h["score"], "fit": h["fit"], "reasons": reasons},
                                 notify=False, reason=_reason_text(h, reasons))
            users = users_by_org.get(h["organisation"]["id"], [])
            queue_notifications(event, record, users, rcp.MATCH_ALERT)
            report.pairs += 1
            report.users += len(users)
    return report


def _second_vector_first(kind: str, record_id: int) -> None:
    """The alerts (and the "no strong match" decision) use the pair's fused fit, the one pages show once the
    second embedder's vector exists: this job runs in the worker that computes it, so it computes the record's
    vector first when the `kb.embed_second` job has not yet done so (nothing when current or switched off). If
    that fails, the alerts go out on the first model's fit, calibrated on its own, and the job still stores the
    vector later."""
    from kb.services.matching import embed_second

    try:
        embed_second(kind, [record_id])
    except Exception:  # noqa: BLE001 - an alert is not held back by the second model
        log.exception("second vector of %s %s not computed before its alerts", kind, record_id)
        db.session.rollback()


def _reasons(hit: dict[str, Any]) -> dict[str, Any]:
    e = hit["explanation"]
    return {"sectors": e["shared_sectors"], "modalities": e["shared_modalities"],
            "languages": e["working_languages"]["shared"], "terms": e["matching_terms"][:8]}


def _reason_text(hit: dict[str, Any], reasons: dict[str, Any]) -> str:
    """The reasons as one line (codes and the record's own words: the same in every language)."""
    parts = [f"“{hit['title']}”"]
    for key in ("sectors", "modalities", "languages", "terms"):
        if reasons[key]:
            parts.append(f"{key}: {', '.join(map(str, reasons[key]))}")
    return " · ".join(parts)[:2000]
