"""Every resource's lifecycle, as data: states, allowed transitions, the event each emits.

A newcomer looking for "how does a customer move?" reads :data:`CUSTOMER` here and nothing
else. :meth:`Lifecycle.transition_to` is the one place a move is allowed or refused; rules that
depend on other resources (an account waits for its customer) are *guards*, named here and
checked by the platform, which is the only code that knows how to look other resources up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Conflict

__all__ = ["CASCADES", "Cascade", "LIFECYCLES", "Lifecycle", "PREREQUISITES", "Prerequisite", "Transition",
           "lifecycle_of"]


@dataclass(frozen=True)
class Transition:
    source: str
    trigger: str
    target: str
    #: Names of rules the platform checks before the move (see ``mock_server.platform.GUARDS``).
    guards: tuple[str, ...] = ()
    #: The state the event reports, when it differs from the resource's new status
    #: (a chat token becomes ``used`` and reports ``read``, as the guide says).
    reports: str | None = None


@dataclass(frozen=True)
class Lifecycle:
    resource: str
    initial: str
    transitions: tuple[Transition, ...] = ()
    #: The event type of this resource's state changes (``None``: it emits none).
    event_type: str | None = None
    states: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        states = {self.initial} | {t.source for t in self.transitions} | {t.target for t in self.transitions}
        object.__setattr__(self, "states", frozenset(states))

    @property
    def terminal(self) -> frozenset[str]:
        return frozenset(s for s in self.states if not any(t.source == s for t in self.transitions))

    def targets_from(self, current: str) -> list[str]:
        """The states a resource in ``current`` may move to (guards aside), sorted."""
        return sorted(t.target for t in self.transitions if t.source == current)

    def transition_to(self, current: str, target: str) -> Transition:
        """The transition from ``current`` to ``target``, or a 409 that says what is allowed."""
        for transition in self.transitions:
            if transition.source == current and transition.target == target:
                return transition
        allowed = self.targets_from(current)
        if target not in self.states:
            reason = f"{target} is not a state of a {self.resource} (states: {', '.join(sorted(self.states))})"
        elif allowed:
            reason = f"from {current} a {self.resource} can go to {', '.join(allowed)}"
        else:
            reason = f"{current} is final for a {self.resource}"
        raise Conflict(f"A {self.resource} cannot go from {current} to {target}: {reason}.")

    def by_trigger(self, current: str, trigger: str) -> Transition:
        for transition in self.transitions:
            if transition.source == current and transition.trigger == trigger:
                return transition
        raise Conflict(f"A {self.resource} in {current} cannot {trigger}.")


T = Transition

CUSTOMER = Lifecycle(
    "customer", "PENDING_VERIFICATION",
    (T("PENDING_VERIFICATION", "verify", "VERIFIED"),
     T("PENDING_VERIFICATION", "reject", "REJECTED")),
    event_type="CUSTOMER_STATUS",
)

ACCOUNT = Lifecycle(
    "account", "PENDING_VERIFICATION",
    (T("PENDING_VERIFICATION", "verify", "ACTIVE", guards=("customer_verified", "no_activation_required")),
     T("PENDING_VERIFICATION", "verify", "PENDING_ACTIVATION", guards=("customer_verified", "activation_required")),
     T("PENDING_VERIFICATION", "reject", "REJECTED"),
     T("PENDING_ACTIVATION", "activate", "ACTIVE"),
     T("PENDING_ACTIVATION", "reject", "REJECTED")),
    event_type="ACCOUNT_STATUS",
)

AGENT = Lifecycle(
    "agent", "PENDING_VERIFICATION",
    (T("PENDING_VERIFICATION", "verify", "VERIFIED"),
     T("PENDING_VERIFICATION", "reject", "REJECTED")),
    event_type="AGENT_STATUS",
)

TESTER = Lifecycle(
    "tester", "INVITED",
    (T("INVITED", "accept", "ACCEPTED"),
     T("INVITED", "decline", "DECLINED")),
    event_type="RCS_TESTER_STATUS",
)

MESSAGE = Lifecycle(
    "message", "accepted",
    (T("accepted", "send", "sent"),
     T("accepted", "fail", "failed"),
     T("sent", "deliver", "delivered"),
     T("sent", "fail", "failed"),
     T("delivered", "read", "read", guards=("channel_reports_read",))),
    event_type="MESSENGER_REPORT",
)

TOKEN = Lifecycle(
    "token", "issued",
    (T("issued", "use", "used", reports="read"),),
    event_type="MESSENGER_REPORT",
)

CALLBACK = Lifecycle(
    "callback", "ENABLED",
    (T("ENABLED", "disable", "DISABLED"),
     T("DISABLED", "enable", "ENABLED")),
)

INBOUND = Lifecycle("inbound", "received", event_type="MESSENGER_INBOUND")

# Created valid or refused outright: one state, no event type in DOMAIN.md.
TEMPLATE = Lifecycle("template", "VALID")
TRIGGER = Lifecycle("trigger", "ACTIVE")
CONTACT = Lifecycle("contact", "ACTIVE")
BROADCAST = Lifecycle("broadcast", "accepted")
CONVERSATION = Lifecycle("conversation", "accepted")

LIFECYCLES: dict[str, Lifecycle] = {
    lc.resource: lc
    for lc in (CUSTOMER, ACCOUNT, AGENT, TESTER, MESSAGE, TOKEN, CALLBACK, INBOUND,
               TEMPLATE, TRIGGER, CONTACT, BROADCAST, CONVERSATION)
}


@dataclass(frozen=True)
class Cascade:
    """When a ``source`` resource enters ``state``, its ``target`` children follow to ``to``."""

    source: str
    state: str
    target: str
    to: str
    reason: str


#: "An account is REJECTED with its customer" (DOMAIN.md). Children are found by ``parent``.
CASCADES = (
    Cascade("customer", "REJECTED", "account", "REJECTED", "its customer was rejected"),
)


@dataclass(frozen=True)
class Prerequisite:
    """A ``resource``'s scripted progress starts only once its ``parent`` is in ``state``."""

    resource: str
    parent: str
    state: str


#: "An account cannot leave PENDING_VERIFICATION before its customer is VERIFIED" (DOMAIN.md).
PREREQUISITES = (Prerequisite("account", "customer", "VERIFIED"),)


def lifecycle_of(resource: str) -> Lifecycle:
    return LIFECYCLES[resource]
