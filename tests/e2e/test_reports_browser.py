"""Reports in a real browser: the secretariat opens /reports, filters by region, downloads the XLSX; the reports,
transparency, country and unmet-needs pages in the four languages (screenshots and page weights)."""
from __future__ import annotations

import io

from e2e_support import PAGE_BUDGET, SECRETARIAT, measure


def _headline(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = page.locator("#t-headline tbody tr")
    return {rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text()
            for i in range(rows.count())}


def test_the_secretariat_filters_the_report_by_region_and_downloads_the_xlsx(session_factory):
    from openpyxl import load_workbook

    s = session_factory(locale="en-GB")
    s.sign_in(SECRETARIAT)
    s.choose_language("en")  # other browser tests leave the account's saved language in another one
    s.page.get_by_role("link", name="Reports").click()
    s.page.wait_for_load_state()
    assert s.page.locator("h1").inner_text() == "Reports"
    everything = _headline(s.page)
    s.page.locator("#f-region").select_option("CAN")
    s.page.get_by_role("button", name="Apply").click()
    s.page.wait_for_load_state()
    assert "region=CAN" in s.page.url
    can = _headline(s.page)
    assert int(can["Exchanges"]) <= int(everything["Exchanges"])
    # Every chart is drawn (an SVG image the browser could load) and followed by its table.
    charts = s.page.locator("img.chart")
    assert charts.count() == 5
    for i in range(charts.count()):
        assert charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 0"), i
    s.shot("reports-region-can")
    with s.page.expect_download() as info:
        s.page.locator("#xlsx").click()
    download = info.value
    assert download.suggested_filename == "kb-report.xlsx"
    with open(download.path(), "rb") as saved:  # the download has no extension; openpyxl reads a file object
        book = load_workbook(io.BytesIO(saved.read()), read_only=True)
    headline = {k: v for k, v in list(book["headline"].iter_rows(values_only=True))[1:]}
    assert headline["exchanges"] == int(can["Exchanges"])
    assert {"exchanges", "requests", "offers", "data dictionary"} <= set(book.sheetnames)
    assert not s.errors, s.errors


def test_reports_pages_in_four_languages(browser, server, session_factory):
    """Screenshots of the reports pages in en, es, pt and fr, and their weight on first load."""
    s = session_factory(locale="en-GB")
    s.sign_in(SECRETARIAT)
    titles = {}
    for lang in ("en", "es", "pt", "fr"):
        s.choose_language(lang)
        for name, path in (("reports", "/reports"), ("transparency", "/transparency"),
                           ("country-EC", "/countries/EC"), ("unmet-needs", "/unmet-needs")):
            resp = s.goto(path)
            assert resp.status == 200, (path, lang)
            assert s.page.locator("html").get_attribute("lang") == lang
            titles[(name, lang)] = s.page.locator("h1").inner_text()
            s.shot(f"{name}-{lang}")
    assert len({titles[("reports", lang)] for lang in ("en", "es", "pt", "fr")}) == 4, titles
    assert titles[("unmet-needs", "pt")] == "Necessidades não atendidas"
    state = s.context.storage_state()
    weights = [measure(browser, server, "reports", "/reports", state),
               measure(browser, server, "unmet needs", "/unmet-needs", state),
               measure(browser, server, "transparency", "/transparency", None, "es-ES"),
               measure(browser, server, "country profile", "/countries/EC", None, "fr-FR")]
    assert all(w.total < PAGE_BUDGET for w in weights), [(w.name, w.total) for w in weights]
    assert not s.errors, s.errors
