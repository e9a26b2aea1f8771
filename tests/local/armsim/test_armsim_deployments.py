"""Deployments through azure-mgmt-resource-deployments: LRO, outputs, failures, cancel, validate."""

from __future__ import annotations

import pytest
from armsim_templates import SMALL_VM_TEMPLATE, deployment_body, single_vm_template
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient

from local.armsim.testing import ArmSim

CREDS = {"adminUsername": "beast", "adminPassword": "Correct-Horse-9"}


def test_small_template_deploys_and_reports_outputs(
    deployments: DeploymentsMgmtClient,
    network: NetworkManagementClient,
    compute: ComputeManagementClient,
    group: str,
) -> None:
    result = deployments.deployments.begin_create_or_update(
        group, "d1", deployment_body(SMALL_VM_TEMPLATE, **CREDS)
    ).result()

    assert result.properties.provisioning_state == "Succeeded"
    outputs = result.properties.outputs
    assert outputs["publicIp"]["value"] == network.public_ip_addresses.get(group, "pip").ip_address
    assert outputs["publicIp"]["value"].startswith("20.")
    assert outputs["privateIp"]["value"] == "10.1.0.4"
    output_ids = {r.id.lower() for r in result.properties.output_resources}
    assert outputs["vmId"]["value"].lower() in output_ids
    assert len(output_ids) == 5
    view = compute.virtual_machines.instance_view(group, "vm")
    assert [s.code for s in view.statuses] == ["ProvisioningState/succeeded", "PowerState/running"]


def test_deployment_goes_accepted_then_running_then_succeeded(
    arm: ArmSim, deployments: DeploymentsMgmtClient, group: str
) -> None:
    arm.sim_put(
        "/_sim/delays", {"deployment_accept": 150, "resource_create": 100, "vm_create": 100}
    )
    poller = deployments.deployments.begin_create_or_update(
        group, "d1", deployment_body(SMALL_VM_TEMPLATE, **CREDS)
    )
    seen = [deployments.deployments.get(group, "d1").properties.provisioning_state]
    while not poller.done():
        seen.append(deployments.deployments.get(group, "d1").properties.provisioning_state)
    poller.result()
    seen.append(deployments.deployments.get(group, "d1").properties.provisioning_state)

    assert seen[0] == "Accepted"
    assert "Running" in seen
    assert seen[-1] == "Succeeded"
    puts = arm.requests_log(method="PUT", path="/deployments/d1$")
    assert [r["status"] for r in puts] == [201]


def test_missing_parameter_is_refused_at_put_and_nothing_is_created(
    deployments: DeploymentsMgmtClient, resources: ResourceManagementClient, group: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        deployments.deployments.begin_create_or_update(
            group, "d1", deployment_body(SMALL_VM_TEMPLATE, adminUsername="beast")
        )

    assert caught.value.status_code == 400
    assert caught.value.error.code == "InvalidTemplate"
    assert "adminPassword" in caught.value.error.message
    assert list(resources.resources.list_by_resource_group(group)) == []
    assert list(deployments.deployments.list_by_resource_group(group)) == []


def test_resource_failure_fails_the_deployment_with_a_failed_operation(
    deployments: DeploymentsMgmtClient, resources: ResourceManagementClient, group: str
) -> None:
    body = deployment_body(SMALL_VM_TEMPLATE, vmSize="Standard_E64s_v3", **CREDS)

    with pytest.raises(HttpResponseError) as caught:
        deployments.deployments.begin_create_or_update(group, "d1", body).result()

    assert caught.value.error.code == "DeploymentFailed"
    inner = caught.value.error.details[0]
    assert inner.code == "OperationNotAllowed"
    assert "Current Limit: 10, Current Usage: 0, Additional Required: 64" in inner.message
    dep = deployments.deployments.get(group, "d1")
    assert dep.properties.provisioning_state == "Failed"
    assert dep.properties.error.code == "DeploymentFailed"
    ops = list(deployments.deployment_operations.list(group, "d1"))
    failed = [o for o in ops if o.properties.provisioning_state == "Failed"]
    assert len(failed) == 1
    assert failed[0].properties.target_resource.resource_type == "Microsoft.Compute/virtualMachines"
    assert failed[0].properties.status_code == "Conflict"
    assert failed[0].properties.status_message.error.code == "OperationNotAllowed"
    created = {r.type for r in resources.resources.list_by_resource_group(group)}
    assert "Microsoft.Compute/virtualMachines" not in created
    assert "Microsoft.Network/networkInterfaces" in created


def test_injected_failure_fails_the_next_deployment_only(
    arm: ArmSim, deployments: DeploymentsMgmtClient, group: str
) -> None:
    arm.sim_post(
        "/_sim/faults",
        {"kind": "deployment_failure", "code": "AllocationFailed", "message": "No capacity."},
    )

    with pytest.raises(HttpResponseError) as caught:
        deployments.deployments.begin_create_or_update(
            group, "d1", deployment_body(SMALL_VM_TEMPLATE, **CREDS)
        ).result()
    second = deployments.deployments.begin_create_or_update(
        group, "d2", deployment_body(SMALL_VM_TEMPLATE, **CREDS)
    ).result()

    assert caught.value.error.details[0].code == "AllocationFailed"
    assert second.properties.provisioning_state == "Succeeded"


def test_cancel_stops_a_running_deployment_before_its_remaining_resources(
    arm: ArmSim, deployments: DeploymentsMgmtClient, resources: ResourceManagementClient, group: str
) -> None:
    arm.sim_put("/_sim/delays", {"resource_create": 60000})
    deployments.deployments.begin_create_or_update(
        group, "d1", deployment_body(SMALL_VM_TEMPLATE, **CREDS), polling=False
    )

    deployments.deployments.cancel(group, "d1")

    dep = deployments.deployments.get(group, "d1")
    assert dep.properties.provisioning_state == "Canceled"
    assert len(list(resources.resources.list_by_resource_group(group))) <= 1


def test_cancel_of_a_finished_deployment_is_a_conflict(
    deployments: DeploymentsMgmtClient, group: str
) -> None:
    deployments.deployments.begin_create_or_update(
        group, "d1", deployment_body(SMALL_VM_TEMPLATE, **CREDS)
    ).result()

    with pytest.raises(HttpResponseError) as caught:
        deployments.deployments.cancel(group, "d1")

    assert caught.value.status_code == 409


def test_validate_reports_vcpu_quota_as_invalid_template_deployment(
    deployments: DeploymentsMgmtClient, group: str
) -> None:
    body = deployment_body(single_vm_template("Standard_E64s_v3"), **CREDS)

    with pytest.raises(HttpResponseError) as caught:
        deployments.deployments.begin_validate(group, "d1", body).result()

    assert caught.value.status_code == 400
    assert caught.value.error.code == "InvalidTemplateDeployment"
    assert caught.value.error.details[0].code == "QuotaExceeded"


def test_validate_accepts_a_good_template_without_creating_anything(
    deployments: DeploymentsMgmtClient, resources: ResourceManagementClient, group: str
) -> None:
    result = deployments.deployments.begin_validate(
        group, "d1", deployment_body(SMALL_VM_TEMPLATE, **CREDS)
    ).result()

    assert result.properties.provisioning_state == "Succeeded"
    assert len(result.properties.validated_resources) == 5
    assert list(resources.resources.list_by_resource_group(group)) == []


def test_deployments_list_filters_by_provisioning_state(
    deployments: DeploymentsMgmtClient, group: str
) -> None:
    deployments.deployments.begin_create_or_update(
        group, "good", deployment_body(SMALL_VM_TEMPLATE, **CREDS)
    ).result()
    with pytest.raises(HttpResponseError):
        deployments.deployments.begin_create_or_update(
            group, "bad", deployment_body(single_vm_template("Standard_M64s"), **CREDS)
        ).result()

    failed = deployments.deployments.list_by_resource_group(
        group, filter="provisioningState eq 'Failed'"
    )

    assert [d.name for d in failed] == ["bad"]
    assert {d.name for d in deployments.deployments.list_by_resource_group(group)} == {
        "good",
        "bad",
    }


def test_secure_parameters_are_never_echoed(
    deployments: DeploymentsMgmtClient, compute: ComputeManagementClient, group: str
) -> None:
    deployments.deployments.begin_create_or_update(
        group, "d1", deployment_body(SMALL_VM_TEMPLATE, **CREDS)
    ).result()

    dep = deployments.deployments.get(group, "d1")
    vm = compute.virtual_machines.get(group, "vm")

    assert dep.properties.parameters["adminPassword"] == {"type": "SecureString"}
    assert dep.properties.parameters["adminUsername"]["value"] == "beast"
    assert vm.os_profile.admin_password is None
    assert vm.os_profile.admin_username == "beast"


def test_unknown_deployment_and_group_have_arm_404_codes(
    deployments: DeploymentsMgmtClient, group: str
) -> None:
    with pytest.raises(ResourceNotFoundError) as missing_dep:
        deployments.deployments.get(group, "nope")
    with pytest.raises(ResourceNotFoundError) as missing_group:
        deployments.deployments.begin_create_or_update(
            "no-such-group", "d1", deployment_body(SMALL_VM_TEMPLATE, **CREDS)
        )

    assert missing_dep.value.error.code == "DeploymentNotFound"
    assert missing_group.value.error.code == "ResourceGroupNotFound"
    assert missing_group.value.error.message == "Resource group 'no-such-group' could not be found."
