"""HTTP triggers that show what the local host hands to a function and sends back."""

import json
import os

import azure.functions as func
from azure.identity import DefaultAzureCredential

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="echo/{id:int}/{name?}", methods=["GET", "POST"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    """Answer with everything the request carried; status from ?status=."""
    document = {
        "method": req.method,
        "route_params": dict(req.route_params),
        "params": dict(req.params),
        "header": req.headers.get("x-beast-probe"),
        "body": req.get_body().decode(),
        "url": req.url,
    }
    return func.HttpResponse(
        json.dumps(document),
        status_code=int(req.params.get("status", "200")),
        headers={"x-beast-echo": "yes"},
        mimetype="application/json",
    )


@app.route(route="things/new", methods=["GET"])
def new_thing(req: func.HttpRequest) -> func.HttpResponse:
    """A literal route that must win over things/{name}."""
    return func.HttpResponse("literal")


@app.route(route="things/{name}", methods=["GET"])
def thing(req: func.HttpRequest) -> func.HttpResponse:
    """A parameter route."""
    return func.HttpResponse("thing " + req.route_params["name"])


@app.route(route="keyed", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def keyed(req: func.HttpRequest) -> func.HttpResponse:
    """Needs a function key (or the master key)."""
    return func.HttpResponse("opened")


@app.route(route="admin-only", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
def admin_only(req: func.HttpRequest) -> func.HttpResponse:
    """Needs the master key."""
    return func.HttpResponse("admin")


@app.route(route="settings/{name}", methods=["GET"])
def setting(req: func.HttpRequest) -> func.HttpResponse:
    """The value of one environment variable, as the app sees it."""
    value = os.environ.get(req.route_params["name"])
    return func.HttpResponse(value or "", status_code=200 if value is not None else 404)


@app.route(route="token", methods=["GET"])
def token(req: func.HttpRequest) -> func.HttpResponse:
    """Get an ARM token the way production code does."""
    credential = DefaultAzureCredential()
    access = credential.get_token("https://management.azure.com/.default")
    return func.HttpResponse(
        json.dumps({"token": access.token, "expires_on": access.expires_on}),
        mimetype="application/json",
    )


@app.route(route="broken", methods=["GET"])
def broken(req: func.HttpRequest) -> func.HttpResponse:
    """Always fails."""
    raise RuntimeError("broken on purpose")
