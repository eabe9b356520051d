"""Per-process caches of page fragments (kb.web.display): the same HTML as rendering them each time, per language,
and following the data they show."""
from __future__ import annotations

import html

import pytest
from flask import render_template

from kb.services import cache
from kb.web import display

CHOICES = [{}, {"country": "CO"}, {"sector": "agriculture", "country": "BR", "region": "CAN", "language": "es",
                                   "text_lang": "es"}, {"language": "fr", "text_lang": "fr", "modality": "training-course"},
           {"country": "XX"}]


@pytest.mark.parametrize("lang", ["en", "es", "pt-BR", "fr"])
def test_cached_filter_fields_are_the_fields_rendered_each_time(app, lang):
    cache.clear()
    for values in CHOICES:
        for _ in range(2):  # the first fills the cache, the second reads it
            with app.test_request_context("/offers", headers={"Accept-Language": lang}):
                cached = str(display.filter_fields(values, {}))
                direct = render_template("public/_filters.html", values=values, errors={}, d=display)
            assert cached == direct, values
    with app.test_request_context("/offers", headers={"Accept-Language": lang}):
        chosen = str(display.filter_fields({"language": "es", "text_lang": "es"}, {}))
        every = str(display.filter_fields(CHOICES[2], {}))
    assert chosen.count('value="es" selected>') == 2  # each select marks its own choice
    assert every.count(" selected>") == 5


def test_the_catalogue_filters_are_in_the_readers_language(browser):
    cache.clear()
    for lang, label in (("es", "Agricultura"), ("en", "Agriculture"), ("fr", "Agriculture"), ("es", "Agricultura")):
        page = html.unescape(browser(lang=lang).get("/offers").get_data(as_text=True))
        assert f'<option value="agriculture" >{label}</option>' in page, lang
        assert ("Colombie" in page) == (lang == "fr")


def test_a_filter_that_is_no_option_shows_its_error_next_to_the_field(browser):
    resp = browser().get("/offers?country=ZZZZ")
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'id="f-country" name="country"' in page and 'aria-invalid="true" aria-describedby="e-country"' in page


def test_the_memoised_locale_and_translations_follow_force_locale_and_refresh(app):
    """kb.i18n's fast paths read Flask-Babel's own state: a mail rendered in its reader's language inside a page
    request (force_locale) gets that language, and the page's language comes back after it."""
    from flask import render_template_string
    from flask_babel import force_locale, refresh

    from kb import i18n
    from kb.web import helpers

    page = "{{ _('Sector') }} {{ h.label('terms', 'in-kind') }}"
    with app.test_request_context("/offers", headers={"Accept-Language": "es"}):
        assert render_template_string(page) == "Sector En especie"
        assert i18n.current_language() == "es"
        with force_locale("fr"):
            assert i18n.current_language() == "fr" and str(i18n.current_locale()) == "fr"
            assert render_template_string(page) == "Secteur En nature"
        assert render_template_string(page) == "Sector En especie"
        with force_locale("pt"):
            assert helpers.label("terms", "in-kind") == "Contribuição não financeira"
        refresh()
        assert i18n.current_language() == "es"
    assert i18n.current_language() == "en"


def test_formatted_dates_are_cached_per_locale(app):
    from datetime import UTC, date, datetime

    from flask_babel import force_locale

    from kb.web import helpers

    day, moment = date(2026, 3, 5), datetime(2026, 3, 5, 23, 30, tzinfo=UTC)
    with app.test_request_context("/offers", headers={"Accept-Language": "fr"}):
        assert helpers.date(day) == "5 mars 2026" and helpers.date(day) == "5 mars 2026"
        with force_locale("es"):
            assert helpers.date(day) == "5 mar 2026"
        assert helpers.date(moment) == "5 mars 2026" and helpers.date(None) == ""
    with app.test_request_context("/offers", headers={"Accept-Language": "en"}):
        assert helpers.date(day) == "Mar 5, 2026"
