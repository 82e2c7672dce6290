"""The simulated Bi-way platform: who may do what, business rules, state changes and events.

Handlers call one method here per operation; every method takes the :class:`Caller` the key
resolved to and plain request data, and returns the resource as the API shows it. Every state
change (creation included) and its event are written to the store together.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .clock import Clock, format_time
from .config import Settings
from .errors import Conflict, FieldError, Forbidden, NotFound, Unprocessable
from .lifecycle import CASCADES, lifecycle_of
from .rules import placeholders, render, siret_problem
from .store import Event, Page, Record, Store

__all__ = ["Caller", "Platform", "GUARDS", "CONTROL_RESOURCES"]

#: The id prefix of each resource kind (``cus_8a7b...``).
PREFIXES = {
    "customer": "cus", "account": "acc", "callback": "cbk", "agent": "agt", "tester": "tst",
    "template": "tpl", "trigger": "trg", "contact": "cnt", "token": "tok", "message": "msg",
    "broadcast": "brd", "conversation": "cnv", "event": "evt",
}

#: Which key may touch which resource: the partner's, a sub-account's (ACTIVE), or either.
ACCESS = {
    "customer": "partner", "account": "partner", "callback": "any",
    **{kind: "account" for kind in ("agent", "tester", "template", "trigger", "contact",
                                    "token", "message", "broadcast", "conversation")},
}

#: The control API's plural resource names.
CONTROL_RESOURCES = {"customers": "customer", "accounts": "account", "agents": "agent",
                     "testers": "tester", "messages": "message"}

#: The field that records why a resource ended in a refusal state.
REASON_FIELDS = {"REJECTED": "rejectionReason", "failed": "failureReason"}


def new_id(kind: str) -> str:
    return f"{PREFIXES[kind]}_{secrets.token_hex(12)}"


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
    def __init__(self, store: Store, clock: Clock, settings: Settings) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings

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
             key: str | None = None, parent: str | None = None) -> Record:
        now = format_time(self.clock.now())
        id = new_id(kind)
        data = {"id": id, "status": lifecycle_of(kind).initial, **fields, "createdAt": now, "updatedAt": now}
        return Record(kind, id, caller_owner, data, key=key, parent=parent)

    def _create(self, records: Sequence[Record]) -> None:
        self.store.insert(records, [e for r in records if (e := self._event(r, r.status))])

    def _event(self, record: Record, state: str) -> Event | None:
        event_type = lifecycle_of(record.kind).event_type
        if event_type is None:
            return None
        account_id = {"customer": self.settings.partner_id, "account": record.id}.get(record.kind, record.owner)
        id = new_id("event")
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
        """Move a resource along its lifecycle (guards and cascades included) and emit the events."""
        lifecycle = lifecycle_of(record.kind)
        move = lifecycle.transition_to(record.status, target)
        for name in move.guards:
            why_not = GUARDS[name](self, record)
            if why_not:
                raise Conflict(f"The {record.kind} {record.id} cannot go from {record.status} to {target}: {why_not}.")
        changed = [self._moved(record, target, reason)]
        for cascade in CASCADES:
            if cascade.source == record.kind and cascade.state == target:
                children = self.store.list_page(cascade.target, parent=record.id, limit=10_000).items
                for child in children:
                    child_record = self.store.get(child["id"])
                    if child_record and cascade.to in {t.target for t in lifecycle_of(cascade.target).transitions
                                                       if t.source == child_record.status}:
                        changed.append(self._moved(child_record, cascade.to, cascade.reason))
        events = [self._event(r, self._reported_state(r, prior)) for r, prior in changed]
        self.store.update([r for r, _ in changed], [e for e in events if e])
        return changed[0][0]

    def _moved(self, record: Record, target: str, reason: str | None) -> tuple[Record, str]:
        prior = record.status
        now = format_time(self.clock.now())
        data = {**record.data, "status": target, "updatedAt": now}
        reason_field = REASON_FIELDS.get(target)
        if reason_field and reason_field in data:
            data[reason_field] = reason or f"{target.lower()} by the platform"
        if record.kind == "token" and target == "used":
            data["usedAt"] = now
        return Record(record.kind, record.id, record.owner, data, record.key, record.parent), prior

    @staticmethod
    def _reported_state(record: Record, prior: str) -> str:
        move = lifecycle_of(record.kind).transition_to(prior, record.status)
        return move.reports or record.status

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
            self._create([record])
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
        self._create([record])
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
        self._create([record])
        return {**record.data, "apiKey": api_key}

    # -- messenger API -----------------------------------------------------------------------

    def create_agent(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "agent")
        fields = {"name": body["name"], "description": body.get("description"),
                  "logoUrl": body.get("logoUrl"), "rejectionReason": None}
        record = self._new(owner, "agent", fields)
        self._create([record])
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
        self._create([record])
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
        self._create([record])
        return record.data

    def create_trigger(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "trigger")
        template = self._visible(caller, "template", body["templateId"], field="templateId")
        key = body["keyword"].casefold()
        if self.store.find("trigger", key, owner=owner):
            raise Conflict("A trigger with this keyword already exists.",
                           [FieldError("keyword", "already used in this account (case-insensitive)")])
        record = self._new(owner, "trigger", {"keyword": body["keyword"], "templateId": template.id}, key=key)
        self._create([record])
        return record.data

    def create_contact(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "contact")
        fields = {"phone": body["phone"], "firstName": body.get("firstName"),
                  "lastName": body.get("lastName"), "email": body.get("email")}
        record = self._new(owner, "contact", fields)
        self._create([record])
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
        self._create([record])
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

    def _messages(self, owner: str, channel: str, recipients: Sequence[str], content: dict[str, Any],
                  **links: str | None) -> list[Record]:
        parent = links.get("broadcastId") or links.get("conversationId")
        fields = {"channel": channel, "sender": content["sender"], "text": content["text"],
                  "templateId": content["templateId"], "broadcastId": None, "conversationId": None,
                  **links, "failureReason": None}
        return [self._new(owner, "message", {**fields, "recipient": r}, parent=parent) for r in recipients]

    def submit_message(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "message")
        (message,) = self._messages(owner, body["channel"], [body["recipient"]], self._content(caller, body))
        self._create([message])
        return message.data

    def broadcast(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "broadcast")
        content = self._content(caller, body)
        fields = {"channel": body["channel"], "count": len(body["recipients"]), "sender": content["sender"],
                  "text": body.get("text"), "templateId": content["templateId"]}
        broadcast = self._new(owner, "broadcast", fields)
        messages = self._messages(owner, body["channel"], body["recipients"], content, broadcastId=broadcast.id)
        self._create([broadcast, *messages])
        return broadcast.data

    def start_conversation(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner_for(caller, "conversation")
        content = self._content(caller, body)
        conversation = self._new(owner, "conversation", {"channel": body["channel"]})
        messages = self._messages(owner, body["channel"], body["recipients"], content, conversationId=conversation.id)
        self._create([conversation, *messages])
        return {**conversation.data, "messages": [m.data for m in messages]}

    # -- control -----------------------------------------------------------------------------

    def reset(self) -> None:
        self.store.reset()


def _new_secret() -> str:
    """A Standard Webhooks signing secret."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
