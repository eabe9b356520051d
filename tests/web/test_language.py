"""A signed-in user who never chose a language gets the browser's (issue #9 §5); a saved choice wins."""
from __future__ import annotations

import re


def _lang(resp) -> str:  # type: ignore[no-untyped-def]
    return re.search(r'<html lang="(\w+)"', resp.get_data(as_text=True)).group(1)


def test_a_user_without_a_saved_language_gets_the_browsers(kb, browser):
    director = kb.user("director")
    assert kb.ok("GET", f"/users/{director.id}", director)["language"] is None
    assert _lang(browser(director, lang="pt-BR,pt;q=0.9,en;q=0.5").get("/exchanges")) == "pt"
    assert _lang(browser(director, lang="fr-CA").get("/exchanges")) == "fr"
    assert _lang(browser(director, lang="de-DE,es;q=0.8").get("/exchanges")) == "es"
    assert _lang(browser(director, lang="de-DE").get("/exchanges")) == "en"


def test_a_saved_choice_wins_over_the_browser(kb, browser):
    director = kb.user("director")
    client = browser(director, lang="es")
    client.post("/language", data={"lang": "fr", "next": "/exchanges"})
    assert kb.ok("GET", f"/users/{director.id}", director)["language"] == "fr"
    assert _lang(browser(director, lang="es").get("/exchanges")) == "fr"


def test_a_visitors_choice_made_before_signing_in_is_kept(kb, app, no_csrf):
    director = kb.user("director")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/language", data={"lang": "pt", "next": "/login"})
    assert client.post("/login", data={"email": director.email, "password": kb.PASSWORD}).status_code == 302
    assert _lang(client.get("/exchanges")) == "pt"


def test_the_admin_can_clear_a_users_choice(kb, browser):
    admin, director = kb.user("admin"), kb.user("director")
    kb.ok("PATCH", f"/users/{director.id}", admin, {"language": "fr"}, 200)
    assert _lang(browser(director, lang="es").get("/exchanges")) == "fr"
    kb.ok("PATCH", f"/users/{director.id}", admin, {"language": None}, 200)
    assert _lang(browser(director, lang="es").get("/exchanges")) == "es"
