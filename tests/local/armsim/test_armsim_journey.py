"""The whole life of a Beast VM through the SDKs, and many deployments at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from armsim_templates import SMALL_VM_TEMPLATE, deployment_body
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient

from local.armsim.testing import ArmSim

CREDS = {"adminUsername": "beast", "adminPassword": "Correct-Horse-9"}


def power(compute: ComputeManagementClient, group: str) -> str:
    return str(compute.virtual_machines.instance_view(group, "vm").statuses[-1].code)


def test_create_deploy_deallocate_start_and_delete_a_vm(
    arm: ArmSim,
    resources: ResourceManagementClient,
    deployments: DeploymentsMgmtClient,
    compute: ComputeManagementClient,
) -> None:
    resources.resource_groups.create_or_update(
        "beast-alice-1", {"location": "westeurope", "tags": {"owner": "alice"}}
    )
    body = deployment_body(SMALL_VM_TEMPLATE, vmSize="Standard_D4s_v5", **CREDS)

    deployed = deployments.deployments.begin_create_or_update(
        "beast-alice-1", "beast-op-1", body
    ).result()
    assert deployed.properties.outputs["publicIp"]["value"].startswith("20.")
    assert power(compute, "beast-alice-1") == "PowerState/running"

    compute.virtual_machines.begin_deallocate("beast-alice-1", "vm").result()
    assert power(compute, "beast-alice-1") == "PowerState/deallocated"

    compute.virtual_machines.begin_start("beast-alice-1", "vm").result()
    assert power(compute, "beast-alice-1") == "PowerState/running"

    resources.resource_groups.begin_delete("beast-alice-1").result()
    assert resources.resource_groups.check_existence("beast-alice-1") is False
    assert list(compute.virtual_machines.list_all()) == []
    usage = {u.name.value: u.current_value for u in compute.usage.list("westeurope")}
    assert usage["standardDSv5Family"] == 0
    assert len(arm.requests_log(method="PUT", path="/deployments/beast-op-1$")) == 1


def test_concurrent_deployments_in_separate_groups_all_succeed(
    arm: ArmSim,
    resources: ResourceManagementClient,
    deployments: DeploymentsMgmtClient,
    compute: ComputeManagementClient,
) -> None:
    arm.sim_post(
        "/_sim/faults",
        {"kind": "quota", "location": "eastus", "family": "standardESv3Family", "limit": 100},
    )
    groups = [f"beast-{i}" for i in range(8)]
    for g in groups:
        resources.resource_groups.create_or_update(g, {"location": "eastus"})

    def deploy(group: str) -> str:
        result = deployments.deployments.begin_create_or_update(
            group, "d", deployment_body(SMALL_VM_TEMPLATE, **CREDS)
        ).result()
        return str(result.properties.outputs["publicIp"]["value"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        addresses = list(pool.map(deploy, groups))

    assert len(set(addresses)) == len(groups)
    assert len(list(compute.virtual_machines.list_all())) == len(groups)
    usage = {u.name.value: u.current_value for u in compute.usage.list("eastus")}
    assert usage["standardESv3Family"] == 4 * len(groups)
