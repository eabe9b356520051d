"""The header keeps its rows whole at 1366 px and on a 390 px phone, and the exchange page fits 390 px
(issue #9 §5), for the roles with the longest navigation, in the languages with the longest words."""
from __future__ import annotations

import pytest
from e2e_support import CENTRE, PARTNER, SCREENSHOTS, SECRETARIAT


def _sign_in(page, account, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in and choose lang in the header (other tests may have saved another choice for the demo account)."""
    page.goto("/login")
    page.fill("main input[name=email]", account[0])
    page.fill("main input[name=password]", account[1])
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.locator("#lang-select").select_option(lang)
    page.locator("header form:has(#lang-select) button").click()
    page.wait_for_load_state()


def _one_row(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the elements share a row: every one overlaps every other vertically."""
    boxes = page.eval_on_selector_all(selector, "els => els.map(e => [e.getBoundingClientRect().top, "
                                                "e.getBoundingClientRect().bottom])")
    return bool(boxes) and max(top for top, _ in boxes) < min(bottom for _, bottom in boxes)


@pytest.mark.parametrize(("account", "name", "lang"), [(SECRETARIAT, "secretariat", "fr"), (CENTRE, "centre", "pt")])
def test_the_header_at_1366_px_and_on_a_phone(browser, server, account, name, lang):
    for width, height in ((1366, 768), (390, 844)):
        context = browser.new_context(base_url=server, locale=lang, viewport={"width": width, "height": height})
        try:
            page = context.new_page()
            _sign_in(page, account, lang)
            page.goto("/exchanges")
            assert page.locator("html").get_attribute("lang") == lang
            page.screenshot(path=str(SCREENSHOTS / f"header-{name}-{lang}-{width}.png"),
                            clip={"x": 0, "y": 0, "width": width, "height": 320})
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            # No link or button is broken across two lines.
            for selector in ("header nav a", "header button", "header .bar > a"):
                for box in page.eval_on_selector_all(selector, "els => els.map(e => e.getClientRects().length)"):
                    assert box == 1, selector
            if width == 1366:
                assert _one_row(page, "header nav a"), "the navigation takes one row"
                assert _one_row(page, "header .brand, header #lang-select, header form[action$='/logout']")
                assert page.evaluate("document.querySelector('header').getBoundingClientRect().height") < 110
        finally:
            context.close()


@pytest.mark.parametrize(("account", "name", "lang"), [(CENTRE, "centre", "pt"), (SECRETARIAT, "secretariat", "es")])
def test_the_exchange_page_fits_a_phone(browser, server, account, name, lang):
    context = browser.new_context(base_url=server, locale=lang, viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        _sign_in(page, account, lang)
        page.goto("/exchanges")
        page.goto(page.locator("main a[href^='/exchanges/']").first.get_attribute("href"))
        page.screenshot(path=str(SCREENSHOTS / f"exchange-phone-{name}-{lang}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_a_cards_heading_sits_at_the_top_of_its_card(browser, server):
    """Headings kept their page margin inside cards: a blank band of 2.5rem above "Summary" and "Next steps" on
    the exchange page, and above each suggestion on the desk."""
    context = browser.new_context(base_url=server, locale="en", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        _sign_in(page, SECRETARIAT, "en")
        page.goto("/exchanges")
        page.goto(page.locator("main a[href^='/exchanges/']").first.get_attribute("href"))
        gaps = page.eval_on_selector_all(
            "main .card > h2:first-child, main .card > h3:first-child",
            "els => els.map(e => e.getBoundingClientRect().top - e.parentElement.getBoundingClientRect().top)")
        assert gaps and max(gaps) <= 20, gaps  # the card's padding (1rem) and its border
    finally:
        context.close()


def test_a_partners_countries_list_is_labelled_on_its_own_line(browser, server):
    """The "Countries" label of a partner's priorities followed the last regional group's checkbox on its line."""
    context = browser.new_context(base_url=server, locale="en", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        _sign_in(page, PARTNER, "en")
        page.goto("/my/organisation")
        label = page.locator("label[for=f-priority_countries]").bounding_box()
        last_region = page.locator("input[name=priority_regions]").last.locator("xpath=..").bounding_box()
        assert label["y"] >= last_region["y"] + last_region["height"], (label, last_region)
        assert label["x"] <= last_region["x"]
    finally:
        context.close()


def test_a_refused_form_low_on_the_exchange_page_comes_back_at_its_section(browser, server):
    """A refused form was shown again at the top of the long exchange page, its marked fields far below."""
    context = browser.new_context(base_url=server, locale="en", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        _sign_in(page, SECRETARIAT, "en")
        page.goto("/exchanges")
        page.goto(page.locator("main a[href^='/exchanges/']").first.get_attribute("href"))
        details = page.locator("#activities details")
        details.locator("summary").click()
        form = details.locator("form")
        form.evaluate("f => f.noValidate = true")  # the server's check, as an older browser would leave it
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert page.url.endswith("#activities")
        assert page.locator("#activities .error").count() > 0
        assert page.evaluate("window.scrollY") > 844  # not the top of the page
        assert page.locator("#activities details[open]").count() == 1
        # What went wrong is said there too, not only in the banner at the top of the page.
        assert "Please correct the fields marked below." in page.locator("#activities .flash.error").inner_text()
    finally:
        context.close()


def test_a_choice_in_a_table_shows_its_whole_option_on_a_phone(browser, server):
    """The e-mail choices on the notification preferences were cut on a phone ("Imediatar" for "Imediatamente")."""
    context = browser.new_context(base_url=server, locale="pt-BR", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        _sign_in(page, CENTRE, "pt")
        page.goto("/account/notifications")
        short = page.evaluate("""() => [...document.querySelectorAll('main td select')].filter(s => {
            const probe = document.createElement('span');
            probe.style.font = getComputedStyle(s).font;
            probe.textContent = [...s.options].map(o => o.text).sort((a, b) => b.length - a.length)[0];
            document.body.appendChild(probe);
            const need = probe.getBoundingClientRect().width;
            probe.remove();
            return s.getBoundingClientRect().width < need + 16;
        }).map(s => s.name)""")
        assert page.locator("main td select").count() > 0 and short == []
        assert page.evaluate("Math.max(...[...document.querySelectorAll('main td select')].map("
                             "s => s.getBoundingClientRect().right))") <= 390  # and none runs off the screen
        page.screenshot(path=str(SCREENSHOTS / "preferences-phone-pt.png"), full_page=True)
    finally:
        context.close()
