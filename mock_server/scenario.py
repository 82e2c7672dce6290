"""Scenario files: which request gets which outcome (the test values), and how long things take.

A scenario is a list of rules, tried in order; the first rule of the resource whose ``when``
matches the request decides. ``when`` maps fields of the request (dotted for nested ones) to
regular expressions, searched in the field's text (``true``/``false`` for booleans). A rule
either ``refuse``\\ s the request at once (422, on ``field``, with ``reason``) or lists the
``states`` the resource then walks through, each after ``after`` seconds of the mock's clock
(one number for every step, or one per step; the scenario's ``delays`` otherwise).
``fixtures/scenarios/default.yaml`` is the default; ``--scenario FILE`` replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from .lifecycle import lifecycle_of

__all__ = ["Outcome", "Rule", "Scenario", "ScenarioError", "Step", "bundled_scenario", "load_scenario"]

#: The resources a scenario can script.
SCRIPTED = ("customer", "account", "agent", "tester", "message")

_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["rules"],
    "properties": {
        "delays": {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: {"type": "number", "minimum": 0} for name in SCRIPTED},
        },
        "rules": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["resource"],
            "properties": {
                "resource": {"enum": list(SCRIPTED)},
                "when": {"type": "object", "additionalProperties": {"type": "string"}},
                "refuse": {"type": "object", "additionalProperties": False, "required": ["field", "reason"],
                           "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}},
                "states": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                "reason": {"type": "string"},
                "after": {"oneOf": [{"type": "number", "minimum": 0},
                                    {"type": "array", "items": {"type": "number", "minimum": 0}}]},
                "description": {"type": "string"},
            },
        }},
    },
}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class Step:
    state: str
    after: float
    reason: str | None = None


@dataclass(frozen=True, eq=False)
class Outcome:
    """What happens to a new resource: refused at once, or these steps on the clock.

    Compared by identity: each rule has its own, and a broadcast's messages are grouped by it.
    """

    steps: tuple[Step, ...] = ()
    refuse_field: str | None = None
    refuse_reason: str | None = None

    @property
    def plan(self) -> list[dict[str, Any]]:
        """The steps as a job stores them."""
        return [{"state": s.state, "after": s.after, "reason": s.reason} for s in self.steps]


#: The outcome of a resource no rule matches: it stays in its initial state.
UNSCRIPTED = Outcome()


@dataclass(frozen=True)
class Rule:
    resource: str
    when: tuple[tuple[str, re.Pattern[str]], ...]
    outcome: Outcome

    def matches(self, data: dict[str, Any], skip: str | None = None) -> bool:
        """Whether ``data`` meets every condition (but those on the field ``skip``)."""
        for name, pattern in self.when:
            if name == skip:
                continue
            value = data.get(name) if "." not in name else _field(data, name)
            if not pattern.search(value if type(value) is str else _text(value)):
                return False
        return True


@dataclass(frozen=True)
class Scenario:
    rules: tuple[Rule, ...]
    source: str

    def __post_init__(self) -> None:
        by_resource: dict[str, list[Rule]] = {}
        for rule in self.rules:
            by_resource.setdefault(rule.resource, []).append(rule)
        object.__setattr__(self, "_by_resource", by_resource)

    def outcome_for(self, resource: str, data: dict[str, Any]) -> Outcome:
        rules: list[Rule] = self._by_resource.get(resource, [])  # type: ignore[attr-defined]
        for rule in rules:
            if rule.matches(data):
                return rule.outcome
        return UNSCRIPTED

    def outcomes_for(self, resource: str, data: dict[str, Any], field: str, values: Sequence[str]) -> list[Outcome]:
        """:meth:`outcome_for` of ``data`` with ``field`` set to each of ``values``, in order.

        A broadcast's messages differ only in their recipient: the rules are narrowed on the
        other fields once, then only their conditions on ``field`` are tried per value.
        """
        narrowed: list[tuple[list[re.Pattern[str]], Outcome]] = []
        for rule in self._by_resource.get(resource, []):  # type: ignore[attr-defined]
            if rule.matches(data, skip=field):
                narrowed.append(([pattern for name, pattern in rule.when if name == field], rule.outcome))

        def outcome(value: str) -> Outcome:
            for patterns, outcome in narrowed:
                for pattern in patterns:
                    if not pattern.search(value):
                        break
                else:
                    return outcome
            return UNSCRIPTED

        return [outcome(value) for value in values]


def _field(data: dict[str, Any], dotted: str) -> Any:
    if "." not in dotted:
        return data.get(dotted)
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def bundled_scenario() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "fixtures", here.parent / "fixtures"):
        path = candidate / "scenarios" / "default.yaml"
        if path.is_file():
            return path
    raise FileNotFoundError("the default scenario is not installed")


def load_scenario(path: Path | None = None) -> Scenario:
    path = path or bundled_scenario()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read it ({exc.strerror})") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ScenarioError(f"{path}, line {line}: not valid YAML ({exc.problem})") from exc
    lines = _line_index(node)

    def fail(where: tuple[Any, ...], problem: str) -> ScenarioError:
        return ScenarioError(f"{path}, line {_nearest_line(lines, where)}: {problem}")

    for error in jsonschema_rs.validator_for(_SCHEMA).iter_errors(document):
        where = tuple(error.instance_path)
        raise fail(where, f"{'.'.join(map(str, where)) or 'the file'}: {error.message}")
    delays = document.get("delays", {})
    rules = []
    for index, raw in enumerate(document["rules"]):
        rules.append(_rule(raw, delays, lambda key, problem, i=index: fail(("rules", i, *key), problem)))
    return Scenario(tuple(rules), str(path))


def _rule(raw: dict[str, Any], delays: dict[str, float], fail: Any) -> Rule:
    resource = raw["resource"]
    if ("refuse" in raw) == ("states" in raw):
        raise fail((), "a rule needs either 'refuse' or 'states', not both and not neither")
    when = []
    for name, pattern in raw.get("when", {}).items():
        try:
            when.append((name, re.compile(pattern)))
        except re.error as exc:
            raise fail(("when", name), f"'{pattern}' is not a valid regular expression ({exc})") from exc
    if "refuse" in raw:
        return Rule(resource, tuple(when), Outcome(refuse_field=raw["refuse"]["field"], refuse_reason=raw["refuse"]["reason"]))
    states = raw["states"]
    after = raw.get("after", delays.get(resource, 1.0))
    afters = after if isinstance(after, list) else [after] * len(states)
    if len(afters) != len(states):
        raise fail(("after",), f"'after' lists {len(afters)} delays for {len(states)} states")
    lifecycle = lifecycle_of(resource)
    current = lifecycle.initial
    for position, state in enumerate(states):
        allowed = lifecycle.targets_from(current)
        if state not in allowed:
            allowed = allowed or ["nothing (final)"]
            move = f"{_article(resource)} {resource} cannot go from {current} to {state}"
            raise fail(("states", position), f"{move}; from {current}: {', '.join(allowed)}")
        current = state
    steps = tuple(Step(state, float(delay), raw.get("reason")) for state, delay in zip(states, afters, strict=True))
    return Rule(resource, tuple(when), Outcome(steps=steps))


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def _line_index(node: yaml.Node | None, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Each path of the document (keys and list positions) to its 1-based line."""
    if node is None:
        return {}
    index = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            index[(*path, key.value)] = key.start_mark.line + 1
            index.update(_line_index(value, (*path, key.value)))
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            index.update(_line_index(item, (*path, position)))
    return index


def _nearest_line(lines: dict[tuple[Any, ...], int], where: tuple[Any, ...]) -> int:
    while where not in lines and where:
        where = where[:-1]
    return lines.get(where, 1)
