"""Every class of bad input gets a clear 4xx with the error body {"code", "status", "message", "errors"}
and leaves the database as it was; nothing a caller sends produces a 500."""
from __future__ import annotations

import json
import random
import re

import pytest


def assert_refused(resp, status: int, *fields: str) -> dict:
    """The documented error body, with the named fields (under any location) in errors."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:500])
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert body["code"] == status and body["status"] and body["message"], body
    assert set(body) <= {"code", "status", "message", "errors"}
    flat = json.dumps(body.get("errors") or {})
    for name in fields:
        assert f'"{name}"' in flat, (name, body)
    return body


# --- malformed and mistyped bodies ---------------------------------------------------------------

def test_wrong_types_are_refused_with_422_naming_each_field(kb, world, unchanged):
    with unchanged():
        body = assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(
            title=5, sdgs="six", languages=[1], duration_months="long")), 422,
            "title", "sdgs", "languages", "duration_months")
        assert body["message"] == "Invalid input."
        assert_refused(kb.call("POST", f"/requests/{world.request['id']}/transitions", world.director,
                               {"action": "submit", "version": "first"}), 422, "version")
        assert_refused(kb.call("PATCH", f"/offers/{world.offer['id']}", world.centre,
                               {"valid_until": "next year", "expert_ids": "all"}), 422, "valid_until", "expert_ids")
        assert_refused(kb.call("POST", "/matches", world.sec, {"request_id": "one", "offer_id": [2]}), 422,
                       "request_id", "offer_id")


def test_missing_required_fields_are_refused_with_422(kb, world, unchanged):
    with unchanged():
        assert_refused(kb.call("POST", "/requests", world.director, {}), 422, "title", "description")
        assert_refused(kb.call("POST", "/offers", world.centre, {"title": "Only a title"}), 422, "description")
        assert_refused(kb.call("POST", "/experts", world.centre, {"email": "a@b.example"}), 422, "name", "expertise")
        assert_refused(kb.call("POST", "/matches", world.sec, {}), 422, "request_id", "offer_id")
        assert_refused(kb.call("POST", f"/requests/{world.request['id']}/transitions", world.director, {}),
                       422, "action")
        assert_refused(kb.call("POST", "/users", world.admin, {"email": "x@y.example"}), 422,
                       "password", "role", "organisation_id")
        assert_refused(kb.call("POST", "/auth/tokens", None, {"email": world.director.email}), 422, "password")


def test_unknown_fields_are_refused_with_422_in_bodies_and_queries(kb, world, unchanged):
    with unchanged():
        assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(colour="red")), 422, "colour")
        assert_refused(kb.call("PATCH", f"/requests/{world.request['id']}", world.director,
                               {"status": "published"}), 422, "status")
        assert_refused(kb.call("POST", f"/requests/{world.request['id']}/transitions", world.director,
                               {"action": "submit", "force": True}), 422, "force")
        assert_refused(kb.call("GET", "/requests?sectr=energy", world.director), 422, "sectr")


def test_malformed_json_is_a_400(kb, world, unchanged):
    headers = {**world.director.headers, "Content-Type": "application/json"}
    with unchanged():
        for raw in ('{"title": "unterminated', "{'single': 'quotes'}", "\xff\xfe", "[1, 2,]"):
            resp = kb.client.post("/api/v1/requests", data=raw.encode("latin-1"), headers=headers)
            assert_refused(resp, 400)
        # Well-formed JSON that is not an object is an invalid input, not a crash.
        for value in ([1, 2], "text", 5, None):
            resp = kb.client.post("/api/v1/requests", data=json.dumps(value), headers=headers)
            assert_refused(resp, 422)


def test_a_body_that_is_not_json_is_refused_with_415_and_never_read_as_empty(kb, world, unchanged):
    rid = world.request["id"]
    with unchanged():
        resp = kb.client.patch(f"/api/v1/requests/{rid}", data={"title": "Form edit"}, headers=world.director.headers)
        assert_refused(resp, 415)
        resp = kb.client.post(f"/api/v1/requests/{rid}/transitions", data='{"action": "submit"}',
                              headers={**world.director.headers, "Content-Type": "text/plain"})
        assert_refused(resp, 415)
        resp = kb.client.post("/api/v1/auth/tokens", data={"email": world.director.email, "password": kb.PASSWORD})
        assert_refused(resp, 415)


# --- unknown ids ----------------------------------------------------------------------------------

@pytest.mark.parametrize("method,path,body", [
    ("GET", "/requests/999999", None),
    ("PATCH", "/requests/999999", {"title": "Nothing here"}),
    ("POST", "/requests/999999/transitions", {"action": "submit"}),
    ("GET", "/offers/999999", None),
    ("POST", "/offers/999999/transitions", {"action": "archive"}),
    ("GET", "/experts/999999", None),
    ("PATCH", "/experts/999999", {"name": "Nobody"}),
    ("GET", "/matches/999999", None),
    ("POST", "/matches/999999/transitions", {"action": "approve"}),
    ("GET", "/exchanges/999999", None),
    ("POST", "/exchanges/999999/transitions", {"action": "agree", "agreement_ref": "X"}),
    ("POST", "/exchanges/999999/parties", {"contribution": {"kind": "hosting"}, "organisation_id": 1}),
    ("POST", "/exchanges/999999/contributions", {"kind": "hosting"}),
    ("POST", "/exchanges/999999/results", {"feedback": "Good"}),
    ("GET", "/organisations/999999", None),
    ("PATCH", "/organisations/999999", {"name": "Nobody"}),
    ("GET", "/users/999999", None),
    ("GET", "/requests/99999999999999999999", None),  # beyond any database integer
    ("PATCH", "/offers/2147483648", {"title": "Too far"}),
])
def test_an_unknown_id_in_the_path_is_a_404(kb, unchanged, method, path, body):
    caller = kb.user("admin" if path.startswith(("/users", "/organisations")) else "secretariat", country="AT")
    with unchanged():
        assert_refused(kb.call(method, path, caller, body), 404)


def test_an_unknown_id_in_the_body_is_a_404_naming_the_field(kb, world, unchanged):
    """A body naming a record that does not exist (or that the caller may not see) is answered like an unknown
    id in the path, 404, with the field named; an id beyond any database integer is invalid input (422), and so
    is a code that is not in its list (sectors)."""
    huge = 2**63
    req = kb.published_request(kb.user("director", country="SN"), world.sec)
    with unchanged():
        assert_refused(kb.call("POST", "/matches", world.sec, {"request_id": 999999, "offer_id": world.offer["id"]}),
                       404, "request_id")
        assert_refused(kb.call("POST", "/matches", world.sec, {"request_id": huge, "offer_id": world.offer["id"]}),
                       422, "request_id")
        assert_refused(kb.call("POST", "/matches", world.sec, {"request_id": req["id"], "offer_id": 999999}), 404,
                       "offer_id")
        for org, status in ((999999, 404), (huge, 422)):
            assert_refused(kb.call("POST", "/requests", world.sec, kb.request_payload(organisation_id=org)), status,
                           "organisation_id")
            assert_refused(kb.call("POST", "/users", world.admin, {
                "email": "new@x.example", "password": "long-enough-pw", "role": "director",
                "organisation_id": org}), status, "organisation_id")
            assert_refused(kb.call("POST", "/experts", world.sec, {"name": "Ana", "expertise": "Leather",
                                                                   "organisation_id": org}), status, "organisation_id")
        assert_refused(kb.call("POST", "/offers", world.centre, kb.offer_payload(expert_ids=[999999])), 404,
                       "expert_ids")
        assert_refused(kb.call("PATCH", f"/offers/{world.offer['id']}", world.centre, {"expert_ids": [huge]}), 422,
                       "expert_ids")
        assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(sectors=["no-such-sector"])),
                       422, "sectors")
        assert_refused(kb.call("GET", f"/requests?organisation_id={huge}", world.director), 422, "organisation_id")
        assert_refused(kb.call("GET", f"/events?record_type=request&record_id={huge}", world.sec), 422, "record_id")
        # The secretariat acts for an organisation: creating without naming one is not its to do (403).
        assert_refused(kb.call("POST", "/requests", world.sec, kb.request_payload()), 403, "organisation_id")
        assert_refused(kb.call("POST", "/experts", world.sec, {"name": "Ana", "expertise": "Leather"}), 403,
                       "organisation_id")


# --- enumerations, sizes, ranges ------------------------------------------------------------------

def test_unknown_enum_values_are_refused_with_422(kb, world, unchanged):
    with unchanged():
        assert_refused(kb.call("GET", "/requests?status=lost", world.sec), 422, "status")
        assert_refused(kb.call("GET", "/offers?status=lost"), 422, "status")
        assert_refused(kb.call("GET", "/matches?status=maybe", world.sec), 422, "status")
        assert_refused(kb.call("GET", "/exchanges?status=paused", world.sec), 422, "status")
        assert_refused(kb.call("POST", "/offers", world.centre, kb.offer_payload(terms="free-lunch")), 422, "terms")
        assert_refused(kb.call("POST", "/users", world.admin, {
            "email": "n@x.example", "password": "long-enough-pw", "role": "emperor",
            "organisation_id": world.director.org_id}), 422, "role")
        assert_refused(kb.call("POST", "/organisations", world.admin,
                               {"name": "X Org", "kind": "club", "country_code": "JM"}), 422, "kind")
        assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(text_lang="xx")), 422,
                       "text_lang")
        assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(languages=["zz"])), 422,
                       "languages")
        for kind in ("request", "offer"):
            rid = world.request["id"] if kind == "request" else world.offer["id"]
            owner = world.director if kind == "request" else world.centre
            assert_refused(kb.call("POST", f"/{kind}s/{rid}/transitions", owner, {"action": "teleport"}), 422,
                           "action")


def test_oversized_text_is_a_422_and_an_oversized_body_a_413(kb, world, unchanged):
    with unchanged():
        assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(title="t" * 301)), 422, "title")
        assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(description="d" * 10001)),
                       422, "description")
        assert_refused(kb.call("PATCH", f"/offers/{world.offer['id']}", world.centre, {"title": "t" * 301}), 422,
                       "title")
        assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(sectors=["s"] * 26)), 422,
                       "sectors")
        huge = kb.request_payload(description="d" * (1024 * 1024))
        assert_refused(kb.call("POST", "/requests", world.director, huge), 413)
    # The limits themselves are fine.
    kb.ok("POST", "/requests", world.director, kb.request_payload(title="t" * 300, description="d" * 10000))


def test_nul_characters_in_text_are_refused(kb, world, unchanged):
    with unchanged():
        assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(title="Tan\x00neries")), 422,
                       "title")
        assert_refused(kb.call("GET", "/requests?q=a%00b"), 422, "q")


@pytest.mark.parametrize("path", ["/requests", "/offers", "/experts", "/matches", "/exchanges", "/events",
                                  "/organisations", "/users"])
@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "per_page=0", "per_page=101",
                                   "per_page=1.5", "page=100001"])
def test_page_and_per_page_out_of_range_are_422_on_every_list(kb, path, query):
    admin = kb.user("admin", country="AT")
    name = query.split("=")[0]
    assert_refused(kb.call("GET", f"{path}?{query}", admin), 422, name)


# --- workflow refusals ----------------------------------------------------------------------------

def test_actions_not_allowed_in_the_current_state_are_a_409(kb, world, unchanged):
    rid, oid = world.request["id"], world.offer["id"]
    with unchanged():
        body = assert_refused(kb.call("POST", f"/requests/{rid}/transitions", world.sec, {"action": "publish"}), 409)
        assert "draft" in body["message"]
        assert_refused(kb.call("POST", f"/offers/{oid}/transitions", world.centre, {"action": "renew",
                                                                                    "valid_until": "2100-01-01"}), 409)
    kb.ok("POST", f"/requests/{rid}/transitions", world.director, {"action": "submit"}, 200)
    with unchanged():
        # Submitted: the owner can no longer edit it, nor submit it again.
        assert_refused(kb.call("PATCH", f"/requests/{rid}", world.director, {"title": "Late edit"}), 409)
        assert_refused(kb.call("POST", f"/requests/{rid}/transitions", world.director, {"action": "submit"}), 409)


def test_actions_beyond_the_callers_role_are_a_403_and_other_organisations_records_a_404(kb, world, unchanged):
    rid = world.request["id"]
    kb.ok("POST", f"/requests/{rid}/transitions", world.director, {"action": "submit"}, 200)
    stranger = kb.user("director", country="MZ")
    with unchanged():
        assert_refused(kb.call("POST", f"/requests/{rid}/transitions", world.director, {"action": "publish"}), 403)
        assert_refused(kb.call("POST", f"/requests/{rid}/transitions", stranger, {"action": "withdraw"}), 404)
        assert_refused(kb.call("PATCH", f"/requests/{rid}", stranger, {"title": "Mine now"}), 404)
        assert_refused(kb.call("POST", "/requests", stranger,
                               kb.request_payload(organisation_id=world.director.org_id)), 403)
        assert_refused(kb.call("POST", "/organisations", world.sec,
                               {"name": "X Org", "kind": "ngo", "country_code": "JM"}), 403)


def test_a_stale_version_is_a_409_on_edits_and_transitions(kb, world, unchanged):
    rid, oid = world.request["id"], world.offer["id"]
    v = world.request["version"]
    kb.ok("PATCH", f"/requests/{rid}", world.director, {"title": "Second title", "version": v})
    expert = kb.ok("POST", "/experts", world.centre, {"name": "Ana", "expertise": "Leather"})
    org = kb.ok("GET", f"/organisations/{world.director.org_id}", world.admin)
    user = kb.ok("GET", f"/users/{world.partner.id}", world.admin)
    with unchanged():
        body = assert_refused(kb.call("PATCH", f"/requests/{rid}", world.director, {"title": "Third", "version": v}),
                              409, "version")
        assert str(v + 1) in body["message"]
        assert_refused(kb.call("POST", f"/requests/{rid}/transitions", world.director,
                               {"action": "submit", "version": v}), 409, "version")
        assert_refused(kb.call("POST", f"/offers/{oid}/transitions", world.centre,
                               {"action": "submit", "version": world.offer["version"] + 5}), 409, "version")
        assert_refused(kb.call("PATCH", f"/experts/{expert['id']}", world.centre,
                               {"name": "Ana B", "version": expert["version"] + 1}), 409, "version")
        assert_refused(kb.call("PATCH", f"/organisations/{org['id']}", world.admin,
                               {"name": "Renamed", "version": org["version"] + 1}), 409, "version")
        assert_refused(kb.call("PATCH", f"/users/{user['id']}", world.admin,
                               {"name": "Renamed", "version": user["version"] + 1}), 409, "version")


def test_a_stale_version_is_a_409_on_match_and_exchange_transitions(kb, world, unchanged):
    req = kb.published_request(world.director, world.sec)
    off = kb.published_offer(world.centre, world.sec)
    match = kb.ok("POST", "/matches", world.sec, {"request_id": req["id"], "offer_id": off["id"]})
    with unchanged():
        assert_refused(kb.call("POST", f"/matches/{match['id']}/transitions", world.director,
                               {"action": "accept", "version": match["version"] + 1}), 409, "version")
    kb.ok("POST", f"/matches/{match['id']}/transitions", world.director, {"action": "accept"}, 200)
    kb.ok("POST", f"/matches/{match['id']}/transitions", world.centre, {"action": "accept"}, 200)
    xid = kb.ok("POST", f"/matches/{match['id']}/transitions", world.sec, {"action": "approve"}, 200)["exchange_id"]
    ex = kb.ok("GET", f"/exchanges/{xid}", world.sec)
    with unchanged():
        assert_refused(kb.call("POST", f"/exchanges/{xid}/transitions", world.sec,
                               {"action": "agree", "agreement_ref": "A-1", "version": ex["version"] + 1}),
                       409, "version")


def test_return_reject_decline_and_cancel_need_a_reason(kb, world, unchanged):
    rid = world.request["id"]
    kb.ok("POST", f"/requests/{rid}/transitions", world.director, {"action": "submit"}, 200)
    oid = world.offer["id"]
    kb.ok("POST", f"/offers/{oid}/transitions", world.centre, {"action": "submit"}, 200)
    req = kb.published_request(kb.user("director", country="SN"), world.sec)
    off = kb.published_offer(world.centre, world.sec)
    match = kb.ok("POST", "/matches", world.sec, {"request_id": req["id"], "offer_id": off["id"]})
    with unchanged():
        for reason in (None, "", "   "):
            extra = {} if reason is None else {"reason": reason}
            for kind, record_id, actor, action in (
                    ("requests", rid, world.sec, "return"), ("requests", rid, world.sec, "reject"),
                    ("offers", oid, world.sec, "return"), ("offers", oid, world.sec, "reject"),
                    ("matches", match["id"], world.centre, "decline"), ("matches", match["id"], world.sec, "reject")):
                assert_refused(kb.call("POST", f"/{kind}/{record_id}/transitions", actor,
                                       {"action": action, **extra}), 422, "reason")


def test_cancelling_an_exchange_needs_a_reason(kb, world, unchanged):
    req = kb.published_request(world.director, world.sec)
    off = kb.published_offer(world.centre, world.sec)
    mid = kb.ok("POST", "/matches", world.sec, {"request_id": req["id"], "offer_id": off["id"]})["id"]
    kb.ok("POST", f"/matches/{mid}/transitions", world.director, {"action": "accept"}, 200)
    kb.ok("POST", f"/matches/{mid}/transitions", world.centre, {"action": "accept"}, 200)
    xid = kb.ok("POST", f"/matches/{mid}/transitions", world.sec, {"action": "approve"}, 200)["exchange_id"]
    with unchanged():
        assert_refused(kb.call("POST", f"/exchanges/{xid}/transitions", world.sec, {"action": "cancel"}), 422, "reason")
        assert_refused(kb.call("POST", f"/exchanges/{xid}/transitions", world.sec, {"action": "agree"}), 422,
                       "agreement_ref")


# --- authentication ---------------------------------------------------------------------------

def test_a_bad_or_malformed_token_is_a_401_everywhere(kb, world):
    for header in ("Bearer not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "bearer"):
        for path in ("/requests", "/auth/me", "/countries"):
            resp = kb.client.get(f"/api/v1{path}", headers={"Authorization": header})
            assert_refused(resp, 401)


def test_signing_in_is_throttled_after_five_failures_with_retry_after(kb, world):
    email = world.director.email
    for _ in range(5):
        assert_refused(kb.call("POST", "/auth/tokens", None, {"email": email, "password": "wrong-password"}), 401)
    # The sixth attempt is refused even with the right password, and says when to come back.
    resp = kb.call("POST", "/auth/tokens", None, {"email": email.upper(), "password": kb.PASSWORD})
    assert_refused(resp, 429)
    assert int(resp.headers["Retry-After"]) > 0
    # Other accounts are not affected.
    kb.ok("POST", "/auth/tokens", None, {"email": world.centre.email, "password": kb.PASSWORD})


def test_a_revoked_token_is_a_401(kb, world):
    token = kb.ok("POST", "/auth/tokens", None, {"email": world.director.email, "password": kb.PASSWORD})["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert kb.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert kb.client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    assert_refused(kb.client.get("/api/v1/auth/me", headers=headers), 401)
    assert_refused(kb.client.delete("/api/v1/auth/tokens/current", headers=headers), 401)
    # The caller's other tokens still work.
    assert kb.call("GET", "/auth/me", world.director).status_code == 200


def test_a_deactivated_users_token_is_a_401(kb, world):
    kb.ok("PATCH", f"/users/{world.partner.id}", world.admin, {"active": False})
    assert_refused(kb.call("GET", "/exchanges", world.partner), 401)


# --- never a 500: every path of the OpenAPI document with garbage ---------------------------------

GARBAGE_VALUES = [None, -1, 0, 2**63, 1.5, "", "x" * 400, "\x00", "ü🚀", [], {}, [{"a": 1}], True,
                  "2026-02-30", "' OR 1=1 --"]


def _resolve(schema: dict | None, spec: dict) -> dict:
    while schema and "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema or {}


def _plausible(rng: random.Random, schema: dict | None, spec: dict, ident: int, depth: int = 0) -> object:
    """A value of the declared type (so that calls get past validation into the services)."""
    schema = _resolve(schema, spec)
    if "enum" in schema:
        return rng.choice([v for v in schema["enum"] if v is not None] or [None])
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "object" or "properties" in schema:
        if depth > 2:
            return {}
        return {name: _plausible(rng, sub, spec, ident, depth + 1) for name, sub in schema.get("properties", {}).items()
                if name != "version" and not sub.get("readOnly") and rng.random() < 0.8}
    if kind == "array":
        return [_plausible(rng, schema.get("items"), spec, ident, depth + 1) for _ in range(rng.randint(0, 2))]
    if kind == "integer":
        return rng.choice([ident, 1, 5, schema.get("minimum", 1)])
    if kind == "number":
        return rng.choice([1.5, 10, 0])
    if kind == "boolean":
        return rng.random() < 0.5
    if fmt == "date":
        return rng.choice(["2026-03-01", "2099-12-31", "2020-01-01"])
    if fmt == "date-time":
        return "2026-03-01T10:00:00+00:00"
    if fmt == "email":
        return "someone@test.example"
    if fmt == "url":
        return "https://example.org"
    return rng.choice(["abcdef", "publish", "A reasonable text of some length", "en", "EUR", "EC"])


def _garbage_body(rng: random.Random, schema: dict | None, spec: dict, ident: int) -> object:
    """A plausible body with one value spoiled, a body of the right shape with wrong values, or any shape."""
    props = _resolve(schema, spec).get("properties") or {}
    roll = rng.random()
    if props and roll < 0.5:
        body = _plausible(rng, schema, spec, ident)
        if isinstance(body, dict) and body and rng.random() < 0.6:
            body[rng.choice(sorted(body))] = rng.choice(GARBAGE_VALUES)
        return body
    if props and roll < 0.85:
        return {name: rng.choice(GARBAGE_VALUES) for name in props if rng.random() < 0.7}
    return rng.choice([{}, [], "text", 42, {"action": rng.choice(["publish", "", None, 7])},
                       {"unexpected": rng.choice(GARBAGE_VALUES)}])


def _garbage_query(rng: random.Random, params: list[dict]) -> str:
    names = [p["name"] for p in params if p.get("in") == "query"] + ["bogus"]
    pairs = [(n, rng.choice(["-1", "0", "abc", "99999999999999999999", "", "%00", "1.5", "true", "draft"]))
             for n in names if rng.random() < 0.6]
    return "&".join(f"{n}={v}" for n, v in pairs)


def test_no_path_of_the_openapi_document_answers_a_500_to_garbage(kb, world):
    spec = kb.ok("GET", "/openapi.json")
    assert spec["paths"], "the OpenAPI document lists no paths"
    # Some real records so that garbage also reaches existing rows and later workflow code.
    req = kb.published_request(world.director, world.sec)
    off = kb.published_offer(world.centre, world.sec)
    match = kb.ok("POST", "/matches", world.sec, {"request_id": req["id"], "offer_id": off["id"]})
    kb.ok("POST", f"/matches/{match['id']}/transitions", world.director, {"action": "accept"}, 200)
    kb.ok("POST", f"/matches/{match['id']}/transitions", world.centre, {"action": "accept"}, 200)
    xid = kb.ok("POST", f"/matches/{match['id']}/transitions", world.sec, {"action": "approve"}, 200)["exchange_id"]
    real_ids = [world.request["id"], xid, req["id"], off["id"]]
    actors = [None, world.admin, world.sec, world.director, world.centre, world.partner]
    rng = random.Random(20260302)
    failures = []
    calls = 0
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1") or path.endswith("/auth/tokens/current"):
            continue  # signing out would end this walk's sessions; tested above
        for method, op in operations.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            params = op.get("parameters", []) + operations.get("parameters", [])
            body_schema = (((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get(
                "schema")
            for actor in actors:
                for ident in (999999, rng.choice(real_ids), rng.choice(real_ids), 2**40):
                    url = re.sub(r"{[^}]+}", str(ident), path)
                    query = _garbage_query(rng, params) if rng.random() < 0.6 else ""
                    body = _garbage_body(rng, body_schema, spec, ident) if method != "get" else None
                    headers = actor.headers if actor else {}
                    resp = kb.client.open(f"{url}?{query}" if query else url, method=method.upper(),
                                          json=body, headers=headers)
                    calls += 1
                    body_bytes = resp.get_data()  # read to its end: a streamed export holds its request context
                    # JSON, unless the document declares another type for success (the exports: CSV, XLSX, XML)
                    declared = set(((op.get("responses") or {}).get("200") or {}).get("content") or {})
                    other_type_ok = resp.status_code < 300 and resp.mimetype in declared
                    if resp.status_code >= 500 or (resp.mimetype != "application/json" and not other_type_ok):
                        failures.append((method.upper(), url, query, body, actor and actor.role,
                                         resp.status_code, resp.mimetype, body_bytes[:200]))
    assert calls > 500
    assert not failures, "\n".join(map(repr, failures[:20]))


def test_an_empty_patch_is_refused_and_changes_nothing(kb):
    director = kb.user("director")
    req = kb.ok("POST", "/requests", director, kb.request_payload())
    for body in ({}, {"version": req["version"]}):
        resp = kb.call("PATCH", f"/requests/{req['id']}", director, body)
        assert resp.status_code == 422 and "Nothing to change" in str(resp.get_json()["errors"])
    again = kb.ok("GET", f"/requests/{req['id']}", director)
    assert again["version"] == req["version"] and again["updated_at"] == req["updated_at"]


def test_error_bodies_speak_the_callers_language(kb, world):
    """The message and the field messages: Accept-Language, else the token user's chosen language, else English."""
    bad = {"title": 5, "description": "d" * 10001}
    english = kb.call("POST", "/requests", world.director, bad).get_json()
    assert english["message"] == "Invalid input."
    assert english["errors"]["json"]["title"] == ["Not a valid string."]
    spanish = kb.call("POST", "/requests", world.director, bad, headers={"Accept-Language": "es"}).get_json()
    assert spanish["message"] == "Datos no válidos."
    assert spanish["errors"]["json"]["title"] == ["No es un texto válido."]
    assert spanish["errors"]["json"]["description"] == ["La longitud debe estar entre 1 y 10.000."]
    kb.ok("PATCH", f"/users/{world.director.id}", world.admin, {"language": "fr"})
    french = kb.call("POST", "/requests", world.director, bad).get_json()
    assert french["message"] != english["message"] and french["errors"]["json"]["title"] != ["Not a valid string."]
    # The header wins over the account's choice; malformed bodies and repeated parameters too.
    resp = kb.client.post("/api/v1/requests", data=b'{"title": ', content_type="application/json",
                          headers={**world.director.headers, "Accept-Language": "pt-BR"})
    assert resp.status_code == 400 and resp.get_json()["errors"]["json"] == ["O corpo não é um JSON válido."]
    resp = kb.call("GET", "/requests?page=1&page=2", world.director, headers={"Accept-Language": "es"})
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["query"]["page"] == ["Indique este parámetro una sola vez."]
