"""Platform metrics: Metrics_List (ARM, azure-mgmt-monitor) and metrics:getBatch
(azure-monitor-querymetrics).

Series come from /_sim/metrics; a query buckets them by its interval over its time range and
returns the requested aggregations, with empty buckets holding only a timeStamp, as Azure does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import isodate

from local.armsim.errors import ArmError, resource_not_found
from local.armsim.ids import parse_resource_id
from local.armsim.state import Store
from local.armsim.web import Request, Response, Router

# VM metric definitions Beast reads (name -> unit, description).
VM_METRICS: dict[str, tuple[str, str]] = {
    "Percentage CPU": (
        "Percent",
        "The percentage of allocated compute units that are currently in use by the Virtual "
        "Machine(s)",
    ),
    "Network In Total": (
        "Bytes",
        "The number of bytes received on all network interfaces by the Virtual Machine(s) "
        "(Incoming Traffic)",
    ),
    "Network Out Total": (
        "Bytes",
        "The number of bytes out on all network interfaces by the Virtual Machine(s) (Outgoing "
        "Traffic)",
    ),
    "Available Memory Bytes": (
        "Bytes",
        "Amount of physical memory, in bytes, immediately available for allocation to a "
        "process or for system use in the Virtual Machine",
    ),
    "Disk Read Bytes": ("Bytes", "Bytes read from disk during monitoring period"),
    "Disk Write Bytes": ("Bytes", "Bytes written to disk during monitoring period"),
}
_AGGREGATIONS = ("average", "minimum", "maximum", "total", "count")


def normalise_series(points: list[Any]) -> list[dict[str, Any]]:
    """Accept {"timeStamp", "average"...}, {"timeStamp", "value"} or [timeStamp, value]."""
    out: list[dict[str, Any]] = []
    for p in points:
        if isinstance(p, list | tuple):
            p = {"timeStamp": p[0], "value": p[1]}
        if not isinstance(p, dict) or "timeStamp" not in p:
            raise ArmError(400, "BadRequest", f"A metric point needs a timeStamp: {p!r}")
        point: dict[str, Any] = {"t": _parse_time(str(p["timeStamp"]))}
        if "value" in p:
            v = float(p["value"])
            point.update(average=v, minimum=v, maximum=v, total=v, count=1.0)
        for agg in _AGGREGATIONS:
            if agg in p:
                point[agg] = float(p[agg])
        # A one-sample point: its other aggregations follow from the one given.
        known = point.get("average", point.get("total", point.get("maximum", point.get("minimum"))))
        if known is not None:
            for agg in ("average", "minimum", "maximum", "total"):
                point.setdefault(agg, known)
            point.setdefault("count", 1.0)
        out.append(point)
    out.sort(key=lambda x: x["t"])
    return out


def _parse_time(text: str) -> datetime:
    # A '+' of an offset arrives as a space when a client did not percent-encode it.
    try:
        value: datetime = isodate.parse_datetime(text.strip().replace(" ", "+"))
    except (isodate.ISO8601Error, ValueError) as exc:
        raise ArmError(400, "BadRequest", f"Invalid time '{text}'.") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _fmt(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Metrics:
    """Handlers for both metrics APIs."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def register(self, router: Router) -> None:
        """Add the routes (before the generic resource routes)."""
        router.add("POST", "/subscriptions/{sub}/metrics:getBatch", self.batch)
        router.add("GET", "{uri:path}/providers/Microsoft.Insights/metrics", self.list_metrics)

    def list_metrics(self, req: Request, uri: str) -> Response:
        """Metrics_List for one resource."""
        rid = parse_resource_id(uri)
        res = self.store.resource(str(rid))
        if res is None and str(rid).lower() not in self.store.metrics:
            raise resource_not_found(rid.type_and_name, rid.resource_group)
        start, end = _timespan(req.q("timespan"))
        interval = _interval(req.q("interval") or "PT1M", start, end)
        names = _names(req.q("metricnames"))
        aggs = _aggs(req.q("aggregation"))
        region = str((res.body if res else {}).get("location", ""))
        body = {
            "cost": 0,
            "timespan": f"{_fmt(start)}/{_fmt(end)}",
            "interval": isodate.duration_isoformat(interval),
            "value": [self._metric(str(rid), n, start, end, interval, aggs) for n in names],
            "namespace": req.q("metricnamespace") or rid.type,
            "resourceregion": region,
        }
        return Response(200, body)

    def batch(self, req: Request, sub: str) -> Response:
        """metrics:getBatch (api 2024-02-01: starttime/endtime, never timespan)."""
        if req.q("timespan"):
            raise ArmError(
                400,
                "BadRequest",
                "Detected invalid time range parameters for API version 2024-02-01. Please use "
                "only starttime and endtime to specify a time range.",
                headers={"x-ms-error-code": "BadRequest"},
            )
        namespace = req.q("metricnamespace")
        if not namespace or not req.q("metricnames"):
            raise ArmError(400, "BadRequest", "metricnamespace and metricnames are required.")
        ids = req.json_object().get("resourceids") or []
        if not ids or len(ids) > 50:
            raise ArmError(400, "BadRequest", "Between 1 and 50 resource ids are required.")
        end = _parse_time(req.q("endtime") or "") if req.q("endtime") else datetime.now(UTC)
        start = (
            _parse_time(req.q("starttime") or "")
            if req.q("starttime")
            else end - timedelta(hours=1)
        )
        interval = _interval(req.q("interval") or "PT1M", start, end)
        names = _names(req.q("metricnames"))
        aggs = _aggs(req.q("aggregation"))
        values = []
        for raw in ids:
            rid = parse_resource_id(str(raw))
            res = self.store.resource(str(rid))
            values.append(
                {
                    "starttime": _fmt(start),
                    "endtime": _fmt(end),
                    "interval": isodate.duration_isoformat(interval),
                    "namespace": namespace,
                    "resourceregion": str((res.body if res else {}).get("location", "")),
                    "resourceid": str(raw),
                    "value": [self._metric(str(rid), n, start, end, interval, aggs) for n in names],
                }
            )
        return Response(200, {"values": values})

    def _metric(
        self,
        rid: str,
        name: str,
        start: datetime,
        end: datetime,
        interval: timedelta,
        aggs: list[str],
    ) -> dict[str, Any]:
        series = self.store.metrics.get(rid.lower(), {})
        display, points = series.get(name.lower(), (name, []))
        is_vm = "/microsoft.compute/virtualmachines/" in rid.lower()
        known = next((k for k in VM_METRICS if k.lower() == name.lower()), None)
        if is_vm and known is None and name.lower() not in series:
            raise ArmError(
                400,
                "BadRequest",
                "Failed to find metric configuration for provider: Microsoft.Compute, resource "
                "Type: "
                f"virtualMachines, metric: {name}, Valid metrics: {','.join(VM_METRICS)}",
            )
        display = known or display
        unit, description = VM_METRICS.get(display, ("Unspecified", ""))
        data = []
        t = start
        while t < end:
            bucket_end = min(t + interval, end)
            inside = [p for p in points if t <= p["t"] < bucket_end]
            point: dict[str, Any] = {"timeStamp": _fmt(t)}
            if inside:
                for agg in aggs:
                    vals = [p[agg] for p in inside if agg in p]
                    if not vals:
                        continue
                    if agg == "average":
                        point[agg] = sum(vals) / len(vals)
                    elif agg == "minimum":
                        point[agg] = min(vals)
                    elif agg == "maximum":
                        point[agg] = max(vals)
                    else:
                        point[agg] = sum(vals)
            data.append(point)
            t = bucket_end
        return {
            "id": f"{rid}/providers/Microsoft.Insights/metrics/{display}",
            "type": "Microsoft.Insights/metrics",
            "name": {"value": display, "localizedValue": display},
            "displayDescription": description,
            "unit": unit,
            "timeseries": [{"metadatavalues": [], "data": data}],
            "errorCode": "Success",
        }


def _timespan(value: str | None) -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    if not value:
        return now - timedelta(hours=1), now
    first, _, second = value.partition("/")
    if not second:
        return now - isodate.parse_duration(first), now
    start = _parse_time(first)
    end = (
        start + isodate.parse_duration(second)
        if second.upper().startswith("P")
        else _parse_time(second)
    )
    return start, end


def _interval(value: str, start: datetime, end: datetime) -> timedelta:
    if value.upper() == "FULL":
        return max(end - start, timedelta(seconds=1))
    parsed = isodate.parse_duration(value)
    if not isinstance(parsed, timedelta) or parsed <= timedelta(0):
        raise ArmError(400, "BadRequest", f"Invalid interval '{value}'.")
    return parsed


def _names(value: str | None) -> list[str]:
    if not value:
        raise ArmError(400, "BadRequest", "metricnames is required.")
    # The querymetrics SDK escapes commas inside a name as %2.
    return [n.strip().replace("%2", ",") for n in value.split(",") if n.strip()]


def _aggs(value: str | None) -> list[str]:
    if not value:
        return ["average"]
    return [a.strip().lower() for a in value.split(",") if a.strip()]
