"""Every compiled VM template in bicep/ deploys in the simulator with the parameters Beast sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from armsim_templates import deployment_body
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient

BICEP_DIR = Path(__file__).resolve().parents[3] / "bicep"
TEMPLATES = sorted(BICEP_DIR.glob("vmtemplate*.json"))
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBeastBeastBeastBeastBeastBeastBeastBeast beast"
# Values for every required parameter a VM template may declare; an unknown one fails the test.
REQUIRED_VALUES: dict[str, Any] = {
    "adminUsername": "beastuser",
    "adminPassword": "Correct-Horse-9",
    "adminPublicKey": PUBLIC_KEY,
    "vpnRootCertData": "MIIC5jCCAc6gAwIBAgIQBeastRootCertificateData",
}


def test_there_are_templates_to_deploy() -> None:
    assert [p.name for p in TEMPLATES], "no bicep/vmtemplate*.json found"


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.stem for p in TEMPLATES])
def test_vm_template_deploys_to_succeeded_with_a_running_vm(
    path: Path,
    resources: ResourceManagementClient,
    deployments: DeploymentsMgmtClient,
    compute: ComputeManagementClient,
    network: NetworkManagementClient,
) -> None:
    template = json.loads(path.read_text())
    declared = template.get("parameters") or {}
    required = [n for n, d in declared.items() if "defaultValue" not in d]
    unknown = [n for n in required if n not in REQUIRED_VALUES]
    assert not unknown, f"{path.name} requires parameters this test cannot fill: {unknown}"
    resources.resource_groups.create_or_update("beast-bicep", {"location": "eastus"})

    result = deployments.deployments.begin_create_or_update(
        "beast-bicep", "d1", deployment_body(template, **{n: REQUIRED_VALUES[n] for n in required})
    ).result()

    assert result.properties.provisioning_state == "Succeeded"
    outputs = result.properties.outputs
    assert set(outputs) == set(template.get("outputs") or {})
    vm_id = outputs["vmId"]["value"]
    vm_name = vm_id.rsplit("/", 1)[-1]
    statuses = compute.virtual_machines.instance_view("beast-bicep", vm_name).statuses
    assert statuses[-1].code == "PowerState/running"
    if "privateIp" in outputs:
        assert outputs["privateIp"]["value"].count(".") == 3
    if "publicIp" in outputs:
        assert outputs["publicIp"]["value"].startswith("20.")
    if "gatewayIp" in outputs:
        gateways = list(network.virtual_network_gateways.list("beast-bicep"))
        assert len(gateways) == 1
        assert outputs["gatewayIp"]["value"].startswith("20.")
    created = {r.id.lower() for r in resources.resources.list_by_resource_group("beast-bicep")}
    assert {r.id.lower() for r in result.properties.output_resources} <= created
