"""While a worker loads the search index (25-120 s at 100k records), calls that need it are answered at once:
503 with Retry-After (the API) or a short "starting" page, in the user's language; nothing waits past the
server's timeout, and the same calls work as soon as the load is done."""
from __future__ import annotations

import threading

import pytest


@pytest.fixture
def slow_load(app, monkeypatch):
    """The index load (model + catalogues) held until the test lets it finish."""
    from kb.services import matching

    release = threading.Event()
    real = matching._load_manager

    def held():  # type: ignore[no-untyped-def]
        assert release.wait(60)
        return real()

    monkeypatch.setattr(matching, "_load_manager", held)
    monkeypatch.setitem(app.config, "KB_INDEX_WAIT_SECONDS", 0.2)
    yield release
    release.set()


def test_api_calls_get_503_with_retry_after_while_the_index_loads(kb, client, slow_load):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director", country="EC")
    req = kb.published_request(director, sec)
    for path in ("/search?q=cleaner+production", f"/requests/{req['id']}/suggestions"):
        resp = kb.call("GET", path, sec)
        assert resp.status_code == 503, resp.get_json()
        assert resp.headers["Retry-After"] == "5"
        assert resp.get_json()["code"] == 503 and "loading" in resp.get_json()["message"]
    assert kb.ok("GET", "/offers")["total"] == 0  # what does not need the index answers as usual
    slow_load.set()
    for _ in range(50):  # the load finishes in the background
        resp = kb.call("GET", "/search?q=cleaner+production", sec)
        if resp.status_code == 200:
            break
    assert resp.status_code == 200, resp.get_json()


def test_pages_show_a_translated_starting_page_while_the_index_loads(client, slow_load):
    page = client.get("/offers?q=cleaner+production", headers={"Accept-Language": "es"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    text = page.get_data(as_text=True)
    assert "Iniciando" in text and "índice de búsqueda" in text, text
    assert client.get("/offers").status_code == 200  # the catalogue without a search does not need the index
    slow_load.set()
    for _ in range(50):
        page = client.get("/offers?q=cleaner+production")
        if page.status_code == 200:
            break
    assert page.status_code == 200


def test_the_command_line_waits_for_the_load_instead_of_refusing(app, slow_load):
    """`kb index status` and other commands have no timeout to beat: they wait for the index."""
    from kb.services import matching

    timer = threading.Timer(1.0, slow_load.set)
    timer.start()
    with app.app_context():
        assert matching.manager().loaded
    timer.join()
