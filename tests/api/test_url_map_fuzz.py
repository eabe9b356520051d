"""A systematic probe of every route of app.url_map with bad input: never a 500, and a refusal changes nothing.

The walk is over the URL map, so a new route is probed without anyone listing it:

- API operations (/api/v1): each JSON body field and query parameter of the operation's marshmallow schemas
  gets each bad value of VALUES (every field of the body at once: a 422 names each field that had to refuse it),
  then the body's shape is spoiled (invalid JSON, invalid UTF-8, an array, a form, unknown fields), the query
  string repeated, the path's id made unknown, huge, or a record the caller may not see.
- Web pages: every form POST gets each bad value in every field name a form or query of kb/web reads, and every
  GET page the same values in its query string.

What is checked on every answer: no 5xx; API answers are the JSON error body; a refusal (4xx) committed no write
to the database (an SQLAlchemy engine event watches the statements) and queued no job; a value that one of the
fields had to refuse is never answered 2xx; a 422 names each such field and, asked in Spanish, speaks Spanish.

EXCEPTIONS lists, with the reason, the routes and the writes that are allowed to differ.
"""
from __future__ import annotations

import functools
import html
import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from marshmallow import Schema, fields
from marshmallow import validate as mv
from sqlalchemy import event

from kb import create_app
from kb.extensions import db
from kb.schemas.common import Money

LONG = "x" * 100_000
LONG_TEXT = "x" * 5000  # in a URL or a form: below the longest URL the app reads (kb.MAX_URL_LENGTH)
# name -> the value, as typed JSON (bodies).
VALUES: dict[str, Any] = {
    "null": None, "text": "abc", "empty": "", "list": ["abc"], "object": {"a": 1}, "zero": 0, "minus": -1,
    "fraction": 1.5, "int64": 2**63, "e30": 10**30, "long": LONG, "nul": "a\x00b", "surrogate": "a\ud800b",
    "bad_date": "2026-02-30", "far_date": "99999-01-01", "true": True,
}
# Values as text (query strings, forms): what each reads as.
TEXT_VALUES: dict[str, str] = {
    "text": "abc", "empty": "", "zero": "0", "minus": "-1", "fraction": "1.5", "int64": str(2**63),
    "e30": str(10**30), "long": LONG_TEXT, "nul": "a\x00b", "bad_date": "2026-02-30", "far_date": "99999-01-01",
    "true": "true",
}

# Values the pages read like another of TEXT_VALUES (-1 like 0, 10**30 like 2**63, a far date like an invalid one):
# left out of the web walk, whose pages cost more to render than the API's answers.
WEB_SKIPPED = ("zero", "e30", "far_date")

KB_ROOT = Path(__file__).resolve().parents[2] / "kb"

# Routes not probed, with the reason.
EXCEPTIONS = {
    ("DELETE", "/api/v1/auth/tokens/current"): "signs the caller out (ends the probe's session); tested in "
                                               "tests/api/test_bad_input.py",
    ("POST", "/logout"): "ends the probe's session; tested in tests/web/test_sessions.py",
    ("GET", "/static/<path:filename>"): "files, no input",
}


def _reader():
    """An application to read the URL map from when the tests are collected (it touches no database)."""
    return create_app({"KB_DATABASE_URL": "sqlite://", "TESTING": True, "KB_SECRET_KEY": "url-map",
                       "KB_EMBEDDING_MODEL": "hashing-256"})


READER = _reader()
API_GROUPS = sorted({rule.endpoint.split(".")[0] for rule in READER.url_map.iter_rules()
                     if rule.rule.startswith("/api/v1")})
WEB_GROUPS = sorted({rule.endpoint.split(".")[0] for rule in READER.url_map.iter_rules()
                     if not rule.rule.startswith("/api/")
                     and any((m, rule.rule) not in EXCEPTIONS for m in (rule.methods or set()) - {"HEAD", "OPTIONS"})})
# Writes a refused call may commit, with the reason.
ALLOWED_WRITES = {
    "login_attempts": "a failed sign-in is counted (throttling), whatever was typed",
}


def _kind(f: fields.Field) -> str:
    if isinstance(f, Money):
        return "money"
    if isinstance(f, fields.Boolean):
        return "bool"
    if isinstance(f, fields.Integer):
        return "int"
    if isinstance(f, (fields.Float, fields.Number)):
        return "number"
    if isinstance(f, fields.DateTime):
        return "datetime"
    if isinstance(f, fields.Date):
        return "date"
    if isinstance(f, (fields.List, fields.Tuple)):
        return "list"
    if isinstance(f, (fields.Nested, fields.Dict, fields.Mapping)):
        return "object"
    if isinstance(f, fields.String):
        return "str"
    return "other"


# The kinds of field that may accept a value (for typed JSON); every other kind must refuse it.
MAY_ACCEPT = {
    "text": {"str", "other"}, "empty": {"str", "other"}, "list": {"list", "other"}, "object": {"object", "other"},
    "zero": {"int", "number", "other"}, "minus": {"int", "number", "other"}, "fraction": {"number", "other"},
    "int64": {"other"}, "e30": {"other"}, "long": set(), "nul": set(), "surrogate": set(),
    "bad_date": {"str", "other"}, "far_date": {"str", "other"}, "true": {"bool", "other"},
}
TEXT_MAY_ACCEPT = {
    "text": {"str", "other", "list"}, "empty": {"str", "other", "list"},
    "zero": {"int", "number", "str", "other", "list", "bool"}, "minus": {"int", "number", "str", "other", "list"},
    "fraction": {"number", "str", "other", "list", "money"}, "int64": {"str", "other", "list"},
    "e30": {"str", "other", "list"}, "long": set(), "nul": set(),
    "bad_date": {"str", "other", "list"}, "far_date": {"str", "other", "list"},
    "true": {"bool", "str", "other", "list"},
}


def _choices(f: fields.Field) -> set[str] | None:
    """The values a field with a code list (an Enum field, a OneOf validator) accepts, else None."""
    if isinstance(f, fields.Enum):
        return {str(m.value) if f.by_value else m.name for m in f.enum}
    for v in f.validators:
        if isinstance(v, mv.OneOf):
            return {str(c) for c in v.choices}
    return None


def must_refuse(f: fields.Field, value_name: str, text: bool) -> bool:
    """Whether field f has to refuse the value (a 422 naming it)."""
    if value_name == "null":
        return not f.allow_none
    choices = _choices(f)
    if choices is not None:  # an unknown code
        value = (TEXT_VALUES if text else VALUES)[value_name]
        return not isinstance(value, str) or value not in choices
    if value_name in ("minus", "zero") and any(isinstance(v, mv.Range) and v.min is not None and v.min > int(
            VALUES[value_name]) for v in f.validators):
        return True
    return _kind(f) not in (TEXT_MAY_ACCEPT if text else MAY_ACCEPT)[value_name]


def _schema(obj: Any) -> Schema:
    return obj() if isinstance(obj, type) else obj


@dataclass
class Operation:
    method: str
    rule: Any
    body: Schema | None = None
    query: Schema | None = None
    public: bool = False

    @property
    def path(self) -> str:
        return self.rule.rule


def api_operations(app) -> list[Operation]:
    """Every (method, rule) of the API with the marshmallow schemas of its body and query string."""
    from kb.api.blueprint import is_public

    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (method, rule.rule) in EXCEPTIONS:
                continue
            # The OpenAPI document (flask-smorest's own blueprint) is public.
            op = Operation(method, rule, public=is_public(view, method) or rule.endpoint.startswith("api-docs."))
            view_class = getattr(view, "view_class", None)
            func = getattr(view_class, method.lower(), None) if view_class else view
            for param in (getattr(func, "_apidoc", {}).get("arguments") or {}).get("parameters", []):
                location = param.get("in", "json")
                if location == "json":
                    op.body = _schema(param["schema"])
                elif location in ("query", "querystring"):
                    op.query = _schema(param["schema"])
            out.append(op)
    return out


@functools.cache
def _spanish() -> tuple[frozenset[str], list[re.Pattern]]:
    """The English messages the Spanish catalogue translates, and marshmallow's templates with values."""
    from babel.messages.pofile import read_po

    from kb.web.messages import PATTERNS

    with open(KB_ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalogue = read_po(fh)
    english = frozenset(m.id for m in catalogue if isinstance(m.id, str) and m.id and m.string and m.string != m.id)
    return english, [p for p, _ours in PATTERNS]


def untranslated(body: dict) -> list[str]:
    """The texts of an error body (its message and field messages) left in English though asked in Spanish."""
    english, patterns = _spanish()
    texts = [body.get("message")]
    stack = [body.get("errors")]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            texts.append(item)
    return [t for t in texts if isinstance(t, str) and (t in english or any(p.match(t) for p in patterns))]


@functools.cache
def english_field_messages() -> tuple[str, ...]:
    """The field errors of the schemas and of marshmallow, in English (none may show on a page in French)."""
    from kb.schemas import common
    from kb.web.messages import FIELDS

    return (*FIELDS, common.NUL_MESSAGE, common.SURROGATE_MESSAGE, common.BLANK_MESSAGE, "Longer than maximum length",
            "Must be greater than", "Must be less than", "Must be one of:")


# --- what a call did --------------------------------------------------------------------------------

WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.I)


class WriteWatch:
    """The tables of the statements that wrote and were committed (SQLAlchemy engine events)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.pending: set[str] = set()
        self.committed: set[str] = set()

    def _statement(self, conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        found = WRITE.match(statement)
        if found:
            table = found.group(2).lower()
            self.pending.add(table)
            if _holds_bad_text(params):
                self.pending.add(f"{table} (a NUL or a {len(LONG_TEXT)}-character text stored)")

    def _commit(self, conn):  # type: ignore[no-untyped-def]
        self.committed |= self.pending
        self.pending = set()

    def _rollback(self, conn):  # type: ignore[no-untyped-def]
        self.pending = set()

    def __enter__(self) -> WriteWatch:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    @contextmanager
    def call(self) -> Iterator[tuple[set[str], set[str]]]:
        """(tables written, bad text stored) by the call."""
        self.pending, self.committed = set(), set()
        wrote: set[str] = set()
        stored: set[str] = set()
        yield wrote, stored
        wrote |= {t for t in self.committed if t not in ALLOWED_WRITES and "(" not in t}
        stored |= {t for t in self.committed if "(" in t}


def _holds_bad_text(params: Any) -> bool:
    """Whether statement parameters hold a NUL character or the probe's long text (never to be stored)."""
    stack = [params]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or LONG_TEXT in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


@dataclass
class Probe:
    """Sends calls and collects what went wrong."""

    kb: Any
    watch: WriteWatch
    failures: list[str] = field(default_factory=list)
    calls: int = 0
    statuses: Counter = field(default_factory=Counter)

    def send(self, client, method: str, url: str, *, what: str, refuse: tuple[str, ...] = (), api: bool = True,
             expect_refusal: bool = False, ok: tuple[int, ...] = (), no_write: bool = False, **kw) -> Any:
        from kb import jobs

        queued = jobs.huey.pending_count()
        with self.watch.call() as (wrote, stored):
            resp = client.open(url, method=method, **kw)
            data = resp.get_data()  # to its end: a streamed export holds its request context
        self.calls += 1
        self.statuses[resp.status_code] += 1
        where = f"{method} {url[:120]} [{what}]"
        status = resp.status_code
        problems = []
        if status >= 500:
            problems.append(f"{status}: {data[:300]!r}")
        if api and status >= 400 and resp.mimetype != "application/json":
            problems.append(f"{status} as {resp.mimetype}")
        if (refuse or expect_refusal) and status < 400 and status not in ok:
            problems.append(f"{status}: accepted, though {', '.join(refuse) or 'the input'} had to refuse it")
        if (400 <= status < 500 or no_write) and wrote:
            problems.append(f"{status} yet wrote to {sorted(wrote)}")
        if stored:
            problems.append(f"{status}, stored {sorted(stored)}")
        if 400 <= status < 500 and jobs.huey.pending_count() != queued:
            problems.append(f"{status} yet queued a job")
        if api and status == 422 and refuse:
            errors = json.dumps((resp.get_json() or {}).get("errors") or {})
            missing = [name for name in refuse if f'"{name}"' not in errors]
            if missing:
                problems.append(f"422 not naming {missing}: {errors[:300]}")
        if api and 400 <= status < 500 and resp.is_json:
            problems += [f"{status}, not in Spanish: {text!r}" for text in untranslated(resp.get_json())]
        if not api and 400 <= status < 500 and resp.mimetype == "text/html":
            page = data.decode("utf-8", "replace")
            problems += [f"{status}, in English on a French page: {text!r}" for text in english_field_messages()
                         if html.escape(text) in page]
        for p in problems:
            self.failures.append(f"{where}: {p}")
        return resp


# --- the world the probe walks ---------------------------------------------------------------------------

@dataclass
class World:
    actors: dict[str, Any]
    stranger: Any  # a director of another organisation, party to nothing
    ids: dict[str, int]  # path argument (by prefix) -> an id of a record the usual callers see
    private: dict[str, int]  # path argument (by prefix) -> an id of a record the stranger may not see


def build_world(kb) -> World:
    sec = kb.user("secretariat", country="AT")
    admin = kb.user("admin", country="AT")
    director = kb.user("director", country="EC")
    centre = kb.user("centre", country="CO")
    partner = kb.user("partner", country="ES")
    stranger = kb.user("director", country="MZ")
    draft_req = kb.ok("POST", "/requests", director, kb.request_payload())
    draft_off = kb.ok("POST", "/offers", centre, kb.offer_payload())
    expert = kb.ok("POST", "/experts", centre, {"name": "Ana", "expertise": "Leather"})
    req = kb.published_request(director, sec)
    off = kb.published_offer(centre, sec)
    match = kb.ok("POST", "/matches", sec, {"request_id": req["id"], "offer_id": off["id"]})
    req2 = kb.published_request(director, sec)
    xid = kb.approved_exchange(sec, director, centre, request_id=req2["id"], offer_id=off["id"])
    ids = {"requests": draft_req["id"], "offers": draft_off["id"], "experts": expert["id"], "matches": match["id"],
           "exchanges": xid, "organisations": director.org_id, "users": director.id}
    private = {"requests": draft_req["id"], "offers": draft_off["id"], "experts": expert["id"],
               "matches": match["id"], "exchanges": xid, "users": director.id}
    return World({"secretariat": sec, "admin": admin, "director": director, "centre": centre, "partner": partner},
                 stranger, ids, private)


def _collection(path: str) -> str:
    parts = [p for p in path.split("/") if p and not p.startswith("<")]
    if parts[:2] == ["api", "v1"]:
        parts = parts[2:]
    if parts and parts[0] in ("my", "admin") and len(parts) > 1:
        parts = parts[1:]
    return parts[0] if parts else ""


def actor_for(world: World, path: str) -> Any:
    """The caller who gets furthest into the route: the owner role of its records, else staff."""
    coll = _collection(path)
    if coll in ("users", "organisations", "installation", "vocabularies", "tokens") or "/admin" in path:
        return world.actors["admin"]
    if coll == "requests" and "suggestions" not in path:
        return world.actors["director"]
    if coll in ("offers", "experts"):
        return world.actors["centre"]
    return world.actors["secretariat"]


def fill(rule, world: World, ident: int | None = None) -> str:
    """The rule's URL with its arguments: ids of visible records (or ident), the first of an any() list."""
    coll = _collection(rule.rule)

    def arg(m: re.Match) -> str:
        conv, name = m.group(1) or "", m.group(2)
        if conv.startswith("any("):
            return conv[4:-1].split(",")[0].strip()
        if conv == "int":
            if ident is not None:
                return str(ident)
            return str(world.ids.get(coll, 1))
        if name == "code":
            return "EC"
        return "abc"
    return re.sub(r"<(?:([^>:]+):)?([^>]+)>", arg, rule.rule)


# --- the API walk ----------------------------------------------------------------------------------------

def probe_api(probe: Probe, app, world: World, group: str) -> None:
    client = probe.kb.client
    for op in api_operations(app):
        if group_of(op.rule) != group:
            continue
        actor = actor_for(world, op.path)
        headers = {**actor.headers, "Accept-Language": "es"}
        url = fill(op.rule, world)
        probe.send(client, op.method, url, what="as is", headers=headers)
        # Every body field at once with each bad value; then each query parameter.
        if op.body is not None:
            for name, value in VALUES.items():
                fields_ = op.body.load_fields
                body = {f.data_key or n: value for n, f in fields_.items()}
                refuse = tuple(f.data_key or n for n, f in fields_.items() if must_refuse(f, name, text=False))
                probe.send(client, op.method, url, what=f"body={name}", refuse=refuse, json=body, headers=headers)
            # Shapes of body that are not an object of the schema.
            for what, kw in (
                ("invalid JSON", {"data": b'{"a": ', "content_type": "application/json"}),
                ("invalid UTF-8", {"data": b'{"title": "\xff\xfe"}', "content_type": "application/json"}),
                ("array", {"json": [1, 2]}), ("string", {"json": "abc"}), ("number", {"json": 2**63}),
                ("null", {"data": b"null", "content_type": "application/json"}),
                ("form", {"data": {"a": "b"}}), ("text/plain", {"data": b'{"a": 1}', "content_type": "text/plain"}),
                ("unknown field", {"json": {"no_such_field": 1}}),
                ("lone surrogate escape", {"data": b'{"no_such_field": "\\ud800"}',
                                           "content_type": "application/json"}),
            ):
                probe.send(client, op.method, url, what=what, expect_refusal=True, headers=headers, **kw)
        if op.query is not None:
            for name, value in TEXT_VALUES.items():
                fields_ = op.query.load_fields
                params = [(f.data_key or n, value) for n, f in fields_.items()]
                refuse = tuple(f.data_key or n for n, f in fields_.items() if must_refuse(f, name, text=True))
                probe.send(client, op.method, url, what=f"query={name}", refuse=refuse, query_string=params,
                           headers=headers)
            # Each parameter given twice; an unknown parameter; sort/order of unknown columns.
            for n, f in op.query.load_fields.items():
                key = f.data_key or n
                twice = not isinstance(f, fields.List)  # a list parameter is given by repeating it
                probe.send(client, op.method, url, what=f"{key} twice", query_string=[(key, "1"), (key, "2")],
                           headers=headers, refuse=(key,) if twice else ())
            # Bytes that are not UTF-8, and the UTF-8 bytes of a lone surrogate, in every parameter.
            raw = "&".join(f"{f.data_key or n}=%FF%FE%ED%A0%80" for n, f in op.query.load_fields.items())
            probe.send(client, op.method, f"{url}?{raw}", what="invalid UTF-8 query", headers=headers)
            probe.send(client, op.method, url, what="unknown parameters", expect_refusal=True,
                       query_string={"sort": "no_such_column", "order": "sideways"}, headers=headers)
        if op.rule.arguments and any(c == "int" for c in _converters(op.rule)):
            body = {} if op.body is not None else None
            for ident in (0, 999999, 2**31, 2**63, 10**30):
                probe.send(client, op.method, fill(op.rule, world, ident), what=f"id {ident}", expect_refusal=True,
                           json=body, headers=headers)
            coll = _collection(op.path)
            if coll in world.private:
                resp = probe.send(client, op.method, fill(op.rule, world, world.private[coll]),
                                  what="a record the caller may not see", expect_refusal=True, json=body,
                                  headers={**world.stranger.headers, "Accept-Language": "es"})
                if resp.status_code not in (403, 404, 422):
                    probe.failures.append(f"{op.method} {op.path}: a stranger got {resp.status_code}")
        if not op.public:
            probe.send(client, op.method, url, what="anonymous", expect_refusal=True,
                       json={} if op.body is not None else None, headers={"Accept-Language": "es"})


def boundary_values(f: fields.Field) -> list[Any]:
    """Values at the edges of what field f accepts: the longest text, the smallest and largest numbers, the first
    and last dates. They pass the schema and reach the services and the database, which must store them (a schema
    allowing more than its column holds is a 500 on PostgreSQL)."""
    kind = _kind(f)
    if isinstance(f, (fields.Email, fields.Url)) or any(isinstance(v, (mv.OneOf, mv.Regexp)) for v in f.validators):
        return []
    if kind == "str":
        lengths = [v.max for v in f.validators if isinstance(v, mv.Length) and v.max]
        if f.validators and not lengths:
            return []  # a code list or a format: its own rule
        return [("é" * (lengths[0] - 1) + "x") if lengths else "x" * 10_000]
    if kind in ("int", "number"):
        ranges = [v for v in f.validators if isinstance(v, mv.Range)]
        return [x for r in ranges for x in (r.min, r.max) if x is not None] or [0, 2**31 - 1]
    if kind == "date":
        return ["0001-01-01", "9999-12-31"]
    if kind == "money":
        return ["99999999999.99", "0"]
    return []


def seed_body(op: Operation, world: World) -> dict | None:
    """A valid body the boundary values go into (None: the operation gets none; an edit needs no other field)."""
    if op.method == "PATCH":
        return {}
    ids = world.ids
    seeds = {
        "/api/v1/requests": {"title": "A request", "description": "Some text.", "text_lang": "en"},
        "/api/v1/offers": {"title": "An offer", "description": "Some text.", "text_lang": "en"},
        "/api/v1/experts": {"name": "Ana", "expertise": "Leather"},
        "/api/v1/organisations": {"name": "An organisation", "kind": "ngo", "country_code": "JM"},
        "/api/v1/users": {"email": "new-user@test.example", "password": "lagoon-anvil-tulip-9",
                          "role": "director", "organisation_id": ids["organisations"]},
        "/api/v1/exchanges/<int:exchange_id>/activities": {"kind": "training", "title": "A course",
                                                           "start_date": "2030-01-01", "end_date": "2030-01-02"},
        "/api/v1/exchanges/<int:exchange_id>/contributions": {"kind": "hosting"},
        "/api/v1/exchanges/<int:exchange_id>/contribution-offers": {"kind": "hosting"},
        "/api/v1/exchanges/<int:exchange_id>/results": {"feedback": "Good"},
        "/api/v1/invitations": {"email": "invited@test.example", "role": "director",
                                "organisation_id": ids["organisations"]},
    }
    return seeds.get(op.path)


def probe_boundaries(probe: Probe, app, world: World, group: str) -> None:
    client = probe.kb.client
    for op in api_operations(app):
        base = seed_body(op, world) if op.body is not None else None
        if base is None or group_of(op.rule) != group:
            continue
        actor = actor_for(world, op.path)
        if op.path.startswith(("/api/v1/requests", "/api/v1/offers", "/api/v1/experts")) and op.method == "POST":
            actor = world.actors["director" if "requests" in op.path else "centre"]
        for name, f in op.body.load_fields.items():
            for value in boundary_values(f):
                key = f.data_key or name
                body = {**base, key: value}
                probe.send(client, op.method, fill(op.rule, world), what=f"{key}={str(value)[:20]}", json=body,
                           headers={**actor.headers, "Accept-Language": "es"})


def _converters(rule) -> list[str]:
    """The converters of the rule's arguments: "int", "any", "default", ..."""
    return [m.group(1) or "default" for m in re.finditer(r"<(?:([^>:(]+)[^>:]*:)?([^>]+)>", rule.rule)]


def group_of(rule) -> str:
    """The blueprint of a rule (the tests are parametrised by blueprint)."""
    return rule.endpoint.split(".")[0]


@pytest.mark.parametrize("group", API_GROUPS)
def test_every_api_operation_refuses_bad_input_cleanly(app, kb, group):
    world = build_world(kb)
    with app.app_context():
        engine = db.engine
    with WriteWatch(engine) as watch:
        probe = Probe(kb, watch)
        probe_api(probe, app, world, group)
        probe_boundaries(probe, app, world, group)
    print(f"{group}: {probe.calls} calls, by status: {dict(sorted(probe.statuses.items()))}")
    assert probe.calls > 0
    assert not probe.failures, f"{len(probe.failures)} failures of {probe.calls} calls:\n" + "\n".join(
        probe.failures[:60])


# --- the web walk ----------------------------------------------------------------------------------------



def web_field_names() -> list[str]:
    """Every name a page's form or query string may carry: the fields of the schemas (the web views load forms with
    the API's schemas) and the names kb/web reads from request.form / request.args itself."""
    from kb.schemas.common import StrictSchema

    names: set[str] = set()
    stack = [StrictSchema]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        try:
            names |= {f.data_key or n for n, f in cls().load_fields.items()}
        except TypeError:
            continue
    for source in (KB_ROOT / "web").glob("*.py"):
        names |= set(re.findall(r"request\.(?:form|args|values)(?:\.get|\.getlist)?[(\[]\"(\w+)\"",
                                source.read_text()))
    return sorted(names)


def web_routes(app) -> list[tuple[str, Any]]:
    out = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (method, rule.rule) not in EXCEPTIONS:
                out.append((method, rule))
    return out


def web_actor(world: World, rule) -> Any:
    path = rule.rule
    if path.startswith("/admin") or path.startswith(("/invite",)):
        return world.actors["admin"]
    if "/my/" in path or path.startswith("/my"):
        return world.actors["centre"] if "offers" in path or "experts" in path or "interest" in path \
            else world.actors["director"]
    if path.startswith(("/contribution-offers", "/cofinancing")):
        return world.actors["partner"]
    return world.actors["secretariat"]


def signed_in(app, kb, actor) -> Any:
    client = app.test_client()
    if actor is not None:
        resp = client.post("/login", data={"email": actor.email, "password": kb.PASSWORD})
        assert resp.status_code == 302, resp.data[:300]
    return client


def probe_web(probe: Probe, app, kb, world: World, group: str) -> None:
    names = web_field_names()
    clients: dict[str, Any] = {}
    for method, rule in web_routes(app):
        if group_of(rule) != group:
            continue
        actor = web_actor(world, rule)
        if actor.email not in clients:
            clients[actor.email] = signed_in(app, kb, actor)
        client = clients[actor.email]
        url = fill(rule, world)
        headers = {"Accept-Language": "fr"}
        for name, value in TEXT_VALUES.items():
            if name in WEB_SKIPPED:
                continue
            params = {n: value for n in names}
            bad_everywhere = name in ("nul", "long")
            if method == "GET":
                probe.send(client, method, url, what=f"query={name}", api=False, query_string=params,
                           headers=headers)
            else:
                probe.send(client, method, url, what=f"form={name}", api=False, data=params, headers=headers,
                           expect_refusal=bad_everywhere, ok=(302, 303))
        # Bytes that are not UTF-8 (and the UTF-8 bytes of a lone surrogate) in every name the pages read.
        raw = "&".join(f"{n}=%FF%FE%ED%A0%80" for n in names)
        if method == "GET":
            probe.send(client, method, f"{url}?{raw}", what="invalid UTF-8 query", api=False, headers=headers)
        else:
            probe.send(client, method, url, what="invalid UTF-8 form", api=False, data=raw.encode(),
                       content_type="application/x-www-form-urlencoded", headers=headers)
        if any(c == "int" for c in _converters(rule)):
            for ident in (999999, 2**63):
                probe.send(client, method, fill(rule, world, ident), what=f"id {ident}", api=False,
                           expect_refusal=True, headers=headers)
            coll = _collection(rule.rule)
            if coll in world.private and method == "GET":
                if "stranger" not in clients:
                    clients["stranger"] = signed_in(app, kb, world.stranger)
                probe.send(clients["stranger"], method, fill(rule, world, world.private[coll]), api=False,
                           what="a record the caller may not see", expect_refusal=True, headers=headers)


@pytest.mark.parametrize("group", WEB_GROUPS)
def test_every_page_and_form_refuses_bad_input_cleanly(app, kb, group):
    world = build_world(kb)
    app.config["WTF_CSRF_ENABLED"] = False  # the forms are posted without fetching tokens (tests/web/test_csrf.py)
    try:
        with app.app_context():
            engine = db.engine
        with WriteWatch(engine) as watch:
            probe = Probe(kb, watch)
            probe_web(probe, app, kb, world, group)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    print(f"{group}: {probe.calls} calls, by status: {dict(sorted(probe.statuses.items()))}")
    assert probe.calls > 0
    assert not probe.failures, f"{len(probe.failures)} failures of {probe.calls} calls:\n" + "\n".join(
        probe.failures[:60])


def test_the_exceptions_name_routes_that_exist():
    """A route listed in EXCEPTIONS that no longer exists (renamed, removed) is a stale exception."""
    routes = {(method, rule.rule) for rule in READER.url_map.iter_rules() for method in rule.methods or ()}
    assert set(EXCEPTIONS) <= routes, set(EXCEPTIONS) - routes
    from kb.extensions import db as database

    assert set(ALLOWED_WRITES) <= set(database.metadata.tables)
