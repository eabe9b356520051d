"""The input rules every schema keeps (kb.schemas.common.StrictSchema, kb.jsonbody, kb.api.blueprint):
text a database can store, JSON of sane depth, values taken at their JSON type, no blank required text,
and errors that are lists of whole messages. Each refusal is a 4xx naming the field and changes nothing."""
from __future__ import annotations

import json

import pytest
from test_bad_input import assert_refused

SURROGATE = "\ud800"


def send(kb, method: str, path: str, actor, body) -> object:
    """Send body as JSON text (json.dumps escapes a lone surrogate as \\ud800, as a client would)."""
    headers = {"Content-Type": "application/json", **(actor.headers if actor else {})}
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return kb.client.open(f"/api/v1{path}", method=method, data=data, headers=headers)


# --- 1. lone surrogates ---------------------------------------------------------------------------

def test_a_lone_surrogate_in_any_string_is_a_422_naming_the_field(kb, world, unchanged):
    rid = world.request["id"]
    with unchanged():
        assert_refused(send(kb, "POST", "/auth/tokens", None, {"email": f"a{SURROGATE}@x.example",
                                                               "password": "whatever"}), 422, "email")
        assert_refused(send(kb, "POST", "/experts", world.centre, {"name": f"Ana {SURROGATE}",
                                                                   "expertise": "Leather"}), 422, "name")
        assert_refused(send(kb, "PATCH", f"/requests/{rid}", world.director, {"title": f"Tan{SURROGATE}neries"}),
                       422, "title")
        assert_refused(send(kb, "POST", "/requests", world.director, kb.request_payload(
            description=f"Chrome {SURROGATE} pollution")), 422, "description")
        assert_refused(send(kb, "POST", "/requests", world.director, kb.request_payload(
            languages=["en", SURROGATE])), 422, "languages")
    kb.ok("POST", f"/requests/{rid}/transitions", world.director, {"action": "submit"}, 200)
    with unchanged():
        assert_refused(send(kb, "POST", f"/requests/{rid}/transitions", world.sec,
                            {"action": "return", "reason": f"Unclear {SURROGATE}"}), 422, "reason")
        # In a nested object, and in a key.
        body = assert_refused(send(kb, "POST", "/requests", world.director,
                                   {**kb.request_payload(), f"x{SURROGATE}": 1}), 422)
        assert "surrogate" in json.dumps(body["errors"])


def test_a_query_string_that_is_not_utf8_is_not_a_500(kb, world):
    # Werkzeug decodes the bytes of an encoded surrogate as replacement characters: a search like any other.
    resp = kb.call("GET", "/requests?q=%ED%A0%80", world.director)
    assert resp.status_code == 200, resp.get_json()


# --- 2. deep JSON -------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 50_000 + "1" + "}" * 50_000,
    json.dumps({"title": "Deep", "sectors": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}),
    '{"title": NaN}', '{"beneficiaries_count": Infinity}',
])
def test_json_nested_thousands_deep_or_with_nan_is_a_400(kb, world, unchanged, raw):
    with unchanged():
        for method, path, actor in (("POST", "/requests", world.director), ("POST", "/auth/tokens", None),
                                    ("PATCH", f"/requests/{world.request['id']}", world.director)):
            body = assert_refused(send(kb, method, path, actor, raw), 400, "json")
            assert body["message"] == "Malformed request body."


def test_the_apps_json_provider_refuses_deep_nesting_and_nan_for_every_reader(app):
    # request.get_json() anywhere in the app reads through app.json.
    for raw in ("[" * 100_000 + "]" * 100_000, "[" * 40 + "]" * 40, '[NaN]'):
        with app.test_request_context("/", method="POST", data=raw, content_type="application/json"):
            from flask import request
            from werkzeug.exceptions import BadRequest

            with pytest.raises(BadRequest):
                request.get_json()
    assert app.json.loads("[" * 30 + "]" * 30) is not None


# --- 3. strict types and blank text -------------------------------------------------------------------

def test_json_values_are_taken_at_their_type(kb, world, unchanged):
    with unchanged():
        for value in (7.9, 7.0, "7", True):
            assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(beneficiaries_count=value)),
                           422, "beneficiaries_count")
        assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(sdgs=[6, 12.5, "3"])), 422,
                       "sdgs")
        for value in (0, 1, "true", "yes"):
            assert_refused(kb.call("POST", "/experts", world.centre, {"name": "Ana", "expertise": "Leather",
                                                                      "active": value}), 422, "active")
            assert_refused(kb.call("POST", "/matches", world.sec, {"request_id": 1, "offer_id": 2,
                                                                   "from_suggestion": value}), 422, "from_suggestion")
        assert_refused(kb.call("POST", f"/requests/{world.request['id']}/transitions", world.director,
                               {"action": "submit", "version": 1.0}), 422, "version")
        assert_refused(kb.call("GET", "/requests?page=1.5", world.director), 422, "page")
    created = kb.ok("POST", "/requests", world.director, kb.request_payload(beneficiaries_count=7))
    assert created["beneficiaries_count"] == 7
    # Query strings are text: true/false and digits still read as booleans and numbers.
    assert kb.ok("GET", "/offers?include_expired=false&page=1", world.centre)["page"] == 1
    assert kb.ok("GET", "/experts?active=true", world.centre)["total"] == 0


def test_whitespace_alone_is_not_text_and_text_is_stored_trimmed(kb, world, unchanged):
    blank = "   \u00a0\u2003\t\n"
    with unchanged():
        assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(title=blank)), 422, "title")
        assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(description=blank)), 422,
                       "description")
        assert_refused(kb.call("PATCH", f"/offers/{world.offer['id']}", world.centre, {"title": blank}), 422,
                       "title")
        assert_refused(kb.call("POST", "/experts", world.centre, {"name": blank, "expertise": "Leather"}), 422,
                       "name")
        assert_refused(kb.call("POST", "/organisations", world.admin, {"name": blank, "kind": "ngo",
                                                                       "country_code": "JM"}), 422, "name")
        assert_refused(kb.call("POST", f"/requests/{world.request['id']}/transitions", world.director,
                               {"action": blank}), 422, "action")
    created = kb.ok("POST", "/requests", world.director, kb.request_payload(
        title="  Tanneries\u00a0", contact_name=blank))
    assert created["title"] == "Tanneries" and created["contact_name"] is None
    # A password is kept exactly as typed, spaces included.
    user = kb.ok("POST", "/users", world.admin, {"email": "spaces@x.example", "password": "  padded secret  ",
                                                  "role": "director", "organisation_id": world.director.org_id})
    kb.ok("POST", "/auth/tokens", None, {"email": "spaces@x.example", "password": "  padded secret  "}, 201)
    assert_refused(kb.call("POST", "/auth/tokens", None, {"email": "spaces@x.example",
                                                          "password": "padded secret"}), 401)
    assert user["email"] == "spaces@x.example"


# --- 4. errors on list items --------------------------------------------------------------------------

def test_an_error_on_a_list_item_is_a_list_of_whole_messages(kb, world, unchanged):
    with unchanged():
        body = assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(
            languages=["en", "Not a code"])), 422, "languages")
        item = body["errors"]["json"]["languages"]["1"]
        assert item == ["Not a language code (ISO 639-1, or ISO 639-3 for a language without a two-letter code): 'Not a code'."], item
        body = assert_refused(kb.call("POST", "/experts", world.centre, {"name": "Ana", "expertise": "Leather",
                                                                         "languages": ["xx"]}), 422, "languages")
        assert body["errors"]["json"]["languages"]["0"] == ["Not a language code (ISO 639-1, or ISO 639-3 for a language without a two-letter code): 'xx'."]
        body = assert_refused(kb.call("GET", "/requests?language=zz"), 422, "language")
        assert body["errors"]["query"]["language"] == ["Not a language code (ISO 639-1, or ISO 639-3 for a language without a two-letter code): 'zz'."]


# --- 7. authentication before validation ----------------------------------------------------------------

def _operations(kb):
    spec = kb.ok("GET", "/openapi.json")
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "patch", "put", "delete"):
                yield path, method, op


def test_an_anonymous_call_to_a_route_that_needs_a_user_is_a_401_before_its_input_is_read(kb, world, unchanged):
    rid = world.request["id"]
    with unchanged():
        for method, path, body in (("POST", "/requests", {"title": 5}), ("POST", "/requests", "not json at all"),
                                   ("PATCH", f"/requests/{rid}", {"colour": "red"}),
                                   ("POST", f"/requests/{rid}/transitions", {}),
                                   ("POST", "/experts", []), ("POST", "/matches", {"request_id": "one"}),
                                   ("POST", "/organisations", {}), ("PATCH", "/users/1", {"role": "emperor"}),
                                   ("POST", "/exchanges/1/results", {"rating": 9})):
            assert_refused(send(kb, method, path, None, body), 401)
        for query in ("/events?record_type=nothing", "/matches?status=maybe", "/experts?bogus=1", "/users?page=0"):
            assert_refused(kb.call("GET", query), 401)
        # A form body is refused for what it is (415) only once the caller is known.
        assert_refused(kb.client.post("/api/v1/requests", data={"title": "x"}), 401)


def test_every_operation_says_whether_it_needs_a_user_and_keeps_to_it(kb, world):
    """The document's security is the rule the app applies: anonymous calls to signed-in operations are 401."""
    import re

    checked = 0
    for path, method, op in _operations(kb):
        assert op.get("security") in ([{"bearer": []}], [{}, {"bearer": []}]), (method, path)
        url = re.sub(r"{[^}]+}", "1", path)
        resp = kb.client.open(url, method=method.upper(), json={} if method != "get" else None)
        if op["security"] == [{"bearer": []}]:
            assert resp.status_code == 401, (method, path, resp.status_code)
            checked += 1
        else:
            assert resp.status_code != 401, (method, path, resp.get_json())
    assert checked > 20


# --- 6. long URLs (the app's own answer; tests/e2e/test_long_urls.py: the same behind gunicorn) ---------------

def test_a_url_longer_than_the_app_reads_is_a_414_with_the_json_body_under_api_and_a_page_elsewhere(kb, world):
    from kb import MAX_URL_LENGTH

    fits = "/api/v1/requests?q=" + "a" * (MAX_URL_LENGTH - len("/api/v1/requests?q="))
    resp = kb.client.get(fits, headers=world.director.headers)
    assert resp.status_code == 422 and resp.get_json()["errors"]["query"]["q"]  # read, and refused for its q
    body = assert_refused(kb.client.get(fits + "a", headers=world.director.headers), 414)
    assert "8000" in body["message"]
    # Escaped characters count as sent (%C3%A9 is six).
    assert_refused(kb.client.get("/api/v1/requests?q=" + "%C3%A9" * 1400, headers=world.director.headers), 414)
    page = kb.client.get("/requests?q=" + "a" * MAX_URL_LENGTH, headers={"Accept-Language": "es"})
    assert page.status_code == 414 and page.mimetype == "text/html"
    assert "La dirección es demasiado larga" in page.get_data(as_text=True)
