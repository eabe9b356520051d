"""Joining and recovering access in a real browser (issue #9, tests): an institution applies at /join in
Portuguese, confirms its address through the e-mail read from a local SMTP server (aiosmtpd), the secretariat
sees it on /home and approves it at /admin/applications (opened from its e-mail), the new centre signs in on /home (in the language it chose) and later resets its
password through the e-mailed link. The outbox is run with the real command, `flask kb outbox send`."""
from __future__ import annotations

import re
from contextlib import contextmanager
from urllib.parse import urlsplit

from e2e_support import SECRETARIAT, Session, measure

EMAIL = "coordenacao@ifg.br.example"
PASSWORD = "cerrado-ipê-vereda-41"
NEW_PASSWORD = "araguaia-jatobá-buriti-73"
ORGANISATION = "Instituto Federal de Goiás"


def _text(message) -> str:  # type: ignore[no-untyped-def]
    """The plain text of a message, whole or the text part of a multipart one."""
    return (message.get_body(("plain",)) or message).get_content()


@contextmanager
def step(name: str):
    try:
        yield
    except Exception as exc:
        raise AssertionError(f"onboarding step failed: {name}: {exc}") from exc


def _mail_to(deliveries, address: str):  # type: ignore[no-untyped-def]
    found = [d.message for d in deliveries if address in d.rcpt_tos]
    assert len(found) == 1, [d.rcpt_tos for d in deliveries]
    return found[0]


def _link(message, prefix: str) -> str:  # type: ignore[no-untyped-def]
    for url in re.findall(r"https?://\S+", _text(message)):
        if urlsplit(url).path.startswith(prefix):
            return urlsplit(url).path
    raise AssertionError(f"no {prefix} link in {_text(message)!r}")


def _sign_in(s: Session, email: str, password: str) -> None:
    s.goto("/login")
    form = s.page.locator("main form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    s.page.wait_for_load_state()


def test_an_institution_joins_and_later_resets_its_password(session_factory, outbox, browser, server):
    applicant = session_factory(locale="pt-BR")
    secretariat = session_factory(locale="en-GB")
    outbox()  # the demo's own notifications go first

    with step("the applicant fills in /join (in Portuguese, the browser's language)"):
        applicant.goto("/join")
        assert applicant.page.locator("html").get_attribute("lang") == "pt"
        form = applicant.page.locator("main form")
        form.locator("input[name=organisation_name]").fill(ORGANISATION)
        form.locator("select[name=organisation_kind]").select_option("training-institute")
        form.locator("select[name=country_code]").select_option("BR")
        form.locator("input[name=website]").fill("https://www.ifg.edu.br.example")
        form.locator("input[name=person_name]").fill("Marina Alves")
        form.locator("input[name=email]").fill(EMAIL)
        form.locator("select[name=role]").select_option("centre")
        assert form.locator("select[name=language]").input_value() == "pt"
        form.locator("input[name=password]").fill(PASSWORD)
        form.locator("input[name=repeat_password]").fill(PASSWORD)
        applicant.shot("join-form-pt")
        form.locator("button[type=submit]").click()
        applicant.page.wait_for_load_state()
        assert "Verifique seu e-mail" in applicant.page.locator("main").inner_text()

    with step("the applicant confirms the address through the e-mailed link"):
        message = _mail_to(outbox(), EMAIL)
        assert "confirme" in message["Subject"].lower()
        applicant.goto(_link(message, "/join/confirm/"))
        assert "Endereço confirmado" in applicant.page.locator("main").inner_text()

    with step("the secretariat hears of it, sees it on /home and opens it from the e-mailed link"):
        told = _mail_to(outbox(), SECRETARIAT[0])
        (url,) = [u for u in re.findall(r"https?://\S+", _text(told)) if "/admin/applications" in u]
        assert url.startswith(server + "/admin/applications?status=waiting#application-"), url  # KB_BASE_URL
        secretariat.sign_in(SECRETARIAT)
        assert urlsplit(secretariat.page.url).path == "/home", secretariat.page.url
        secretariat.choose_language("en")  # whatever other tests saved for the demo account
        waiting = secretariat.page.locator("section[aria-labelledby=h-applications_waiting]")
        assert ORGANISATION in waiting.inner_text()
        secretariat.shot("secretariat-home-applications")
        secretariat.goto(url.removeprefix(server))

    with step("the secretariat approves the application at /admin/applications"):
        card = secretariat.page.locator("article", has_text=ORGANISATION)
        assert card.count() == 1
        secretariat.shot("admin-applications")
        card.get_by_role("button", name="Approve").click()
        secretariat.page.wait_for_load_state()
        assert "is approved" in secretariat.flash()
        assert "aprovada" in _mail_to(outbox(), EMAIL)["Subject"].lower()

    with step("the new centre signs in, in Portuguese"):
        centre = session_factory(locale="en-GB")
        _sign_in(centre, EMAIL, PASSWORD)
        assert urlsplit(centre.page.url).path == "/home", centre.page.url  # the landing page after sign-in
        assert centre.page.locator("html").get_attribute("lang") == "pt"
        assert centre.page.locator("header").get_by_text("Minhas ofertas").count() == 1
        centre.shot("new-centre-signed-in")

    with step("later, the centre resets its password through the e-mailed link"):
        forgetful = session_factory(locale="pt-BR")
        forgetful.goto("/password/forgot")
        forgetful.page.locator("main form input[name=email]").fill(EMAIL)
        forgetful.page.locator("main form button[type=submit]").click()
        forgetful.page.wait_for_load_state()
        assert EMAIL in forgetful.page.locator("main").inner_text()
        message = _mail_to(outbox(), EMAIL)
        assert "senha" in message["Subject"].lower()
        forgetful.goto(_link(message, "/password/reset/"))
        forgetful.page.locator("main form input[name=password]").fill(NEW_PASSWORD)
        forgetful.page.locator("main form input[name=repeat_password]").fill(NEW_PASSWORD)
        forgetful.shot("password-reset-pt")
        forgetful.page.locator("main form button[type=submit]").click()
        forgetful.page.wait_for_load_state()
        assert "/login" in forgetful.page.url
        # The session that was signed in has ended; the old password no longer works, the new one does.
        centre.goto("/exchanges")
        assert "/login" in centre.page.url
        _sign_in(forgetful, EMAIL, PASSWORD)
        assert "/login" in forgetful.page.url
        _sign_in(forgetful, EMAIL, NEW_PASSWORD)
        assert "/login" not in forgetful.page.url

    with step("the pages weigh little on first load"):
        for name, path in (("join", "/join"), ("password-forgot", "/password/forgot")):
            weight = measure(browser, server, name, path, locale="pt-BR")
            assert weight.total < 300 * 1024
