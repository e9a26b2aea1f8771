"""GET /api/health: is Beast up, and can it reach storage and ARM."""

import json

import azure.functions as func

from beast.health import check_health
from beast.wiring import services

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    """Report the version and whether storage and ARM answer."""
    report = check_health(services().probes())
    return func.HttpResponse(
        json.dumps(report.as_dict()),
        status_code=200 if report.ok else 503,
        mimetype="application/json",
    )
