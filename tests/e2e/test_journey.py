"""The full journey of issue 4, clicking through real pages on a real server.

A director signs in and posts a request in Spanish; the secretariat publishes it from the review queue and
proposes a suggested offer from the matching desk; the centre and the director accept on their matches pages;
the secretariat approves, records the agreement, starts the exchange, records an activity and results, completes,
evaluates and closes it. Each step is named, so a failure says which step of the journey broke.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from babel.dates import format_date
from e2e_support import CENTRE, DIRECTOR, SECRETARIAT, Session, text_of

from kb import data

TITLE = "Formación de instructores en mantenimiento de maquinaria agroindustrial"
DESCRIPTION = ("Los centros de formación de la Sierra necesitan instructores capaces de enseñar el mantenimiento "
               "mecánico y eléctrico de la maquinaria agroindustrial (trapiches, molinos, bombas). Buscamos un "
               "programa de formación de formadores por competencias, con talleres prácticos.")
OFFER = "Formación de instructores en mantenimiento industrial"  # SENA's demo offer (Colombia)
SPANISH = {name: {i["code"]: i["labels"]["es"] for i in data.load(name)} for name in ("sectors", "modalities")}


@contextmanager
def step(name: str):
    """Name the journey step in the failure message."""
    try:
        yield
    except Exception as exc:
        raise AssertionError(f"journey step failed: {name}: {exc}") from exc


def _badge_of(page) -> str:  # type: ignore[no-untyped-def]
    return text_of(page.locator("#status").inner_text())


def _exchange_step(s: Session, action_label: str, expected_state: str, fields: dict[str, str] | None = None,
                   form_id: str = "") -> None:
    form = s.page.locator(f"form#form-t-{form_id}")
    for label, value in (fields or {}).items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name=action_label, exact=True).click()
    s.page.wait_for_load_state()
    assert f"The exchange is now {expected_state}." in s.flash(), s.flash() or s.page.locator("main").inner_text()[:800]
    assert _badge_of(s.page) == expected_state


def test_request_to_closed_exchange(session_factory):
    director = session_factory(locale="en-GB")
    secretariat = session_factory(locale="en-GB")
    centre = session_factory(locale="es-CO")
    today = date.today().isoformat()

    with step("director signs in and switches to Spanish"):
        director.sign_in(DIRECTOR)
        director.choose_language("es")

    with step("director fills in a new request in Spanish (form)"):
        director.page.get_by_role("link", name="Mis solicitudes").click()
        director.page.get_by_role("link", name="Nueva solicitud").click()
        page = director.page
        assert page.get_by_role("heading", level=1).inner_text() == "Nueva solicitud"
        page.get_by_label("Título").fill(TITLE)
        page.get_by_label("Descripción").fill(DESCRIPTION)
        page.get_by_label("Idioma del texto").select_option("es")
        sectors = page.get_by_role("group", name="Sectores")
        for code in ("vocational-training", "agro-industry"):
            sectors.get_by_label(SPANISH["sectors"][code], exact=True).check()
        modalities = page.get_by_role("group", name="Modalidades deseadas")
        for code in ("training-course", "expert-mission"):
            modalities.get_by_label(SPANISH["modalities"][code], exact=True).check()
        page.get_by_role("group", name="Idiomas de trabajo").get_by_label("Español", exact=True).check()
        page.get_by_label("Número de beneficiarios").fill("40")
        page.get_by_label("Tipo de beneficiarios").fill("instructores y técnicos")
        page.get_by_label("Duración (meses)").fill("6")
        director.shot("10-director-new-request-es")
        page.get_by_role("button", name="Guardar borrador").click()
        page.wait_for_load_state()
        assert "Borrador guardado" in director.flash(), page.locator("main").inner_text()[:800]
        assert page.get_by_role("heading", level=1).inner_text() == TITLE

    with step("director submits the request"):
        director.page.get_by_role("button", name="Enviar", exact=True).click()
        director.page.wait_for_load_state()
        assert director.page.locator("article .badge").first.inner_text() == "Enviado", director.flash()
        director.shot("11-director-request-submitted-es")

    with step("secretariat publishes it from the review queue"):
        secretariat.sign_in(SECRETARIAT)
        secretariat.choose_language("en")
        secretariat.page.get_by_role("link", name="Review queue").click()
        card = secretariat.page.locator("article", has_text=TITLE)
        assert card.count() == 1, "the submitted request is not in the review queue"
        secretariat.shot("12-secretariat-review-queue")
        card.get_by_role("button", name="Publish").click()
        secretariat.page.wait_for_load_state()
        assert "is now Published" in secretariat.flash(), secretariat.flash()
        assert secretariat.page.locator("article", has_text=TITLE).count() == 0

    with step("secretariat proposes a suggested offer from the matching desk"):
        page = secretariat.page
        page.get_by_role("link", name="Matching desk").click()
        chooser = page.get_by_label("Published request", exact=True)
        chooser.select_option(chooser.locator("option", has_text=TITLE).get_attribute("value"))
        page.get_by_role("button", name="Show suggested offers").click()
        page.wait_for_load_state()
        suggestions = page.locator("section[aria-labelledby=h-suggestions] article")
        assert suggestions.count() >= 1, "no suggested offer"
        card = suggestions.filter(has=page.get_by_role("heading", name=OFFER))
        assert card.count() == 1, f"{OFFER!r} is not among the suggestions: {suggestions.all_inner_texts()}"
        card.get_by_label("Note to the parties (optional)").fill("SENA ya forma instructores en mantenimiento.")
        secretariat.shot("13-secretariat-matching-desk")
        card.get_by_role("button", name="Propose this match").click()
        page.wait_for_load_state()
        assert "Match proposed" in secretariat.flash(), secretariat.flash() or page.locator("main").inner_text()[:800]

    with step("the centre accepts on its matches page"):
        centre.sign_in(CENTRE)
        centre.choose_language("es")
        centre.page.get_by_role("link", name="Vinculaciones").click()
        waiting = centre.page.locator("section[aria-labelledby=h-waiting]")
        card = waiting.locator("article", has_text=TITLE)
        assert card.count() == 1, waiting.inner_text()
        centre.shot("14-centre-matches-es")
        card.get_by_role("button", name="Aceptar", exact=True).click()
        centre.page.wait_for_load_state()
        assert "Aceptado por el oferente" in centre.flash(), centre.flash()

    with step("the director accepts on the matches page"):
        director.page.get_by_role("link", name="Vinculaciones").click()
        card = director.page.locator("section[aria-labelledby=h-waiting] article", has_text=TITLE)
        assert card.count() == 1
        card.get_by_role("button", name="Aceptar", exact=True).click()
        director.page.wait_for_load_state()
        assert director.flash().endswith(": Aceptado."), director.flash()
        director.shot("15-director-match-accepted-es")

    with step("secretariat approves the match on the matching desk"):
        page = secretariat.page
        page.get_by_role("link", name="Matching desk").click()
        card = page.locator("section[aria-labelledby=h-accepted] article", has_text=TITLE)
        assert card.count() == 1, "the accepted match is not on the desk"
        card.get_by_role("button", name="Approve").click()
        page.wait_for_load_state()
        assert "the exchange has been created" in secretariat.flash(), secretariat.flash()

    with step("secretariat opens the new exchange"):
        page.get_by_role("link", name="Matches", exact=True).click()
        page.locator("article", has_text=TITLE).get_by_role("link", name="Open the exchange").click()
        page.wait_for_load_state()
        assert _badge_of(page) == "Planned"
        secretariat.shot("16-exchange-planned")

    with step("secretariat records the agreement"):
        _exchange_step(secretariat, "Record agreement", "Agreed", {"Agreement reference": "KB-2026-EC-CO-001"},
                       form_id="agree")

    with step("secretariat starts the exchange"):
        _exchange_step(secretariat, "Start", "In progress", form_id="start")

    with step("secretariat records an activity"):
        page.get_by_text("Report an activity").click()
        form = page.locator("form[action$='/activities#activities']")
        form.get_by_label("Kind of activity").select_option(label="Training")
        form.get_by_label("Title").fill("Taller de formación de formadores en Quito")
        form.get_by_label("First day").fill(today)
        form.get_by_label("Last day").fill(today)
        form.get_by_label("Place").fill("Quito")
        form.get_by_label("Women", exact=True).fill("12")
        form.get_by_label("Men", exact=True).fill("15")
        form.get_by_label("Expert-days", exact=True).fill("10")
        form.get_by_role("button", name="Record the activity").click()
        page.wait_for_load_state()
        assert "Activity recorded." in secretariat.flash(), page.locator("main").inner_text()[:800]
        activities = page.locator("section[aria-labelledby=h-activities] table")
        assert "Taller de formación de formadores en Quito" in activities.inner_text()

    with step("secretariat records the results"):
        page.get_by_text("Report results and feedback").click()
        form = page.locator("form[action$='/results#results']")
        form.get_by_label("People trained").fill("27")
        form.get_by_label("Of whom women").fill("12")
        form.get_by_label("Practice changes").fill("Los instructores aplican planes de mantenimiento preventivo.")
        form.get_by_label("Rating (1 = poor, 5 = excellent)").select_option("5")
        form.get_by_role("button", name="Record the results").click()
        page.wait_for_load_state()
        assert "Results recorded." in secretariat.flash(), page.locator("main").inner_text()[:800]
        assert "27 participants" in page.locator("section[aria-labelledby=h-summary]").inner_text()
        secretariat.shot("17-exchange-in-progress-with-activity-and-results")

    with step("secretariat completes the exchange"):
        _exchange_step(secretariat, "Complete", "Completed",
                       {"Completion report": "27 instructores formados; plan nacional de mantenimiento en marcha."},
                       form_id="complete")

    with step("secretariat evaluates the exchange"):
        _exchange_step(secretariat, "Evaluate", "Evaluated", form_id="evaluate")

    with step("secretariat closes the exchange"):
        _exchange_step(secretariat, "Close", "Closed", form_id="close")
        assert "This exchange is over." in page.locator("section[aria-labelledby=h-next]").inner_text()
        timeline = page.locator("section[aria-labelledby=h-timeline]").inner_text()
        assert "KB-2026-EC-CO-001" in timeline
        secretariat.shot("18-exchange-closed")

    with step("the director sees the closed exchange, in Spanish"):
        director.page.get_by_role("link", name="Intercambios").click()
        link = director.page.get_by_role("link", name=TITLE)
        assert link.count() >= 1, director.page.locator("main").inner_text()[:800]
        link.first.click()
        director.page.wait_for_load_state()
        assert director.page.locator("html").get_attribute("lang") == "es"
        assert _badge_of(director.page) == "Cerrado"
        summary = director.page.locator("section[aria-labelledby=h-summary]").inner_text()
        assert f"KB-2026-EC-CO-001, {format_date(date.today(), 'medium', locale='es')}" in summary  # dates per locale
        assert "27 participantes (entre ellos, 12 mujeres)" in summary
        director.shot("19-director-exchange-closed-es")

    for s in (director, secretariat, centre):
        assert not s.errors, s.errors
