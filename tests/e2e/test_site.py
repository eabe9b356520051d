"""The site in a real browser: front page, sign-in, the language switch, error pages, page weight."""
from __future__ import annotations

from e2e_support import CENTRE, DIRECTOR, DIRECTOR_SN, PAGE_BUDGET, PARTNER, SCREENSHOTS, SECRETARIAT, measure


def test_front_page_in_the_browsers_language(session_factory):
    s = session_factory(locale="pt-BR")
    s.goto("/")
    assert s.page.locator("html").get_attribute("lang") == "pt"
    assert s.page.get_by_role("heading", level=1).inner_text().startswith("Banco de Conhecimento")
    figures = s.page.locator(".figure").all_inner_texts()
    assert len(figures) == 4 and all(f.strip() for f in figures)
    s.shot("01-front-page-pt")
    # The search box leads to the catalogue.
    s.page.get_by_label("Pesquisar as ofertas de conhecimento especializado").fill("panela")
    s.page.get_by_role("search").get_by_role("button").click()
    s.page.wait_for_load_state()
    assert "/offers" in s.page.url and "q=panela" in s.page.url
    s.shot("02-catalogue-search-pt")
    assert not s.errors


def test_language_switch_as_a_visitor(session_factory):
    s = session_factory(locale="en-GB")
    s.goto("/")
    assert s.page.locator("html").get_attribute("lang") == "en"
    s.choose_language("fr")
    assert s.page.get_by_role("link", name="Se connecter").is_visible()
    s.goto("/offers")  # the choice is kept across pages
    assert s.page.locator("html").get_attribute("lang") == "fr"
    s.shot("03-catalogue-fr")


def test_sign_in_refused_then_accepted_and_language_remembered(session_factory):
    s = session_factory(locale="en-GB")
    s.goto("/login")
    s.page.get_by_label("E-mail").fill(CENTRE[0])
    s.page.get_by_label("Password").fill("not-the-password")
    s.page.locator("main").get_by_role("button", name="Sign in").click()
    assert s.page.get_by_role("alert").inner_text() == "Wrong e-mail or password."
    assert s.page.get_by_label("E-mail").input_value() == CENTRE[0]  # input kept
    s.shot("04-sign-in-refused")
    s.sign_in(CENTRE)
    s.choose_language("es")
    assert s.page.get_by_role("button", name="Cerrar sesión").is_visible()
    s.page.get_by_role("button", name="Cerrar sesión").click()
    s.page.wait_for_load_state()
    # A new browser (no session cookie, English Accept-Language) gets the user's own choice after sign-in.
    other = session_factory(locale="en-GB")
    other.sign_in(CENTRE)
    assert other.page.locator("html").get_attribute("lang") == "es"
    assert other.page.get_by_role("link", name="Mis ofertas").is_visible()
    other.shot("05-signed-in-centre-es")


def test_error_page_in_the_users_language(session_factory):
    s = session_factory(locale="fr-FR")
    resp = s.goto("/offers/999999")
    assert resp.status == 404
    assert s.page.locator("html").get_attribute("lang") == "fr"
    assert s.page.get_by_role("heading", level=1).inner_text() == "Page introuvable"
    assert "Traceback" not in s.page.content()
    s.shot("06-not-found-fr")


def _storage(session_factory, account, lang):  # type: ignore[no-untyped-def]
    s = session_factory(locale="en-GB")
    s.sign_in(account)
    s.choose_language(lang)
    return s.context.storage_state()


def test_page_weight_on_first_load(browser, server, session_factory):
    """Every key page, loaded with an empty cache, weighs under 300 KB and states the language it is in."""
    director = _storage(session_factory, DIRECTOR, "es")
    centre = _storage(session_factory, CENTRE, "pt")
    secretariat = _storage(session_factory, SECRETARIAT, "en")
    partner = _storage(session_factory, PARTNER, "fr")
    anonymous = session_factory(locale="en-GB")
    anonymous.goto("/offers")
    offer = anonymous.page.locator("main a[href^='/offers/']").first.get_attribute("href")
    pages = [
        ("front page", "/", None, "es-ES", "es", 200),
        ("sign-in", "/login", None, "fr-FR", "fr", 200),
        ("offers catalogue", "/offers", None, "pt-PT", "pt", 200),
        ("catalogue search", "/requests?q=agua+riego", None, "en-GB", "en", 200),
        ("offer page", offer, None, "en-GB", "en", 200),
        ("not found", "/requests/999999", None, "fr-FR", "fr", 404),
        ("my requests (director)", "/my/requests", director, "en-GB", "es", 200),
        ("new request (director)", "/my/requests/new", director, "en-GB", "es", 200),
        ("my offers (centre)", "/my/offers", centre, "en-GB", "pt", 200),
        ("matches (centre)", "/matches", centre, "en-GB", "pt", 200),
        ("review queue", "/secretariat/review", secretariat, "en-GB", "en", 200),
        ("matching desk", "/secretariat/desk", secretariat, "en-GB", "en", 200),
        ("exchanges board", "/exchanges", secretariat, "en-GB", "en", 200),
        ("exchanges (partner)", "/exchanges", partner, "en-GB", "fr", 200),
    ]
    weights = [measure(browser, server, name, path, state, locale, status)
               for name, path, state, locale, lang, status in pages]
    # Pages whose address depends on the demo's records: the exchange in progress, the matching desk with the
    # suggestions for a published request, and a director's published request with its suggested offers.
    s = session_factory(locale="en-GB")
    s.context.add_cookies(secretariat["cookies"])
    s.goto("/exchanges")
    exchange = s.page.locator("main a[href^='/exchanges/']").first.get_attribute("href")
    s.goto("/secretariat/desk")
    request_id = s.page.locator("#d-request_id option:not([value=''])").first.get_attribute("value")
    senegal = _storage(session_factory, DIRECTOR_SN, "fr")
    d = session_factory(locale="en-GB")
    d.context.add_cookies(senegal["cookies"])
    d.goto("/my/requests?status=published")
    own_request = d.page.locator("main table a").first.get_attribute("href")
    more = [("exchange page", exchange, secretariat, "en"),
            ("matching desk with suggestions", f"/secretariat/desk?request_id={request_id}", secretariat, "en"),
            ("director's published request", own_request, senegal, "fr")]
    for name, path, state, lang in more:
        weights.append(measure(browser, server, name, path, state))
        pages.append((name, path, state, "en-GB", lang, 200))
    problems = [f"{w.name}: {w.total} bytes" for w in weights if w.total >= PAGE_BUDGET]
    assert not problems, problems
    for w, (name, _path, _state, _locale, lang, _status) in zip(weights, pages, strict=True):
        assert w.lang == lang, f"{name}: <html lang={w.lang!r}>, expected {lang!r}"
        assert w.html > 1000, f"{name} is almost empty"


def test_phone_sized_screen(browser, server):
    """Key pages fit a 390 px wide screen without sideways scrolling."""
    context = browser.new_context(base_url=server, locale="es-EC", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        too_wide = []
        for name, path in [("front", "/"), ("offers", "/offers"), ("sign-in", "/login")]:
            page.goto(path)
            page.screenshot(path=str(SCREENSHOTS / f"07-phone-{name}-es.png"), full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                too_wide.append(f"{path}: {width}px")
        page.goto("/login")
        page.get_by_label("Correo electrónico").fill(DIRECTOR[0])
        page.get_by_label("Contraseña").fill(DIRECTOR[1])
        page.locator("main").get_by_role("button", name="Iniciar sesión").click()
        page.wait_for_load_state()
        page.locator("#lang-select").select_option("es")  # the director's own setting wins over the browser's
        page.locator("header form:has(#lang-select) button").click()
        page.wait_for_load_state()
        page.goto("/my/requests/new")
        assert page.get_by_role("heading", level=1).inner_text() == "Nueva solicitud"
        page.screenshot(path=str(SCREENSHOTS / "08-phone-new-request-es.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide.append(f"/my/requests/new: {width}px")
        assert not too_wide, too_wide
    finally:
        context.close()


def test_keyboard_only(session_factory):
    """The skip link comes first, and signing in works with the keyboard alone."""
    s = session_factory(locale="pt-PT")
    s.goto("/login")
    page = s.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Ir para o conteúdo"
    for _ in range(30):  # tab through the header to the e-mail field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "email":
            break
    else:
        raise AssertionError("the e-mail field cannot be reached with Tab")
    page.keyboard.type(PARTNER[0])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    page.keyboard.type(PARTNER[1])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url
    assert page.locator("form[action$='/logout'] button").is_visible()
