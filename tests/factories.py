"""Sample records and settings for tests and benchmarks, each fact said once.

``make_vm(state=VmState.DEPLOYING)`` is alice's JupyterHub VM (E4s_v3, 1000 GB
Premium SSD, eastus) with the given fields changed; its resource group and
deployment name follow ``beast.naming`` from its name and operation id, as
``Beast.request_vm`` would set them. ``base_env(**extra)`` is the smallest
environment ``load_settings`` accepts; ``parts_env`` points it at Azurite and
the ARM simulator with tables and a jobs queue of its own.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from beast import naming
from beast.models import (
    DiskType,
    Operation,
    OperationKind,
    OperationState,
    Variant,
    Vm,
    VmState,
)
from beast.ports import SizeInfo
from beast.settings import Settings, load_settings

if TYPE_CHECKING:
    from local.armsim.testing import ArmSim
    from local.azurite import Azurite

CREATED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
SOURCE_PREFIXES = "203.0.113.0/24"
VPN_ROOT_CERT = "MIIC5jCCAc6gAwIBAgIQbase64rootcertdata"
SSH_KEY = "ssh-ed25519 " + "A" * 68 + " alice@laptop"
PUBLIC_IP = "20.1.2.3"
# The parameters Beast sends every VM template (beast.templates); each template must declare them.
COMMON_TEMPLATE_PARAMETERS = frozenset(
    {
        "vmModel",
        "osDiskSize",
        "osDiskType",
        "projectName",
        "adminUsername",
        "location",
        "allowedSourcePrefixes",
        "tags",
    }
)


def make_vm(**overrides: Any) -> Vm:
    """Alice's running JupyterHub VM, with ``overrides`` applied."""
    name = overrides.pop("name", "beast-alice-1")
    operation_id = overrides.pop("operation_id", "op-1")
    vm = Vm(
        name=name,
        owner="slack:U0ALICE",
        owner_name="alice",
        size="Standard_E4s_v3",
        disk_gb=1000,
        disk_type=DiskType.PREMIUM,
        variant=Variant.JUPYTER,
        region="eastus",
        resource_group=naming.resource_group("rg-", name),
        deployment_name=naming.deployment_name(operation_id),
        state=VmState.RUNNING,
        admin_username="alice",
        operation_id=operation_id,
        created_at=CREATED_AT,
    )
    return vm.evolve(**overrides)


def make_ready_vm(**overrides: Any) -> Vm:
    """``make_vm`` once deployed: a public address, the JupyterHub URL and the ssh command."""
    return make_vm(
        **{
            "public_ip": PUBLIC_IP,
            "jupyter_url": f"https://{PUBLIC_IP}:8000",
            "ssh_command": f"ssh alice@{PUBLIC_IP}",
            **overrides,
        }
    )


def make_size(**overrides: Any) -> SizeInfo:
    """Standard_E4s_v3 as the SKU catalogue lists it (4 vCPUs, 32 GB), with ``overrides``."""
    size = SizeInfo(
        name="Standard_E4s_v3",
        family="standardESv3Family",
        vcpus=4,
        memory_gb=32.0,
        gpus=0,
        restricted=False,
    )
    return replace(size, **overrides)


def make_operation(**overrides: Any) -> Operation:
    """A queued deploy of ``make_vm()``, asked for by its owner, with ``overrides`` applied."""
    op = Operation(
        id="op-1",
        kind=OperationKind.DEPLOY,
        vm_name="beast-alice-1",
        owner="slack:U0ALICE",
        actor="slack:U0ALICE",
        state=OperationState.QUEUED,
        created_at=CREATED_AT,
        updated_at=CREATED_AT,
    )
    return op.evolve(**overrides)


def base_env(**extra: str) -> dict[str, str]:
    """The keys ``load_settings`` requires, with ``extra`` keys added or replaced."""
    return {
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "BEAST_SUBSCRIPTION_ID": SUBSCRIPTION_ID,
        "BEAST_ALLOWED_SOURCE_PREFIXES": SOURCE_PREFIXES,
        "SLACK_SIGNING_SECRET": "test-signing-secret",
        "SLACK_BOT_TOKEN": "xoxb-test",
        **extra,
    }


def make_settings(**extra: str) -> Settings:
    """Settings from ``base_env(**extra)``."""
    return load_settings(base_env(**extra))


def parts_overrides(*, azurite: Azurite, armsim: ArmSim) -> dict[str, str]:
    """The settings a launcher exports so the app finds Azurite and the ARM simulator."""
    # Imported here: pure tests use this module too, and the launcher pulls in the local host.
    from local.stack import host_overrides

    return host_overrides(
        storage_connection=azurite.connection_string,
        arm_url=armsim.url,
        arm_ca_bundle=armsim.ca_bundle,
        subscription_id=armsim.subscription_id,
    )


def parts_env(*, azurite: Azurite, armsim: ArmSim, stem: str, **extra: str) -> dict[str, str]:
    """``base_env`` on Azurite and the ARM simulator, with tables and a queue named ``stem…``."""
    tag = uuid.uuid4().hex[:8]
    return base_env(
        **{
            **parts_overrides(azurite=azurite, armsim=armsim),
            "BEAST_TABLE_PREFIX": f"{stem}{tag}",
            "BEAST_JOBS_QUEUE": f"{stem}-{tag}",
            "BEAST_POLL_SECONDS": "1",
            "BEAST_VPN_ROOT_CERT": VPN_ROOT_CERT,
            **extra,
        }
    )
