"""The compiled VM templates evaluate in the ARM simulator's template engine as ARM would.

Bad values must be refused by prepare(), which is what ARM does before it creates the
first resource; good values must render every resource and the agreed outputs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from bicep_drift import BICEP_DIR

from local.armsim.engine import Plan, Scope, TemplateError, prepare

SCOPE = Scope(
    subscription_id="00000000-0000-0000-0000-0000000000b1",
    resource_group="beast-alice-1",
    location="eastus",
    deployment_name="beast-op-1",
)
TAGS = {
    "owner": "alice",
    "created-by": "beast",
    "beast-operation": "op-1",
    "keep-until": "2026-12-01",
}
BEAST_SENDS: dict[str, Any] = {
    "vmModel": "Standard_E8s_v3",
    "osDiskSize": 512,
    "osDiskType": "Premium_LRS",
    "projectName": "beast-alice-1",
    "adminUsername": "alice",
    "location": "westeurope",
    "allowedSourcePrefixes": ["203.0.113.0/24"],
    "tags": TAGS,
}
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBeastBeastBeastBeastBeastBeastBeastBeast alice"
CREDENTIALS: dict[str, dict[str, Any]] = {
    "vmtemplate": {"adminPassword": "Correct-Horse-9"},
    "vmtemplate_ssh": {"adminPublicKey": PUBLIC_KEY},
    "vmtemplate_vpn": {"adminPublicKey": PUBLIC_KEY, "vpnRootCertData": "MIIC5jCCAc6gAwIBAgIQ"},
}
VPN_DISK = {"dataDiskSize": 256, "dataDiskType": "StandardSSD_LRS"}


def fake_reference(resource_id: str, api_version: str | None, full: bool) -> dict[str, Any]:
    """What the simulator's state would hold for the resources the outputs read."""
    return {
        "ipAddress": "20.0.0.7",
        "dnsSettings": {"fqdn": "beast-alice-1-x.westeurope.cloudapp.azure.com"},
        "ipConfigurations": [{"properties": {"privateIPAddress": "10.1.0.4"}}],
    }


def load(stem: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((BICEP_DIR / f"{stem}.json").read_text())
    return result


def plan_for(stem: str, values: dict[str, Any]) -> Plan:
    return prepare(load(stem), {k: {"value": v} for k, v in values.items()}, SCOPE)


def beast_values(stem: str, **overrides: Any) -> dict[str, Any]:
    extra = VPN_DISK if stem == "vmtemplate_vpn" else {}
    return {**BEAST_SENDS, **CREDENTIALS[stem], **extra, **overrides}


def rendered(plan: Plan) -> dict[str, dict[str, Any]]:
    return {d.type: plan.render(d, fake_reference) for d in plan.resources}


VARIANTS = ["vmtemplate", "vmtemplate_ssh", "vmtemplate_vpn"]


@pytest.mark.parametrize("stem", VARIANTS)
def test_template_deploys_with_the_parameters_beast_sends(stem: str) -> None:
    plan = plan_for(stem, beast_values(stem))
    bodies = [plan.render(d, fake_reference) for d in plan.resources]
    assert all(body["tags"] == TAGS for body in bodies)
    assert all(body["location"] == "westeurope" for body in bodies)
    vm = rendered(plan)["Microsoft.Compute/virtualMachines"]
    assert vm["name"] == "beast-alice-1"
    assert vm["properties"]["hardwareProfile"]["vmSize"] == "Standard_E8s_v3"
    assert vm["properties"]["storageProfile"]["osDisk"]["diskSizeGB"] == 512
    assert vm["properties"]["osProfile"]["adminUsername"] == "alice"


@pytest.mark.parametrize("stem", VARIANTS)
def test_template_deploys_with_only_its_required_parameters(stem: str) -> None:
    plan = plan_for(stem, {"adminUsername": "alice", **CREDENTIALS[stem]})
    vm = rendered(plan)["Microsoft.Compute/virtualMachines"]
    assert vm["location"] == "eastus"  # the resource group's
    assert vm["properties"]["hardwareProfile"]["vmSize"] == "Standard_E4s_v3"
    assert vm["properties"]["storageProfile"]["osDisk"]["diskSizeGB"] == 1000


def test_jupyter_template_outputs_its_addresses() -> None:
    outputs = plan_for("vmtemplate", beast_values("vmtemplate")).outputs(fake_reference)
    values = {name: o["value"] for name, o in outputs.items()}
    assert values == {
        "vmName": "beast-alice-1",
        "vmId": f"{SCOPE.resource_group_id}/providers/Microsoft.Compute/virtualMachines/"
        "beast-alice-1",
        "publicIp": "20.0.0.7",
        "privateIp": "10.1.0.4",
        "fqdn": "beast-alice-1-x.westeurope.cloudapp.azure.com",
        "jupyterUrl": "https://20.0.0.7:8000",
        "sshCommand": "ssh alice@20.0.0.7",
    }


def test_ssh_template_outputs_its_addresses() -> None:
    outputs = plan_for("vmtemplate_ssh", beast_values("vmtemplate_ssh")).outputs(fake_reference)
    assert outputs["sshCommand"]["value"] == "ssh alice@20.0.0.7"
    assert outputs["publicIp"]["value"] == "20.0.0.7"
    assert "jupyterUrl" not in outputs


def test_vpn_template_outputs_the_private_address_and_the_gateway() -> None:
    outputs = plan_for("vmtemplate_vpn", beast_values("vmtemplate_vpn")).outputs(fake_reference)
    assert outputs["privateIp"]["value"] == "10.1.0.4"
    assert outputs["sshCommand"]["value"] == "ssh alice@10.1.0.4"
    assert outputs["gatewayIp"]["value"] == "20.0.0.7"
    assert "publicIp" not in outputs


@pytest.mark.parametrize("stem", VARIANTS)
def test_no_output_carries_the_password(stem: str) -> None:
    outputs = plan_for(stem, beast_values(stem)).outputs(fake_reference)
    assert "Correct-Horse-9" not in json.dumps(outputs)


@pytest.mark.parametrize("stem", VARIANTS)
def test_os_disk_of_5000_gib_is_refused_before_anything_is_created(stem: str) -> None:
    with pytest.raises(TemplateError, match="osDiskSize"):
        plan_for(stem, beast_values(stem, osDiskSize=5000))


@pytest.mark.parametrize("stem", VARIANTS)
@pytest.mark.parametrize("username", ["Admin", "ALICE", "root", "administrator", "1alice"])
def test_bad_admin_username_is_refused_before_anything_is_created(stem: str, username: str) -> None:
    with pytest.raises(TemplateError, match="adminUsernameMustBeLowercaseAndNotReserved"):
        plan_for(stem, beast_values(stem, adminUsername=username))


def test_empty_vpn_root_certificate_is_refused_before_anything_is_created() -> None:
    with pytest.raises(TemplateError, match="vpnRootCertData"):
        plan_for("vmtemplate_vpn", beast_values("vmtemplate_vpn", vpnRootCertData=""))


def test_an_unknown_os_disk_type_is_refused() -> None:
    with pytest.raises(TemplateError, match="osDiskType"):
        plan_for("vmtemplate", beast_values("vmtemplate", osDiskType="UltraSSD_LRS"))


@pytest.mark.parametrize("stem", ["vmtemplate", "vmtemplate_ssh"])
def test_no_allowed_prefixes_means_no_inbound_rule(stem: str) -> None:
    plan = plan_for(stem, beast_values(stem, allowedSourcePrefixes=[]))
    nsg = rendered(plan)["Microsoft.Network/networkSecurityGroups"]
    assert nsg["properties"]["securityRules"] == []


def test_jupyter_nsg_admits_the_allowed_prefixes_to_ssh_and_jupyterhub() -> None:
    plan = plan_for("vmtemplate", beast_values("vmtemplate"))
    rules = rendered(plan)["Microsoft.Network/networkSecurityGroups"]["properties"]
    by_port = {
        r["properties"]["destinationPortRange"]: r["properties"] for r in rules["securityRules"]
    }
    assert set(by_port) == {"22", "8000"}
    assert all(r["sourceAddressPrefixes"] == ["203.0.113.0/24"] for r in by_port.values())


def test_jupyter_template_accepts_an_optional_ssh_key() -> None:
    without = rendered(plan_for("vmtemplate", beast_values("vmtemplate")))
    linux = without["Microsoft.Compute/virtualMachines"]["properties"]["osProfile"]
    assert linux["linuxConfiguration"]["ssh"]["publicKeys"] == []
    with_key = rendered(
        plan_for("vmtemplate", beast_values("vmtemplate", adminPublicKey=PUBLIC_KEY))
    )
    linux = with_key["Microsoft.Compute/virtualMachines"]["properties"]["osProfile"]
    assert linux["linuxConfiguration"]["ssh"]["publicKeys"] == [
        {"path": "/home/alice/.ssh/authorized_keys", "keyData": PUBLIC_KEY}
    ]


def test_vpn_nsg_admits_the_vpn_clients_and_the_allowed_prefixes() -> None:
    plan = plan_for("vmtemplate_vpn", beast_values("vmtemplate_vpn"))
    rules = rendered(plan)["Microsoft.Network/networkSecurityGroups"]["properties"]["securityRules"]
    assert [r["properties"]["sourceAddressPrefixes"] for r in rules] == [
        ["10.2.0.0/24", "203.0.113.0/24"]
    ]


def test_vpn_data_disk_follows_its_parameters_and_zero_attaches_none() -> None:
    plan = plan_for("vmtemplate_vpn", beast_values("vmtemplate_vpn"))
    storage = rendered(plan)["Microsoft.Compute/virtualMachines"]["properties"]["storageProfile"]
    (disk,) = storage["dataDisks"]
    assert disk["diskSizeGB"] == 256
    assert disk["managedDisk"]["storageAccountType"] == "StandardSSD_LRS"
    plan = plan_for("vmtemplate_vpn", beast_values("vmtemplate_vpn", dataDiskSize=0))
    storage = rendered(plan)["Microsoft.Compute/virtualMachines"]["properties"]["storageProfile"]
    assert storage["dataDisks"] == []


def test_vpn_resources_are_created_after_what_they_use() -> None:
    plan = plan_for("vmtemplate_vpn", beast_values("vmtemplate_vpn"))
    order = [d.type.split("/")[-1] for d in plan.resources]
    assert order.index("natGateways") < order.index("virtualNetworks")
    assert order.index("virtualNetworks") < order.index("networkInterfaces")
    assert order.index("networkInterfaces") < order.index("virtualMachines")
    assert order.index("virtualNetworks") < order.index("virtualNetworkGateways")
