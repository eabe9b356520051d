"""Long URLs behind the real gunicorn (gunicorn.conf.py): the application answers them, never gunicorn's own page.

A URL up to kb.MAX_URL_LENGTH is read by the application; a longer one gets the application's 414 (the JSON
error body under /api, an HTML page elsewhere). Only a request line beyond gunicorn's own maximum (8190 bytes)
meets gunicorn's plain 400.
"""
from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

from kb import MAX_URL_LENGTH


def fetch(server: str, target: str) -> tuple[int, str, str]:
    url = urlsplit(server)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("GET", target, headers={"Accept-Language": "fr"})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type") or "", resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def padded(prefix: str, length: int) -> str:
    return prefix + "a" * (length - len(prefix))


@pytest.mark.parametrize("length", [4095, 4097, 6000, MAX_URL_LENGTH])
def test_urls_up_to_the_limit_are_answered_by_the_application(server, length):
    status, ctype, body = fetch(server, padded("/api/v1/offers?q=", length))
    assert ctype.startswith("application/json"), (status, body[:300])
    assert status == 422 and json.loads(body)["errors"]["query"]["q"]  # read by the app: q is too long


@pytest.mark.parametrize("length", [MAX_URL_LENGTH + 1, 8150])
def test_longer_urls_get_the_applications_414(server, length):
    status, ctype, body = fetch(server, padded("/api/v1/offers?q=", length))
    assert status == 414 and ctype.startswith("application/json"), (status, ctype, body[:300])
    assert json.loads(body)["code"] == 414
    status, ctype, body = fetch(server, padded("/offers?q=", length))
    assert status == 414 and ctype.startswith("text/html"), (status, ctype, body[:300])
    assert "L’adresse est trop longue" in body
