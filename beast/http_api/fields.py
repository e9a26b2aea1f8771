"""What each endpoint accepts: body fields, path and query parameters, with their limits.

The patterns match Beast's own rules (``beast.requests``, ``beast.sizes``,
``beast.naming``), so a value the API lets through is one the core can judge.
"""

from __future__ import annotations

from beast.http_api.body import Field
from beast.models import VmState
from beast.requests import MAX_DISK_GB, MIN_DISK_GB
from beast.service import MAX_KEEP_HOURS

VM_NAME_PATTERN = r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$"
OPERATION_ID_PATTERN = r"^[0-9a-f]{32}$"
REGION_PATTERN = r"^[a-z][a-z0-9]{1,30}$"
SIZE_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"

VM_STATES = tuple(state.value for state in VmState)

CREATE_VM_FIELDS: tuple[Field, ...] = (
    Field(
        name="size",
        kind="string",
        description="VM size, with or without the Standard_ prefix. Default Standard_E4s_v3.",
        max_length=64,
        pattern=SIZE_PATTERN,
        example="E4s_v3",
    ),
    Field(
        name="diskGb",
        kind="integer",
        description="OS disk size in GB. Default 1000.",
        minimum=MIN_DISK_GB,
        maximum=MAX_DISK_GB,
        example=1000,
    ),
    Field(
        name="diskType",
        kind="string",
        description="OS disk storage: Premium SSD, Standard SSD or Standard HDD. Default premium.",
        enum=("premium", "standardssd", "standard"),
    ),
    Field(
        name="variant",
        kind="string",
        description="jupyter: password login and JupyterHub; ssh: SSH keys only; "
        "vpn: private VM behind a point-to-site VPN gateway. Default jupyter.",
        enum=("jupyter", "ssh", "vpn"),
    ),
    Field(
        name="name",
        kind="string",
        description="VM name: 3-40 lower-case letters, digits and hyphens. Default: Beast picks.",
        max_length=40,
        pattern=VM_NAME_PATTERN,
        example="beast-alice-1",
    ),
    Field(
        name="region",
        kind="string",
        description="Azure region. Default: the app's default region.",
        max_length=31,
        pattern=REGION_PATTERN,
        example="eastus",
    ),
    Field(
        name="ttl",
        kind="string",
        description="Time to live: 90m, 8h or 3d (a bare number means hours), at most 90 days.",
        max_length=5,
        pattern=r"^[0-9]{1,4}[mhd]?$",
        example="8h",
    ),
    Field(
        name="sshPublicKey",
        kind="string",
        description="OpenSSH public key, one line. Needed for every variant: Beast never "
        "sends a password over HTTP, so you log in with the key (and run passwd to set a "
        "JupyterHub password).",
        max_length=16384,
        example="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExample you@laptop",
    ),
    Field(
        name="allowedSourcePrefixes",
        kind="string-array",
        description="IPv4 CIDR ranges allowed to reach the VM. Default: the app's setting.",
        max_length=18,
        max_items=32,
        example=["203.0.113.7/32"],
    ),
)

KEEP_FIELDS: tuple[Field, ...] = (
    Field(
        name="hours",
        kind="integer",
        description="Keep the VM out of the idle sweep for this many hours from now.",
        required=True,
        minimum=1,
        maximum=MAX_KEEP_HOURS,
        example=8,
    ),
)
