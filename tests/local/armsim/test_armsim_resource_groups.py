"""Resource groups through azure-mgmt-resource: create/update, existence, tag filter, delete LRO."""

from __future__ import annotations

import pytest
from armsim_templates import SMALL_VM_TEMPLATE, deployment_body
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient

from local.armsim.testing import ArmSim


def test_create_then_update_answers_201_then_200(
    arm: ArmSim, resources: ResourceManagementClient
) -> None:
    created = resources.resource_groups.create_or_update(
        "rg1", {"location": "eastus", "tags": {"owner": "alice"}}
    )
    updated = resources.resource_groups.create_or_update(
        "rg1", {"location": "eastus", "tags": {"owner": "bob"}}
    )

    assert created.id.endswith("/resourceGroups/rg1")
    assert updated.tags == {"owner": "bob"}
    assert resources.resource_groups.get("RG1").tags == {"owner": "bob"}
    puts = arm.requests_log(method="PUT", path="/resourcegroups/rg1$")
    assert [p["status"] for p in puts] == [201, 200]


def test_check_existence_is_true_only_for_existing_groups(
    resources: ResourceManagementClient,
) -> None:
    resources.resource_groups.create_or_update("rg1", {"location": "eastus"})

    assert resources.resource_groups.check_existence("rg1") is True
    assert resources.resource_groups.check_existence("rg2") is False


def test_missing_group_is_resource_group_not_found(resources: ResourceManagementClient) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        resources.resource_groups.get("ghost")

    assert caught.value.error.code == "ResourceGroupNotFound"


def test_unknown_location_is_refused(resources: ResourceManagementClient) -> None:
    with pytest.raises(HttpResponseError) as caught:
        resources.resource_groups.create_or_update("rg1", {"location": "atlantis"})

    assert caught.value.error.code == "LocationNotAvailableForResourceGroup"


def test_list_filters_by_tag_name_and_value(resources: ResourceManagementClient) -> None:
    resources.resource_groups.create_or_update(
        "a", {"location": "eastus", "tags": {"created-by": "beast"}}
    )
    resources.resource_groups.create_or_update(
        "b", {"location": "eastus", "tags": {"created-by": "someone"}}
    )
    resources.resource_groups.create_or_update("c", {"location": "eastus"})

    tagged = resources.resource_groups.list(
        filter="tagName eq 'created-by' and tagValue eq 'beast'"
    )
    any_value = resources.resource_groups.list(filter="tagName eq 'created-by'")

    assert [g.name for g in tagged] == ["a"]
    assert sorted(g.name for g in any_value) == ["a", "b"]
    assert sorted(g.name for g in resources.resource_groups.list()) == ["a", "b", "c"]


def test_delete_is_a_long_running_operation_that_removes_everything_inside(
    arm: ArmSim,
    resources: ResourceManagementClient,
    deployments: DeploymentsMgmtClient,
    compute: ComputeManagementClient,
) -> None:
    resources.resource_groups.create_or_update("rg1", {"location": "eastus"})
    body = deployment_body(
        SMALL_VM_TEMPLATE, adminUsername="beast", adminPassword="Correct-Horse-9"
    )
    deployments.deployments.begin_create_or_update("rg1", "d1", body).result()
    arm.sim_put("/_sim/delays", {"rg_delete": 300})

    poller = resources.resource_groups.begin_delete("rg1")
    state_during = resources.resource_groups.get("rg1").properties.provisioning_state
    poller.result()

    assert state_during == "Deleting"
    assert resources.resource_groups.check_existence("rg1") is False
    assert list(compute.virtual_machines.list_all()) == []
    resources.resource_groups.create_or_update("rg1", {"location": "eastus"})
    assert list(deployments.deployments.list_by_resource_group("rg1")) == []
    assert list(resources.resources.list_by_resource_group("rg1")) == []
    first = arm.requests_log(method="DELETE", path="/resourcegroups/rg1$")
    assert [d["status"] for d in first] == [202]


def test_resources_list_by_group_filters_by_type_and_expands_state(
    resources: ResourceManagementClient, deployments: DeploymentsMgmtClient
) -> None:
    resources.resource_groups.create_or_update("rg1", {"location": "eastus"})
    body = deployment_body(
        SMALL_VM_TEMPLATE, adminUsername="beast", adminPassword="Correct-Horse-9"
    )
    deployments.deployments.begin_create_or_update("rg1", "d1", body).result()

    vms = list(
        resources.resources.list_by_resource_group(
            "rg1",
            filter="resourceType eq 'Microsoft.Compute/virtualMachines'",
            expand="provisioningState,createdTime",
        )
    )
    everything = list(resources.resources.list_by_resource_group("rg1"))

    assert [(v.name, v.provisioning_state) for v in vms] == [("vm", "Succeeded")]
    assert vms[0].created_time is not None
    assert "vnet/default" in {r.name for r in everything}
