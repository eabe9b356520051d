"""The public catalogue: browsing with filters, semantic search, record pages without personal data."""
from __future__ import annotations

import re


def _page(resp) -> str:
    return resp.get_data(as_text=True)


def _setup(kb):
    """A published request (Ecuador) and offer (Colombia), with contacts, plus their owners."""
    secretariat = kb.user("secretariat")
    director = kb.user("director", country="EC")
    centre = kb.user("centre", country="CO")
    req = kb.published_request(director, secretariat, contact_name="Ana Pérez", contact_email="ana@ministry.example")
    off = kb.published_offer(centre, secretariat, contact_name="Luis Gómez", contact_email="luis@centre.example")
    return secretariat, director, centre, req, off


def test_front_page_shows_the_headline_figures_and_a_search_box(browser, kb):
    _setup(kb)
    page = _page(browser().get("/"))
    assert "experts mobilised" in page and 'name="q"' in page
    assert "1 published offer ·" in page and "1 published request<" in page  # singular: ngettext


def test_the_catalogue_lists_published_records_only(browser, kb):
    secretariat, director, centre, req, off = _setup(kb)
    draft = kb.ok("POST", "/offers", centre, kb.offer_payload(title="A secret draft offer"))
    for actor in (None, centre):  # even the owner sees only published records in the catalogue
        page = _page(browser(actor).get("/offers"))
        assert off["title"] in page and draft["title"] not in page
    page = _page(browser().get("/requests"))
    assert req["title"] in page and "1 published" in page


def test_an_anonymous_visitor_never_sees_contact_details_or_experts(browser, kb):
    secretariat, director, centre, req, off = _setup(kb)
    expert = kb.ok("POST", "/experts", centre, {"name": "Dr Rosa Expert", "expertise": "Leather audits",
                                                "email": "rosa@centre.example"})
    kb.ok("PATCH", f"/offers/{off['id']}", secretariat, {"expert_ids": [expert["id"]]}, 200)
    anonymous = browser()
    for url in (f"/offers/{off['id']}", "/offers", f"/requests/{req['id']}", "/requests",
                "/offers?q=cleaner+production"):
        resp = anonymous.get(url)
        assert resp.status_code == 200, url
        page = _page(resp)
        for secret in ("luis@centre.example", "Luis Gómez", "ana@ministry.example", "Ana Pérez",
                       "Dr Rosa Expert", "rosa@centre.example"):
            assert secret not in page, (url, secret)
    # Another organisation's signed-in user does not see them either; the owner does.
    assert "luis@centre.example" not in _page(browser(director).get(f"/offers/{off['id']}"))
    owner_page = _page(browser(centre).get(f"/offers/{off['id']}"))
    assert "luis@centre.example" in owner_page and "Dr Rosa Expert" in owner_page
    assert "Manage this record" in owner_page


def test_a_record_page_shows_the_published_details(browser, kb):
    secretariat, director, centre, req, off = _setup(kb)
    page = _page(browser().get(f"/requests/{req['id']}"))
    assert req["title"] in page and "Cleaner production" in page and "Expert mission" in page
    assert "Spanish" in page and "Manage this record" not in page
    page = _page(browser().get(f"/offers/{off['id']}"))
    assert "In kind" in page and "Valid until" in page


def test_drafts_are_hidden_from_others_and_shown_to_their_owner(browser, kb):
    director = kb.user("director")
    draft = kb.ok("POST", "/requests", director, kb.request_payload())
    other = kb.user("director")
    assert browser().get(f"/requests/{draft['id']}").status_code == 404
    assert browser(other).get(f"/requests/{draft['id']}").status_code == 404
    assert browser(director).get(f"/requests/{draft['id']}").status_code == 200
    assert browser().get("/offers/999999").status_code == 404


def test_filters_narrow_the_list(browser, kb):
    secretariat = kb.user("secretariat")
    co = kb.user("centre", country="CO")
    br = kb.user("centre", country="BR")
    a = kb.published_offer(co, secretariat, title="Panela mills training", text_lang="es",
                           sectors=["agro-industry"], modalities=["training-course"], languages=["es"])
    b = kb.published_offer(br, secretariat, title="Metrology laboratories", text_lang="pt",
                           sectors=["quality-infrastructure"], modalities=["expert-mission"], languages=["pt", "en"])
    client = browser()
    cases = {
        "sector=agro-industry": a, "sector=quality-infrastructure": b,
        "modality=training-course": a, "modality=expert-mission": b,
        "country=CO": a, "country=BR": b,
        "region=MERCOSUR": b, "region=CAN": a,
        "language=en": b, "language=es": a,
        "text_lang=es": a, "text_lang=pt": b,
    }
    for query, wanted in cases.items():
        page = _page(client.get(f"/offers?{query}"))
        other = b if wanted is a else a
        assert wanted["title"] in page and other["title"] not in page, query
    # The chosen filter is kept in the form.
    assert '<option value="BR" selected>' in _page(client.get("/offers?country=BR"))


def test_bad_filters_are_refused_with_the_error_next_to_the_field(browser):
    resp = browser().get("/offers?country=XYZ&language=zz")
    assert resp.status_code == 422
    page = _page(resp)
    assert 'id="e-country"' in page and 'id="e-language"' in page


def test_semantic_search_ranks_the_relevant_record_and_applies_filters(browser, kb):
    secretariat = kb.user("secretariat")
    co = kb.user("centre", country="CO")
    br = kb.user("centre", country="BR")
    tan = kb.published_offer(co, secretariat, title="Tannery chrome recovery", text_lang="en",
                             description="Chrome recovery and effluent treatment for small tanneries.")
    sug = kb.published_offer(br, secretariat, title="Sugar cane mills", text_lang="pt",
                             sectors=["agro-industry"], languages=["pt"],
                             description="Eficiência energética de engenhos de cana-de-açúcar.")
    client = browser()
    page = _page(client.get("/offers?q=tanneries+chrome+effluent"))
    assert tan["title"] in page and "results for" in page
    assert sug["title"] not in page or page.index(tan["title"]) < page.index(sug["title"])
    assert 'value="tanneries chrome effluent"' in page  # the query is kept
    page = _page(client.get("/offers?q=tanneries+chrome+effluent&country=BR"))
    assert tan["title"] not in page
    page = _page(client.get("/offers?q=tanneries+chrome+effluent&text_lang=pt"))
    assert tan["title"] not in page
    page = _page(client.get("/offers?q=tanneries+chrome+effluent&sector=cleaner-production"))
    assert tan["title"] in page and sug["title"] not in page


def test_a_search_without_words_is_refused_and_keeps_the_input(browser):
    resp = browser().get("/requests?q=%21%21%21")
    assert resp.status_code == 422
    page = _page(resp)
    assert 'id="e-q"' in page and 'value="!!!"' in page


def test_the_catalogue_is_paginated(browser, kb):
    secretariat = kb.user("secretariat")
    director = kb.user("director")
    titles = [kb.published_request(director, secretariat, title=f"Request number {i}")["title"] for i in range(3)]
    client = browser()
    first = _page(client.get("/requests?per_page=2"))
    assert "Next page" in first and "Previous page" not in first
    assert sum(t in first for t in titles) == 2
    second = _page(client.get("/requests?per_page=2&page=2"))
    assert "Previous page" in second and "Next page" not in second
    assert sum(t in second for t in titles) == 1
    assert "per_page=2" in re.search(r'href="([^"]*)"[^>]*>Previous page', second).group(1)


def test_catalogue_pages_are_served_in_the_visitors_language(browser, kb):
    _setup(kb)
    resp = browser(lang="fr").get("/offers")
    assert resp.status_code == 200 and '<html lang="fr">' in _page(resp)
    assert "Production plus propre" in _page(resp)  # vocabulary labels follow the language


def test_vocabulary_labels_on_pages_are_the_databases(app, browser, kb):
    """Sectors and modalities are labelled from their database rows (which the administrator edits)."""
    from kb.extensions import db
    from kb.models import Modality, Sector
    from kb.services.reference import seed_reference_data

    _setup(kb)
    with app.app_context():
        before = (db.session.get(Sector, "cleaner-production").label_fr,
                  db.session.get(Modality, "expert-mission").label_fr)
        db.session.get(Sector, "cleaner-production").label_fr = "Production propre (libellé modifié)"
        db.session.get(Modality, "expert-mission").label_fr = "Mission d'expertise (libellé modifié)"
        db.session.commit()
    try:
        client = browser(lang="fr")
        for page in (_page(client.get("/offers")), _page(client.get("/offers?sector=cleaner-production"))):
            assert "Production propre (libellé modifié)" in page and "Production plus propre" not in page
            assert "Mission d&#39;expertise (libellé modifié)" in page
    finally:
        # The reference tables outlive a test, and seeding leaves existing sectors and modalities as administered:
        # put the labels back by hand (they leaked into later tests' French explanations).
        with app.app_context():
            db.session.get(Sector, "cleaner-production").label_fr = before[0]
            db.session.get(Modality, "expert-mission").label_fr = before[1]
            db.session.commit()
            seed_reference_data()


def test_pages_name_their_icon_so_browsers_do_not_ask_for_a_missing_favicon(browser):
    """Without one every first visit logged "404 /favicon.ico" in the browser's console and the tab had no icon."""
    client = browser()
    page = _page(client.get("/"))
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page)
    assert icon
    resp = client.get(icon.group(1))
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    assert resp.get_data(as_text=True).startswith("<svg")
