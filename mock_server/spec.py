"""The contract as data: load the spec files, resolve their references, index their operations.

Specs are loaded here once and handed to Connexion, to the outgoing-payload validator and to
the tests as plain dicts, so all of them read the same contract. References between files
(the callbacks of ``account.yaml`` reuse schemas of ``messenger.yaml``) are inlined.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["API_FILES", "Operation", "PathMethods", "bundled_spec_dir", "callback_schema", "iter_operations", "load_spec"]

#: The three documents the mock serves, by API name.
API_FILES = {"account": "account.yaml", "messenger": "messenger.yaml", "control": "control.yaml"}

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def bundled_spec_dir() -> Path:
    """Where this installation's spec files are: inside the wheel, or at the checkout's top."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "spec", here.parent / "spec"):
        if (candidate / API_FILES["account"]).is_file():
            return candidate
    raise FileNotFoundError(f"no spec files next to {here}")


@cache
def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def load_spec(spec_dir: Path, api: str) -> dict[str, Any]:
    """One API's document with every ``$ref`` inlined (a fresh copy each call)."""
    path = (spec_dir / API_FILES[api]).resolve()
    resolved: dict[str, Any] = _resolve(copy.deepcopy(_read(path)), path, path)
    return resolved


def _resolve(node: Any, doc_path: Path, root_path: Path, seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, list):
        return [_resolve(item, doc_path, root_path, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        file_part, _, pointer = ref.partition("#")
        target_path = (doc_path.parent / file_part).resolve() if file_part else doc_path
        key = f"{target_path}#{pointer}"
        if key in seen:
            raise ValueError(f"recursive $ref {ref} in {doc_path}")
        target = _read(target_path)
        for part in filter(None, pointer.split("/")):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        resolved = _resolve(copy.deepcopy(target), target_path, root_path, (*seen, key))
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return {**resolved, **_resolve(siblings, doc_path, root_path, seen)} if siblings else resolved
    return {key: _resolve(value, doc_path, root_path, seen) for key, value in node.items()}


@dataclass(frozen=True)
class Operation:
    """One operation of a resolved spec, as the handlers and tests see it."""

    api: str
    method: str
    path: str
    operation_id: str
    tag: str
    spec: dict[str, Any]


def iter_operations(spec: dict[str, Any], api: str) -> Iterator[Operation]:
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                op = item[method]
                tags = op.get("tags") or [api]
                yield Operation(api, method, path, op["operationId"], tags[0], op)


class PathMethods:
    """Which methods each path of the specs takes (the ``Allow`` header of a 405)."""

    def __init__(self, operations: list[Operation]) -> None:
        methods: dict[str, set[str]] = {}
        for op in operations:
            methods.setdefault(op.path, set()).add(op.method.upper())
        self._routes = [(re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"), sorted(allowed))
                        for path, allowed in methods.items()]

    def __call__(self, path: str) -> list[str]:
        return next((allowed for pattern, allowed in self._routes if pattern.match(path)), [])


def callback_schema(account_spec: dict[str, Any]) -> dict[str, Any]:
    """The schema of every event payload: the body of the callback declared on newCallbackUrl."""
    for op in iter_operations(account_spec, "account"):
        for callback in op.spec.get("callbacks", {}).values():
            for item in callback.values():
                schema: dict[str, Any] = item["post"]["requestBody"]["content"]["application/json"]["schema"]
                return schema
    raise LookupError("the account spec declares no callback")
