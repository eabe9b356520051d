"""Schemathesis against the application (WSGI, no network): every check, signed in as the secretariat and
as the admin, on every operation of the OpenAPI document, then stateful runs through the document's links.

All of schemathesis' checks run (not_a_server_error, status_code_conformance, content_type_conformance,
response_headers_conformance, response_schema_conformance, negative_data_rejection, positive_data_acceptance,
missing_required_header, unsupported_method, use_after_free, ensure_resource_availability, ignored_auth, ...):
they are all enabled unless configured away, and nothing here configures any away.

Small and derandomised (a fixed seed, Hypothesis' derandomize, no example database) so that CI is
deterministic and quick; a failure prints the request that reproduces it.
"""
from __future__ import annotations

import hashlib
import os

import schemathesis
from hypothesis import HealthCheck, settings

from kb import create_app

SEED = 20260302
# The budget: examples per operation (positive and negative), and the coverage phase (deterministic boundary
# and negative cases for every parameter, about 2 minutes more) only when KB_SCHEMATHESIS_COVERAGE=1.
MAX_EXAMPLES = 4
COVERAGE = os.environ.get("KB_SCHEMATHESIS_COVERAGE") == "1"
# No example database and no cache between runs: each run is the same run.
CONFIG = {"seed": SEED, "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
          "phases": {"coverage": {"enabled": COVERAGE}}, "cache": {"enabled": False}}
SETTINGS = {"derandomize": True, "deadline": None, "database": None, "suppress_health_check": list(HealthCheck)}


def _document() -> dict:
    """The OpenAPI document, read from an application made for that (it touches no database).

    The schema is loaded when the module is (schemathesis.pytest.from_fixture does not run on pytest 9); the
    calls go to the suite's application (the `app` fixture), on its database."""
    reader = create_app({"KB_DATABASE_URL": "sqlite://", "TESTING": True, "KB_SECRET_KEY": "schemathesis",
                         "KB_EMBEDDING_MODEL": "hashing-256"})
    return reader.test_client().get("/api/v1/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_document(), config=schemathesis.Config.from_dict(CONFIG))


@schema.hook("map_body")
def _guessable_passwords_made_strong(context, body):  # type: ignore[no-untyped-def]
    """A password the schema allows (10-200 characters) may still be refused as too easy to guess, a rule JSON
    Schema cannot state (it is in the field's description; tests/api/test_signin.py covers it). Generated ones
    are made strong so that positive_data_acceptance checks the rest of the call; out-of-range or mistyped
    passwords (negative cases) are left as generated."""
    if isinstance(body, dict) and isinstance(body.get("password"), str) and 10 <= len(body["password"]) <= 200:
        digest = hashlib.sha256(body["password"].encode("utf-8", "surrogatepass")).hexdigest()[:10]
        body = {**body, "password": f"lagoon-anvil-tulip-{digest}"}
    return body


def _world(kb):
    """Callers, and a published request and offer, so that generated ids sometimes name real records."""
    class W:
        sec = kb.user("secretariat", country="AT")
        admin = kb.user("admin", country="AT")
        director = kb.user("director", country="EC")
        centre = kb.user("centre", country="CO")
    kb.published_request(W.director, W.sec)
    kb.published_offer(W.centre, W.sec)
    return W


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, **SETTINGS)
def test_every_operation_keeps_its_contract(case, app, kb):
    # Calls, and the checks' own extra calls, go to the suite's application.
    case.operation.app = case.operation.schema.app = app
    world = getattr(kb, "_schemathesis_world", None) or _world(kb)
    kb._schemathesis_world = world
    for caller in (world.sec, world.admin):
        case.call_and_validate(headers=caller.headers)


def test_stateful_runs_through_the_documents_links(app, kb):
    schema.app = app
    world = _world(kb)

    for caller in (world.sec, world.admin):
        # The token as configured credentials: ignored_auth then knows what a valid call carries.
        schema.config.update(headers=caller.headers)
        try:
            schema.as_state_machine().run(settings=settings(max_examples=6, stateful_step_count=4, **SETTINGS))
        finally:
            schema.config.headers = None
