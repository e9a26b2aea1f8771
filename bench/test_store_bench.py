"""How long the VM store's round trips to Table Storage take (on Azurite)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from beast.adapters.tables import TableVmStore, build_table_stores
from beast.models import Vm
from local.azurite import Azurite
from tests.factories import make_ready_vm, make_settings

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

pytestmark = pytest.mark.benchmark(group="VM store (Table Storage on Azurite)")


@pytest.fixture
def vms(azurite: Azurite) -> TableVmStore:
    """A VM store on fresh tables."""
    settings = make_settings(
        AzureWebJobsStorage=azurite.connection_string,
        BEAST_TABLE_PREFIX=f"b{uuid.uuid4().hex[:10]}",
    )
    return build_table_stores(settings).vms


def a_vm(name: str, owner: str = "slack:U1") -> Vm:
    return make_ready_vm(name=name, owner=owner, created_at=T0)


def test_vm_get_round_trip(benchmark: BenchmarkFixture, vms: TableVmStore) -> None:
    vms.add(a_vm("alice-1"))

    got = benchmark(vms.get, "alice-1")

    assert got.name == "alice-1"


def test_vm_update_round_trip(benchmark: BenchmarkFixture, vms: TableVmStore) -> None:
    latest = [vms.add(a_vm("alice-1"))]

    def touch() -> None:
        # Each write carries the etag of the one before, as a real read-modify-write does.
        latest[0] = vms.update(latest[0].evolve(warned_at=datetime.now(UTC)))

    benchmark(touch)

    assert vms.get("alice-1").etag == latest[0].etag


def test_list_of_200_vms(benchmark: BenchmarkFixture, vms: TableVmStore) -> None:
    for i in range(200):
        vms.add(a_vm(f"vm-{i:03d}", owner=f"slack:U{i % 10}"))

    listed = benchmark(vms.list)

    assert len(listed) == 200
