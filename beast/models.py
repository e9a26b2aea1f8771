"""Beast's records: what a person asks for, the VMs and operations Beast keeps."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Self


class Variant(StrEnum):
    """Which template a VM is deployed from."""

    JUPYTER = "jupyter"  # password login + JupyterHub on https://IP:8000
    SSH = "ssh"  # SSH keys only, port 22 only
    VPN = "vpn"  # private VM behind a point-to-site VPN gateway

    @property
    def template(self) -> str:
        """The compiled ARM template file in bicep/."""
        return {
            Variant.JUPYTER: "vmtemplate.json",
            Variant.SSH: "vmtemplate_ssh.json",
            Variant.VPN: "vmtemplate_vpn.json",
        }[self]


class DiskType(StrEnum):
    """OS disk storage types, by the short names people type."""

    PREMIUM = "premium"
    STANDARDSSD = "standardssd"
    STANDARD = "standard"

    @property
    def sku(self) -> str:
        """The managed-disk SKU name ARM wants."""
        return {
            DiskType.PREMIUM: "Premium_LRS",
            DiskType.STANDARDSSD: "StandardSSD_LRS",
            DiskType.STANDARD: "Standard_LRS",
        }[self]

    @property
    def label(self) -> str:
        """How a person reads it."""
        return {
            DiskType.PREMIUM: "Premium SSD",
            DiskType.STANDARDSSD: "Standard SSD",
            DiskType.STANDARD: "Standard HDD",
        }[self]


class VmState(StrEnum):
    """A VM's life as Beast records it."""

    DEPLOYING = "deploying"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"  # always deallocated: a merely powered-off VM is still billed
    STARTING = "starting"
    DELETING = "deleting"
    DELETED = "deleted"
    FAILED = "failed"

    @property
    def is_up(self) -> bool:
        """Running or on its way there: what counts against a person's VM limit."""
        return self in {VmState.DEPLOYING, VmState.STARTING, VmState.RUNNING}


class OperationKind(StrEnum):
    """What an operation does; each is one queue job."""

    DEPLOY = "deploy"
    START = "start"
    STOP = "stop"
    DELETE = "delete"


class OperationState(StrEnum):
    """An operation's progress."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def done(self) -> bool:
        """True once the operation can change no more."""
        return self in {OperationState.SUCCEEDED, OperationState.FAILED}


@dataclass(frozen=True, kw_only=True)
class Caller:
    """Who is asking, as a front end established it."""

    id: str  # stable and front-end qualified: "slack:U024BE7LH", "aad:alice@contoso.com"
    name: str  # short name for VM names and messages: "alice"
    front_end: str  # "slack" or "api"
    is_admin: bool = False


@dataclass(frozen=True, kw_only=True)
class ReplyTo:
    """Where news about an operation goes; opaque to the core, read by the notifier."""

    front_end: str
    user_id: str  # the front end's own user id (Slack user id, principal name)
    response_url: str | None = None  # Slack: valid for 30 minutes after the command
    channel_id: str | None = None
    issued_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for a queue job."""
        return {
            "front_end": self.front_end,
            "user_id": self.user_id,
            "response_url": self.response_url,
            "channel_id": self.channel_id,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Inverse of ``to_dict``."""
        issued = data.get("issued_at")
        return cls(
            front_end=str(data["front_end"]),
            user_id=str(data["user_id"]),
            response_url=data.get("response_url"),
            channel_id=data.get("channel_id"),
            issued_at=datetime.fromisoformat(issued) if issued else None,
        )


@dataclass(frozen=True, kw_only=True)
class VmRequest:
    """A validated request for a new VM."""

    size: str  # canonical ARM name, "Standard_E4s_v3"
    disk_gb: int
    disk_type: DiskType
    variant: Variant
    name: str | None  # None: Beast picks one
    region: str
    ttl: timedelta | None
    ssh_public_key: str | None
    allowed_source_prefixes: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Vm:
    """One VM as Beast keeps it in the vms table. Never holds a secret."""

    name: str
    owner: str  # Caller.id
    owner_name: str
    size: str
    disk_gb: int
    disk_type: DiskType
    variant: Variant
    region: str
    resource_group: str
    deployment_name: str
    state: VmState
    admin_username: str
    operation_id: str  # the last operation that acted on it
    created_at: datetime
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    keep_until: datetime | None = None
    expires_at: datetime | None = None
    warned_at: datetime | None = None
    public_ip: str | None = None
    private_ip: str | None = None
    fqdn: str | None = None
    jupyter_url: str | None = None
    ssh_command: str | None = None
    gateway_ip: str | None = None  # the VPN gateway's public address (vpn variant)
    ssh_public_key: str | None = None  # public, so safe to keep; a retried deploy needs it
    source_prefixes: str | None = None  # the NSG's allowed CIDR ranges, comma-separated
    vm_id: str | None = None  # ARM resource id, once deployed
    error: str | None = None
    etag: str | None = field(
        default=None, compare=False
    )  # storage version for optimistic concurrency

    def evolve(self, **changes: Any) -> Vm:
        """A copy with ``changes`` applied (same etag, so the write is still checked)."""
        return replace(self, **changes)

    @property
    def allowed_source_prefixes(self) -> tuple[str, ...]:
        """The CIDR ranges SSH and JupyterHub accept connections from."""
        return tuple(p for p in (self.source_prefixes or "").split(",") if p)


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One asynchronous thing Beast does to a VM, as kept in the operations table."""

    id: str
    kind: OperationKind
    vm_name: str
    owner: str
    actor: str  # Caller.id of whoever asked
    state: OperationState
    created_at: datetime
    updated_at: datetime
    error_code: str | None = None
    error_message: str | None = None
    etag: str | None = field(default=None, compare=False)

    def evolve(self, **changes: Any) -> Operation:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """Who did what to which VM, when, through which front end. Append-only."""

    at: datetime
    actor: str
    action: str
    vm_name: str
    front_end: str
    operation_id: str | None = None
    detail: str = ""
