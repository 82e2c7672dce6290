"""One module per tag of the specs, one function per operationId (see :mod:`mock_server.routing`).

Each handler adapts one request to one platform call and returns ``(body, status)``.
"""

from typing import Any

#: A JSON request body, as validated against the spec.
Body = dict[str, Any]
#: What a handler returns: the response body (None for 204) and the status.
Answer = tuple[dict[str, Any] | None, int]
