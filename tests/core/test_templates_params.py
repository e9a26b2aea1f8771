"""The parameters Beast sends each VM template, and what the templates promise back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from beast.models import DiskType, Variant, Vm, VmState
from beast.settings import Secret
from beast.templates import load_template, parameters, vm_tags
from tests.factories import COMMON_TEMPLATE_PARAMETERS, SSH_KEY, make_vm

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PASSWORD = "Pa55word!Pa55word!Pa55wd"
ROOT_CERT = "MIIC5jCCAc6gAwIBAgIQbase64rootcertdata"

# Parameters Beast relies on, per variant (beyond what each template may add itself).
RELIED_ON = {
    Variant.JUPYTER: COMMON_TEMPLATE_PARAMETERS | {"adminPassword"},
    Variant.SSH: COMMON_TEMPLATE_PARAMETERS | {"adminPublicKey"},
    Variant.VPN: COMMON_TEMPLATE_PARAMETERS | {"adminPublicKey", "vpnRootCertData"},
}
# Outputs beast.worker reads into the VM record once the deployment succeeds.
OUTPUTS = {
    Variant.JUPYTER: {"vmId", "publicIp", "privateIp", "fqdn", "jupyterUrl", "sshCommand"},
    Variant.SSH: {"vmId", "publicIp", "privateIp", "fqdn", "sshCommand"},
    Variant.VPN: {"vmId", "privateIp", "sshCommand"},
}


def a_vm(variant: Variant, **changes: Any) -> Vm:
    return make_vm(
        variant=variant,
        disk_type=DiskType.STANDARDSSD,
        region="westeurope",
        state=VmState.DEPLOYING,
        operation_id="0123456789abcdef0123456789abcdef",
        created_at=NOW,
    ).evolve(**changes)


def sent(variant: Variant, *, password: Secret | None = None) -> dict[str, Any]:
    """What the worker would send for ``variant``, offered every value Beast has."""
    return parameters(
        a_vm(variant),
        template=load_template(variant),
        password=password,
        ssh_public_key=SSH_KEY,
        allowed_source_prefixes=("203.0.113.0/24",),
        vpn_root_certificate=ROOT_CERT,
    )


@pytest.mark.parametrize("variant", list(Variant))
def test_only_parameters_the_template_declares_are_sent(variant: Variant) -> None:
    declared = set(load_template(variant)["parameters"])
    values = sent(variant, password=Secret(PASSWORD))
    assert set(values) <= declared
    assert all(set(v) == {"value"} for v in values.values())


@pytest.mark.parametrize("variant", list(Variant))
def test_every_parameter_beast_relies_on_is_sent(variant: Variant) -> None:
    password = Secret(PASSWORD) if variant is Variant.JUPYTER else None
    assert RELIED_ON[variant] <= set(sent(variant, password=password))


def test_values_are_the_vms_own() -> None:
    values = {k: v["value"] for k, v in sent(Variant.JUPYTER, password=Secret(PASSWORD)).items()}
    assert values["vmModel"] == "Standard_E4s_v3"
    assert values["osDiskSize"] == 1000
    assert values["osDiskType"] == "StandardSSD_LRS"
    assert values["projectName"] == "beast-alice-1"
    assert values["adminUsername"] == "alice"
    assert values["adminPassword"] == PASSWORD
    assert values["location"] == "westeurope"
    assert values["allowedSourcePrefixes"] == ["203.0.113.0/24"]


@pytest.mark.parametrize("variant", list(Variant))
def test_tags_name_the_vm_owner_operation_and_beast(variant: Variant) -> None:
    tags = sent(variant)["tags"]["value"]
    assert tags == {
        "beast-vm": "beast-alice-1",
        "beast-owner": "slack:U0ALICE",
        "beast-operation": "0123456789abcdef0123456789abcdef",
        "created-by": "beast",
    }


def test_a_kept_vm_carries_its_keep_until_tag() -> None:
    kept = a_vm(Variant.SSH, keep_until=NOW)
    assert vm_tags(kept)["keep-until"] == NOW.isoformat()


@pytest.mark.parametrize("variant", [Variant.SSH, Variant.VPN])
def test_ssh_and_vpn_never_receive_a_password_even_if_offered_one(variant: Variant) -> None:
    values = sent(variant, password=Secret(PASSWORD))
    assert "adminPassword" not in values
    assert PASSWORD not in repr(values)


def test_only_the_vpn_variant_gets_the_root_certificate() -> None:
    assert sent(Variant.VPN)["vpnRootCertData"] == {"value": ROOT_CERT}
    assert "vpnRootCertData" not in sent(Variant.JUPYTER)
    assert "vpnRootCertData" not in sent(Variant.SSH)


@pytest.mark.parametrize("variant", list(Variant))
def test_each_template_declares_every_parameter_beast_relies_on(variant: Variant) -> None:
    declared = load_template(variant)["parameters"]
    assert RELIED_ON[variant] <= set(declared)
    if variant is Variant.JUPYTER:
        assert declared["adminPassword"]["type"] == "securestring"
    else:
        assert "adminPassword" not in declared


@pytest.mark.parametrize("variant", list(Variant))
def test_each_template_returns_the_outputs_the_worker_reads(variant: Variant) -> None:
    outputs = load_template(variant).get("outputs", {})
    assert OUTPUTS[variant] <= set(outputs)
    assert all(outputs[name]["type"] == "string" for name in OUTPUTS[variant])
