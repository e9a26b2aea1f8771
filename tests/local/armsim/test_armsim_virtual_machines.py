"""Virtual machines through azure-mgmt-compute: instance view, power operations, delete, and
the checks CRP makes on a VM PUT (image, size, quota, admin name)."""

from __future__ import annotations

from typing import Any

import pytest
from armsim_templates import SMALL_VM_TEMPLATE, deployment_body
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient

from local.armsim.testing import ArmSim

CREDS = {"adminUsername": "beast", "adminPassword": "Correct-Horse-9"}


@pytest.fixture
def vm(deployments: DeploymentsMgmtClient, group: str) -> str:
    """A running VM named 'vm' (Standard_E4s_v3, eastus) deployed from the small template."""
    deployments.deployments.begin_create_or_update(
        group, "d1", deployment_body(SMALL_VM_TEMPLATE, **CREDS)
    ).result()
    return "vm"


def power_state(compute: ComputeManagementClient, group: str, name: str) -> str:
    statuses = compute.virtual_machines.instance_view(group, name).statuses
    return next(s.code for s in statuses if s.code.startswith("PowerState/"))


def vm_body(
    size: str = "Standard_E4s_v3",
    *,
    location: str = "eastus",
    admin: str = "beast",
    image: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "location": location,
        "properties": {
            "hardwareProfile": {"vmSize": size},
            "storageProfile": {
                "imageReference": image
                or {
                    "publisher": "microsoft-dsvm",
                    "offer": "ubuntu-2204",
                    "sku": "2204-gen2",
                    "version": "latest",
                }
            },
            "osProfile": {
                "computerName": "x",
                "adminUsername": admin,
                "adminPassword": "Correct-Horse-9",
            },
            "networkProfile": {"networkInterfaces": []},
        },
    }


def test_get_with_instance_view_expansion_reports_running(
    compute: ComputeManagementClient, group: str, vm: str
) -> None:
    got = compute.virtual_machines.get(group, vm, expand="instanceView")

    assert got.hardware_profile.vm_size == "Standard_E4s_v3"
    assert got.provisioning_state == "Succeeded"
    codes = [s.code for s in got.instance_view.statuses]
    assert codes == ["ProvisioningState/succeeded", "PowerState/running"]
    assert got.instance_view.statuses[1].display_status == "VM running"


def test_deallocate_passes_through_deallocating_to_deallocated(
    arm: ArmSim, compute: ComputeManagementClient, group: str, vm: str
) -> None:
    arm.sim_put("/_sim/delays", {"vm_power": 300})

    poller = compute.virtual_machines.begin_deallocate(group, vm)
    during = power_state(compute, group, vm)
    provisioning_during = compute.virtual_machines.get(group, vm).provisioning_state
    poller.result()

    assert during == "PowerState/deallocating"
    assert provisioning_during == "Updating"
    assert power_state(compute, group, vm) == "PowerState/deallocated"
    assert compute.virtual_machines.get(group, vm).provisioning_state == "Succeeded"


def test_power_operations_answer_202_with_async_operation_and_location(
    arm: ArmSim, compute: ComputeManagementClient, group: str, vm: str
) -> None:
    compute.virtual_machines.begin_power_off(group, vm).result()

    posts = arm.requests_log(method="POST", path="/powerOff$")
    monitor = arm.requests_log(method="GET", path="/operations/")
    assert [p["status"] for p in posts] == [202]
    assert any("monitor=true" in m["query"] for m in monitor)
    assert power_state(compute, group, vm) == "PowerState/stopped"


def test_start_after_deallocate_runs_again(
    compute: ComputeManagementClient, group: str, vm: str
) -> None:
    compute.virtual_machines.begin_deallocate(group, vm).result()
    compute.virtual_machines.begin_start(group, vm).result()

    assert power_state(compute, group, vm) == "PowerState/running"


def test_restart_keeps_a_running_vm_running(
    compute: ComputeManagementClient, group: str, vm: str
) -> None:
    compute.virtual_machines.begin_restart(group, vm).result()

    assert power_state(compute, group, vm) == "PowerState/running"


def test_restart_of_a_deallocated_vm_is_not_allowed(
    compute: ComputeManagementClient, group: str, vm: str
) -> None:
    compute.virtual_machines.begin_deallocate(group, vm).result()

    with pytest.raises(ResourceExistsError) as caught:
        compute.virtual_machines.begin_restart(group, vm).result()

    assert caught.value.error.code == "OperationNotAllowed"


def test_a_newer_power_operation_preempts_the_one_in_flight(
    arm: ArmSim, compute: ComputeManagementClient, group: str, vm: str
) -> None:
    arm.sim_put("/_sim/delays", {"vm_power": 5000})
    first = compute.virtual_machines.begin_power_off(group, vm)
    arm.sim_put("/_sim/delays", {"vm_power": 10})

    compute.virtual_machines.begin_deallocate(group, vm).result()

    with pytest.raises(HttpResponseError) as caught:
        first.result()
    assert caught.value.error.code == "OperationPreempted"
    assert power_state(compute, group, vm) == "PowerState/deallocated"


def test_deleting_the_group_ends_a_power_operation_in_flight(
    arm: ArmSim,
    resources: ResourceManagementClient,
    compute: ComputeManagementClient,
    group: str,
    vm: str,
) -> None:
    arm.sim_put("/_sim/delays", {"vm_power": 60000, "rg_delete": 10})
    deallocating = compute.virtual_machines.begin_deallocate(group, vm)

    resources.resource_groups.begin_delete(group).result()

    # wait(timeout) returns quietly when time runs out: allow a loaded machine plenty.
    with pytest.raises(HttpResponseError) as caught:
        deallocating.wait(timeout=60)
    assert caught.value.error.code == "OperationPreempted"


def test_delete_removes_the_vm(compute: ComputeManagementClient, group: str, vm: str) -> None:
    compute.virtual_machines.begin_delete(group, vm).result()

    with pytest.raises(ResourceNotFoundError) as caught:
        compute.virtual_machines.get(group, vm)
    assert caught.value.error.code == "ResourceNotFound"
    assert "Microsoft.Compute/virtualMachines/vm" in caught.value.error.message


def test_vm_names_and_groups_are_case_insensitive(
    compute: ComputeManagementClient, group: str, vm: str
) -> None:
    got = compute.virtual_machines.get(group.upper(), vm.upper())

    assert got.name == "vm"


def test_list_and_list_all_return_the_vm(
    compute: ComputeManagementClient, group: str, vm: str
) -> None:
    assert [v.name for v in compute.virtual_machines.list(group)] == ["vm"]
    listed = list(compute.virtual_machines.list_all(status_only="true"))
    assert [v.name for v in listed] == ["vm"]
    assert listed[0].instance_view.statuses[1].code == "PowerState/running"


def test_direct_put_creates_a_vm(compute: ComputeManagementClient, group: str) -> None:
    created = compute.virtual_machines.begin_create_or_update(group, "direct", vm_body()).result()

    assert created.provisioning_state == "Succeeded"
    assert power_state(compute, group, "direct") == "PowerState/running"


def test_vcpu_family_quota_is_enforced_with_the_real_sentence(
    compute: ComputeManagementClient, group: str
) -> None:
    compute.virtual_machines.begin_create_or_update(group, "a", vm_body("Standard_E8s_v3")).result()

    with pytest.raises(ResourceExistsError) as caught:
        compute.virtual_machines.begin_create_or_update(group, "b", vm_body("Standard_E4s_v3"))

    assert caught.value.status_code == 409
    assert caught.value.error.code == "OperationNotAllowed"
    assert caught.value.error.message.startswith(
        "Operation could not be completed as it results in exceeding approved "
        "standardESv3Family Cores quota. "
        "Additional details - Deployment Model: Resource Manager, Location: eastus, Current "
        "Limit: 10, "
        "Current Usage: 8, Additional Required: 4, (Minimum) New Limit Required: 12."
    )


def test_deallocated_vms_still_count_against_quota(
    compute: ComputeManagementClient, group: str
) -> None:
    compute.virtual_machines.begin_create_or_update(group, "a", vm_body("Standard_E8s_v3")).result()
    compute.virtual_machines.begin_deallocate(group, "a").result()

    with pytest.raises(ResourceExistsError):
        compute.virtual_machines.begin_create_or_update(group, "b", vm_body("Standard_E4s_v3"))


def test_regional_quota_is_enforced(
    arm: ArmSim, compute: ComputeManagementClient, group: str
) -> None:
    arm.sim_post(
        "/_sim/faults", {"kind": "quota", "location": "eastus", "family": "cores", "limit": 6}
    )

    with pytest.raises(ResourceExistsError) as caught:
        compute.virtual_machines.begin_create_or_update(group, "a", vm_body("Standard_E8s_v3"))

    assert "Total Regional Cores quota" in caught.value.error.message
    assert (
        "Current Limit: 6, Current Usage: 0, Additional Required: 8" in caught.value.error.message
    )


def test_family_with_zero_quota_refuses_a_gpu_vm(
    compute: ComputeManagementClient, group: str
) -> None:
    with pytest.raises(ResourceExistsError) as caught:
        compute.virtual_machines.begin_create_or_update(
            group, "gpu", vm_body("Standard_NC4as_T4_v3")
        )

    assert "standardNCASv3_T4Family Cores quota" in caught.value.error.message


def test_restricted_size_is_sku_not_available(
    arm: ArmSim, compute: ComputeManagementClient, resources: Any
) -> None:
    resources.resource_groups.create_or_update("weu", {"location": "westeurope"})
    arm.sim_post(
        "/_sim/faults",
        {"kind": "quota", "location": "westeurope", "family": "standardMSFamily", "limit": 500},
    )

    with pytest.raises(HttpResponseError) as caught:
        compute.virtual_machines.begin_create_or_update(
            "weu", "m", vm_body("Standard_M128s", location="westeurope")
        )

    assert caught.value.error.code == "SkuNotAvailable"
    assert "Standard_M128s" in caught.value.error.message


def test_size_not_offered_in_the_region_is_invalid_parameter(
    compute: ComputeManagementClient, resources: Any
) -> None:
    resources.resource_groups.create_or_update("weu", {"location": "westeurope"})

    with pytest.raises(HttpResponseError) as caught:
        compute.virtual_machines.begin_create_or_update(
            "weu", "a100", vm_body("Standard_NC24ads_A100_v4", location="westeurope")
        )

    assert caught.value.status_code == 400
    assert caught.value.error.code == "InvalidParameter"
    assert caught.value.error.target == "vmSize"


@pytest.mark.parametrize("admin", ["Alice", "admin", "root"])
def test_admin_username_with_capitals_or_reserved_is_invalid_parameter(
    compute: ComputeManagementClient, group: str, admin: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        compute.virtual_machines.begin_create_or_update(group, "v", vm_body(admin=admin))

    assert caught.value.status_code == 400
    assert caught.value.error.code == "InvalidParameter"
    assert caught.value.error.target == "adminUsername"


def test_retired_image_is_platform_image_not_found(
    compute: ComputeManagementClient, group: str
) -> None:
    image = {
        "publisher": "microsoft-dsvm",
        "offer": "ubuntu-1804",
        "sku": "1804-gen2",
        "version": "latest",
    }

    with pytest.raises(ResourceNotFoundError) as caught:
        compute.virtual_machines.begin_create_or_update(group, "v", vm_body(image=image))

    assert caught.value.error.code == "PlatformImageNotFound"
    assert "microsoft-dsvm:ubuntu-1804:1804-gen2:latest" in caught.value.error.message


def test_gen2_image_on_a_gen1_only_size_is_refused(
    compute: ComputeManagementClient, group: str, arm: ArmSim
) -> None:
    image = {
        "publisher": "microsoft-dsvm",
        "offer": "ubuntu-2204",
        "sku": "2204",
        "version": "latest",
    }
    arm.sim_post(
        "/_sim/faults",
        {
            "kind": "quota",
            "location": "eastus",
            "family": "StandardNCADSA100v4Family",
            "limit": 100,
        },
    )

    with pytest.raises(HttpResponseError) as caught:
        compute.virtual_machines.begin_create_or_update(
            group, "v", vm_body("Standard_NC24ads_A100_v4", image=image)
        )

    assert "Hypervisor Generation" in caught.value.error.message
