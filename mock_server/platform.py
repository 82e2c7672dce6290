"""The simulated Bi-way platform: who may do what, business rules, state changes and events.

Handlers call one method here per operation; every method takes the :class:`Caller` the key
resolved to and plain request data, and returns the resource as the API shows it. Every state
change (creation included) and its event are written to the store together.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .clock import Clock, format_time
from .config import Settings
from .copies import Copies
from .errors import ApiError, Conflict, FieldError, Forbidden, NotFound, Unprocessable
from .faults import Fault, FaultTable
from .ids import IdBlock, new_id
from .lifecycle import CASCADES, PREREQUISITES, Transition, lifecycle_of
from .rules import placeholders, render, siret_problem
from .scenario import Outcome, Scenario
from .store import Event, Job, Page, Record, Store

if TYPE_CHECKING:
    from .scheduler import Scheduler
    from .webhooks import Outbox

__all__ = ["Caller", "Platform", "GUARDS", "CONTROL_RESOURCES"]

#: Which key may touch which resource: the partner's, a sub-account's (ACTIVE), or either.
ACCESS = {
    "customer": "partner", "account": "partner", "callback": "any",
    **{kind: "account" for kind in ("agent", "tester", "template", "trigger", "contact",
                                    "token", "message", "broadcast", "conversation")},
}

#: Meta key prefix: the event-log position at which a callback registration starts receiving.
SINCE_PREFIX = "callback.since."

#: The most resources one job moves: the scheduler takes a job's step in one transaction.
JOB_SIZE = 2000

#: The control API's plural resource names.
CONTROL_RESOURCES = {"customers": "customer", "accounts": "account", "agents": "agent",
                     "testers": "tester", "messages": "message"}

#: The field that records why a resource ended in a refusal state.
REASON_FIELDS = {"REJECTED": "rejectionReason", "failed": "failureReason"}


@dataclass
class Change:
    """What one or more transitions write together: resources, their events, the work they plan."""

    records: list[Record]
    events: list[Event]
    jobs: list[Job]


@dataclass(frozen=True)
class Caller:
    """Who an API key belongs to: the partner, or one of its sub-accounts (with its status)."""

    kind: str
    id: str
    status: str | None = None


Guard = Callable[["Platform", Record], "str | None"]


def _customer_verified(platform: Platform, account: Record) -> str | None:
    customer = platform.store.get(account.data["customerId"])
    if customer is None or customer.status != "VERIFIED":
        state = customer.status if customer else "gone"
        return f"its customer {account.data['customerId']} is {state}, not VERIFIED"
    return None


def _activation_required(platform: Platform, account: Record) -> str | None:
    return None if account.data["activationRequired"] else "it does not require activation"


def _no_activation_required(platform: Platform, account: Record) -> str | None:
    return "it requires activation: move it to PENDING_ACTIVATION first" if account.data["activationRequired"] else None


def _channel_reports_read(platform: Platform, message: Record) -> str | None:
    return None if message.data["channel"] == "rcs" else f"the {message.data['channel']} channel does not report reads"


#: The rules named by lifecycle transitions (``Transition.guards``): each says why not, or None.
GUARDS: dict[str, Guard] = {
    "customer_verified": _customer_verified,
    "activation_required": _activation_required,
    "no_activation_required": _no_activation_required,
    "channel_reports_read": _channel_reports_read,
}


class Platform:
    def __init__(self, store: Store, clock: Clock, settings: Settings, scenario: Scenario) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.scenario = scenario
        self.faults = FaultTable(store)
        # The scheduler and the outbox drive the platform: import them late.
        from .scheduler import Scheduler
        from .webhooks import Outbox

        self.scheduler: Scheduler = Scheduler(self)
        self.outbox: Outbox = Outbox(self)

    # -- keys and access ---------------------------------------------------------------------

    def authenticate(self, key: str) -> dict[str, Any] | None:
        """Connexion's bearer check: token info for a known key, None for an unknown one."""
        if secrets.compare_digest(key, self.settings.partner_key):
            caller = Caller("partner", self.settings.partner_id)
        else:
            account = self.store.find("account", key)
            if account is None:
                return None
            caller = Caller("account", account.id, account.status)
        return {"sub": caller.id, "caller": caller}

    def _owner_for(self, caller: Caller, kind: str) -> str:
        """The tenant whose ``kind`` resources this caller works on, or 403."""
        access = ACCESS[kind]
        if access == "partner" and caller.kind != "partner":
            raise Forbidden("This operation needs the partner's API key, not a sub-account's.")
        if access == "account":
            if caller.kind != "account":
                raise Forbidden("Messenger operations are called with a sub-account's API key, not the partner's.")
            if caller.status != "ACTIVE":
                raise Forbidden(f"Account {caller.id} is {caller.status}; messenger operations need an ACTIVE account.")
        return caller.id

    def _visible(self, caller: Caller, kind: str, id: str, field: str | None = None) -> Record:
        """The caller's ``kind`` resource with this id; another tenant's answers 404 like a missing one."""
        owner = self._owner_for(caller, kind)
        record = self.store.get(id)
        partner_sees_it = kind == "callback" and caller.kind == "partner"
        if record is None or record.kind != kind or (record.owner != owner and not partner_sees_it):
            where = "for this key" if caller.kind == "partner" else "in this account"
            raise NotFound(f"No {kind} {id} {where}.", [FieldError(field, f"no such {kind} {where}")] if field else [])
        return record

    # -- generic reads -----------------------------------------------------------------------

    def read(self, caller: Caller, kind: str, id: str) -> dict[str, Any]:
        return self.present(self._visible(caller, kind, id))

    def list_resources(self, caller: Caller, kind: str, limit: int = 20, cursor: str | None = None) -> Page:
        owner: str | None = self._owner_for(caller, kind)
        if kind == "callback" and caller.kind == "partner":
            owner = None  # the partner sees its sub-accounts' registrations too
        page = self.store.list_page(kind, owner=owner, limit=limit, cursor=cursor)
        if kind == "conversation":
            page = Page([self._with_messages(item) for item in page.items], page.next_cursor)
        return page

    def list_children(self, caller: Caller, kind: str, parent_id: str, child: str,
                      limit: int = 20, cursor: str | None = None) -> Page:
        parent = self._visible(caller, kind, parent_id)
        return self.store.list_page(child, owner=parent.owner, parent=parent.id, limit=limit, cursor=cursor)

    def present(self, record: Record) -> dict[str, Any]:
        """The resource as its GET returns it."""
        return self._with_messages(record.data) if record.kind == "conversation" else record.data

    def _with_messages(self, data: dict[str, Any]) -> dict[str, Any]:
        messages = self.store.list_page("message", parent=data["id"], limit=100).items
        return {**data, "messages": messages}

    # -- writing -----------------------------------------------------------------------------

    def _new(self, caller_owner: str, kind: str, fields: dict[str, Any], *,
             key: str | None = None, parent: str | None = None, id: str | None = None) -> Record:
        now = format_time(self.clock.now())
        id = id or new_id(kind)
        data = {"id": id, "status": lifecycle_of(kind).initial, **fields, "createdAt": now, "updatedAt": now}
        return Record(kind, id, caller_owner, data, key=key, parent=parent)

    def _create(self, record: Record) -> None:
        """Store a new resource with its creation event and the progress the scenario plans."""
        outcome = self.scenario.outcome_for(record.kind, record.data)
        jobs = self._plan(record.kind, [record.id if self._prerequisite_met(record) else None], [outcome])
        event = self._event(record, record.status)
        self.store.insert([record], [event] if event else [], jobs)

    def _send(self, owner: str, channel: str, recipients: Sequence[str], content: dict[str, Any],
              **links: str | None) -> Copies:
        """Store one message per recipient, with their creation events and planned reports.

        The messages differ only in their id and recipient: the store writes them as
        :class:`Copies` of the first one.
        """
        fields = {"channel": channel, "sender": content["sender"], "text": content["text"],
                  "templateId": content["templateId"], "broadcastId": None, "conversationId": None,
                  **links, "failureReason": None, "recipient": recipients[0]}
        ids, event_ids = IdBlock("message", len(recipients)), IdBlock("event", len(recipients))
        first = self._new(owner, "message", fields, id=ids[0], parent=links.get("broadcastId") or links.get("conversationId"))
        event = self._event(first, first.status, id=event_ids[0])
        assert event is not None
        copies = Copies(first, event, "recipient", recipients, ids, event_ids)
        outcomes = self.scenario.outcomes_for("message", first.data, "recipient", recipients)
        self.store.insert_copies(copies, self._plan("message", ids, outcomes))
        return copies

    def _plan(self, kind: str, ids: Sequence[str | None], outcomes: Sequence[Outcome]) -> list[Job]:
        """The jobs that walk new resources through their scripted states (an id of None: not
        yet), or the 422 of the first one the scenario refuses. A job moves :data:`JOB_SIZE` at most."""
        planned: dict[Outcome, list[str]] = {}
        for id, outcome in zip(ids, outcomes, strict=True):
            if outcome.refuse_field:
                raise Unprocessable(f"The {kind} was refused.",
                                    [FieldError(outcome.refuse_field, outcome.refuse_reason or "refused")])
            if outcome.steps and id is not None:
                planned.setdefault(outcome, []).append(id)
        return [self._job(moving[start:start + JOB_SIZE], outcome.plan)
                for outcome, moving in planned.items() for start in range(0, len(moving), JOB_SIZE)]

    def _prerequisite_met(self, record: Record) -> bool:
        for prerequisite in PREREQUISITES:
            if prerequisite.resource == record.kind:
                parent = self.store.get(record.parent or "")
                return parent is not None and parent.status == prerequisite.state
        return True

    def _job(self, resource_ids: list[str], steps: list[dict[str, Any]]) -> Job:
        return Job(self.clock.now().timestamp() + steps[0]["after"], resource_ids, steps)

    def _plans_unblocked_by(self, record: Record, target: str) -> list[Job]:
        """The scripted progress of children that were waiting for ``record`` to reach ``target``."""
        jobs = []
        for prerequisite in PREREQUISITES:
            if prerequisite.parent == record.kind and prerequisite.state == target:
                initial = lifecycle_of(prerequisite.resource).initial
                for child in self.store.list_page(prerequisite.resource, parent=record.id, limit=10_000).items:
                    outcome = self.scenario.outcome_for(prerequisite.resource, child)
                    if child["status"] == initial and outcome.steps:
                        jobs.append(self._job([child["id"]], outcome.plan))
        return jobs

    def _event(self, record: Record, state: str, id: str | None = None) -> Event | None:
        event_type = lifecycle_of(record.kind).event_type
        if event_type is None:
            return None
        account_id = {"customer": self.settings.partner_id, "account": record.id}.get(record.kind, record.owner)
        id = id or new_id("event")
        body = {
            "eventId": id,
            "type": event_type,
            "occurredAt": record.data["updatedAt"],
            "accountId": account_id,
            "resource": {"type": record.kind, "id": record.id},
            "state": state,
            "data": self.present(record),
        }
        return Event(id, event_type, account_id, record.id, body)

    def transition(self, record: Record, target: str, reason: str | None = None) -> Record:
        """Move a resource along its lifecycle (guards, cascades, waiting children) and emit the events."""
        change = self._change(record, target, reason)
        self.store.update(change.records, change.events, change.jobs)
        return change.records[0]

    def _change(self, record: Record, target: str, reason: str | None) -> Change:
        """What moving ``record`` to ``target`` writes, or the 409 that refuses it."""
        lifecycle = lifecycle_of(record.kind)
        move = lifecycle.transition_to(record.status, target)
        for name in move.guards:
            why_not = GUARDS[name](self, record)
            if why_not:
                raise Conflict(f"The {record.kind} {record.id} cannot go from {record.status} to {target}: {why_not}.")
        changed = [self._moved(record, move, reason)]
        for cascade in CASCADES:
            if cascade.source == record.kind and cascade.state == target:
                follows = lifecycle_of(cascade.target)
                children = self.store.list_page(cascade.target, parent=record.id, limit=10_000).items
                for child in self.store.get_many([c["id"] for c in children]):
                    if cascade.to in follows.targets_from(child.status):
                        changed.append(self._moved(child, follows.transition_to(child.status, cascade.to), cascade.reason))
        events = [self._event(r, reported) for r, reported in changed]
        return Change([r for r, _ in changed], [e for e in events if e], self._plans_unblocked_by(record, target))

    def run_jobs(self, jobs: Sequence[Job], budget: int = JOB_SIZE) -> int:
        """Carry out the next step of up to ``budget`` resources of these jobs, in one transaction.

        Each resource then waits for its next step in a job shared with the others that took
        this one; what the budget left over stays in a job due at once. A resource forced ahead
        meanwhile (control API) continues after the state it reached; one that moved elsewhere
        is dropped. Returns how many resources were looked at.
        """
        batch = Change([], [], [])
        done: list[int] = []
        seen = 0
        for job in jobs:
            if seen >= budget:
                break
            assert job.seq is not None
            done.append(job.seq)
            ids, left = job.resource_ids[:budget - seen], job.resource_ids[budget - seen:]
            seen += len(ids)
            if left:
                batch.jobs.append(Job(job.due, left, job.steps))
            following: dict[int, list[str]] = {}
            states = [step["state"] for step in job.steps]
            for record in self.store.get_many(ids):
                start = states.index(record.status) + 1 if record.status in states else 0
                if start >= len(job.steps):
                    continue
                step = job.steps[start]
                try:
                    change = self._change(record, step["state"], step.get("reason"))
                except ApiError:
                    continue
                batch.records.extend(change.records)
                batch.events.extend(change.events)
                batch.jobs.extend(change.jobs)
                if start + 1 < len(job.steps):
                    following.setdefault(start + 1, []).append(record.id)
            for start, moved in following.items():
                batch.jobs.append(self._job(moved, job.steps[start:]))
        self.store.update(batch.records, batch.events, batch.jobs, done)
        return seen

    def _moved(self, record: Record, move: Transition, reason: str | None) -> tuple[Record, str]:
        """The record after ``move``, and the state its event reports."""
        target = move.target
        now = format_time(self.clock.now())
        data = {**record.data, "status": target, "updatedAt": now}
        reason_field = REASON_FIELDS.get(target)
        if reason_field and reason_field in data:
            data[reason_field] = reason or f"{target.lower()} by the platform"
        if record.kind == "token" and target == "used":
            data["usedAt"] = now
        return Record(record.kind, record.id, record.owner, data, record.key, record.parent), move.reports or target

    def force_transition(self, resource: str, id: str, to: str, reason: str | None = None) -> dict[str, Any]:
        """The control API's transition: any tenant, lifecycle rules still apply."""
        kind = CONTROL_RESOURCES[resource]
        record = self.store.get(id)
        if record is None or record.kind != kind:
            raise NotFound(f"No {kind} {id}.")
        return self.present(self.transition(record, to, reason))

    # -- account API -------------------------------------------------------------------------

    def register_callback(self, caller: Caller, url: str, account_id: str | None = None,
                          rotate_secret: bool = False) -> tuple[dict[str, Any], bool]:
        """Register or replace a callback URL; True when it was created."""
        owner = self._owner_for(caller, "callback")
        if account_id is not None and account_id != caller.id:
            if caller.kind != "partner":
                raise NotFound(f"No account {account_id} for this key.", [FieldError("accountId", "is not this key's account")])
            owner = self._visible(caller, "account", account_id, field="accountId").id
        existing = self.store.find("callback", owner, owner=owner)
        if existing is None:
            record = self._new(owner, "callback", {"url": url, "accountId": owner, "secret": _new_secret()}, key=owner)
            self._create(record)
            # A registration receives the events logged after it, whenever the outbox gets to them.
            self.store.set_meta(f"{SINCE_PREFIX}{record.id}", str(self.store.last_event_seq()))
            return record.data, True
        now = format_time(self.clock.now())
        data = {**existing.data, "url": url, "status": "ENABLED", "updatedAt": now}
        if rotate_secret:
            data["secret"] = _new_secret()
        self.store.update([Record("callback", existing.id, owner, data, existing.key)])
        return data, False

    def delete_callback(self, caller: Caller, id: str) -> None:
        self.store.delete(self._visible(caller, "callback", id).id)

    def create_customer(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "customer")
        problem = siret_problem(body["siret"])
        if problem:
            raise Unprocessable("The customer was refused.", [FieldError("siret", problem)])
        fields = {"name": body["name"], "siret": body["siret"], "email": body["email"],
                  "address": body["address"], "phone": body.get("phone"), "rejectionReason": None}
        record = self._new(owner, "customer", fields)
        self._create(record)
        return record.data

    def create_account(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "account")
        customer = self._visible(caller, "customer", body["customerId"], field="customerId")
        if customer.status == "REJECTED":
            raise Unprocessable("The account was refused.", [FieldError("customerId", "the customer is REJECTED")])
        api_key = f"sk_test_{secrets.token_hex(16)}"
        fields = {"customerId": customer.id, "name": body["name"], "email": body["email"],
                  "activationRequired": body.get("activationRequired", False), "rejectionReason": None}
        record = self._new(owner, "account", fields, key=api_key, parent=customer.id)
        self._create(record)
        return {**record.data, "apiKey": api_key}

    # -- messenger API -----------------------------------------------------------------------

    def create_agent(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "agent")
        fields = {"name": body["name"], "description": body.get("description"),
                  "logoUrl": body.get("logoUrl"), "rejectionReason": None}
        record = self._new(owner, "agent", fields)
        self._create(record)
        return record.data

    def invite_tester(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "tester")
        agent = self._visible(caller, "agent", body["agentId"], field="agentId")
        if agent.status == "REJECTED":
            raise Unprocessable("The tester was refused.", [FieldError("agentId", "the agent is REJECTED")])
        key = f"{agent.id}:{body['phone']}"
        if self.store.find("tester", key, owner=owner):
            raise Conflict("This phone is already a tester of this agent.",
                           [FieldError("phone", "already invited to this agent")])
        record = self._new(owner, "tester", {"agentId": agent.id, "phone": body["phone"]}, key=key, parent=agent.id)
        self._create(record)
        return record.data

    def create_template(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "template")
        if self.store.find("template", body["name"], owner=owner):
            raise Conflict("A template with this name already exists.", [FieldError("name", "already used in this account")])
        text, declared = body["text"], body.get("variables", [])
        used = placeholders(text)
        problems = [FieldError("text", "must not be blank")] if not text.strip() else []
        problems += [FieldError("text", f"uses {{{{{name}}}}}, which is not declared in variables")
                     for name in used if name not in declared]
        problems += [FieldError("variables", f"declares {name}, which the text does not use")
                     for name in declared if name not in used]
        if problems:
            raise Unprocessable("The template was refused.", problems)
        fields = {"name": body["name"], "channel": body["channel"], "text": text, "variables": declared}
        record = self._new(owner, "template", fields, key=body["name"])
        self._create(record)
        return record.data

    def create_trigger(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "trigger")
        template = self._visible(caller, "template", body["templateId"], field="templateId")
        key = body["keyword"].casefold()
        if self.store.find("trigger", key, owner=owner):
            raise Conflict("A trigger with this keyword already exists.",
                           [FieldError("keyword", "already used in this account (case-insensitive)")])
        record = self._new(owner, "trigger", {"keyword": body["keyword"], "templateId": template.id}, key=key)
        self._create(record)
        return record.data

    def create_contact(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "contact")
        fields = {"phone": body["phone"], "firstName": body.get("firstName"),
                  "lastName": body.get("lastName"), "email": body.get("email")}
        record = self._new(owner, "contact", fields)
        self._create(record)
        return record.data

    def issue_token(self, caller: Caller, body: dict[str, Any], base_url: str) -> dict[str, Any]:
        owner = self._owner_for(caller, "token")
        contact = self._visible(caller, "contact", body["contactId"], field="contactId")
        agent_id = body.get("agentId")
        if agent_id is not None:
            agent = self._visible(caller, "agent", agent_id, field="agentId")
            if agent.status == "REJECTED":
                raise Unprocessable("The token was refused.", [FieldError("agentId", "the agent is REJECTED")])
        token = f"ct_{secrets.token_urlsafe(24)}"
        expires = self.clock.now() + timedelta(seconds=body.get("ttlSeconds", 86400))
        fields = {"token": token, "chatUrl": f"{self.settings.public_url or base_url}/chat/{token}",
                  "contactId": contact.id, "agentId": agent_id, "expiresAt": format_time(expires), "usedAt": None}
        record = self._new(owner, "token", fields, key=token)
        self._create(record)
        return record.data

    def _content(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        """The text, template and sender of a message, a broadcast or a conversation."""
        variables = body.get("variables", {})
        if "templateId" not in body:
            if variables:
                raise Unprocessable("The message was refused.", [FieldError("variables", "only apply with a templateId")])
            return {"text": body["text"], "templateId": None, "sender": body.get("sender")}
        template = self._visible(caller, "template", body["templateId"], field="templateId")
        declared = template.data["variables"]
        problems = []
        if template.data["channel"] != body["channel"]:
            problems.append(FieldError("channel", f"the template is for {template.data['channel']}"))
        problems += [FieldError(f"variables.{name}", "is required by the template")
                     for name in declared if name not in variables]
        problems += [FieldError(f"variables.{name}", "is not a variable of the template")
                     for name in variables if name not in declared]
        if problems:
            raise Unprocessable("The message was refused.", problems)
        text = render(template.data["text"], variables)
        if len(text) > 1600:
            raise Unprocessable("The message was refused.",
                                [FieldError("variables", "the rendered text exceeds 1600 characters")])
        return {"text": text, "templateId": template.id, "sender": body.get("sender")}

    def submit_message(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "message")
        return self._send(owner, body["channel"], [body["recipient"]], self._content(caller, body)).data(0)

    def broadcast(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "broadcast")
        content = self._content(caller, body)
        fields = {"channel": body["channel"], "count": len(body["recipients"]), "sender": content["sender"],
                  "text": body.get("text"), "templateId": content["templateId"]}
        broadcast = self._new(owner, "broadcast", fields)
        recipients = body["recipients"]
        with self.store.transaction():
            self._create(broadcast)
            self._send(owner, body["channel"], recipients, content, broadcastId=broadcast.id)
        return broadcast.data

    def start_conversation(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "conversation")
        content = self._content(caller, body)
        conversation = self._new(owner, "conversation", {"channel": body["channel"]})
        recipients = body["recipients"]
        with self.store.transaction():
            self._create(conversation)
            messages = self._send(owner, body["channel"], recipients, content, conversationId=conversation.id)
        return {**conversation.data, "messages": [messages.data(i) for i in range(len(recipients))]}

    def open_chat(self, token: str) -> dict[str, Any]:
        """The end user opens a chat URL: the token is used (reported as ``read``) the first time."""
        record = self.store.find("token", token)
        if record is None:
            raise NotFound("This chat link is unknown.")
        if record.status == "issued":
            if datetime.fromisoformat(record.data["expiresAt"]) <= self.clock.now():
                raise NotFound("This chat link has expired.")
            record = self.transition(record, "used")
        contact = self.store.get(record.data["contactId"])
        agent = self.store.get(record.data["agentId"] or "")
        return {"token": record.data, "contact": contact.data if contact else None,
                "agent": agent.data if agent else None}

    def receive_inbound(self, account_id: str, sender: str, text: str) -> dict[str, Any]:
        """A message reaches the account; a matching trigger sends its template back as a real message."""
        account = self.store.get(account_id)
        if account is None or account.kind != "account":
            raise NotFound(f"No account {account_id}.", [FieldError("accountId", "no such account")])
        if account.status != "ACTIVE":
            raise Conflict(f"Account {account_id} is {account.status}; only an ACTIVE account receives messages.")
        trigger = self._matching_trigger(account.id, text)
        now = format_time(self.clock.now())
        inbound = self._new(account.id, "inbound", {"from": sender, "text": text,
                                                   "triggerId": trigger["id"] if trigger else None, "receivedAt": now})
        template = self.store.get(trigger["templateId"]) if trigger else None
        reply = None
        with self.store.transaction():
            self._create(inbound)
            if template:
                content = self._reply_content(account.id, template, sender, text)
                reply = self._send(account.id, template.data["channel"], [sender], content).data(0)
        return {"inbound": inbound.data, "reply": reply}

    def _matching_trigger(self, account_id: str, text: str) -> dict[str, Any] | None:
        for trigger in self.store.list_page("trigger", owner=account_id, limit=10_000).items:
            keyword = re.escape(trigger["keyword"])
            if trigger["status"] == "ACTIVE" and re.search(rf"(?<!\w){keyword}(?!\w)", text, re.IGNORECASE):
                return trigger
        return None

    def _reply_content(self, account_id: str, template: Record, sender: str, text: str) -> dict[str, Any]:
        """The template rendered with what is known of the sender: its contact's fields, its number and text."""
        known = {"phone": sender, "from": sender, "text": text}
        for contact in self.store.list_page("contact", owner=account_id, limit=10_000).items:
            if contact["phone"] == sender:
                known |= {k: v for k, v in contact.items() if isinstance(v, str)}
        values = {name: known.get(name, "") for name in template.data["variables"]}
        return {"text": render(template.data["text"], values)[:1600], "templateId": template.id, "sender": None}

    # -- control -----------------------------------------------------------------------------

    def set_faults(self, body: dict[str, dict[str, Any]]) -> None:
        unknown = sorted(set(body) - self.faults.known)
        if unknown:
            raise Unprocessable("Faults apply to operations of the Bi-way APIs.",
                                [FieldError(name, "is not an operationId of the account or messenger API") for name in unknown])
        self.faults.set({name: Fault(f.get("latencyMs", 0), f.get("status"), f.get("rate", 1.0), f.get("count"))
                         for name, f in body.items()})

    def reset(self) -> None:
        self.store.reset()
        self.faults.clear()


def _new_secret() -> str:
    """A Standard Webhooks signing secret."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
