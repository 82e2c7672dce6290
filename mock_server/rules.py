"""Business rules that are pure functions of a value: SIRET checks, template variables."""

from __future__ import annotations

import re

__all__ = ["siret_problem", "placeholders", "render"]

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

#: La Poste's establishments share this SIREN: too many for Luhn alone, so INSEE also accepts
#: a SIRET whose digits add up to a multiple of five (its headquarters is plain Luhn).
_LA_POSTE_SIREN = "356000000"


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def siret_problem(siret: str) -> str | None:
    """Why this 14-digit SIRET cannot be a real one, or None when it can."""
    if set(siret) == {"0"}:
        return "is not a valid SIRET (no establishment has an all-zero SIRET)"
    if siret.startswith(_LA_POSTE_SIREN) and sum(map(int, siret)) % 5 == 0:
        return None
    if not _luhn_valid(siret):
        return "is not a valid SIRET (Luhn check failed)"
    return None


def placeholders(text: str) -> list[str]:
    """The ``{{variable}}`` names a text uses, in order of first use."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(text)))


def render(text: str, variables: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: variables[match.group(1)], text)
