"""The Metrics port on Azure Monitor's batch metrics API (azure-monitor-querymetrics)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError
from azure.monitor.querymetrics import MetricsClient

from beast.errors import UpstreamError
from beast.ports import Activity

BATCH = 50  # metrics:getBatch takes at most 50 resources per call
CPU = "Percentage CPU"
NETWORK = ("Network In Total", "Network Out Total")
NAMESPACE = "Microsoft.Compute/virtualMachines"


class AzureMetrics:
    """``beast.ports.Metrics`` over metrics:getBatch, one call per 50 VMs of a region."""

    def __init__(
        self, *, credential: TokenCredential, endpoint: str, ca_bundle: str | None = None
    ) -> None:
        self._credential = credential
        self._endpoint = endpoint  # may hold "{region}": the batch API is regional
        self._options: dict[str, Any] = {"connection_verify": ca_bundle} if ca_bundle else {}

    def activity(
        self, vm_ids: Sequence[str], *, region: str, start: datetime, end: datetime
    ) -> Mapping[str, Activity]:
        """Highest hourly CPU and total network bytes per VM over the window."""
        found: dict[str, Activity] = {}
        # Closed after use: the sweep builds one client per region, each with its own pool.
        with MetricsClient(
            self._endpoint.format(region=region), self._credential, **self._options
        ) as client:
            for first in range(0, len(vm_ids), BATCH):
                chunk = list(vm_ids[first : first + BATCH])
                try:
                    results = client.query_resources(
                        resource_ids=chunk,
                        metric_namespace=NAMESPACE,
                        metric_names=[CPU, *NETWORK],
                        timespan=(start, end),
                        granularity=timedelta(hours=1),
                        aggregations=["Maximum", "Total"],
                    )
                except AzureError as exc:
                    raise UpstreamError(
                        f"Azure Monitor did not return metrics for {len(chunk)} VMs in {region}."
                    ) from exc
                for result in results:
                    owner = _resource_of(result.metrics)
                    if owner:
                        found[owner] = _activity(result.metrics)
        return found


def _resource_of(metrics: Sequence[Any]) -> str | None:
    """The VM a result is about: results carry no resource id, but each metric's id
    is ``<resource id>/providers/Microsoft.Insights/metrics/<name>``."""
    for metric in metrics:
        metric_id = str(getattr(metric, "id", "") or "").lower()
        if "/providers/microsoft.insights/metrics" in metric_id:
            return metric_id.split("/providers/microsoft.insights/metrics", 1)[0]
    return None


def _activity(metrics: Sequence[Any]) -> Activity:
    cpu: list[float] = []
    network = 0.0
    for metric in metrics:
        points = [p for series in metric.timeseries or [] for p in series.data or []]
        if metric.name == CPU:
            cpu.extend(p.maximum for p in points if p.maximum is not None)
        elif metric.name in NETWORK:
            network += sum(p.total for p in points if p.total is not None)
    return Activity(max_cpu_percent=max(cpu) if cpu else None, network_bytes=network)
