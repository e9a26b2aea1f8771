"""The simulated world: regions, VM sizes (resource SKUs), default vCPU quotas, images.

Figures follow the public size tables (vCPUs, memory, GPUs, Hyper-V generations); the
availability and restriction choices are made up but shaped like a real subscription:
GPU and M-series families start with zero quota, and one M size is not offered to the
subscription in westeurope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LOCATIONS: tuple[str, ...] = ("eastus", "westeurope", "westus2")
# Regions a resource group may be created in (a subset of Azure's public regions).
RESOURCE_GROUP_LOCATIONS: tuple[str, ...] = (
    "eastus",
    "eastus2",
    "westus",
    "westus2",
    "westus3",
    "centralus",
    "northeurope",
    "westeurope",
    "uksouth",
    "francecentral",
    "germanywestcentral",
    "swedencentral",
    "japaneast",
    "australiaeast",
    "southeastasia",
    "koreacentral",
)
REGIONAL_VCPU_LIMIT = 100
DEFAULT_FAMILY_LIMIT = 10


@dataclass(frozen=True)
class VmSize:
    """One virtual machine size as the resource SKU catalogue describes it."""

    name: str
    family: str
    vcpus: int
    memory_gb: float
    max_data_disks: int
    acus: int = 195
    gpus: int = 0
    hyperv_generations: str = "V1,V2"
    premium_io: bool = True
    locations: tuple[str, ...] = LOCATIONS
    # Locations where the size exists but is NotAvailableForSubscription.
    restricted_in: tuple[str, ...] = ()

    @property
    def size(self) -> str:
        """The short size name ARM puts in `size` (Standard_E4s_v3 -> E4s_v3)."""
        return self.name.removeprefix("Standard_")


@dataclass(frozen=True)
class Family:
    """A vCPU quota family: its usage name, label and default limit."""

    name: str
    label: str
    default_limit: int = DEFAULT_FAMILY_LIMIT


FAMILIES: dict[str, Family] = {
    f.name.lower(): f
    for f in (
        Family("standardDSv5Family", "Standard DSv5 Family vCPUs"),
        Family("standardDSv3Family", "Standard DSv3 Family vCPUs"),
        Family("standardDDSv5Family", "Standard DDSv5 Family vCPUs"),
        Family("standardESv3Family", "Standard ESv3 Family vCPUs"),
        Family("standardESv5Family", "Standard ESv5 Family vCPUs"),
        Family("standardFSv2Family", "Standard FSv2 Family vCPUs"),
        Family("standardLSv3Family", "Standard LSv3 Family vCPUs"),
        Family("standardMSFamily", "Standard MS Family vCPUs", 0),
        Family("standardNCASv3_T4Family", "Standard NCASv3_T4 Family vCPUs", 0),
        Family("standardNCSv3Family", "Standard NCSv3 Family vCPUs", 0),
        Family("StandardNCADSA100v4Family", "Standard NCADS_A100_v4 Family vCPUs", 0),
        Family("StandardNVADSA10v5Family", "Standard NVADSA10v5 Family vCPUs", 0),
    )
}


def _sizes() -> tuple[VmSize, ...]:
    dsv5 = [(2, 8), (4, 16), (8, 32), (16, 64), (32, 128), (64, 256)]
    esv3 = [(2, 16), (4, 32), (8, 64), (16, 128), (32, 256), (64, 432)]
    esv5 = [(2, 16), (4, 32), (8, 64), (16, 128), (32, 256), (64, 512)]
    fsv2 = [(2, 4), (4, 8), (8, 16), (16, 32), (32, 64), (64, 128), (72, 144)]
    out: list[VmSize] = []
    out += [
        VmSize(f"Standard_D{c}s_v5", "standardDSv5Family", c, m, min(4 * c, 64)) for c, m in dsv5
    ]
    out += [
        VmSize(f"Standard_D{c}s_v3", "standardDSv3Family", c, m, min(4 * c, 32), acus=160)
        for c, m in dsv5[:4]
    ]
    out += [
        VmSize(f"Standard_D{c}ds_v5", "standardDDSv5Family", c, m, min(4 * c, 64))
        for c, m in dsv5[:4]
    ]
    out += [
        VmSize(f"Standard_E{c}s_v3", "standardESv3Family", c, m, min(4 * c, 32), acus=160)
        for c, m in esv3
    ]
    out += [
        VmSize(f"Standard_E{c}s_v5", "standardESv5Family", c, m, min(4 * c, 64)) for c, m in esv5
    ]
    out += [
        VmSize(f"Standard_F{c}s_v2", "standardFSv2Family", c, m, min(4 * c, 32)) for c, m in fsv2
    ]
    out += [
        VmSize(f"Standard_L{c}s_v3", "standardLSv3Family", c, 8 * c, min(2 * c, 32))
        for c in (8, 16, 32)
    ]
    out += [
        VmSize("Standard_M8ms", "standardMSFamily", 8, 218.75, 8, acus=160),
        VmSize("Standard_M16ms", "standardMSFamily", 16, 437.5, 16, acus=160),
        VmSize("Standard_M32ms", "standardMSFamily", 32, 875, 32, acus=160),
        VmSize("Standard_M64s", "standardMSFamily", 64, 1024, 64, acus=160),
        VmSize("Standard_M64ms", "standardMSFamily", 64, 1792, 64, acus=160),
        VmSize(
            "Standard_M128s",
            "standardMSFamily",
            128,
            2048,
            64,
            acus=160,
            restricted_in=("westeurope",),
        ),
    ]
    out += [
        VmSize("Standard_NC4as_T4_v3", "standardNCASv3_T4Family", 4, 28, 8, gpus=1),
        VmSize("Standard_NC8as_T4_v3", "standardNCASv3_T4Family", 8, 56, 16, gpus=1),
        VmSize("Standard_NC16as_T4_v3", "standardNCASv3_T4Family", 16, 110, 32, gpus=1),
        VmSize("Standard_NC64as_T4_v3", "standardNCASv3_T4Family", 64, 440, 32, gpus=4),
        VmSize("Standard_NC6s_v3", "standardNCSv3Family", 6, 112, 12, gpus=1),
        VmSize("Standard_NC12s_v3", "standardNCSv3Family", 12, 224, 24, gpus=2),
        VmSize(
            "Standard_NC24s_v3",
            "standardNCSv3Family",
            24,
            448,
            32,
            gpus=4,
            restricted_in=("westus2",),
        ),
        VmSize(
            "Standard_NC24ads_A100_v4",
            "StandardNCADSA100v4Family",
            24,
            220,
            8,
            gpus=1,
            hyperv_generations="V2",
            locations=("eastus", "westus2"),
        ),
        VmSize(
            "Standard_NC48ads_A100_v4",
            "StandardNCADSA100v4Family",
            48,
            440,
            16,
            gpus=2,
            hyperv_generations="V2",
            locations=("eastus", "westus2"),
        ),
        VmSize(
            "Standard_NC96ads_A100_v4",
            "StandardNCADSA100v4Family",
            96,
            880,
            32,
            gpus=4,
            hyperv_generations="V2",
            locations=("eastus", "westus2"),
        ),
        VmSize("Standard_NV6ads_A10_v5", "StandardNVADSA10v5Family", 6, 55, 4, gpus=1),
        VmSize("Standard_NV12ads_A10_v5", "StandardNVADSA10v5Family", 12, 110, 4, gpus=1),
        VmSize("Standard_NV36ads_A10_v5", "StandardNVADSA10v5Family", 36, 440, 16, gpus=1),
        VmSize("Standard_NV72ads_A10_v5", "StandardNVADSA10v5Family", 72, 880, 32, gpus=2),
    ]
    return tuple(out)


VM_SIZES: dict[str, VmSize] = {s.name.lower(): s for s in _sizes()}


def find_size(name: str) -> VmSize | None:
    """The size with this name (case-insensitive), wherever it is offered."""
    return VM_SIZES.get(name.lower())


def family_of(size: VmSize) -> Family:
    """The quota family of a size."""
    return FAMILIES[size.family.lower()]


def sku_documents(location: str | None) -> list[dict[str, Any]]:
    """ResourceSku bodies (api 2021-07-01), one per size and location, as listed by ARM."""
    docs: list[dict[str, Any]] = []
    for size in VM_SIZES.values():
        for loc in size.locations:
            if location and loc != location.lower():
                continue
            docs.append(_sku_document(size, loc))
    return docs


def _sku_document(size: VmSize, location: str) -> dict[str, Any]:
    caps = {
        "MaxResourceVolumeMB": str(size.vcpus * 8192 if size.name.endswith("ds_v5") else 0),
        "OSVhdSizeMB": "1047552",
        "vCPUs": str(size.vcpus),
        "MemoryPreservingMaintenanceSupported": "True",
        "HyperVGenerations": size.hyperv_generations,
        "MemoryGB": f"{size.memory_gb:g}",
        "MaxDataDiskCount": str(size.max_data_disks),
        "CpuArchitectureType": "x64",
        "LowPriorityCapable": "True",
        "PremiumIO": str(size.premium_io),
        "VMDeploymentTypes": "IaaS",
        "vCPUsAvailable": str(size.vcpus),
        "ACUs": str(size.acus),
        "vCPUsPerCore": "2" if size.gpus == 0 else "1",
        "EphemeralOSDiskSupported": "True",
        "AcceleratedNetworkingEnabled": "True",
        "RdmaEnabled": "False",
        "MaxNetworkInterfaces": str(min(8, max(2, size.vcpus // 2))),
    }
    if size.gpus:
        caps["GPUs"] = str(size.gpus)
    restrictions: list[dict[str, Any]] = []
    if location in size.restricted_in:
        restrictions.append(
            {
                "type": "Location",
                "values": [location],
                "restrictionInfo": {"locations": [location]},
                "reasonCode": "NotAvailableForSubscription",
            }
        )
    return {
        "resourceType": "virtualMachines",
        "name": size.name,
        "tier": "Standard",
        "size": size.size,
        "family": size.family,
        "locations": [location],
        "locationInfo": [{"location": location, "zones": ["1", "2", "3"], "zoneDetails": []}],
        "capabilities": [{"name": k, "value": v} for k, v in caps.items()],
        "restrictions": restrictions,
    }


@dataclass(frozen=True)
class Image:
    """A marketplace image the simulated region offers."""

    publisher: str
    offer: str
    sku: str
    hyperv_generation: str


IMAGES: tuple[Image, ...] = (
    Image("microsoft-dsvm", "ubuntu-2204", "2204-gen2", "V2"),
    Image("microsoft-dsvm", "ubuntu-2204", "2204", "V1"),
    Image("microsoft-dsvm", "dsvm-win-2022", "winserver-2022", "V1"),
    Image("microsoft-dsvm", "dsvm-win-2019", "winserver-2019", "V1"),
    Image("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "V2"),
    Image("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts", "V1"),
    Image("canonical", "ubuntu-24_04-lts", "server", "V2"),
    Image("canonical", "ubuntu-24_04-lts", "server-gen1", "V1"),
    Image("microsoftwindowsserver", "windowsserver", "2022-datacenter-azure-edition", "V2"),
)


def find_image(publisher: str, offer: str, sku: str) -> Image | None:
    """The marketplace image with these names (case-insensitive), if offered."""
    key = (publisher.lower(), offer.lower(), sku.lower())
    return next((i for i in IMAGES if (i.publisher, i.offer, i.sku) == key), None)
