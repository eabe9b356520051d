"""Who gets what: every move of every workflow (and the services' other recorded actions) x every party."""
from __future__ import annotations

import pytest

from kb.workflow import MACHINES
from kb.workflow import recipients as rcp

OW, S, RQ, PV, F, PT = rcp.OWNER, rcp.SECRETARIAT, rcp.REQUESTER, rcp.PROVIDER, rcp.FACILITATOR, rcp.PARTNER
U, RV, MP, MU, XU = rcp.RECORD_UPDATE, rcp.REVIEW, rcp.MATCH_PROPOSED, rcp.MATCH_UPDATE, rcp.EXCHANGE_UPDATE
RM = rcp.REMINDER
EVERYONE_IN_AN_EXCHANGE = {RQ: XU, PV: XU, F: XU, PT: XU, S: XU}

# (record type, action) -> {party: kind}; a party missing is not told.
EXPECTED = {
    **{(t, a): who for t in ("request", "offer") for a, who in {
        "create": {}, "import": {}, "update": {OW: U}, "submit": {OW: U, S: RV}, "publish": {OW: U},
        "return": {OW: U}, "reject": {OW: U}, "recall": {OW: U, S: U}}.items()},
    ("request", "withdraw"): {OW: U, S: U}, ("request", "match"): {OW: U}, ("request", "reopen"): {OW: U},
    ("request", "close"): {OW: U}, ("request", "unmet"): {S: RM}, ("offer", "renew"): {OW: U}, ("offer", "archive"): {OW: U, S: U},
    ("match", "propose"): {RQ: MP, PV: MP},
    ("match", "accept"): {RQ: MU, PV: MU, S: MU},
    ("match", "decline"): {RQ: MU, PV: MU, S: MU},
    ("match", "approve"): {RQ: MU, PV: MU},
    ("match", "reject"): {RQ: MU, PV: MU},
    **{("exchange", a): EVERYONE_IN_AN_EXCHANGE for a in (
        "create", "agree", "start", "complete", "evaluate", "close", "cancel", "join", "contribute", "activity",
        "result")},
    ("contribution_offer", "offer"): {S: RV}, ("contribution_offer", "accept"): {OW: XU},
    ("contribution_offer", "decline"): {OW: XU}, ("contribution_offer", "withdraw"): {S: XU},
    ("application", "confirm"): {S: RV},
}
# Actions the services record besides the state machines' own.
RECORDED = {"request": {"create", "update", "import", "unmet"}, "offer": {"create", "update", "import"},
            "match": {"propose"}, "exchange": {"create", "join", "contribute", "activity", "result"},
            "contribution_offer": {"offer"}}


@pytest.mark.parametrize("record_type", sorted(MACHINES))
def test_every_move_of_every_workflow_has_its_recipients(record_type):
    moves = set(MACHINES[record_type].actions) | RECORDED[record_type]
    assert moves == {a for t, a in EXPECTED if t == record_type}
    assert moves == set(rcp.TABLE[record_type])


@pytest.mark.parametrize(("record_type", "action"), sorted(EXPECTED))
@pytest.mark.parametrize("party", rcp.PARTIES)
def test_each_party_of_each_move(record_type, action, party):
    assert rcp.recipients(record_type, action).get(party) == EXPECTED[record_type, action].get(party)


def test_records_without_notifications_and_unknown_moves_tell_nobody():
    assert rcp.recipients("user", "create") == {} and rcp.recipients("organisation", "update") == {}
    assert rcp.recipients("expert", "create") == {} and rcp.recipients("request", "teleport") == {}


def test_kinds_and_precedence_cover_every_party():
    assert {k for moves in rcp.TABLE.values() for who in moves.values() for k in who.values()} <= set(rcp.KINDS)
    assert set(rcp.PRECEDENCE) == set(rcp.PARTIES)
