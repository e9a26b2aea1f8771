"""The compiled VM templates bundled with Beast, and the parameters Beast sends them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from beast.models import Variant, Vm
from beast.settings import Secret

BICEP_DIR = Path(__file__).resolve().parent.parent / "bicep"
# Vm field <- template output: what a succeeded deployment tells Beast about its VM.
_OUTPUTS = {
    "vm_id": "vmId",
    "public_ip": "publicIp",
    "private_ip": "privateIp",
    "fqdn": "fqdn",
    "jupyter_url": "jupyterUrl",
    "ssh_command": "sshCommand",
    "gateway_ip": "gatewayIp",
}


@cache
def load_template(variant: Variant) -> Mapping[str, Any]:
    """The compiled ARM JSON for a variant, read once per process."""
    data: dict[str, Any] = json.loads((BICEP_DIR / variant.template).read_text("utf-8"))
    return data


def vm_tags(vm: Vm) -> dict[str, str]:
    """Tags on the group and every resource: how reconciliation and people find Beast's VMs."""
    tags = {
        "beast-vm": vm.name,
        "beast-owner": vm.owner,
        "beast-operation": vm.operation_id,
        "created-by": "beast",
    }
    if vm.keep_until:
        tags["keep-until"] = vm.keep_until.isoformat()
    return tags


def parameters(
    vm: Vm,
    *,
    template: Mapping[str, Any],
    password: Secret | None,
    ssh_public_key: str | None,
    allowed_source_prefixes: tuple[str, ...],
    vpn_root_certificate: str | None,
) -> dict[str, Any]:
    """ARM deployment parameters for ``vm``, limited to those the template declares."""
    wanted: dict[str, Any] = {
        "vmModel": vm.size,
        "osDiskSize": vm.disk_gb,
        "osDiskType": vm.disk_type.sku,
        "projectName": vm.name,
        "adminUsername": vm.admin_username,
        "location": vm.region,
        "allowedSourcePrefixes": list(allowed_source_prefixes),
        "tags": vm_tags(vm),
    }
    if password is not None:
        wanted["adminPassword"] = password.reveal()
    if ssh_public_key is not None:
        wanted["adminPublicKey"] = ssh_public_key
    if vpn_root_certificate is not None:
        wanted["vpnRootCertData"] = vpn_root_certificate
    declared = template.get("parameters", {})
    return {name: {"value": value} for name, value in wanted.items() if name in declared}


def deployed_fields(outputs: Mapping[str, Any]) -> dict[str, str | None]:
    """The Vm fields a succeeded deployment's outputs fill in (None where a variant has none)."""
    return {
        field: str(outputs[key]) if outputs.get(key) not in (None, "") else None
        for field, key in _OUTPUTS.items()
    }
