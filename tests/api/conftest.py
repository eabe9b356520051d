"""Fixtures of the API tests: a small world of callers and records, and a guard that nothing changed."""
from __future__ import annotations

import pytest
from dbstate import db_snapshot


@pytest.fixture
def world(kb):
    """A secretariat, an admin, a director and a centre, with a draft request and a draft offer."""
    class W:
        sec = kb.user("secretariat", country="AT")
        admin = kb.user("admin", country="AT")
        director = kb.user("director", country="EC")
        centre = kb.user("centre", country="CO")
        partner = kb.user("partner", country="ES")
        request = kb.ok("POST", "/requests", director, kb.request_payload())
        offer = kb.ok("POST", "/offers", centre, kb.offer_payload())
    return W


@pytest.fixture
def unchanged(kb):
    """Use as `with unchanged(): ...` around calls that must not change the database."""
    class Guard:
        def __enter__(self):
            self.before = db_snapshot(kb.app)

        def __exit__(self, *exc):
            if exc[0] is None:
                assert db_snapshot(kb.app) == self.before, "a refused call changed the database"
    return Guard
