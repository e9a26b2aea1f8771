"""What the three compiled VM templates promise Beast and the people who deploy them."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from bicep_drift import load_pair

from tests.factories import COMMON_TEMPLATE_PARAMETERS

VARIANTS = ("vmtemplate", "vmtemplate_ssh", "vmtemplate_vpn")

# The parameter names Beast's core sends to each variant.
BEAST_PARAMETERS = {
    "vmtemplate": {"adminPassword"},
    "vmtemplate_ssh": {"adminPublicKey"},
    "vmtemplate_vpn": {"adminPublicKey", "vpnRootCertData", "dataDiskSize", "dataDiskType"},
}
OUTPUTS = {
    "vmtemplate": {"vmName", "vmId", "publicIp", "privateIp", "fqdn", "jupyterUrl", "sshCommand"},
    "vmtemplate_ssh": {"vmName", "vmId", "publicIp", "privateIp", "fqdn", "sshCommand"},
    "vmtemplate_vpn": {"vmName", "vmId", "privateIp", "sshCommand", "gatewayIp"},
}
GUIDE_DEFAULTS = {
    "vmModel": "Standard_E4s_v3",
    "osDiskSize": 1000,
    "osDiskType": "Premium_LRS",
    "projectName": "projectname",
}


def template(stem: str) -> dict[str, Any]:
    return load_pair(stem)[1]


def resources_of(tpl: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [r for r in tpl["resources"] if r["type"] == type_]


def only(tpl: dict[str, Any], type_: str) -> dict[str, Any]:
    found = resources_of(tpl, type_)
    assert len(found) == 1, type_
    return found[0]


def resolve(tpl: dict[str, Any], value: Any) -> list[Any]:
    """The values a JSON value can take: itself, or the variables its expression names."""
    if isinstance(value, str) and value.startswith("["):
        names = re.findall(r"variables\('([^']+)'\)", value)
        return [v for name in names for v in resolve(tpl, tpl["variables"][name])]
    return [value]


def security_rules(tpl: dict[str, Any]) -> list[dict[str, Any]]:
    nsg = only(tpl, "Microsoft.Network/networkSecurityGroups")
    rules: list[dict[str, Any]] = []
    for candidate in resolve(tpl, nsg["properties"]["securityRules"]):
        rules += candidate
    return rules


def mentions_parameter(tpl: dict[str, Any], value: Any, parameter: str) -> bool:
    text = json.dumps(value)
    if f"parameters('{parameter}')" in text:
        return True
    names = re.findall(r"variables\('([^']+)'\)", text)
    return any(mentions_parameter(tpl, tpl["variables"][n], parameter) for n in names)


@pytest.mark.parametrize("stem", VARIANTS)
def test_template_takes_every_parameter_beast_sends(stem: str) -> None:
    assert (
        COMMON_TEMPLATE_PARAMETERS | BEAST_PARAMETERS[stem] <= template(stem)["parameters"].keys()
    )


@pytest.mark.parametrize("stem", VARIANTS)
def test_template_keeps_the_guides_defaults(stem: str) -> None:
    params = template(stem)["parameters"]
    assert {k: params[k]["defaultValue"] for k in GUIDE_DEFAULTS} == GUIDE_DEFAULTS
    assert params["osDiskSize"]["minValue"] == 30
    assert params["osDiskSize"]["maxValue"] == 4095
    assert params["location"]["defaultValue"] == "[resourceGroup().location]"


@pytest.mark.parametrize("stem", VARIANTS)
def test_template_has_exactly_the_agreed_outputs(stem: str) -> None:
    assert set(template(stem)["outputs"]) == OUTPUTS[stem]


@pytest.mark.parametrize("stem", VARIANTS)
def test_no_secure_parameter_reaches_an_output(stem: str) -> None:
    tpl = template(stem)
    secure = [n for n, p in tpl["parameters"].items() if p["type"].lower().startswith("secure")]
    for name, output in tpl["outputs"].items():
        for parameter in secure:
            assert not mentions_parameter(tpl, output, parameter), (name, parameter)


@pytest.mark.parametrize("stem", VARIANTS)
def test_every_parameter_says_whether_it_is_required(stem: str) -> None:
    for name, param in template(stem)["parameters"].items():
        description = param["metadata"]["description"]
        expected = "Optional. " if "defaultValue" in param else "Required. "
        assert description.startswith(expected), name


@pytest.mark.parametrize("stem", VARIANTS)
def test_every_resource_gets_the_tags_beast_fills(stem: str) -> None:
    for resource in template(stem)["resources"]:
        assert resource["tags"] == "[parameters('tags')]", resource["type"]


@pytest.mark.parametrize("stem", VARIANTS)
def test_ssh_and_jupyterhub_are_open_only_to_the_allowed_prefixes(stem: str) -> None:
    tpl = template(stem)
    rules = security_rules(tpl)
    assert rules
    for rule in rules:
        props = rule["properties"]
        assert props["direction"] == "Inbound"
        assert "sourceAddressPrefix" not in props  # never '*' or any single source
        assert mentions_parameter(tpl, props["sourceAddressPrefixes"], "allowedSourcePrefixes")


@pytest.mark.parametrize("stem", ["vmtemplate", "vmtemplate_ssh"])
def test_an_empty_allowed_prefix_list_closes_every_inbound_port(stem: str) -> None:
    nsg = only(template(stem), "Microsoft.Network/networkSecurityGroups")
    assert nsg["properties"]["securityRules"].startswith(
        "[if(empty(parameters('allowedSourcePrefixes')), createArray(),"
    )


def test_jupyter_template_opens_ssh_and_jupyterhub_only() -> None:
    ports = {
        r["properties"]["destinationPortRange"] for r in security_rules(template("vmtemplate"))
    }
    assert ports == {"22", "8000"}


def test_ssh_template_opens_port_22_only_and_refuses_passwords() -> None:
    tpl = template("vmtemplate_ssh")
    ports = {r["properties"]["destinationPortRange"] for r in security_rules(tpl)}
    assert ports == {"22"}
    os_profile = only(tpl, "Microsoft.Compute/virtualMachines")["properties"]["osProfile"]
    assert os_profile["linuxConfiguration"]["disablePasswordAuthentication"] is True
    assert "adminPassword" not in os_profile
    assert "adminPassword" not in tpl["parameters"]


def test_jupyter_template_logs_in_with_a_secure_password() -> None:
    tpl = template("vmtemplate")
    assert tpl["parameters"]["adminPassword"]["type"] == "securestring"
    os_profile = only(tpl, "Microsoft.Compute/virtualMachines")["properties"]["osProfile"]
    assert os_profile["linuxConfiguration"]["disablePasswordAuthentication"] is False
    assert os_profile["adminPassword"] == "[parameters('adminPassword')]"


@pytest.mark.parametrize("stem", VARIANTS)
def test_vm_runs_the_current_dsvm_image_with_trusted_launch(stem: str) -> None:
    vm = only(template(stem), "Microsoft.Compute/virtualMachines")["properties"]
    assert vm["storageProfile"]["imageReference"] == {
        "publisher": "microsoft-dsvm",
        "offer": "ubuntu-2204",
        "sku": "2204-gen2",
        "version": "latest",
    }
    assert vm["securityProfile"]["securityType"] == "TrustedLaunch"
    assert vm["securityProfile"]["uefiSettings"]["vTpmEnabled"] is True


@pytest.mark.parametrize("stem", VARIANTS)
def test_public_ips_are_standard_and_static(stem: str) -> None:
    for ip in resources_of(template(stem), "Microsoft.Network/publicIPAddresses"):
        assert ip["sku"]["name"] == "Standard"
        assert ip["properties"]["publicIPAllocationMethod"] == "Static"


@pytest.mark.parametrize("stem", VARIANTS)
def test_rstudio_port_is_gone(stem: str) -> None:
    assert "8787" not in json.dumps(template(stem))


@pytest.mark.parametrize("stem", VARIANTS)
def test_bad_admin_username_cannot_be_evaluated(stem: str) -> None:
    tpl = template(stem)
    vm = only(tpl, "Microsoft.Compute/virtualMachines")["properties"]
    guard = "adminUsernameMustBeLowercaseAndNotReserved"
    assert vm["osProfile"]["adminUsername"] == f"[variables('{guard}')]"
    assert tpl["variables"][guard].startswith("[if(variables('adminUsernameIsValid'), ")
    assert ", json(format('adminUsername {0} must be lowercase" in tpl["variables"][guard]
    assert "admin" in tpl["variables"]["reservedUsernames"]
    assert "root" in tpl["variables"]["reservedUsernames"]


def test_vpn_vm_has_no_public_ip_and_goes_out_through_nat() -> None:
    tpl = template("vmtemplate_vpn")
    nic = only(tpl, "Microsoft.Network/networkInterfaces")
    for ip_config in nic["properties"]["ipConfigurations"]:
        assert "publicIPAddress" not in ip_config["properties"]
    subnet_ref = nic["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"]
    subnet_var = re.findall(r"variables\('([^']+)'\)", subnet_ref)[-1]
    vnet = only(tpl, "Microsoft.Network/virtualNetworks")
    subnet = next(
        s for s in vnet["properties"]["subnets"] if s["name"] == f"[variables('{subnet_var}')]"
    )
    assert "Microsoft.Network/natGateways" in subnet["properties"]["natGateway"]["id"]
    assert subnet["properties"]["defaultOutboundAccess"] is False
    nat = only(tpl, "Microsoft.Network/natGateways")
    assert nat["sku"]["name"] == "Standard"


def test_vpn_gateway_is_an_az_sku_with_certificate_auth_over_ikev2_and_openvpn() -> None:
    tpl = template("vmtemplate_vpn")
    gateway = only(tpl, "Microsoft.Network/virtualNetworkGateways")["properties"]
    assert gateway["sku"]["name"] in {"VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ"}
    assert gateway["gatewayType"] == "Vpn"
    assert gateway["vpnType"] == "RouteBased"
    client = gateway["vpnClientConfiguration"]
    assert set(client["vpnClientProtocols"]) == {"IkeV2", "OpenVPN"}
    assert client["vpnAuthenticationTypes"] == ["Certificate"]
    root = client["vpnClientRootCertificates"][0]["properties"]["publicCertData"]
    assert root == "[parameters('vpnRootCertData')]"
    assert tpl["parameters"]["vpnRootCertData"]["minLength"] == 1


def test_vpn_template_keeps_the_guides_optional_data_disk() -> None:
    tpl = template("vmtemplate_vpn")
    assert tpl["parameters"]["dataDiskSize"]["defaultValue"] == 1
    assert tpl["parameters"]["dataDiskType"]["defaultValue"] == "Premium_LRS"
    storage = only(tpl, "Microsoft.Compute/virtualMachines")["properties"]["storageProfile"]
    assert storage["dataDisks"].startswith("[if(greater(parameters('dataDiskSize'), 0),")
