"""The app's functions, read once from ``FunctionApp.get_functions()`` into plain records."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func

from local.host.routes import RouteTemplate, compile_route


@dataclass(frozen=True)
class Binding:
    """One binding of a function, as in its function.json."""

    name: str
    type: str
    direction: str
    options: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class Function:
    """One function of the app: its name, user code and bindings."""

    name: str
    call: Callable[..., Any]
    trigger: Binding
    bindings: tuple[Binding, ...]
    route: RouteTemplate | None = None
    methods: frozenset[str] = field(default_factory=frozenset)
    auth_level: str = "FUNCTION"

    @property
    def kind(self) -> str:
        """``httpTrigger``, ``timerTrigger``, ``queueTrigger``..."""
        return self.trigger.type


def load_app(spec: str) -> func.FunctionApp:
    """Import ``module:attribute`` (default attribute ``app``) and return the FunctionApp."""
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    app = getattr(module, attribute or "app")
    if not isinstance(app, func.FunctionApp):
        raise TypeError(f"{spec} is not an azure.functions.FunctionApp")
    return app


def index_functions(app: func.FunctionApp) -> list[Function]:
    """Every function of ``app``; call once, as get_functions() allows only one call."""
    indexed: list[Function] = []
    for function in app.get_functions():
        bindings = tuple(_bindings(function))
        trigger = next(b for b in bindings if b.type.endswith("Trigger"))
        name = function.get_function_name() or function.get_user_function().__name__
        route = None
        methods: frozenset[str] = frozenset()
        auth_level = "FUNCTION"
        if trigger.type == "httpTrigger":
            route = compile_route(str(trigger.options.get("route") or name))
            listed = trigger.options.get("methods") or []
            methods = frozenset(str(m).upper() for m in listed)
            auth_level = str(trigger.options.get("authLevel", "FUNCTION")).upper()
        indexed.append(
            Function(
                name=name,
                call=function.get_user_function(),
                trigger=trigger,
                bindings=bindings,
                route=route,
                methods=methods,
                auth_level=auth_level,
            )
        )
    return indexed


def _bindings(function: Any) -> list[Binding]:
    document = json.loads(function.get_function_json())
    found = []
    for raw in document["bindings"]:
        options = {k: v for k, v in raw.items() if k not in {"name", "type", "direction"}}
        found.append(Binding(raw["name"], raw["type"], str(raw["direction"]).upper(), options))
    return found
