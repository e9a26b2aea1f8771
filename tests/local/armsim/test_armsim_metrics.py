"""VM metrics via azure-monitor-querymetrics (metrics:getBatch) and the ARM Metrics_List route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from armsim_templates import SMALL_VM_TEMPLATE, deployment_body
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.monitor.querymetrics import MetricAggregationType, MetricsClient

from local.armsim.testing import ArmSim

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def vm_id(arm: ArmSim, deployments: DeploymentsMgmtClient, group: str) -> str:
    """A deployed VM with 30 minutes of CPU (5 % then 60 %) and network series."""
    body = deployment_body(
        SMALL_VM_TEMPLATE, adminUsername="beast", adminPassword="Correct-Horse-9"
    )
    result = deployments.deployments.begin_create_or_update(group, "d1", body).result()
    vm = result.properties.outputs["vmId"]["value"]
    cpu = [
        {
            "timeStamp": (START + timedelta(minutes=m)).isoformat(),
            "average": 5.0 if m < 15 else 60.0,
        }
        for m in range(30)
    ]
    net = [[(START + timedelta(minutes=m)).isoformat(), 1000.0] for m in range(30)]
    arm.sim_put(
        "/_sim/metrics",
        {vm: {"Percentage CPU": cpu, "Network In Total": net, "Network Out Total": net}},
    )
    return str(vm)


def test_batch_query_returns_series_bucketed_by_granularity(arm: ArmSim, vm_id: str) -> None:
    client = arm.client(MetricsClient)

    results = client.query_resources(
        resource_ids=[vm_id],
        metric_namespace="Microsoft.Compute/virtualMachines",
        metric_names=["Percentage CPU", "Network In Total"],
        timespan=(START, timedelta(minutes=30)),
        granularity=timedelta(minutes=15),
        aggregations=[MetricAggregationType.AVERAGE, MetricAggregationType.TOTAL],
    )

    assert len(results) == 1
    cpu = results[0].metrics["Percentage CPU"]
    assert cpu.unit == "Percent"
    assert [p.average for p in cpu.timeseries[0].data] == [5.0, 60.0]
    net = results[0].metrics["Network In Total"]
    assert [p.total for p in net.timeseries[0].data] == [15000.0, 15000.0]
    assert results[0].granularity == timedelta(minutes=15)


def test_batch_query_outside_the_series_has_empty_buckets(arm: ArmSim, vm_id: str) -> None:
    client = arm.client(MetricsClient)

    results = client.query_resources(
        resource_ids=[vm_id],
        metric_namespace="Microsoft.Compute/virtualMachines",
        metric_names=["Percentage CPU"],
        timespan=(START - timedelta(hours=2), timedelta(hours=1)),
        granularity=timedelta(minutes=30),
    )

    points = results[0].metrics["Percentage CPU"].timeseries[0].data
    assert len(points) == 2
    assert all(p.average is None for p in points)


def test_unknown_vm_metric_is_a_bad_request(arm: ArmSim, vm_id: str) -> None:
    client = arm.client(MetricsClient)

    with pytest.raises(HttpResponseError) as caught:
        client.query_resources(
            resource_ids=[vm_id],
            metric_namespace="Microsoft.Compute/virtualMachines",
            metric_names=["Nope"],
        )

    assert caught.value.status_code == 400


def test_metrics_list_route_answers_the_arm_shape(
    arm: ArmSim, resources: ResourceManagementClient, vm_id: str
) -> None:
    timespan = f"{START.isoformat()}/{(START + timedelta(minutes=30)).isoformat()}"
    request = HttpRequest(
        "GET",
        f"{arm.url}{vm_id}/providers/Microsoft.Insights/metrics",
        params={
            "timespan": timespan,
            "interval": "PT30M",
            "metricnames": "Percentage CPU",
            "aggregation": "Average,Maximum",
            "api-version": "2024-02-01",
        },
    )

    body = resources.send_request(request).json()

    metric = body["value"][0]
    assert metric["name"]["value"] == "Percentage CPU"
    assert metric["timeseries"][0]["data"] == [
        {"timeStamp": "2026-11-20T10:00:00Z", "average": 32.5, "maximum": 60.0}
    ]
    assert body["resourceregion"] == "eastus"
