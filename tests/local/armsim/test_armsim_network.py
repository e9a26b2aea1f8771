"""Network resources through azure-mgmt-network, and the generic store for other resource types."""

from __future__ import annotations

import pytest
from armsim_templates import SMALL_VM_TEMPLATE, deployment_body
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient

CREDS = {"adminUsername": "beast", "adminPassword": "Correct-Horse-9"}


def test_deployed_network_is_readable_and_linked(
    deployments: DeploymentsMgmtClient, network: NetworkManagementClient, group: str
) -> None:
    deployments.deployments.begin_create_or_update(
        group, "d1", deployment_body(SMALL_VM_TEMPLATE, **CREDS)
    ).result()

    vnet = network.virtual_networks.get(group, "vnet")
    subnet = network.subnets.get(group, "vnet", "default")
    nic = network.network_interfaces.get(group, "nic")
    pip = network.public_ip_addresses.get(group, "pip")
    nsg = network.network_security_groups.get(group, "nsg")

    assert [s.name for s in vnet.subnets] == ["default"]
    assert subnet.address_prefix == "10.1.0.0/24"
    assert subnet.provisioning_state == "Succeeded"
    assert nic.ip_configurations[0].private_ip_address == "10.1.0.4"
    assert pip.ip_configuration.id == nic.ip_configurations[0].id
    assert pip.public_ip_allocation_method == "Static"
    assert nsg.provisioning_state == "Succeeded"


def test_second_nic_gets_the_next_private_address(
    network: NetworkManagementClient, group: str
) -> None:
    vnet = {
        "location": "eastus",
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.2.0.0/16"]},
            "subnets": [{"name": "s", "properties": {"addressPrefix": "10.2.1.0/24"}}],
        },
    }
    network.virtual_networks.begin_create_or_update(group, "v", vnet).result()
    subnet_id = network.subnets.get(group, "v", "s").id

    addresses = []
    for name in ("n1", "n2"):
        nic = {
            "location": "eastus",
            "properties": {
                "ipConfigurations": [{"name": "c", "properties": {"subnet": {"id": subnet_id}}}]
            },
        }
        created = network.network_interfaces.begin_create_or_update(group, name, nic).result()
        addresses.append(created.ip_configurations[0].private_ip_address)

    assert addresses == ["10.2.1.4", "10.2.1.5"]


def test_nic_referencing_a_missing_subnet_is_an_invalid_reference(
    network: NetworkManagementClient, group: str
) -> None:
    vnet = f"/subscriptions/x/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/v"
    missing = f"{vnet}/subnets/s"
    nic = {
        "location": "eastus",
        "properties": {
            "ipConfigurations": [{"name": "c", "properties": {"subnet": {"id": missing}}}]
        },
    }

    with pytest.raises(HttpResponseError) as caught:
        network.network_interfaces.begin_create_or_update(group, "n", nic)

    assert caught.value.error.code == "InvalidResourceReference"


def test_unknown_resource_types_from_templates_are_stored_and_readable_by_id(
    deployments: DeploymentsMgmtClient, resources: ResourceManagementClient, group: str
) -> None:
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.Storage/storageAccounts",
                "apiVersion": "2023-05-01",
                "name": "beaststore",
                "location": "[resourceGroup().location]",
                "sku": {"name": "Standard_LRS"},
                "kind": "StorageV2",
                "properties": {"minimumTlsVersion": "TLS1_2"},
            }
        ],
    }
    result = deployments.deployments.begin_create_or_update(
        group, "d1", deployment_body(template)
    ).result()

    stored = resources.resources.get_by_id(
        result.properties.output_resources[0].id, api_version="2023-05-01"
    )

    assert stored.kind == "StorageV2"
    assert stored.properties["minimumTlsVersion"] == "TLS1_2"
    assert stored.properties["provisioningState"] == "Succeeded"
