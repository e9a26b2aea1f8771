"""POST /api/slack/events: Slack slash commands and button clicks.

Anonymous at the Functions level: Slack's request signature is the authentication,
and the Bolt app checks it before anything else.
"""

from urllib.parse import urlencode

import azure.functions as func

from beast.slack.handler import handle

bp = func.Blueprint()


@bp.route(route="slack/events", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def slack_events(req: func.HttpRequest) -> func.HttpResponse:
    """Hand the raw signed body and headers to the Slack bot."""
    status, headers, body = handle(req.get_body(), to_headers(req), query_string(req))
    return func.HttpResponse(body=body, status_code=status, headers=headers)


def to_headers(req: func.HttpRequest) -> dict[str, str]:
    """The request headers as a plain dict (names lower-cased, as Bolt reads them)."""
    return {name.lower(): value for name, value in req.headers.items()}


def query_string(req: func.HttpRequest) -> str:
    """The query string; Bolt reads only a few flags from it (e.g. ``ssl_check``)."""
    return urlencode(dict(req.params))
