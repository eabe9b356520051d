"""Exports of the exchanges, requests, offers and indicator tables: CSV, XLSX, IATI 2.03 activity XML and the
SIDICSS-shaped CSV. Mapping and columns: docs/EXPORTS.md.

Every export takes the indicators' filter (kb/services/indicators.py), so its totals are the indicators' own, and
streams: records are read in batches (`yield_per`, their children loaded per batch) and written out as they come;
the XLSX workbook is written row by row by XlsxWriter in constant-memory mode to a temporary file that is then
sent in chunks. The caller's scope is the reports' (secretariat and admin everything, a partner its exchanges).
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from flask import current_app
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from kb import data as vocabularies
from kb import permissions
from kb.errors import Conflict, NotFound
from kb.extensions import db
from kb.i18n import N_
from kb.models import (
    ActivityKind,
    ContributionKind,
    Exchange,
    ExchangeParty,
    ExchangeState,
    Offer,
    OrgKind,
    PartyRole,
    Request,
    User,
)
from kb.services import indicators
from kb.services.indicators import Filters

BATCH = 500
IATI = vocabularies.load_mapping("iati")
DONE = (ExchangeState.COMPLETED, ExchangeState.EVALUATED, ExchangeState.CLOSED)


def scope(actor: User | None, f: Filters) -> Filters:
    """The filter an actor may export under: the reports' rule (kb/permissions.py)."""
    error = permissions.reports_refusal(actor)
    if error is not None:
        raise error
    partner = permissions.reports_partner(actor)  # type: ignore[arg-type]
    return f.restricted_to_partner(partner) if partner else f


# --- rows --------------------------------------------------------------------------------------------

# (column, description): the data dictionary of each table.
EXCHANGE_COLUMNS = [
    ("id", "kb's id of the exchange"), ("title", "Title (the request's)"), ("status", "Current state"),
    ("approved_on", "Day the match was approved and the exchange created (the period filter's date)"),
    ("agreement_date", "Day the agreement was signed"), ("start_date", "Actual start"), ("end_date", "Actual end"),
    ("requester", "Requesting organisation"), ("requester_country", "Its country (ISO 3166-1 alpha-2)"),
    ("provider", "Providing organisation"), ("provider_country", "Its country"),
    ("facilitator", "Facilitating organisation"), ("partners", "Co-financing partners, separated by '; '"),
    ("partner_countries", "Their countries"), ("sectors", "kb sectors of the request"),
    ("dac_sectors", "The same as OECD DAC 5-digit purpose codes"), ("sdgs", "SDG numbers of the request"),
    ("modalities", "Modalities of the request"),
    ("money", "Money contributions by currency ('EUR 5000.00; USD 100.00')"),
    ("cofinancing", "Money contributions of partners by currency"),
    ("declared_expert_days", "Expert-days declared as contributions"),
    ("experts_mobilised", "Roster experts recorded on the exchange"),
    ("expert_days", "Their expert-days"), ("activities", "Activities reported"),
    ("training_programmes", "Activities of kind training"),
    ("participants_female", "Participants (women)"), ("participants_male", "Participants (men)"),
    ("participants_other", "Participants (other)"), ("participants_total", "Participants (all)"),
    ("people_trained", "People trained reported in results"), ("women_trained", "Women among them"),
    ("result_reports", "Result reports"), ("policy_changes", "Reports with a policy change"),
    ("practice_changes", "Reports with a practice change"), ("average_rating", "Average rating (1-5)"),
]
RECORD_COLUMNS = [
    ("id", "kb's id"), ("title", "Title"), ("status", "Current state"), ("created_on", "Day created"),
    ("published_on", "Day published"), ("organisation", "Organisation"), ("country", "Country (ISO alpha-2)"),
    ("text_lang", "Language of the text"), ("sectors", "kb sectors"), ("sdgs", "SDG numbers"),
    ("modalities", "Modalities"), ("languages", "Working languages"),
]
SIDICSS_COLUMNS = [
    ("initiative_id", "kb's exchange id"), ("title", "Title"),
    ("initiative_type", "action (one activity at most) or project (several)"),
    ("modality", "bilateral (South-South), triangular (a partner takes part) or regional (a regional body requests)"),
    ("offering_country", "Country of the providing organisation (first offering party)"),
    ("receiving_country", "Country of the requesting organisation (receiving party)"),
    ("second_offering_party", "Countries of the co-financing partners (second offering party, triangular)"),
    ("sector", "First kb sector"), ("dac_sector", "Its OECD DAC 5-digit code"),
    ("approval_date", "Day the exchange was approved"), ("start_date", "Actual start"), ("end_date", "Actual end"),
    ("currency", "Currency of the costs (blank when the parties declared several: see each cost)"),
    ("budgeted_cost_offering", "Money declared by the provider"),
    ("budgeted_cost_receiving", "Money declared by the requester"),
    ("budgeted_cost_second_offering", "Money declared by the partners"),
    ("executed_cost_offering", "The same, once the exchange is completed (else blank)"),
    ("executed_cost_receiving", "The same, once completed"),
    ("executed_cost_second_offering", "The same, once completed"),
    ("sdgs", "SDG numbers, separated by ';'"),
]


def _exchanges(f: Filters) -> Iterator[Exchange]:
    """The filter's exchanges by id, a batch at a time with their children (never all in memory)."""
    stmt = indicators.exchanges_query(f).options(
        selectinload(Exchange.parties).selectinload(ExchangeParty.contributions),
        selectinload(Exchange.activities), selectinload(Exchange.results), selectinload(Exchange.experts),
        selectinload(Exchange.request).selectinload(Request.sectors),
        selectinload(Exchange.request).selectinload(Request.sdgs),
        selectinload(Exchange.request).selectinload(Request.modalities))
    yield from _batched(stmt)


def _batched(stmt: Select) -> Iterator[Any]:
    result = db.session.execute(stmt.execution_options(yield_per=BATCH))
    for partition in result.scalars().partitions():
        yield from partition  # the session's identity map holds them weakly: written rows are let go


def _money(amounts: dict[str, Decimal]) -> str:
    return "; ".join(f"{c} {a.quantize(Decimal('0.01'))}" for c, a in sorted(amounts.items()))


def _sum_money(parties: Iterable[ExchangeParty]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for p in parties:
        for c in p.contributions:
            if c.kind == ContributionKind.MONEY and c.amount is not None and c.currency:
                out[c.currency] = out.get(c.currency, Decimal(0)) + Decimal(c.amount)
    return out


def _said(text: str | None) -> bool:
    return bool(text and text.strip())


def exchange_row(x: Exchange) -> dict[str, Any]:
    """One exchange as a flat row: its parties, contributions, activity totals and results."""
    by_role: dict[PartyRole, list[ExchangeParty]] = {}
    for p in x.parties:
        by_role.setdefault(p.role, []).append(p)
    names = {r: "; ".join(p.organisation.name for p in ps) for r, ps in by_role.items()}
    partners = by_role.get(PartyRole.PARTNER, [])
    ratings = [r.rating for r in x.results if r.rating is not None]
    acts = x.activities
    return {
        "id": x.id, "title": x.title, "status": str(x.status), "approved_on": x.created_at.date().isoformat(),
        "agreement_date": _iso(x.agreement_date), "start_date": _iso(x.start_date), "end_date": _iso(x.end_date),
        "requester": names.get(PartyRole.REQUESTER, ""), "requester_country": x.request.country_code,
        "provider": names.get(PartyRole.PROVIDER, ""), "provider_country": x.offer.country_code,
        "facilitator": names.get(PartyRole.FACILITATOR, ""), "partners": names.get(PartyRole.PARTNER, ""),
        "partner_countries": "; ".join(p.organisation.country_code for p in partners),
        "sectors": "; ".join(x.request.sector_codes),
        "dac_sectors": "; ".join(dict.fromkeys(IATI["dac_sectors"][s] for s in x.request.sector_codes
                                               if s in IATI["dac_sectors"])),
        "sdgs": "; ".join(str(n) for n in x.request.sdg_numbers), "modalities": "; ".join(x.request.modality_codes),
        "money": _money(_sum_money(x.parties)), "cofinancing": _money(_sum_money(partners)),
        "declared_expert_days": sum(c.expert_days or 0 for p in x.parties for c in p.contributions
                                    if c.kind == ContributionKind.EXPERT_DAYS),
        "experts_mobilised": len(x.experts), "expert_days": sum(e.expert_days for e in x.experts),
        "activities": len(acts), "training_programmes": sum(1 for a in acts if a.kind == ActivityKind.TRAINING),
        "participants_female": sum(a.participants_female for a in acts),
        "participants_male": sum(a.participants_male for a in acts),
        "participants_other": sum(a.participants_other for a in acts),
        "participants_total": sum(a.participants_total for a in acts),
        "people_trained": sum(r.people_trained or 0 for r in x.results),
        "women_trained": sum(r.women_trained or 0 for r in x.results),
        "result_reports": len(x.results), "policy_changes": sum(1 for r in x.results if _said(r.policy_changes)),
        "practice_changes": sum(1 for r in x.results if _said(r.practice_changes)),
        "average_rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
    }


def _iso(d: date | datetime | None) -> str | None:
    if d is None:
        return None
    return (d.date() if isinstance(d, datetime) else d).isoformat()


def record_row(r: Request | Offer) -> dict[str, Any]:
    return {"id": r.id, "title": r.title, "status": str(r.status), "created_on": _iso(r.created_at),
            "published_on": _iso(r.published_at), "organisation": r.organisation.name, "country": r.country_code,
            "text_lang": r.text_lang, "sectors": "; ".join(r.sector_codes),
            "sdgs": "; ".join(str(n) for n in r.sdg_numbers), "modalities": "; ".join(r.modality_codes),
            "languages": "; ".join(r.language_codes)}


def _records(model, f: Filters) -> Iterator[Any]:
    stmt = indicators.records_query(model, f).options(
        selectinload(model.sectors), selectinload(model.sdgs), selectinload(model.modalities),
        selectinload(model.languages))
    yield from _batched(stmt)


def sidicss_row(x: Exchange) -> dict[str, Any]:
    """One exchange in the shape of SEGIB's SIDICSS (docs/EXPORTS.md)."""
    parties = {r: [p for p in x.parties if p.role == r] for r in PartyRole}
    partners = parties[PartyRole.PARTNER]
    requester_kinds = {p.organisation.kind for p in parties[PartyRole.REQUESTER]}
    modality = "triangular" if partners else ("regional" if OrgKind.REGIONAL_BODY in requester_kinds else "bilateral")
    costs = {"offering": _sum_money(parties[PartyRole.PROVIDER]), "receiving": _sum_money(parties[PartyRole.REQUESTER]),
             "second_offering": _sum_money(partners)}
    currencies = {c for amounts in costs.values() for c in amounts}
    single = next(iter(currencies)) if len(currencies) == 1 else None

    def cost(amounts: dict[str, Decimal]) -> str:
        if not amounts:
            return ""
        return str(amounts[single].quantize(Decimal("0.01"))) if single else _money(amounts)

    done = x.status in DONE
    sectors = x.request.sector_codes
    return {
        "initiative_id": x.id, "title": x.title, "initiative_type": "project" if len(x.activities) > 1 else "action",
        "modality": modality, "offering_country": x.offer.country_code, "receiving_country": x.request.country_code,
        "second_offering_party": "; ".join(dict.fromkeys(p.organisation.country_code for p in partners)),
        "sector": sectors[0] if sectors else "", "dac_sector": IATI["dac_sectors"].get(sectors[0], "") if sectors else "",
        "approval_date": x.created_at.date().isoformat(), "start_date": _iso(x.start_date), "end_date": _iso(x.end_date),
        "currency": single or "",
        **{f"budgeted_cost_{k}": cost(v) for k, v in costs.items()},
        **{f"executed_cost_{k}": cost(v) if done else "" for k, v in costs.items()},
        "sdgs": ";".join(str(n) for n in x.request.sdg_numbers),
    }


# --- CSV ---------------------------------------------------------------------------------------------

def _csv_lines(columns: list[str], rows: Iterable[dict[str, Any] | list[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for n, row in enumerate(rows, 1):
        writer.writerow([row.get(c) for c in columns] if isinstance(row, dict) else row)
        if n % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def exchanges_csv(actor: User, f: Filters) -> Iterator[str]:
    """One row per exchange (EXCHANGE_COLUMNS), streamed."""
    f = scope(actor, f)
    return _csv_lines([c for c, _ in EXCHANGE_COLUMNS], (exchange_row(x) for x in _exchanges(f)))


def records_csv(actor: User, model, f: Filters) -> Iterator[str]:
    """One row per request or offer (RECORD_COLUMNS), streamed."""
    f = scope(actor, f)
    return _csv_lines([c for c, _ in RECORD_COLUMNS], (record_row(r) for r in _records(model, f)))


def sidicss_csv(actor: User, f: Filters) -> Iterator[str]:
    """SIDICSS-shaped rows of the exchanges agreed or later (not cancelled), streamed."""
    f = scope(actor, f)
    return _csv_lines([c for c, _ in SIDICSS_COLUMNS],
                      (sidicss_row(x) for x in _exchanges(f) if x.status in indicators.RUNNING_OR_DONE))


def indicator_table_csv(actor: User, f: Filters, name: str) -> Iterator[str] | None:
    """One indicator table as CSV (None when there is no such table)."""
    table = indicators.tables(indicators.report(actor, f)).get(name)
    if table is None:
        return None
    return _csv_lines(table["columns"], table["rows"])


# --- XLSX --------------------------------------------------------------------------------------------

def workbook(actor: User, f: Filters) -> Any:
    """The exchanges, requests, offers and every indicator table in one workbook, with a data dictionary sheet;
    written row by row to a temporary file (constant memory) and returned open at its start."""
    f = scope(actor, f)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the caller, who streams and closes it)
    try:
        _write_workbook(out, f)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _write_workbook(out: Any, f: Filters) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False,
                                     "default_date_format": "yyyy-mm-dd"})
    bold = book.add_format({"bold": True})

    def sheet(name: str, columns: list[str], rows: Iterable[dict[str, Any] | list[Any]]) -> None:
        ws = book.add_worksheet(name[:31])
        ws.write_row(0, 0, columns, bold)
        for n, row in enumerate(rows, 1):
            ws.write_row(n, 0, [row.get(c) for c in columns] if isinstance(row, dict) else row)

    sheet("exchanges", [c for c, _ in EXCHANGE_COLUMNS], (exchange_row(x) for x in _exchanges(f)))
    sheet("requests", [c for c, _ in RECORD_COLUMNS], (record_row(r) for r in _records(Request, f)))
    sheet("offers", [c for c, _ in RECORD_COLUMNS], (record_row(r) for r in _records(Offer, f)))
    tables = indicators.tables(indicators.compute(f))
    for name, table in tables.items():
        sheet(name, table["columns"], table["rows"])
    dictionary = [["exchanges", c, d] for c, d in EXCHANGE_COLUMNS] + \
        [[s, c, d] for s in ("requests", "offers") for c, d in RECORD_COLUMNS] + \
        [[name, c, "see docs/INDICATORS.md"] for name, t in tables.items() for c in t["columns"]]
    sheet("data dictionary", ["sheet", "column", "meaning"], dictionary)
    book.close()


# --- IATI 2.03 ---------------------------------------------------------------------------------------

def _narrative(text: str, lang: str | None = None) -> str:
    attr = f" xml:lang={quoteattr(lang)}" if lang else ""
    return f"<narrative{attr}>{escape(text)}</narrative>"


def _percentages(n: int) -> list[str]:
    """n shares of 100 with two decimals that add up to exactly 100."""
    base = (Decimal(100) / n).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    shares = [base] * n
    shares[-1] = Decimal(100) - base * (n - 1)
    return [_pct(s) for s in shares]


def _pct(share: Decimal) -> str:
    """100.00 -> "100", 33.30 -> "33.3" (an xs:decimal, never "1E+2")."""
    return f"{share:.2f}".rstrip("0").rstrip(".")


def iati_activity(x: Exchange, org_ref: str, org_name: str, org_type: str) -> str:
    """One exchange as an IATI 2.03 iati-activity element (mapping: docs/EXPORTS.md)."""
    req = x.request
    lang = req.text_lang
    parts = [f"<iati-activity last-updated-datetime={quoteattr(x.updated_at.astimezone(UTC).isoformat(timespec='seconds'))}"
             f" xml:lang={quoteattr(lang)} hierarchy=\"1\">",
             f"<iati-identifier>{escape(org_ref)}-KB-{x.id}</iati-identifier>",
             f"<reporting-org ref={quoteattr(org_ref)} type={quoteattr(org_type)}>{_narrative(org_name, 'en')}"
             f"</reporting-org>",
             f"<title>{_narrative(x.title, lang)}</title>",
             f"<description type=\"1\">{_narrative(req.description, lang)}</description>"]
    for p in x.parties:
        for role in IATI["organisation_roles"][str(p.role)]:
            parts.append(f"<participating-org role=\"{role}\" type="
                         f"{quoteattr(IATI['organisation_types'][str(p.organisation.kind)])}>"
                         f"{_narrative(p.organisation.name)}</participating-org>")
    parts.append(f"<activity-status code=\"{IATI['activity_status'][str(x.status)]}\"/>")
    planned = x.start_date or x.agreement_date or x.created_at.date()
    parts.append(f"<activity-date type=\"1\" iso-date=\"{planned.isoformat()}\"/>")
    if x.start_date:
        parts.append(f"<activity-date type=\"2\" iso-date=\"{x.start_date.isoformat()}\"/>")
    if x.end_date:
        parts.append(f"<activity-date type=\"4\" iso-date=\"{x.end_date.isoformat()}\"/>")
    parts.append(f"<recipient-country code=\"{escape(req.country_code)}\" percentage=\"100\"/>")
    codes = req.sector_codes
    dac: dict[str, int] = {}
    for code in codes:
        if code in IATI["dac_sectors"]:
            dac[IATI["dac_sectors"][code]] = dac.get(IATI["dac_sectors"][code], 0) + 1
    if dac:
        shares = _shares(dac, len([c for c in codes if c in IATI["dac_sectors"]]))
        parts += [f"<sector vocabulary=\"1\" code=\"{c}\" percentage=\"{s}\"/>" for c, s in shares]
    for code, share in zip(codes, _percentages(len(codes)) if codes else [], strict=True):
        parts.append(f"<sector vocabulary=\"99\" code={quoteattr(code)} percentage=\"{share}\">"
                     f"{_narrative(code, 'en')}</sector>")
    parts += [f"<tag vocabulary=\"2\" code=\"{n}\"/>" for n in req.sdg_numbers]
    parts.append(f"<collaboration-type code=\"{'8' if any(p.role == PartyRole.PARTNER for p in x.parties) else '1'}\"/>")
    parts.append(_iati_results(x))
    parts.append("</iati-activity>")
    return "".join(parts)


def _shares(counts: dict[str, int], total: int) -> list[tuple[str, str]]:
    """Percentages of DAC codes (several kb sectors may share one) adding up to 100."""
    items = list(counts.items())
    out, used = [], Decimal(0)
    for i, (code, n) in enumerate(items):
        share = (Decimal(100) - used) if i == len(items) - 1 else \
            (Decimal(100) * n / total).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
        used += share
        out.append((code, _pct(share)))
    return out


def _iati_results(x: Exchange) -> str:
    """Participants by sex and people trained (women among them) as output indicators, for the period of the
    exchange's activities (or its own dates)."""
    if not x.activities and not x.results:
        return ""
    starts = [a.start_date for a in x.activities] or [x.start_date or x.created_at.date()]
    ends = [a.end_date for a in x.activities] or [x.end_date or max(starts)]
    start, end = min(starts), max(max(ends), min(starts))
    period = f"<period-start iso-date=\"{start.isoformat()}\"/><period-end iso-date=\"{end.isoformat()}\"/>"
    row = exchange_row(x)

    def indicator(title: str, total: int, by_sex: list[tuple[str, int]]) -> str:
        actuals = f"<actual value=\"{total}\"/>" + "".join(
            f"<actual value=\"{v}\"><dimension name=\"sex\" value=\"{s}\"/></actual>" for s, v in by_sex)
        return (f"<indicator measure=\"1\" ascending=\"1\"><title>{_narrative(title, 'en')}</title>"
                f"<period>{period}{actuals}</period></indicator>")

    return ("<result type=\"1\" aggregation-status=\"1\"><title>"
            + _narrative("Participants and people trained", "en") + "</title>"
            + indicator("Participants in activities", row["participants_total"],
                        [("female", row["participants_female"]), ("male", row["participants_male"]),
                         ("other", row["participants_other"])])
            + indicator("People trained (reported in results)", row["people_trained"],
                        [("female", row["women_trained"])])
            + "</result>")


def iati_xml(actor: User, f: Filters) -> Iterator[str]:
    """The filter's exchanges as an IATI 2.03 activity file, streamed; needs KB_IATI_ORG_REF (the facilitator's
    IATI organisation identifier), refused (409) without it."""
    f = scope(actor, f)
    cfg = current_app.config
    org_ref = cfg["KB_IATI_ORG_REF"]
    if not org_ref:
        raise Conflict(N_("Set KB_IATI_ORG_REF to the facilitator's IATI organisation identifier to export IATI."))
    org_name, org_type = cfg["KB_IATI_ORG_NAME"], cfg["KB_IATI_ORG_TYPE"]
    if db.session.scalar(indicators.exchange_ids(f).limit(1)) is None:
        raise NotFound(N_("No exchange under this filter: an IATI file holds at least one activity."))
    generated = datetime.now(UTC).isoformat(timespec="seconds")

    def lines() -> Iterator[str]:
        yield (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" "
               f"generated-datetime=\"{generated}\">\n")
        for x in _exchanges(f):
            yield iati_activity(x, org_ref, org_name, org_type) + "\n"
        yield "</iati-activities>\n"

    return lines()
