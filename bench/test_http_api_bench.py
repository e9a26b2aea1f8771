"""How long ``GET /api/v1/vms`` takes through the local Functions host, with a function key.

The host runs the real ``function_app`` as its own process on Azurite; the caller
owns three VMs. The figure is the local host's, not Azure Functions' front end.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from pytest_benchmark.fixture import BenchmarkFixture

from beast.adapters.tables import build_table_stores
from beast.models import Variant, Vm
from local.armsim.testing import ArmSim
from local.azurite import Azurite
from local.host.launch import RunningHost, start_host
from tests.factories import make_settings, make_vm, parts_overrides

PRINCIPAL = "bench@example.com"
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def callers_vm(number: int) -> Vm:
    """A running VM of the API caller's."""
    return make_vm(
        name=f"bench-{number}",
        owner=f"aad:{PRINCIPAL}",
        owner_name="bench",
        variant=Variant.SSH,
        admin_username="bench",
        operation_id=f"op-{number}",
        created_at=T0,
        public_ip="20.1.2.3",
    )


@pytest.fixture(scope="module")
def api_host(azurite: Azurite, armsim: ArmSim) -> Iterator[RunningHost]:
    """The local host on tables of its own, with three VMs for the caller already there."""
    tag = uuid.uuid4().hex[:8]
    overrides = {
        **parts_overrides(azurite=azurite, armsim=armsim),
        "BEAST_TABLE_PREFIX": f"api{tag}",
        "BEAST_JOBS_QUEUE": f"api-{tag}",
        "BEAST_DEV_IDENTITY": PRINCIPAL,
        "BEAST_TRUST_EASY_AUTH": "false",
    }
    settings = make_settings(**overrides)
    vms = build_table_stores(settings).vms
    for number in range(1, 4):
        vms.add(callers_vm(number))
    running = start_host(overrides=overrides)
    yield running
    running.stop()


def client(host: RunningHost) -> requests.Session:
    """A session that sends the function key and never goes through a proxy."""
    session = requests.Session()
    session.trust_env = False  # never route 127.0.0.1 through a proxy
    session.headers["x-functions-key"] = host.function_key or ""
    return session


def check(response: requests.Response) -> requests.Response:
    """The response, once it is known to list exactly the caller's three VMs."""
    assert response.status_code == 200, response.text
    assert sorted(vm["name"] for vm in response.json()["vms"]) == ["bench-1", "bench-2", "bench-3"]
    return response


def test_list_vms_new_connection_each(benchmark: BenchmarkFixture, api_host: RunningHost) -> None:
    url = api_host.url("/api/v1/vms")

    def list_vms() -> requests.Response:
        with client(api_host) as session:
            return session.get(url, headers={"Connection": "close"}, timeout=30)

    check(list_vms())  # the first call builds the app: not a warm request
    benchmark.group = "HTTP API (local host, Azurite)"
    benchmark.extra_info["note"] = "GET /api/v1/vms, caller owns 3 VMs, one connection per call"

    check(benchmark(list_vms))


def test_list_vms_kept_alive_connection(benchmark: BenchmarkFixture, api_host: RunningHost) -> None:
    # Kept alive: guards the local host's TCP_NODELAY (headers and body go out in two
    # writes; with Nagle on, the body waited for the client's delayed ACK, about 40 ms).
    url = api_host.url("/api/v1/vms")
    session = client(api_host)
    check(session.get(url, timeout=30))
    benchmark.group = "HTTP API (local host, Azurite)"
    benchmark.extra_info["note"] = "same, one kept-alive session"

    check(benchmark(session.get, url, timeout=30))
