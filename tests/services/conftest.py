"""Fixtures of the service tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def parties(kb):
    sec = kb.user("secretariat", country="AT")
    centre = kb.user("centre", country="CO")
    colleague = kb.user("centre", org_id=centre.org_id)
    other_centre = kb.user("centre", country="BR")
    director = kb.user("director", country="EC")
    return sec, centre, colleague, other_centre, director
