"""Many clients at once: no lost writes, no duplicated addresses, no corrupted state."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from local.armsim.testing import ArmSim

OPERATIONS = 200
GROUPS = 4


def test_two_hundred_concurrent_operations_lose_nothing(
    arm: ArmSim, resources: ResourceManagementClient, network: NetworkManagementClient
) -> None:
    for g in range(GROUPS):
        resources.resource_groups.create_or_update(f"rg{g}", {"location": "eastus"})

    def create_ip(i: int) -> tuple[str, str]:
        group = f"rg{i % GROUPS}"
        body = {
            "location": "eastus",
            "sku": {"name": "Standard"},
            "properties": {"publicIPAllocationMethod": "Static"},
        }
        network.public_ip_addresses.begin_create_or_update(group, f"ip{i}", body).result()
        resources.resource_groups.update(group, {"tags": {f"t{i}": str(i)}})
        got = network.public_ip_addresses.get(group, f"ip{i}")
        return got.name, got.ip_address

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(create_ip, range(OPERATIONS)))

    names = [name for name, _ in results]
    addresses = [ip for _, ip in results]
    assert sorted(names) == sorted(f"ip{i}" for i in range(OPERATIONS))
    assert len(set(addresses)) == OPERATIONS
    listed = sum(
        len(list(resources.resources.list_by_resource_group(f"rg{g}"))) for g in range(GROUPS)
    )
    assert listed == OPERATIONS
    server_errors = [r for r in arm.requests_log() if r["status"] >= 500]
    assert server_errors == []
