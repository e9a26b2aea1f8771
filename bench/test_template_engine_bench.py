"""How long the ARM simulator's template engine takes per deployment of each VM template.

``prepare`` (parameter checks, variables, copies, conditions, dependsOn order), then
``render`` of every resource and the outputs, with the parameters Beast itself sends.
This is the simulator's own cost per deployment in ``make run`` and the tests, not
how long Azure takes to deploy (minutes for a VM, about 45 for a VPN gateway).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from beast.models import Variant, VmState
from beast.settings import Secret
from beast.templates import load_template, parameters
from local.armsim.engine import Scope, prepare
from tests.factories import make_vm

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBeastBeastBeastBeastBeastBeastBeastBeast alice"
SCOPE = Scope(
    subscription_id="00000000-0000-0000-0000-0000000000b1",
    resource_group="rg-alice-1",
    location="eastus",
    deployment_name="beast-op-1",
)
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def fake_reference(resource_id: str, api_version: str | None, full: bool) -> dict[str, Any]:
    """What the simulator's state would hold for the resources the outputs read."""
    return {
        "ipAddress": "20.0.0.7",
        "dnsSettings": {"fqdn": "alice-1-x.eastus.cloudapp.azure.com"},
        "ipConfigurations": [{"properties": {"privateIPAddress": "10.1.0.4"}}],
    }


def deployment_for(variant: Variant) -> tuple[dict[str, Any], dict[str, Any]]:
    """The template and the parameters Beast's worker would send for ``variant``."""
    vm = make_vm(name="alice-1", variant=variant, state=VmState.DEPLOYING, created_at=T0)
    template = dict(load_template(variant))
    values = parameters(
        vm,
        template=template,
        password=Secret("Correct-Horse-9-Battery") if variant is Variant.JUPYTER else None,
        ssh_public_key=None if variant is Variant.JUPYTER else SSH_KEY,
        allowed_source_prefixes=("203.0.113.0/24",),
        vpn_root_certificate="MIIC5jCCAc6gAwIBAgIQ" if variant is Variant.VPN else None,
    )
    return template, values


def evaluate(template: dict[str, Any], values: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One deployment's template work: prepare, render every resource, evaluate outputs."""
    plan = prepare(template, values, SCOPE, now=T0)
    bodies = [plan.render(decl, fake_reference) for decl in plan.resources]
    return len(bodies), plan.outputs(fake_reference)


@pytest.mark.parametrize("variant", [Variant.JUPYTER, Variant.SSH, Variant.VPN])
def test_template_engine_per_deployment(benchmark: BenchmarkFixture, variant: Variant) -> None:
    template, values = deployment_for(variant)
    benchmark.group = "armsim template engine (simulator cost, not Azure's)"
    benchmark.extra_info["note"] = variant.template

    resources, outputs = benchmark(evaluate, template, values)

    assert resources >= 5
    assert outputs["vmName"]["value"]
