"""A small VM template (NSG, VNet + subnet, Standard public IP, NIC, VM) for the simulator tests."""

from __future__ import annotations

from typing import Any


def rid(rtype: str, *names: str) -> str:
    """The template expression for resourceId(type, names...)."""
    args = ", ".join(f"'{n}'" for n in names)
    return f"[resourceId('{rtype}', {args})]"


SMALL_VM_TEMPLATE: dict[str, Any] = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {
        "adminUsername": {"type": "string"},
        "adminPassword": {"type": "securestring"},
        "vmSize": {"type": "string", "defaultValue": "Standard_E4s_v3"},
        "vmName": {"type": "string", "defaultValue": "vm"},
        "location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
    },
    "resources": [
        {
            "type": "Microsoft.Network/networkSecurityGroups",
            "apiVersion": "2024-05-01",
            "name": "nsg",
            "location": "[parameters('location')]",
            "properties": {"securityRules": []},
        },
        {
            "type": "Microsoft.Network/virtualNetworks",
            "apiVersion": "2024-05-01",
            "name": "vnet",
            "location": "[parameters('location')]",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                "subnets": [{"name": "default", "properties": {"addressPrefix": "10.1.0.0/24"}}],
            },
        },
        {
            "type": "Microsoft.Network/publicIPAddresses",
            "apiVersion": "2024-05-01",
            "name": "pip",
            "location": "[parameters('location')]",
            "sku": {"name": "Standard"},
            "properties": {"publicIPAllocationMethod": "Static"},
        },
        {
            "type": "Microsoft.Network/networkInterfaces",
            "apiVersion": "2024-05-01",
            "name": "nic",
            "location": "[parameters('location')]",
            "dependsOn": [
                rid("Microsoft.Network/virtualNetworks", "vnet"),
                rid("Microsoft.Network/publicIPAddresses", "pip"),
                rid("Microsoft.Network/networkSecurityGroups", "nsg"),
            ],
            "properties": {
                "networkSecurityGroup": {
                    "id": rid("Microsoft.Network/networkSecurityGroups", "nsg")
                },
                "ipConfigurations": [
                    {
                        "name": "ipconfig1",
                        "properties": {
                            "subnet": {
                                "id": rid(
                                    "Microsoft.Network/virtualNetworks/subnets", "vnet", "default"
                                )
                            },
                            "privateIPAllocationMethod": "Dynamic",
                            "publicIPAddress": {
                                "id": rid("Microsoft.Network/publicIPAddresses", "pip")
                            },
                        },
                    }
                ],
            },
        },
        {
            "type": "Microsoft.Compute/virtualMachines",
            "apiVersion": "2024-07-01",
            "name": "[parameters('vmName')]",
            "location": "[parameters('location')]",
            "dependsOn": [rid("Microsoft.Network/networkInterfaces", "nic")],
            "properties": {
                "hardwareProfile": {"vmSize": "[parameters('vmSize')]"},
                "storageProfile": {
                    "imageReference": {
                        "publisher": "microsoft-dsvm",
                        "offer": "ubuntu-2204",
                        "sku": "2204-gen2",
                        "version": "latest",
                    },
                    "osDisk": {
                        "createOption": "FromImage",
                        "managedDisk": {"storageAccountType": "Premium_LRS"},
                    },
                },
                "osProfile": {
                    "computerName": "[parameters('vmName')]",
                    "adminUsername": "[parameters('adminUsername')]",
                    "adminPassword": "[parameters('adminPassword')]",
                },
                "networkProfile": {
                    "networkInterfaces": [{"id": rid("Microsoft.Network/networkInterfaces", "nic")}]
                },
            },
        },
    ],
    "outputs": {
        "publicIp": {
            "type": "string",
            "value": "[reference('pip').ipAddress]",
        },
        "privateIp": {
            "type": "string",
            "value": "[reference('nic').ipConfigurations[0].properties.privateIPAddress]",
        },
        "vmId": {
            "type": "string",
            "value": "[resourceId('Microsoft.Compute/virtualMachines', parameters('vmName'))]",
        },
    },
}


def single_vm_template(vm_size: str, vm_name: str = "vm") -> dict[str, Any]:
    """A template with only a VM (no NIC), for quota and size checks."""
    vm = dict(SMALL_VM_TEMPLATE["resources"][-1])
    vm = {**vm, "dependsOn": [], "name": vm_name}
    vm["properties"] = {
        **vm["properties"],
        "networkProfile": {"networkInterfaces": []},
        "hardwareProfile": {"vmSize": vm_size},
    }
    return {
        "$schema": SMALL_VM_TEMPLATE["$schema"],
        "contentVersion": "1.0.0.0",
        "parameters": {
            "adminUsername": {"type": "string"},
            "adminPassword": {"type": "securestring"},
            "vmName": {"type": "string", "defaultValue": vm_name},
            "location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
        },
        "resources": [vm],
    }


def deployment_body(template: dict[str, Any], **parameters: Any) -> dict[str, Any]:
    """A Deployment request body, parameters given as plain values."""
    return {
        "properties": {
            "mode": "Incremental",
            "template": template,
            "parameters": {k: {"value": v} for k, v in parameters.items()},
        }
    }
