"""Web view fixtures: a browser-like client per signed-in actor."""
from __future__ import annotations

import pytest


@pytest.fixture
def no_csrf(app):
    """View tests post forms without fetching tokens; test_csrf.py proves the protection itself."""
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def browser(app, kb, no_csrf):
    """browser(actor) -> a test client signed in as that actor (None: anonymous)."""

    def make(actor=None, lang: str | None = None):
        client = app.test_client()
        if lang:
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        if actor is not None:
            resp = client.post("/login", data={"email": actor.email, "password": kb.PASSWORD})
            assert resp.status_code == 302, resp.data[:500]
        return client

    return make
