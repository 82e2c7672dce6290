"""Bearer keys checked against the platform, for any spec's ``http``/``bearer`` scheme.

Connexion finds a bearer check through ``x-bearerInfoFunc`` in the spec; official spec files
will not have it. Registering this handler in ``security_map`` instead makes every bearer
scheme use the platform's keys, whatever file declares it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connexion.security import BearerSecurityHandler

__all__ = ["PlatformBearerHandler"]


class PlatformBearerHandler(BearerSecurityHandler):
    def __init__(self, authenticate: Callable[[str], dict[str, Any] | None]) -> None:
        self._authenticate = authenticate

    def _resolve_func(self, security_scheme: dict[str, Any]) -> Callable[[str], dict[str, Any] | None]:
        return self._authenticate

    @staticmethod
    def _accepts_kwarg(func: Callable[..., Any], keyword: str) -> bool:
        """The platform's check takes the key alone (Connexion would ``inspect`` it on every request)."""
        return False
