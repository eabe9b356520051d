"""/home in the browser: every demo role signs in, lands on its workspace, in English and in a second language;
a screenshot of each and its weight on first load (test-output/screenshots/home-*.png, page-weights.md)."""
from __future__ import annotations

import pytest
from e2e_support import CENTRE, DIRECTOR, PAGE_BUDGET, PARTNER, SECRETARIAT, measure

ADMIN = ("admin@kb.example", "admin-demo-2026")
# role, account, second language, the workspace's first heading in that language
ROLES = [
    ("director", DIRECTOR, "es", "Vinculaciones que esperan su respuesta"),
    ("centre", CENTRE, "pt", "Vinculações aguardando sua resposta"),
    ("secretariat", SECRETARIAT, "fr", "Demandes à examiner"),
    ("partner", PARTNER, "es", "Intercambios que buscan cofinanciación acordes con sus prioridades"),
    ("admin", ADMIN, "fr", "Candidatures d'adhésion en attente"),
]


@pytest.mark.parametrize(("role", "account", "lang", "first_heading"), ROLES, ids=[r[0] for r in ROLES])
def test_each_role_lands_on_its_workspace_in_two_languages(browser, server, session_factory, role, account, lang,
                                                            first_heading):
    s = session_factory()
    s.sign_in(account)
    assert s.page.url.endswith("/home"), s.page.url
    s.choose_language("en")
    assert s.page.locator("h1").inner_text() == "My workspace"
    items = s.page.locator("main section li a")
    for href in items.evaluate_all("els => els.map(e => e.getAttribute('href'))"):  # every item is a link that works
        if href.startswith("/"):
            assert s.context.request.get(server + href).status == 200, href
    s.shot(f"home-{role}-en")
    w = measure(browser, server, f"home ({role})", "/home", storage_state=s.context.storage_state())
    assert w.total < PAGE_BUDGET
    s.choose_language(lang)
    assert s.page.locator("main section h2").first.inner_text().startswith(first_heading)
    s.shot(f"home-{role}-{lang}")
    w = measure(browser, server, f"home ({role})", "/home", storage_state=s.context.storage_state())
    assert w.total < PAGE_BUDGET and w.lang == lang
    s.choose_language("en")  # leave the shared demo account as the other tests expect it
    assert not s.errors
