"""Beast's HTTP API, free of any web framework: requests in, responses out.

``functions/api.py`` adapts Azure Functions' HTTP triggers to ``handle``; tests
call it directly. See ``openapi.py`` for the document and ``problems.py`` for
the problem types.
"""

from beast.http_api.context import ApiContext
from beast.http_api.endpoints import ENDPOINTS, Endpoint, handle
from beast.http_api.messages import ApiRequest, ApiResponse
from beast.http_api.openapi import openapi_document

__all__ = [
    "ENDPOINTS",
    "ApiContext",
    "ApiRequest",
    "ApiResponse",
    "Endpoint",
    "handle",
    "openapi_document",
]
