"""One module per tag of the specs, one function per operationId (see :mod:`mock_server.routing`).

Each handler adapts one request to one platform call and returns ``(body, status)``.
"""
