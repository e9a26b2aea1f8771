"""Beast's records as the API's camelCase JSON. Never includes a secret."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from beast.models import Operation, Vm
from beast.ports import SizeOffer


def timestamp(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with a ``Z``, or None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # Beast stores UTC throughout
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def vm_json(vm: Vm) -> dict[str, Any]:
    """A VM as the API shows it."""
    return {
        "name": vm.name,
        "owner": vm.owner,
        "size": vm.size,
        "diskGb": vm.disk_gb,
        "diskType": vm.disk_type.value,
        "variant": vm.variant.value,
        "region": vm.region,
        "state": vm.state.value,
        "publicIp": vm.public_ip,
        "privateIp": vm.private_ip,
        "fqdn": vm.fqdn,
        "jupyterUrl": vm.jupyter_url,
        "sshCommand": vm.ssh_command,
        "gatewayIp": vm.gateway_ip,
        "createdAt": timestamp(vm.created_at),
        "startedAt": timestamp(vm.started_at),
        "stoppedAt": timestamp(vm.stopped_at),
        "keepUntil": timestamp(vm.keep_until),
        "expiresAt": timestamp(vm.expires_at),
        "operationId": vm.operation_id,
    }


def operation_json(op: Operation) -> dict[str, Any]:
    """An operation as the API shows it."""
    error = None
    if op.error_code or op.error_message:
        error = {"code": op.error_code or "failed", "message": op.error_message or ""}
    return {
        "id": op.id,
        "kind": op.kind.value,
        "vmName": op.vm_name,
        "state": op.state.value,
        "createdAt": timestamp(op.created_at),
        "updatedAt": timestamp(op.updated_at),
        "error": error,
    }


def size_json(offer: SizeOffer) -> dict[str, Any]:
    """One VM size with its quota headroom and price."""
    return {
        "name": offer.size.name,
        "family": offer.size.family,
        "vcpus": offer.size.vcpus,
        "memoryGb": offer.size.memory_gb,
        "gpus": offer.size.gpus,
        "hourlyUsd": offer.hourly_usd,
        "quotaLeft": offer.quota_left,
    }
