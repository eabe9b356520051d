"""Reports: /reports (secretariat, admin; partners see the exchanges they support), /transparency (public
aggregates) and /countries/<ISO2> profiles, with SVG charts each followed by its table, and CSV downloads."""
from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import lazy_gettext
from flask_login import login_required

from kb.errors import ValidationFailed
from kb.security import svg_image
from kb.services import indicators
from kb.services.indicators import Filters
from kb.web import charts, display
from kb.web import helpers as h
from kb.web.display import viewer

bp = Blueprint("reports", __name__)
bp.context_processor(display.context)

FILTER_FIELDS = ("start", "end", "region", "country", "sector", "sdg", "modality", "partner")

TITLES = {
    "headline": lazy_gettext("Headline figures"),
    "by_year": lazy_gettext("Exchanges and people reached by year"),
    "exchanges_by_state": lazy_gettext("Exchanges by state"),
    "requests_by_state": lazy_gettext("Requests by state"),
    "offers_by_state": lazy_gettext("Offers by state"),
    "countries": lazy_gettext("Countries as requesters and providers"),
    "flows": lazy_gettext("South-South flows (provider → requester)"),
    "by_sector": lazy_gettext("Sectors"),
    "experts": lazy_gettext("Experts mobilised and expert-days in kind"),
    "experts_by_sex": lazy_gettext("Experts mobilised by sex"),
    "participants": lazy_gettext("Participants in activities, by sex and kind of activity"),
    "trained": lazy_gettext("People trained (reported in results)"),
    "cofinancing": lazy_gettext("Co-financing by partner and currency"),
    "contributions": lazy_gettext("Contributions by kind and party"),
    "pipeline": lazy_gettext("Pipeline of requests"),
    "durations": lazy_gettext("Days at each step"),
    "proposals": lazy_gettext("Proposals (matches): states and rates"),
    "decline_reasons": lazy_gettext("Reasons for declining"),
    "results": lazy_gettext("Results"),
    "ratings": lazy_gettext("Ratings"),
    "actors": lazy_gettext("Participation of diverse actors"),
    "exposure": lazy_gettext("Concentration across providers"),
}

# Each table's definition, shown under its title (docs/INDICATORS.md says the same at length).
HELP = {
    "headline": lazy_gettext("Exchanges agreed or later (not cancelled); experts recorded on exchanges; countries "
                             "requesting or providing in those exchanges; people trained as reported in results."),
    "by_year": lazy_gettext("By the year the exchange was approved: everything of an exchange counts in that year."),
    "exchanges_by_state": lazy_gettext("Every exchange, by its current state."),
    "requests_by_state": lazy_gettext("Every request, by its current state."),
    "offers_by_state": lazy_gettext("Every offer, by its current state."),
    "countries": lazy_gettext("Exchanges agreed or later, counted for the requesting country and for the "
                              "providing country."),
    "flows": lazy_gettext("Exchanges agreed or later, from the providing country to the requesting country."),
    "by_sector": lazy_gettext("Exchanges agreed or later by the sectors of their request, and published "
                              "requests and offers by sector."),
    "experts": lazy_gettext("Distinct roster experts recorded on an exchange and their expert-days; the value is "
                            "an estimate at a standard daily rate."),
    "experts_by_sex": lazy_gettext("Distinct experts mobilised, by the sex given on the roster."),
    "participants": lazy_gettext("People who attended the activities, by sex and by kind of activity; trainings "
                                 "are the training programmes held."),
    "trained": lazy_gettext("People trained as the parties reported them in results (a separate figure from "
                            "participants: never added together)."),
    "cofinancing": lazy_gettext("Money contributions of partner parties; currencies are never added together."),
    "contributions": lazy_gettext("Every contribution declared, by kind, role of the party and currency."),
    "pipeline": lazy_gettext("Requests submitted, then published, proposed (a match), approved (an exchange), "
                             "agreed, closed."),
    "durations": lazy_gettext("Median and 90th percentile of the days from submission to publication, from "
                              "publication to the first proposal, and from proposal to approval."),
    "proposals": lazy_gettext("Matches by state; acceptance rate = approved ÷ decided; decline rate = (declined + "
                              "rejected) ÷ decided."),
    "decline_reasons": lazy_gettext("The reasons given for declined or rejected matches."),
    "results": lazy_gettext("Result reports, those reporting a policy or a practice change, exchanges evaluated "
                            "(evaluated or closed) and the average rating (1 to 5)."),
    "ratings": lazy_gettext("Result reports by rating."),
    "actors": lazy_gettext("Distinct organisations taking part, by role and kind of organisation."),
    "exposure": lazy_gettext("How concentrated proposals and approved matches are: the share of the ten providers "
                             "with the most, and providers with only one."),
}

COLUMNS = {
    "measure": lazy_gettext("Measure"), "value": lazy_gettext("Value"), "state": lazy_gettext("State"),
    "exchanges": lazy_gettext("Exchanges"), "requests": lazy_gettext("Requests"), "offers": lazy_gettext("Offers"),
    "year": lazy_gettext("Year"), "participants": lazy_gettext("Participants"),
    "people_trained": lazy_gettext("People trained"), "expert_days": lazy_gettext("Expert-days"),
    "country": lazy_gettext("Country"), "as_requester": lazy_gettext("As requester"),
    "as_provider": lazy_gettext("As provider"), "provider_country": lazy_gettext("Provider country"),
    "requester_country": lazy_gettext("Requester country"), "sector": lazy_gettext("Sector"),
    "published_requests": lazy_gettext("Published requests"), "published_offers": lazy_gettext("Published offers"),
    "sex": lazy_gettext("Sex"), "experts": lazy_gettext("Experts"), "kind": lazy_gettext("Kind"),
    "activities": lazy_gettext("Activities"), "female": lazy_gettext("Women"), "male": lazy_gettext("Men"),
    "other": lazy_gettext("Other"), "total": lazy_gettext("Total"), "partner": lazy_gettext("Partner"),
    "currency": lazy_gettext("Currency"), "contributions": lazy_gettext("Contributions"),
    "amount": lazy_gettext("Amount"), "role": lazy_gettext("Role"), "stage": lazy_gettext("Stage"),
    "step": lazy_gettext("Step"), "count": lazy_gettext("Number"), "median_days": lazy_gettext("Median (days)"),
    "p90_days": lazy_gettext("90th percentile (days)"), "matches": lazy_gettext("Matches"),
    "reason": lazy_gettext("Reason"), "rating": lazy_gettext("Rating"), "results": lazy_gettext("Results"),
    "organisations": lazy_gettext("Organisations"), "providers": lazy_gettext("Providers"),
    "top10_share": lazy_gettext("Share of the top 10"), "providers_with_one": lazy_gettext("Providers with one"),
}

# Row labels (measures, stages, steps) and organisation kinds.
TERMS = {
    "exchanges": lazy_gettext("Exchanges"), "experts": lazy_gettext("Experts mobilised"),
    "countries": lazy_gettext("Countries involved"), "people_trained": lazy_gettext("People trained"),
    "women_trained": lazy_gettext("Women trained"), "reports": lazy_gettext("Reports"),
    "offers": lazy_gettext("Published offers"), "requests": lazy_gettext("Published requests"),
    "mobilised": lazy_gettext("Experts mobilised"), "expert_days": lazy_gettext("Expert-days"),
    "daily_rate": lazy_gettext("Standard daily rate"), "in_kind_value": lazy_gettext("Estimated in-kind value"),
    "in_kind_currency": lazy_gettext("Currency"), "female": lazy_gettext("Women"), "male": lazy_gettext("Men"),
    "other": lazy_gettext("Other"), "unknown": lazy_gettext("Not given"), "total": lazy_gettext("Total"),
    "to_publish": lazy_gettext("Submission to publication"),
    "to_first_proposal": lazy_gettext("Publication to first proposal"),
    "to_approval": lazy_gettext("Proposal to approval"), "acceptance_rate": lazy_gettext("Acceptance rate"),
    "decline_rate": lazy_gettext("Decline rate"), "policy_changes": lazy_gettext("Policy changes reported"),
    "practice_changes": lazy_gettext("Practice changes reported"),
    "exchanges_evaluated": lazy_gettext("Exchanges evaluated"), "rated": lazy_gettext("Rated reports"),
    "average_rating": lazy_gettext("Average rating"), "proposals": lazy_gettext("Proposals"),
    "approved": lazy_gettext("Approved"), "submitted": lazy_gettext("Submitted"),
    "published": lazy_gettext("Published"), "proposed": lazy_gettext("Proposed"), "agreed": lazy_gettext("Agreed"),
    "closed": lazy_gettext("Closed"),
    "ministry": lazy_gettext("Ministry"), "cooperation-agency": lazy_gettext("Cooperation agency"),
    "competence-centre": lazy_gettext("Competence centre"), "training-institute": lazy_gettext("Training institute"),
    "university": lazy_gettext("University"), "regional-body": lazy_gettext("Regional body"),
    "un-agency": lazy_gettext("UN agency"), "fund-donor": lazy_gettext("Fund or donor"),
    "private-company": lazy_gettext("Private company"), "ngo": lazy_gettext("NGO"),
}


def _cell(column: str, value: Any, countries: dict[str, str]) -> str:
    """A table cell as people read it: codes as labels, numbers in the locale's format."""
    if value is None:
        return "—"
    if column in ("country", "provider_country", "requester_country"):
        return countries.get(value, value)
    if column == "sector":
        return h.sector(value)
    if column == "state":
        return str(TERMS.get(value) or h.state(value))
    if column == "role":
        return str(h.PARTY_ROLE_LABELS.get(value, value))
    if column == "kind":
        return str(h.ACTIVITY_KIND_LABELS.get(value) or h.CONTRIBUTION_KIND_LABELS.get(value) or TERMS.get(value)
                   or value)
    if column in ("measure", "stage", "step", "sex"):
        return str(TERMS.get(value) or h.state(value))
    if column.endswith("rate") or column == "top10_share" or (isinstance(value, float) and 0 < value < 1):
        return h.number(round(float(value) * 100, 1)) + " %" if isinstance(value, float) else str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and column != "year":
        return h.number(value)
    return str(value)


def _rendered(tables: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    countries = dict(display.country_options())  # every country's name at once (one query, not one per cell)
    out = []
    for name, t in tables.items():
        out.append({"name": name, "title": TITLES[name], "help": HELP[name],
                    "columns": [COLUMNS.get(c, c) for c in t["columns"]],
                    "rows": [[_measure_cell(t["columns"], i, row, countries) for i in range(len(row))]
                             for row in t["rows"]]})
    return out


def _measure_cell(columns: list[str], i: int, row: list[Any], countries: dict[str, str]) -> str:
    column = columns[i]
    if column == "value" and row[0] in ("acceptance_rate", "decline_rate") or \
            column == "matches" and row[0] in ("acceptance_rate", "decline_rate"):
        return _cell("rate", row[i], countries)
    return _cell(column, row[i], countries)


def _filters() -> tuple[Filters, dict[str, Any], dict[str, list[str]]]:
    """The filter of the query string (the API's schema), the values to show again, and field errors."""
    from kb.schemas.reports import IndicatorQuerySchema

    schema = IndicatorQuerySchema()
    raw = {k: v for k, v in h.form_data(schema, form=request.args).items() if k in FILTER_FIELDS}
    loaded, errors = h.load(schema, raw)
    values = {k: request.args.get(k, "") for k in FILTER_FIELDS}
    return (Filters(**loaded) if loaded else Filters()), values, errors


def _query() -> str:
    """The current filter as a query string (for the chart and CSV links)."""
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in request.args.items() if k in FILTER_FIELDS and v})


# --- charts ------------------------------------------------------------------------------------------

CHARTS = ("by_year", "pipeline", "participants", "by_sector", "countries")


def _chart(name: str, r: dict[str, Any]) -> str:
    if name == "by_year":
        rows = r["by_year"]
        return charts.bars(str(TITLES["by_year"]), [str(x["year"]) for x in rows], [
            (str(COLUMNS["exchanges"]), [x["exchanges"] for x in rows]),
            (str(COLUMNS["participants"]), [x["participants"] for x in rows]),
            (str(COLUMNS["people_trained"]), [x["people_trained"] for x in rows])])
    if name == "pipeline":
        stages = r["pipeline"]["stages"] if "pipeline" in r else {}
        return charts.bars(str(TITLES["pipeline"]), [str(TERMS[s]) for s in stages],
                           [(str(COLUMNS["requests"]), list(stages.values()))], horizontal=True)
    if name == "participants":
        kinds = r["participants"]["by_kind"]
        return charts.bars(str(TITLES["participants"]), [str(h.ACTIVITY_KIND_LABELS.get(k["kind"], k["kind"]))
                                                         for k in kinds],
                           [(str(TERMS[s]), [k[s] for k in kinds]) for s in ("female", "male", "other")], stacked=True)
    if name == "by_sector":
        rows = r["by_sector"][:15]
        return charts.bars(str(TITLES["by_sector"]), [h.sector(x["sector"]) for x in rows],
                           [(str(COLUMNS["exchanges"]), [x["exchanges"] for x in rows]),
                            (str(COLUMNS["published_requests"]), [x["published_requests"] for x in rows]),
                            (str(COLUMNS["published_offers"]), [x["published_offers"] for x in rows])], horizontal=True)
    rows = r["countries"][:15]
    names = dict(display.country_options())
    return charts.bars(str(TITLES["countries"]), [names.get(x["country"], x["country"]) for x in rows],
                       [(str(COLUMNS["as_requester"]), [x["as_requester"] for x in rows]),
                        (str(COLUMNS["as_provider"]), [x["as_provider"] for x in rows])], horizontal=True, stacked=True)


def _svg(svg: str) -> Response:
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


def _csv(name: str, table: dict[str, Any]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table["columns"])
    writer.writerows(table["rows"])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="kb-{name}.csv"'})


# --- /reports ----------------------------------------------------------------------------------------

def _report() -> tuple[dict[str, Any], Filters, dict[str, Any], dict[str, list[str]]]:
    f, values, errors = _filters()
    return indicators.report(viewer(), f), f, values, errors


def _valid_filters() -> Filters:
    """The filter of a chart or a CSV download; a bad one is a 422 naming its fields (nothing is drawn)."""
    f, _values, errors = _filters()
    if errors:
        raise ValidationFailed(errors)
    return f


@bp.route("/reports")
@login_required
def reports():
    """Every indicator under the filter: charts, their tables, CSV downloads; printable."""
    r, _f, values, errors = _report()
    user = viewer()
    return render_template("reports/reports.html", r=r, tables=_rendered(indicators.tables(r)), values=values,
                           errors=errors, query=_query(), charts=CHARTS, public=False,
                           partner_view=user.role == "partner",
                           partners=indicators.partner_options() if user.role != "partner" else []), \
        (422 if errors else 200)


@bp.route("/reports/charts/<any(by_year, pipeline, participants, by_sector, countries):name>.svg")
@login_required
@svg_image
def reports_chart(name: str):
    """One chart of /reports as an SVG image."""
    return _svg(_chart(name, indicators.report(viewer(), _valid_filters())))


@bp.route("/reports/tables/<name>.csv")
@login_required
def reports_table(name: str):
    """One table of /reports as CSV."""
    table = indicators.tables(indicators.report(viewer(), _valid_filters())).get(name)
    if table is None:
        abort(404)
    return _csv(name, table)


@bp.route("/reports/export.xlsx")
@login_required
def reports_xlsx():
    """The workbook of GET /api/v1/exports/exchanges.xlsx for the signed-in user, under the page's filter."""
    from kb.services import exports

    book = exports.workbook(viewer(), _valid_filters())

    def chunks():  # type: ignore[no-untyped-def]
        with book:
            while block := book.read(64 * 1024):
                yield block

    resp = Response(chunks(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="kb-report.xlsx"'})
    resp.call_on_close(book.close)  # also when the body is never read
    return resp


# --- public pages ------------------------------------------------------------------------------------

@bp.route("/transparency")
def transparency():
    """Public aggregates: by year, flows, sectors, results; no organisation or person named."""
    f, values, errors = _filters()
    r = indicators.public(f)
    return render_template("reports/reports.html", r=r, tables=_rendered(indicators.tables(r)), values=values,
                           errors=errors, query=_query(), charts=("by_year", "participants", "by_sector", "countries"),
                           public=True, partner_view=False, partners=[]), (422 if errors else 200)


@bp.route("/transparency/charts/<any(by_year, participants, by_sector, countries):name>.svg")
@svg_image
def transparency_chart(name: str):
    """One chart of /transparency as an SVG image."""
    return _svg(_chart(name, indicators.public(_valid_filters())))


@bp.route("/transparency/tables/<name>.csv")
def transparency_table(name: str):
    """One table of /transparency as CSV."""
    table = indicators.tables(indicators.public(_valid_filters())).get(name)
    if table is None:
        abort(404)
    return _csv(name, table)


@bp.route("/countries/<code>")
def country(code: str):
    """A country's profile: what it requested, what it offered, its exchanges (public)."""
    profile = indicators.country_profile(code.upper())
    r = profile["figures"]
    keep = ("headline", "by_year", "flows", "by_sector", "participants", "trained", "results")
    tables = [t for t in _rendered(indicators.tables(r)) if t["name"] in keep]
    return render_template("reports/country.html", p=profile, tables=tables)


# --- unmet needs -------------------------------------------------------------------------------------

REASONS = {"weak": lazy_gettext("Weak best suggestion"), "waiting": lazy_gettext("No proposal yet")}


@bp.route("/unmet-needs")
@login_required
def unmet_needs():
    """The secretariat's planning tool: requests nobody fits, grouped and clustered; offers never proposed."""
    from kb.services import unmet

    return render_template("reports/unmet.html", u=unmet.unmet_needs(viewer()), reasons=REASONS)
