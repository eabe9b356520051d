"""The OpenAPI document is valid (openapi-spec-validator) and says what the API does."""
from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from kb import data as vocabularies
from kb import workflow as wf
from kb.models import ExchangeState, MatchState, OfferState, RequestState, Role


@pytest.fixture
def spec(kb):
    return kb.ok("GET", "/openapi.json")


def _walk(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, (*path, i))


def _resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "patch", "put", "delete"):
                yield path, method, op


def test_the_document_is_valid_openapi(spec):
    validate(spec)
    # Bounds are numbers (a Decimal range was written as the string "100000000000.00").
    for where, node in _walk(spec):
        for key in ("minimum", "maximum"):
            assert not isinstance(node.get(key), str), (where, key, node[key])


def test_money_is_a_decimal_string_in_and_out(kb, spec):
    schemas = spec["components"]["schemas"]
    for name in ("ContributionIn", "ContributionOut", "PartnerContribution"):
        amount = schemas[name]["properties"]["amount"]
        assert amount["type"] == "string" and amount["format"] == "decimal" and amount["pattern"], name
    sec = kb.user("secretariat", country="AT")
    body = kb.call("POST", "/exchanges/1/contributions", sec, {"kind": "money", "amount": 1500, "currency": "EUR"})
    assert body.status_code == 422 and "amount" in body.get_json()["errors"]["json"]
    for amount in ("1500.001", "-1", "1e3", "100000000000", " 1500"):
        resp = kb.call("POST", "/exchanges/1/contributions", sec, {"kind": "money", "amount": amount})
        assert resp.status_code == 422 and "amount" in resp.get_json()["errors"]["json"], amount


def test_states_kinds_roles_and_actions_are_code_lists(spec):
    schemas = spec["components"]["schemas"]
    assert set(schemas["RequestOut"]["properties"]["status"]["enum"]) == {s.value for s in RequestState}
    assert set(schemas["OfferOut"]["properties"]["status"]["enum"]) == {s.value for s in OfferState}
    assert set(schemas["MatchOut"]["properties"]["status"]["enum"]) == {s.value for s in MatchState}
    assert set(schemas["ExchangeOut"]["properties"]["status"]["enum"]) == {s.value for s in ExchangeState}
    assert set(schemas["UserOut"]["properties"]["role"]["enum"]) == {r.value for r in Role}
    assert set(schemas["RequestTransition"]["properties"]["action"]["enum"]) == set(wf.REQUEST.requestable)
    assert set(schemas["ExchangeTransition"]["properties"]["action"]["enum"]) == set(wf.EXCHANGE.actions)
    assert set(schemas["RequestIn"]["properties"]["sectors"]["items"]["enum"]) == {s["code"] for s in vocabularies.load("sectors")}
    assert set(schemas["OfferIn"]["properties"]["modalities"]["items"]["enum"]) == \
        {m["code"] for m in vocabularies.load("modalities")}
    assert "en" in schemas["ExpertIn"]["properties"]["languages"]["items"]["enum"]
    assert "JM" in schemas["OrganisationIn"]["properties"]["country_code"]["enum"]


def test_input_text_states_the_nul_and_blank_rules(spec):
    """Every string a caller sends is constrained: a code list, a format, or a pattern that refuses NUL."""
    seen = 0
    for path, method, op in _operations(spec):
        body = _resolve(spec, ((op.get("requestBody") or {}).get("content") or {}).get("application/json",
                                                                                      {}).get("schema"))
        params = [p["schema"] for p in op.get("parameters", []) if p["in"] == "query"]
        nodes = [n for _w, n in _walk(body)] if body else []
        for schema in nodes + params:
            schema = _resolve(spec, schema)
            if schema.get("type") == "string":
                seen += 1
                assert schema.get("enum") or schema.get("format") in ("email", "url", "date", "decimal") or \
                    "\\x00" in schema.get("pattern", "") or schema.get("pattern", "").startswith("^[A-Z"), \
                    (method, path, schema)
    assert seen > 50
    title = spec["components"]["schemas"]["RequestIn"]["properties"]["title"]["pattern"]
    assert "\\s" in title  # required text: not whitespace alone
    assert "NUL" in spec["info"]["description"]


def test_every_operation_declares_the_refusals_it_can_give_with_the_one_error_body(spec):
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "status", "message"}
    for path, method, op in _operations(spec):
        codes = set(op["responses"])
        assert "default" not in codes, (method, path)
        assert {"401", "414"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        if "requestBody" in op:
            assert {"400", "413", "415", "422"} <= codes, (method, path)
        if op["security"] == [{"bearer": []}] and method != "get":
            # The caller's own token and inbox: nothing there can be forbidden (another user's notification is a 404).
            own = ("/auth/tokens/current", "/events", "/notifications/read", "/notifications/{notification_id}/read")
            assert "403" in codes or path.endswith(own), (method, path)
        for code in codes - {"200", "201", "204"}:
            response = _resolve(spec, op["responses"][code])
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, \
                (method, path, code)


def test_rules_that_span_fields_are_in_the_document_or_gone(kb, spec):
    """What the document cannot say is not a rule: record_type and record_id filter the trail each on its own;
    an edit must change some field, and a transition carry what its action needs, as the document says."""
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director", country="EC")
    req = kb.ok("POST", "/requests", director, kb.request_payload())
    assert kb.ok("GET", "/events?record_type=request", sec)["total"] == 1
    assert kb.ok("GET", f"/events?record_id={req['id']}", sec)["total"] >= 1
    assert kb.ok("GET", "/events?record_type=request", director)["total"] == 1  # its own actions
    schemas = spec["components"]["schemas"]
    assert {"required": ["title"]} in schemas["RequestPatch"]["anyOf"]
    assert "organisation_id" not in schemas["RequestPatch"]["properties"]
    branches = {b["properties"]["action"]["enum"][0]: b.get("required", []) for b in schemas["ExchangeTransition"]["anyOf"]}
    assert branches["cancel"] == ["reason"] and branches["agree"] == ["agreement_ref"] and branches["start"] == []
    website = schemas["OrganisationIn"]["properties"]["website"]["pattern"]
    admin = kb.user("admin", country="AT")
    kb.ok("POST", "/organisations", admin, {"name": "With a site", "kind": "ngo", "country_code": "JM",
                                            "website": "https://www.example.org/about?lang=en"})
    assert website.startswith("^https?://")
