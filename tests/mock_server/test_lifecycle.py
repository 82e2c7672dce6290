import pytest

from mock_server.errors import Conflict
from mock_server.lifecycle import ACCOUNT, LIFECYCLES, MESSAGE, TOKEN, lifecycle_of
from mock_server.platform import GUARDS


def test_every_transition_names_known_guards_and_states() -> None:
    for lifecycle in LIFECYCLES.values():
        assert lifecycle.initial in lifecycle.states
        for transition in lifecycle.transitions:
            assert set(transition.guards) <= set(GUARDS), transition


def test_domain_lifecycles() -> None:
    assert lifecycle_of("customer").states == {"PENDING_VERIFICATION", "VERIFIED", "REJECTED"}
    assert ACCOUNT.states == {"PENDING_VERIFICATION", "PENDING_ACTIVATION", "ACTIVE", "REJECTED"}
    assert lifecycle_of("tester").terminal == {"ACCEPTED", "DECLINED"}
    assert MESSAGE.terminal == {"read", "failed"}
    assert TOKEN.transition_to("issued", "used").reports == "read"


def test_refused_moves_say_what_is_allowed() -> None:
    with pytest.raises(Conflict, match="can go to delivered, failed"):
        MESSAGE.transition_to("sent", "read")
    with pytest.raises(Conflict, match="final"):
        MESSAGE.transition_to("failed", "sent")
    with pytest.raises(Conflict, match="not a state"):
        MESSAGE.transition_to("accepted", "LOST")
