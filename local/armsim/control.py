"""The /_sim control API: reset, delays, metrics series, fault injection, request log, settings."""

from __future__ import annotations

import re
from typing import Any

from local.armsim import catalog
from local.armsim.errors import ArmError
from local.armsim.metrics import normalise_series
from local.armsim.state import DEFAULT_DELAYS_MS, Fault, Store
from local.armsim.web import Request, Response, Router

_FAULT_KINDS = ("throttle", "error", "slow", "deployment_failure", "quota")
_FAULT_DEFAULTS: dict[str, dict[str, Any]] = {
    "throttle": {"status": 429, "code": "SubscriptionRequestsThrottled", "retry_after": 1},
    "error": {
        "status": 500,
        "code": "InternalServerError",
        "message": "Encountered internal server error. Diagnostic information: timestamp '', "
        "subscription id '', tracking id '', request correlation id ''.",
    },
    "slow": {"delay_ms": 1000},
    "deployment_failure": {
        "status": 409,
        "code": "AllocationFailed",
        "message": "Allocation failed. We do not have sufficient capacity for the requested VM "
        "size in this region. Read more about improving likelihood of allocation success at "
        "http://aka.ms/allocation-guidance",
    },
}


class Control:
    """Handlers under /_sim (no auth, no api-version)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def register(self, router: Router) -> None:
        """Add the routes."""
        router.add("POST", "/_sim/reset", self.reset)
        router.add("GET", "/_sim/delays", self.get_delays)
        router.add("PUT", "/_sim/delays", self.put_delays)
        router.add("GET PUT", "/_sim/settings", self.settings)
        router.add("PUT", "/_sim/metrics", self.put_metrics)
        router.add("POST", "/_sim/faults", self.add_fault)
        router.add("GET", "/_sim/faults", self.list_faults)
        router.add("DELETE", "/_sim/faults", self.clear_faults)
        router.add("GET", "/_sim/requests", self.requests)
        router.add("DELETE", "/_sim/requests", self.clear_requests)
        router.add("GET", "/_sim/state", self.state)

    def reset(self, req: Request) -> Response:
        """Forget groups, resources, deployments, faults, metrics, delays and the request log."""
        self.store.reset()
        return Response(200, {"reset": True})

    def get_delays(self, req: Request) -> Response:
        """Current delays (ms, before scaling) and the scale."""
        return Response(
            200, {"delays_ms": self.store.delays_ms, "delay_scale": self.store.delay_scale}
        )

    def put_delays(self, req: Request) -> Response:
        """Set delays in milliseconds per kind of work: {"vm_power": 20, ...}."""
        body = req.json_object()
        unknown = sorted(set(body) - set(DEFAULT_DELAYS_MS))
        if unknown:
            raise ArmError(
                400,
                "BadRequest",
                f"Unknown delay kinds {unknown}; known: {sorted(DEFAULT_DELAYS_MS)}",
            )
        for kind, ms in body.items():
            self.store.delays_ms[kind] = float(ms)
        return self.get_delays(req)

    def settings(self, req: Request) -> Response:
        """Read or change retry_after (seconds sent in Retry-After) and delay_scale."""
        if req.method == "PUT":
            body = req.json_object()
            if "retry_after" in body:
                self.store.retry_after = int(body["retry_after"])
            if "delay_scale" in body:
                self.store.delay_scale = float(body["delay_scale"])
        return Response(
            200,
            {
                "retry_after": self.store.retry_after,
                "delay_scale": self.store.delay_scale,
                "subscription_id": self.store.subscription_id,
            },
        )

    def put_metrics(self, req: Request) -> Response:
        """Set series: {resource_id: {metric name: [points]}} (replaces those metrics)."""
        body = req.json_object()
        for resource_id, by_metric in body.items():
            if not isinstance(by_metric, dict):
                raise ArmError(
                    400, "BadRequest", "Expected {resource_id: {metric name: [points]}}."
                )
            target = self.store.metrics.setdefault(resource_id.lower().rstrip("/"), {})
            for name, points in by_metric.items():
                target[name.lower()] = (name, normalise_series(list(points)))
        return Response(200, {"resources": len(body)})

    def add_fault(self, req: Request) -> Response:
        """Inject a fault; see README for the kinds and their fields."""
        body = req.json_object()
        kind = str(body.get("kind", ""))
        if kind not in _FAULT_KINDS:
            raise ArmError(400, "BadRequest", f"kind must be one of {list(_FAULT_KINDS)}")
        if kind == "quota":
            location = str(body.get("location", "")).lower()
            family = str(body.get("family", ""))
            if location not in catalog.LOCATIONS or not family:
                raise ArmError(
                    400,
                    "BadRequest",
                    f"quota needs location (one of {list(catalog.LOCATIONS)}) and family (or "
                    "'cores')",
                )
            self.store.quota_overrides[(location, family.lower())] = int(body["limit"])
            return Response(
                201,
                {"kind": kind, "location": location, "family": family, "limit": int(body["limit"])},
            )
        defaults = _FAULT_DEFAULTS[kind]
        merged = {**defaults, **body}
        try:
            fault = Fault(
                kind=kind,
                method=re.compile(str(merged.get("method", ".*")), re.IGNORECASE),
                path=re.compile(str(merged.get("path", ".*")), re.IGNORECASE),
                remaining=int(merged.get("count", 1)),
                status=int(merged.get("status", 429)),
                retry_after=None
                if merged.get("retry_after") is None
                else float(merged["retry_after"]),
                code=str(merged.get("code", "")),
                message=str(merged.get("message") or ""),
                delay_ms=float(merged.get("delay_ms", 0)),
                resource_type=merged.get("resource_type"),
            )
        except (re.error, ValueError, TypeError) as exc:
            raise ArmError(400, "BadRequest", f"Invalid fault: {exc}") from exc
        if kind == "throttle" and not fault.message:
            fault.message = (
                f"Number of 'read' requests for subscription '{self.store.subscription_id}' actor "
                "'00000000-0000-0000-0000-000000000000' exceeded. Please try again after "
                f"'{int(fault.retry_after or 0)}' seconds after additional tokens are available. "
                "Refer to https://aka.ms/arm-throttling for additional information."
            )
        self.store.faults.append(fault)
        return Response(201, _fault_view(fault))

    def list_faults(self, req: Request) -> Response:
        """Faults still armed, and quota overrides."""
        return Response(
            200,
            {
                "faults": [_fault_view(f) for f in self.store.faults if f.remaining > 0],
                "quotas": [
                    {"location": loc, "family": fam, "limit": lim}
                    for (loc, fam), lim in self.store.quota_overrides.items()
                ],
            },
        )

    def clear_faults(self, req: Request) -> Response:
        """Disarm every fault and quota override."""
        self.store.faults.clear()
        self.store.quota_overrides.clear()
        return Response(200, {"cleared": True})

    def requests(self, req: Request) -> Response:
        """The request log, oldest first; filters: method, path (regex), status."""
        entries = list(self.store.request_log)
        method = req.q("method")
        if method:
            entries = [e for e in entries if e["method"].lower() == method.lower()]
        path = req.q("path")
        if path:
            pattern = re.compile(path, re.IGNORECASE)
            entries = [e for e in entries if pattern.search(e["path"])]
        status = req.q("status")
        if status:
            entries = [e for e in entries if str(e["status"]) == status]
        return Response(200, {"requests": entries})

    def clear_requests(self, req: Request) -> Response:
        """Empty the request log."""
        self.store.request_log.clear()
        return Response(200, {"cleared": True})

    def state(self, req: Request) -> Response:
        """A summary of what exists (for debugging and demos)."""
        store = self.store
        return Response(
            200,
            {
                "resource_groups": [g.body(store.subscription_id) for g in store.groups.values()],
                "resources": [
                    {
                        "id": r.id,
                        "provisioningState": r.provisioning_state,
                        **({"power": r.vm.power} if r.vm else {}),
                    }
                    for r in store.resources.values()
                ],
                "deployments": [
                    {"id": d.id, "provisioningState": d.state} for d in store.deployments.values()
                ],
            },
        )


def _fault_view(f: Fault) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "method": f.method.pattern,
        "path": f.path.pattern,
        "remaining": f.remaining,
        "status": f.status,
        "retry_after": f.retry_after,
        "code": f.code,
        "message": f.message,
        "delay_ms": f.delay_ms,
        "resource_type": f.resource_type,
    }
