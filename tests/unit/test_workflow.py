"""The transition tables: pure, no database."""
from __future__ import annotations

import pytest

from kb import workflow as wf
from kb.errors import Forbidden, InvalidTransition, ValidationFailed


def test_owner_submits_a_draft_request():
    assert wf.REQUEST.check("draft", "submit", {wf.OWNER}).target == "submitted"


def test_only_the_secretariat_publishes():
    assert wf.REQUEST.check("submitted", "publish", {wf.SECRETARIAT}).target == "published"
    with pytest.raises(Forbidden):
        wf.REQUEST.check("submitted", "publish", {wf.OWNER})


def test_publishing_a_draft_is_an_invalid_transition():
    with pytest.raises(InvalidTransition):
        wf.REQUEST.check("draft", "publish", {wf.SECRETARIAT})


@pytest.mark.parametrize("action", sorted(wf.REASON_REQUIRED & set(wf.REQUEST.actions) - {"cancel", "decline"}))
def test_return_and_reject_need_a_reason(action):
    with pytest.raises(ValidationFailed) as err:
        wf.REQUEST.check("submitted", action, {wf.SECRETARIAT}, reason="  ")
    assert "reason" in err.value.errors
    assert wf.REQUEST.check("submitted", action, {wf.SECRETARIAT}, reason="Incomplete").source == "submitted"


def test_returned_request_can_be_resubmitted():
    t = wf.REQUEST.check("returned", "submit", {wf.OWNER})
    assert t.target == "submitted"


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "published"])
def test_owner_withdraws_any_time_before_matched(state):
    assert wf.REQUEST.check(state, "withdraw", {wf.OWNER}).target == "withdrawn"


def test_owner_cannot_withdraw_a_matched_request():
    with pytest.raises(InvalidTransition):
        wf.REQUEST.check("matched", "withdraw", {wf.OWNER})


def test_system_moves_are_not_available_to_users():
    with pytest.raises(Forbidden):
        wf.REQUEST.check("published", "match", {wf.SECRETARIAT})
    assert wf.REQUEST.check("published", "match", {wf.SYSTEM}).target == "matched"
    assert "match" not in wf.REQUEST.available("published", {wf.SECRETARIAT, wf.SYSTEM})


def test_unknown_action_is_a_validation_error():
    with pytest.raises(ValidationFailed):
        wf.OFFER.check("draft", "explode", {wf.OWNER})


def test_match_needs_both_answers_in_either_order():
    m = wf.MATCH
    a = m.check("proposed", "accept", {wf.REQUESTER}).target
    assert m.check(a, "accept", {wf.PROVIDER}).target == "accepted"
    b = m.check("proposed", "accept", {wf.PROVIDER}).target
    assert m.check(b, "accept", {wf.REQUESTER}).target == "accepted"


def test_the_same_side_cannot_accept_twice():
    with pytest.raises(InvalidTransition):
        wf.MATCH.check("accepted_by_requester", "accept", {wf.REQUESTER})


def test_approval_only_after_both_accepted():
    with pytest.raises(InvalidTransition):
        wf.MATCH.check("accepted_by_provider", "approve", {wf.SECRETARIAT})
    assert wf.MATCH.check("accepted", "approve", {wf.SECRETARIAT}).target == "approved"


def test_decline_needs_a_reason():
    with pytest.raises(ValidationFailed):
        wf.MATCH.check("proposed", "decline", {wf.PROVIDER})


def test_exchange_runs_planned_to_closed():
    state = "planned"
    for action in ("agree", "start", "complete", "evaluate", "close"):
        state = wf.EXCHANGE.check(state, action, {wf.SECRETARIAT}).target
    assert state == "closed"


@pytest.mark.parametrize("state", ["completed", "evaluated", "closed", "cancelled"])
def test_finished_exchanges_cannot_be_cancelled(state):
    with pytest.raises(InvalidTransition):
        wf.EXCHANGE.check(state, "cancel", {wf.SECRETARIAT}, reason="x")


def test_every_target_state_is_a_known_enum_value():
    from kb.models import ExchangeState, MatchState, OfferState, RequestState

    enums = {"request": RequestState, "offer": OfferState, "match": MatchState, "exchange": ExchangeState}
    for name, machine in wf.MACHINES.items():
        values = {s.value for s in enums[name]}
        assert set(machine.states) <= values, name


def test_available_lists_only_the_actors_actions():
    assert wf.OFFER.available("submitted", {wf.SECRETARIAT}) == ["publish", "reject", "return"]
    assert wf.OFFER.available("submitted", {wf.OWNER}) == ["recall"]  # back to draft, to fix it
    assert wf.OFFER.available("draft", {wf.OWNER}) == ["archive", "submit"]
