"""How long Beast's pure request checks take: the command grammar and ``build_request``."""

from __future__ import annotations

from pytest_benchmark.fixture import BenchmarkFixture

from beast.models import DiskType, Variant, VmRequest
from beast.requests import build_request
from beast.slack import commands
from tests.factories import SSH_KEY, make_settings

SETTINGS = make_settings()
UP_LINE = "up E8s_v5 512gb --ssh --disk standardssd --name lab-2 --ttl 3d --from 198.51.100.0/24"


def typical_request() -> VmRequest:
    """What the HTTP API builds for a typical POST /api/v1/vms."""
    return build_request(
        size="E8s_v5",
        disk_gb=512,
        disk_type="standardssd",
        variant="ssh",
        name="lab-2",
        region="westeurope",
        ttl="3d",
        ssh_public_key=SSH_KEY,
        allowed_source_prefixes=["198.51.100.0/24"],
        settings=SETTINGS,
    )


def test_build_request(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "request validation (pure)"

    request = benchmark(typical_request)

    assert request.size == "Standard_E8s_v5"
    assert request.disk_type is DiskType.STANDARDSSD


def test_parse_up_command(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "request validation (pure)"
    benchmark.extra_info["note"] = "/beast " + UP_LINE

    command = benchmark(commands.parse, UP_LINE)

    assert isinstance(command, commands.Up)
    assert command.variant is Variant.SSH
