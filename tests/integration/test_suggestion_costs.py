"""Suggestions and search: one look at the index's freshness per request, on the request's own connection; the
request's stored vector and tags loaded with it; nothing read per hit."""
from __future__ import annotations

from sqlcount import count_get


def _fresh_counts(seen: list[str]) -> int:
    return sum("max(index_changes.id)" in s for s in seen)


def test_suggestions_and_search_check_the_index_once_per_request(kb, app, client):
    sec = kb.user("secretariat", country="AT")
    centre = kb.user("centre", country="CO")
    director = kb.user("director", country="EC")
    for i in range(6):
        kb.published_offer(centre, sec, title=f"Cleaner production diagnostics {i}", sdgs=[6, 12])
    req = kb.published_request(director, sec)
    url = f"/api/v1/requests/{req['id']}/suggestions"
    count_get(app, client, url, sec.headers)  # loads the index
    n, seen = count_get(app, client, url, sec.headers)
    assert _fresh_counts(seen) <= 1, seen
    assert not any(s.startswith("SELECT requests.embedding") for s in seen), seen  # loaded with the record
    assert n <= 7, seen  # token, request (+ its sectors, modalities, languages), freshness, the offers shown
    for path in ("/api/v1/search?q=cleaner+production", "/offers?q=cleaner+production"):
        count_get(app, client, path, sec.headers)
        n, seen = count_get(app, client, path, sec.headers)
        assert _fresh_counts(seen) <= 1, seen
        assert not any("FROM countries" in s for s in seen), seen  # no query per hit for its country's name


def test_a_change_committed_in_this_process_is_found_by_its_next_search_at_once(kb, app, client):
    """The check is skipped for a few milliseconds after the last one, except after a commit of this process."""
    sec = kb.user("secretariat", country="AT")
    centre = kb.user("centre", country="CO")
    kb.published_offer(centre, sec, title="Geothermal drilling advice")
    assert kb.ok("GET", "/search?q=geothermal+drilling", sec)["items"]
    for title in ("Mangrove restoration nurseries", "Cocoa fermentation quality", "Seaweed farming cooperatives"):
        kb.published_offer(centre, sec, title=title)
        assert title in [hit["title"] for hit in kb.ok("GET", f"/search?q={title.replace(' ', '+')}", sec)["items"]]
