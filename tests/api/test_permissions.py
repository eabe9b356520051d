"""Who may do what: every role against every workflow action and write endpoint, own and other organisation.

How to read the matrix: each line is one action on a record in the state that action needs; the columns
are the callers. "own" means the caller's organisation is the record's party in the caller's role (the
requesting ministry for a director, the offering centre for a centre, the co-financing partner that has
joined the exchange for a partner); "other" is an organisation of the same kind with no part in it.
Admin and secretariat users belong to the secretariat's organisation (as in a real installation); the
secretariat's organisation is the facilitator of every exchange.

A refused call must change nothing: no row anywhere, no new audit event, same version and status.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from dbstate import db_snapshot

ADMIN, SEC, DIR, CEN, PAR, ANON = "admin", "secretariat", "director", "centre", "partner", "anonymous"
COLUMNS = [(ADMIN, "-"), (SEC, "-"), (DIR, "own"), (DIR, "other"), (CEN, "own"), (CEN, "other"),
           (PAR, "own"), (PAR, "other"), (ANON, "-")]

# fmt: off
#  action                  admin  sec  dir:own dir:other cen:own cen:other par:own par:other anonymous
TABLE = [
    ("request.create",      403,  201,  201,    403,      403,    403,      403,    403,      401),
    ("request.patch",       403,  200,  200,    404,      404,    404,      404,    404,      401),
    ("request.submit",      403,  200,  200,    404,      404,    404,      404,    404,      401),
    ("request.publish",     403,  200,  403,    404,      404,    404,      404,    404,      401),
    ("request.return",      403,  200,  403,    404,      404,    404,      404,    404,      401),
    ("request.reject",      403,  200,  403,    404,      404,    404,      404,    404,      401),
    ("request.withdraw",    403,  403,  200,    403,      403,    403,      403,    403,      401),
    ("offer.create",        403,  201,  403,    403,      201,    403,      403,    403,      401),
    ("offer.patch",         403,  200,  404,    404,      200,    404,      404,    404,      401),
    ("offer.submit",        403,  200,  404,    404,      200,    404,      404,    404,      401),
    ("offer.publish",       403,  200,  404,    404,      403,    404,      404,    404,      401),
    ("offer.return",        403,  200,  404,    404,      403,    404,      404,    404,      401),
    ("offer.reject",        403,  200,  404,    404,      403,    404,      404,    404,      401),
    ("offer.archive",       403,  200,  403,    403,      200,    403,      403,    403,      401),
    ("offer.renew",         403,  200,  403,    403,      200,    403,      403,    403,      401),
    ("expert.create",       403,  201,  403,    403,      201,    403,      403,    403,      401),
    ("expert.patch",        403,  200,  404,    404,      200,    404,      404,    404,      401),
    ("match.propose",       403,  201,  403,    403,      201,    403,      403,    403,      401),
    ("match.accept",        403,  403,  200,    404,      200,    404,      404,    404,      401),
    ("match.decline",       403,  403,  200,    404,      200,    404,      404,    404,      401),
    ("match.approve",       403,  200,  403,    404,      403,    404,      404,    404,      401),
    ("match.reject",        403,  200,  403,    404,      403,    404,      404,    404,      401),
    ("exchange.agree",      403,  200,  403,    404,      403,    404,      403,    403,      401),
    ("exchange.start",      403,  200,  403,    404,      200,    404,      403,    403,      401),
    ("exchange.complete",   403,  200,  403,    404,      403,    404,      403,    403,      401),
    ("exchange.evaluate",   403,  200,  403,    404,      403,    404,      403,    404,      401),
    ("exchange.close",      403,  200,  403,    404,      403,    404,      403,    404,      401),
    ("exchange.cancel",     403,  200,  403,    404,      403,    404,      403,    403,      401),
    ("exchange.join",       403,  201,  403,    404,      403,    404,      403,    403,      401),
    ("exchange.contribute", 403,  201,  201,    404,      201,    404,      201,    403,      401),
    ("exchange.activity",   403,  201,  403,    404,      201,    404,      403,    403,      401),
    ("exchange.result",     403,  201,  201,    404,      201,    404,      201,    403,      401),
    ("organisation.create", 201,  403,  403,    403,      403,    403,      403,    403,      401),
    ("user.create",         201,  403,  403,    403,      403,    403,      403,    403,      401),
]
# fmt: on

# --- the scene: organisations, people and records in the state an action needs -------------------

ORGS = {  # key -> (kind, country)
    "secretariat": ("un-agency", "AT"),
    "requester": ("ministry", "EC"), "other-ministry": ("ministry", "MZ"),
    "provider": ("competence-centre", "CO"), "other-centre": ("competence-centre", "BR"),
    "partner": ("fund-donor", "ES"), "other-fund": ("fund-donor", "DE"),
}
ORG_OF = {(ADMIN, "-"): "secretariat", (SEC, "-"): "secretariat",
          (DIR, "own"): "requester", (DIR, "other"): "other-ministry",
          (CEN, "own"): "provider", (CEN, "other"): "other-centre",
          (PAR, "own"): "partner", (PAR, "other"): "other-fund"}


class Scene:
    """Lazily creates the organisations and users a test needs, and records in a given state."""

    def __init__(self, kb, cast: Scene | None = None) -> None:
        """cast: another scene whose organisations and people this one reuses (its records are its own)."""
        self.kb = kb
        self._orgs: dict[str, int] = cast._orgs if cast else {}
        self._actors: dict[tuple[str, str], Any] = cast._actors if cast else {}

    def org(self, key: str) -> int:
        if key not in self._orgs:
            kind, country = ORGS[key]
            self._orgs[key] = self.kb.org(kind, country, name=f"{key} org")
        return self._orgs[key]

    def actor(self, role: str, relation: str = "-"):
        if role == ANON:
            return None
        if (role, relation) not in self._actors:
            self._actors[(role, relation)] = self.kb.user(role, org_id=self.org(ORG_OF[(role, relation)]))
        return self._actors[(role, relation)]

    @property
    def sec(self):
        return self.actor(SEC)

    @property
    def director(self):
        return self.actor(DIR, "own")

    @property
    def centre(self):
        return self.actor(CEN, "own")

    def go(self, kind: str, rid: int, actor, action: str, **extra) -> dict:
        return self.kb.ok("POST", f"/{kind}/{rid}/transitions", actor, {"action": action, **extra}, 200)

    def request(self, state: str = "draft") -> int:
        rid = self.kb.ok("POST", "/requests", self.director, self.kb.request_payload())["id"]
        if state in ("submitted", "published"):
            self.go("requests", rid, self.director, "submit")
        if state == "published":
            self.go("requests", rid, self.sec, "publish")
        return rid

    def offer(self, state: str = "draft") -> int:
        oid = self.kb.ok("POST", "/offers", self.centre, self.kb.offer_payload())["id"]
        if state in ("submitted", "published"):
            self.go("offers", oid, self.centre, "submit")
        if state == "published":
            self.go("offers", oid, self.sec, "publish")
        return oid

    def expert(self) -> int:
        return self.kb.ok("POST", "/experts", self.centre, {"name": "Ana Experta", "expertise": "Tanning"})["id"]

    def match(self, state: str = "proposed") -> int:
        mid = self.kb.ok("POST", "/matches", self.sec,
                         {"request_id": self.request("published"), "offer_id": self.offer("published")})["id"]
        if state == "accepted":
            self.go("matches", mid, self.director, "accept")
            self.go("matches", mid, self.centre, "accept")
        return mid

    def exchange(self, state: str = "planned", activity: bool = False) -> int:
        """An exchange between requester and provider, with the own partner already joined."""
        mid = self.match("accepted")
        xid = self.go("matches", mid, self.sec, "approve")["exchange_id"]
        offer = self.kb.ok("POST", f"/exchanges/{xid}/contribution-offers", self.actor(PAR, "own"),
                           {"kind": "money", "amount": "1000", "currency": "EUR"})
        self.kb.ok("POST", f"/contribution-offers/{offer['id']}/transitions", self.sec, {"action": "accept"}, 200)
        steps = ["agreed", "in_progress", "completed", "evaluated"]
        for step in steps[:steps.index(state) + 1] if state in steps else []:
            if step == "agreed":
                self.go("exchanges", xid, self.sec, "agree", agreement_ref="AG-1", agreement_date="2026-02-01")
            elif step == "in_progress":
                self.go("exchanges", xid, self.sec, "start", start_date="2026-03-01")
                if activity:
                    self.kb.ok("POST", f"/exchanges/{xid}/activities", self.centre, ACTIVITY)
            elif step == "completed":
                if not activity:
                    self.kb.ok("POST", f"/exchanges/{xid}/activities", self.centre, ACTIVITY)
                self.go("exchanges", xid, self.sec, "complete", completion_report="Done.")
            elif step == "evaluated":
                self.kb.ok("POST", f"/exchanges/{xid}/results", self.director, {"feedback": "Good", "rating": 4})
                self.go("exchanges", xid, self.sec, "evaluate")
        return xid


ACTIVITY = {"kind": "training", "title": "Workshop", "start_date": "2026-03-02", "end_date": "2026-03-03",
            "place": "Quito", "participants_female": 3, "participants_male": 4}


@dataclass
class Call:
    """What the matrix calls: the HTTP request, and the record it acts on (to check nothing changed)."""

    method: str
    path: str
    body: Any = None
    record: tuple[str, int] | None = None  # (audit record_type, id)
    body_for: Callable[[str], Any] | None = field(default=None, repr=False)

    def json(self, role: str) -> Any:
        return self.body_for(role) if self.body_for else self.body


def _transition(kind: str, record_type: str, make: Callable[[Scene], int], action: str, **extra):
    def build(s: Scene) -> Call:
        rid = make(s)
        return Call("POST", f"/{kind}/{rid}/transitions", {"action": action, **extra}, (record_type, rid))
    return build


def _staff_names_org(org_key: str, payload: Callable[[Scene], dict]):
    """Body naming the target organisation (the secretariat must; others name the record's owner)."""
    def body(s: Scene) -> dict:
        return {**payload(s), "organisation_id": s.org(org_key)}
    return body


REASON = {"reason": "Not within the programme's scope."}

ACTIONS: dict[str, Callable[[Scene], Call]] = {
    "request.create": lambda s: Call("POST", "/requests", _staff_names_org(
        "requester", lambda s: s.kb.request_payload())(s)),
    "request.patch": lambda s: (lambda rid: Call("PATCH", f"/requests/{rid}", {"title": "Edited title"},
                                                 ("request", rid)))(s.request()),
    "request.submit": _transition("requests", "request", lambda s: s.request("draft"), "submit"),
    "request.publish": _transition("requests", "request", lambda s: s.request("submitted"), "publish"),
    "request.return": _transition("requests", "request", lambda s: s.request("submitted"), "return", **REASON),
    "request.reject": _transition("requests", "request", lambda s: s.request("submitted"), "reject", **REASON),
    "request.withdraw": _transition("requests", "request", lambda s: s.request("published"), "withdraw"),
    "offer.create": lambda s: Call("POST", "/offers", _staff_names_org(
        "provider", lambda s: s.kb.offer_payload())(s)),
    "offer.patch": lambda s: (lambda oid: Call("PATCH", f"/offers/{oid}", {"title": "Edited title"},
                                               ("offer", oid)))(s.offer()),
    "offer.submit": _transition("offers", "offer", lambda s: s.offer("draft"), "submit"),
    "offer.publish": _transition("offers", "offer", lambda s: s.offer("submitted"), "publish"),
    "offer.return": _transition("offers", "offer", lambda s: s.offer("submitted"), "return", **REASON),
    "offer.reject": _transition("offers", "offer", lambda s: s.offer("submitted"), "reject", **REASON),
    "offer.archive": _transition("offers", "offer", lambda s: s.offer("published"), "archive"),
    "offer.renew": _transition("offers", "offer", lambda s: s.offer("published"), "renew",
                               valid_until="2100-06-30"),
    "expert.create": lambda s: Call("POST", "/experts", _staff_names_org(
        "provider", lambda s: {"name": "Bea Experta", "expertise": "Leather chemistry"})(s)),
    "expert.patch": lambda s: (lambda eid: Call("PATCH", f"/experts/{eid}", {"availability": "2027"},
                                                ("expert", eid)))(s.expert()),
    "match.propose": lambda s: Call("POST", "/matches", {"request_id": s.request("published"),
                                                         "offer_id": s.offer("published")}),
    "match.accept": _transition("matches", "match", lambda s: s.match(), "accept"),
    "match.decline": _transition("matches", "match", lambda s: s.match(), "decline", **REASON),
    "match.approve": _transition("matches", "match", lambda s: s.match("accepted"), "approve"),
    "match.reject": _transition("matches", "match", lambda s: s.match(), "reject", **REASON),
    "exchange.agree": _transition("exchanges", "exchange", lambda s: s.exchange("planned"), "agree",
                                  agreement_ref="AG-2"),
    "exchange.start": _transition("exchanges", "exchange", lambda s: s.exchange("agreed"), "start"),
    "exchange.complete": _transition("exchanges", "exchange", lambda s: s.exchange("in_progress", activity=True),
                                     "complete", completion_report="Report."),
    "exchange.evaluate": lambda s: _evaluate_call(s),
    "exchange.close": _transition("exchanges", "exchange", lambda s: s.exchange("evaluated"), "close"),
    "exchange.cancel": _transition("exchanges", "exchange", lambda s: s.exchange("planned"), "cancel", **REASON),
    "exchange.join": lambda s: (lambda xid: Call(
        "POST", f"/exchanges/{xid}/parties", record=("exchange", xid),
        body_for=lambda role: {"contribution": {"kind": "hosting"},
                               **({"organisation_id": s.org("other-fund")} if role in (SEC, ADMIN) else {})},
    ))(s.exchange("planned")),
    "exchange.contribute": lambda s: (lambda xid: Call(
        "POST", f"/exchanges/{xid}/contributions", {"kind": "hosting", "description": "Venue"},
        ("exchange", xid)))(s.exchange("planned")),
    "exchange.activity": lambda s: (lambda xid: Call(
        "POST", f"/exchanges/{xid}/activities", ACTIVITY, ("exchange", xid)))(s.exchange("in_progress")),
    "exchange.result": lambda s: (lambda xid: Call(
        "POST", f"/exchanges/{xid}/results", {"feedback": "Useful", "rating": 5},
        ("exchange", xid)))(s.exchange("in_progress")),
    "organisation.create": lambda s: Call("POST", "/organisations",
                                          {"name": "Ministry of Trade", "kind": "ministry", "country_code": "JM"}),
    "user.create": lambda s: Call("POST", "/users", {"email": "new.person@test.example", "password": "long-enough-pw",
                                                     "role": "director", "organisation_id": s.org("requester")}),
}


# Actions whose success only adds a row and leaves the scene fit for the next caller (one scene serves
# the whole line); for the others every allowed call gets a scene of its own.
ADDITIVE = {"request.create", "offer.create", "expert.create", "exchange.contribute", "exchange.activity",
            "exchange.result", "organisation.create", "user.create"}


def _evaluate_call(s: Scene) -> Call:
    xid = s.exchange("completed")
    s.kb.ok("POST", f"/exchanges/{xid}/results", s.director, {"feedback": "Good", "rating": 4})
    return Call("POST", f"/exchanges/{xid}/transitions", {"action": "evaluate"}, ("exchange", xid))


def test_the_matrix_covers_every_action_for_every_caller():
    assert set(ACTIONS) == {row[0] for row in TABLE}
    assert all(len(row) == len(COLUMNS) + 1 for row in TABLE)
    assert {role for role, _ in COLUMNS} == {ADMIN, SEC, DIR, CEN, PAR, ANON}


# --- what "changed nothing" means -------------------------------------------------------------

def audit_trail(kb, sec, record: tuple[str, int] | None) -> list[tuple]:
    if record is None:
        return []
    kind, rid = record
    items = kb.ok("GET", f"/events?record_type={kind}&record_id={rid}&per_page=100", sec)["items"]
    return [(e["id"], e["action"], e["to_state"]) for e in items]


def assert_error_body(resp, status: int) -> None:
    body = resp.get_json()
    assert body is not None, resp.data[:200]
    assert body["code"] == status and body["status"] and body["message"], body


@pytest.mark.parametrize("action,expected", [(row[0], row[1:]) for row in TABLE], ids=[row[0] for row in TABLE])
def test_permission_matrix(kb, action, expected):
    """One line of the matrix: each caller tries the action; refused calls share one scene (they must not
    change it, which is checked after each), every allowed call gets a fresh one."""
    got: list[int] = []
    problems: list[str] = []
    shared: tuple[Scene, Call] | None = None
    cast = Scene(kb)  # the same organisations and people throughout; records are new for each scene
    for (role, relation), status in zip(COLUMNS, expected, strict=True):
        if shared is not None and action in ADDITIVE:
            scene, call = shared
        elif status < 400 or shared is None:
            scene = Scene(kb, cast)
            call = ACTIONS[action](scene)
            if status >= 400 or action in ADDITIVE:
                shared = (scene, call)
        else:
            scene, call = shared
        cell = f"{role}:{relation}"
        actor = scene.actor(role, relation)
        body = call.json(role)
        trail_before = audit_trail(kb, scene.sec, call.record)
        before = db_snapshot(kb.app)

        resp = kb.call(call.method, call.path, actor, body)

        got.append(resp.status_code)
        trail_after = audit_trail(kb, scene.sec, call.record)
        if resp.status_code >= 400:
            body = resp.get_json() or {}
            if body.get("code") != resp.status_code or not body.get("message"):
                problems.append(f"{cell}: error body {body!r}")
            if db_snapshot(kb.app) != before:
                problems.append(f"{cell}: the refused call changed the database")
            if trail_after != trail_before:
                problems.append(f"{cell}: the refused call left an audit event")
        else:
            if call.record is not None and len(trail_after) != len(trail_before) + 1:
                problems.append(f"{cell}: the change is not in the audit trail")
            if db_snapshot(kb.app) == before:
                problems.append(f"{cell}: an accepted call changed nothing")
            if shared is not None and shared[0] is scene and action not in ADDITIVE:
                shared = None  # the shared scene was changed: later refusals get a fresh one
    assert (action, *got) == (action, *expected) and not problems, (
        "\n  columns: " + " ".join(f"{r}:{rel}" for r, rel in COLUMNS) + f"\n  problems: {problems}")


# --- visibility ---------------------------------------------------------------------------------

def test_anonymous_callers_see_only_published_requests_and_offers_and_never_contacts(kb):
    s = Scene(kb)
    draft_req = kb.ok("POST", "/requests", s.director,
                      kb.request_payload(contact_name="Rosa", contact_email="rosa@ec.example"))["id"]
    pub_req = s.request("published")
    kb.ok("PATCH", f"/requests/{pub_req}", s.sec, {"contact_name": "Rosa", "contact_email": "rosa@ec.example"})
    draft_off = s.offer("draft")
    pub_off = s.offer("submitted")
    kb.ok("PATCH", f"/offers/{pub_off}", s.sec, {"contact_name": "Caro", "contact_email": "caro@co.example"})
    s.go("offers", pub_off, s.sec, "publish")

    requests = kb.ok("GET", "/requests")["items"]
    offers = kb.ok("GET", "/offers")["items"]
    assert [r["id"] for r in requests] == [pub_req]
    assert [o["id"] for o in offers] == [pub_off]
    for item in requests + offers + [kb.ok("GET", f"/requests/{pub_req}"), kb.ok("GET", f"/offers/{pub_off}")]:
        assert item["contact_name"] is None and item["contact_email"] is None
        assert item["actions"] == []
    # Even asking for drafts by status shows nothing, and a draft's page does not exist.
    assert kb.ok("GET", "/requests?status=draft")["items"] == []
    assert kb.call("GET", f"/requests/{draft_req}").status_code == 404
    assert kb.call("GET", f"/offers/{draft_off}").status_code == 404
    # The owner and the secretariat do see the contact.
    assert kb.ok("GET", f"/requests/{pub_req}", s.director)["contact_email"] == "rosa@ec.example"
    assert kb.ok("GET", f"/requests/{pub_req}", s.sec)["contact_email"] == "rosa@ec.example"
    # A signed-in director of another organisation sees the published request, but not its contact.
    other = s.actor(DIR, "other")
    seen = kb.ok("GET", f"/requests/{pub_req}", other)
    assert seen["contact_name"] is None and seen["contact_email"] is None


def test_anonymous_callers_cannot_list_or_read_experts(kb):
    s = Scene(kb)
    eid = s.expert()
    for path in ("/experts", f"/experts/{eid}"):
        resp = kb.call("GET", path)
        assert resp.status_code == 401
        assert_error_body(resp, 401)
        assert "Ana" not in resp.get_data(as_text=True)


def test_a_director_of_another_organisation_cannot_see_a_draft_request(kb):
    s = Scene(kb)
    rid = s.request("draft")
    other = s.actor(DIR, "other")
    assert kb.call("GET", f"/requests/{rid}", other).status_code == 404
    assert rid not in [r["id"] for r in kb.ok("GET", "/requests", other)["items"]]
    assert kb.ok("GET", f"/requests/{rid}", s.director)["status"] == "draft"


def test_a_centre_sees_its_own_experts_but_not_another_centres(kb):
    s = Scene(kb)
    mine = s.expert()
    other_centre = s.actor(CEN, "other")
    theirs = kb.ok("POST", "/experts", other_centre, {"name": "Bruno Especialista", "expertise": "Metrology"})["id"]
    assert kb.ok("GET", f"/experts/{mine}", s.centre)["name"] == "Ana Experta"
    assert kb.call("GET", f"/experts/{theirs}", s.centre).status_code == 404
    assert [e["id"] for e in kb.ok("GET", "/experts", s.centre)["items"]] == [mine]
    assert [e["id"] for e in kb.ok("GET", "/experts", other_centre)["items"]] == [theirs]
    # Directors and partners with no exchange using them see no roster at all.
    assert kb.ok("GET", "/experts", s.director)["items"] == []
    assert kb.call("GET", f"/experts/{mine}", s.actor(PAR, "other")).status_code == 404
    # The secretariat sees both.
    assert {e["id"] for e in kb.ok("GET", "/experts", s.sec)["items"]} == {mine, theirs}


def test_parties_of_an_exchange_see_the_experts_of_its_offer(kb):
    s = Scene(kb)
    eid = s.expert()
    oid = kb.ok("POST", "/offers", s.centre, kb.offer_payload(expert_ids=[eid]))["id"]
    s.go("offers", oid, s.centre, "submit")
    s.go("offers", oid, s.sec, "publish")
    assert kb.call("GET", f"/experts/{eid}", s.director).status_code == 404
    mid = kb.ok("POST", "/matches", s.sec, {"request_id": s.request("published"), "offer_id": oid})["id"]
    s.go("matches", mid, s.director, "accept")
    s.go("matches", mid, s.centre, "accept")
    s.go("matches", mid, s.sec, "approve")
    assert kb.ok("GET", f"/experts/{eid}", s.director)["name"] == "Ana Experta"


def test_a_partner_sees_exchanges_open_to_cofinancing_but_not_finished_ones_it_is_not_part_of(kb):
    s = Scene(kb)
    open_x = s.exchange("planned")
    done_x = s.exchange("completed")
    outsider = s.actor(PAR, "other")
    listed = [x["id"] for x in kb.ok("GET", "/exchanges", outsider)["items"]]
    assert listed == [open_x]
    assert kb.ok("GET", f"/exchanges/{open_x}", outsider)["status"] == "planned"
    assert kb.call("GET", f"/exchanges/{done_x}", outsider).status_code == 404
    # The partner that joined follows its exchanges to the end.
    member = s.actor(PAR, "own")
    assert {x["id"] for x in kb.ok("GET", "/exchanges", member)["items"]} == {open_x, done_x}
    # Directors and centres that are not parties see neither.
    assert kb.ok("GET", "/exchanges", s.actor(DIR, "other"))["items"] == []
    assert kb.call("GET", f"/exchanges/{open_x}", s.actor(CEN, "other")).status_code == 404


def test_the_audit_trail_of_a_record_the_caller_cannot_see_is_not_shown(kb):
    s = Scene(kb)
    rid = s.request("draft")
    eid = s.expert()
    mid = s.match()
    other_dir, other_centre = s.actor(DIR, "other"), s.actor(CEN, "other")

    def status(actor, kind, record_id):
        return kb.call("GET", f"/events?record_type={kind}&record_id={record_id}", actor).status_code

    assert status(other_dir, "request", rid) == 404
    assert status(other_dir, "match", mid) == 404
    assert status(other_centre, "match", mid) == 404
    assert status(s.centre, "expert", eid) == 403  # roster audit is the secretariat's
    assert status(s.actor(PAR, "other"), "user", s.director.id) == 403
    assert status(None, "request", rid) == 401
    assert status(s.director, "request", rid) == 200
    assert status(s.centre, "match", mid) == 200
    # Without naming a record, non-staff see only their own actions.
    mine = kb.ok("GET", "/events", s.director)["items"]
    assert mine and {e["actor_id"] for e in mine} == {s.director.id}


def test_the_audit_trail_shows_e_mail_addresses_only_to_staff_and_the_actors_own_organisation(kb):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director", country="EC")
    colleague = kb.user("director", org_id=director.org_id)
    centre = kb.user("centre", country="CO")
    req = kb.published_request(director, sec)
    off = kb.published_offer(centre, sec)
    match = kb.ok("POST", "/matches", sec, {"request_id": req["id"], "offer_id": off["id"]})
    kb.ok("POST", f"/matches/{match['id']}/transitions", centre, {"action": "accept"}, 200)
    kb.ok("POST", f"/matches/{match['id']}/transitions", director, {"action": "accept"}, 200)

    def emails(viewer, record_type, record_id):
        items = kb.ok("GET", f"/events?record_type={record_type}&record_id={record_id}", viewer)["items"]
        assert items
        return {e["actor_id"]: e["actor_email"] for e in items}

    everyone = {sec.id: sec.email, director.id: director.email, centre.id: centre.email}
    assert emails(sec, "match", match["id"]) == everyone
    # A director sees its own organisation's addresses, not the secretariat's nor the centre's.
    assert emails(director, "match", match["id"]) == {sec.id: None, director.id: director.email, centre.id: None}
    assert emails(colleague, "request", req["id"]) == {director.id: director.email, sec.id: None}
    assert emails(centre, "match", match["id"]) == {sec.id: None, director.id: None, centre.id: centre.email}
    assert emails(centre, "offer", off["id"]) == {centre.id: centre.email, sec.id: None}
