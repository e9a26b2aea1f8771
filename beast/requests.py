"""Turn what a person typed or posted into a checked ``VmRequest``. Pure.

One validator for both front ends; field names in errors are the HTTP API's
(``size``, ``diskGb``, ``diskType``, ``variant``, ``name``, ``region``, ``ttl``,
``sshPublicKey``, ``allowedSourcePrefixes``) so Slack and HTTP say the same thing.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from datetime import timedelta

from beast.errors import ValidationError
from beast.models import DiskType, Variant, VmRequest
from beast.settings import Settings
from beast.sizes import canonical_size

DEFAULT_SIZE = "Standard_E4s_v3"  # the guide's default: 4 vCPUs, 32 GB
DEFAULT_DISK_GB = 1000  # the guide's default OS disk
MIN_DISK_GB = 30  # the DSVM image itself needs 30 GB
MAX_DISK_GB = 4095  # Azure's limit for an OS disk

_NAME = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
_REGION = re.compile(r"^[a-z][a-z0-9]{1,30}$")
_TTL = re.compile(r"^(\d{1,4})\s*([mhd]?)$")
_TTL_UNITS = {"m": "minutes", "h": "hours", "d": "days", "": "hours"}
MAX_TTL = timedelta(days=90)
MAX_SOURCE_PREFIXES = 32  # as many as the HTTP API accepts; each one is an NSG rule entry
_SSH_KEY = re.compile(
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com)"
    r" [A-Za-z0-9+/]{40,}={0,3}( [^\r\n]{0,200})?$"
)


def parse_ttl(text: str) -> timedelta:
    """``90m``, ``8h``, ``3d`` (a bare number means hours)."""
    match = _TTL.match(text.strip().lower())
    if not match:
        raise ValueError("Use a time like 90m, 8h or 3d.")
    if int(match.group(1)) == 0:
        raise ValueError("A time-to-live must be at least 1 minute, e.g. 90m, 8h or 3d.")
    ttl = timedelta(**{_TTL_UNITS[match.group(2)]: int(match.group(1))})
    if ttl > MAX_TTL:
        raise ValueError("The longest time-to-live is 90 days.")
    return ttl


def check_ssh_key(key: str) -> str:
    """The key, stripped, if it looks like an OpenSSH public key; ValidationError otherwise."""
    cleaned = " ".join(key.split())
    if not _SSH_KEY.match(cleaned):
        raise ValidationError(
            "That is not an OpenSSH public key.",
            fields={"sshPublicKey": "Paste one line like 'ssh-ed25519 AAAA... you@laptop'."},
        )
    return cleaned


def check_name(name: str) -> str:
    """A VM name that is DNS-safe and fits every Azure name Beast derives from it."""
    # fullmatch: ``$`` alone would let a trailing newline through into Azure names.
    if not _NAME.fullmatch(name):
        raise ValidationError(
            f"{name[:80]!r} is not a usable VM name.",
            fields={
                "name": "Use 3-40 lower-case letters, digits and hyphens, starting with a "
                "letter and not ending with a hyphen."
            },
        )
    return name


def build_request(
    *,
    size: str | None,
    disk_gb: int | str | None,
    disk_type: str | None,
    variant: str | None,
    name: str | None,
    region: str | None,
    ttl: str | None,
    ssh_public_key: str | None,
    allowed_source_prefixes: Sequence[str] | None,
    settings: Settings,
) -> VmRequest:
    """Check every field at once; ValidationError names each field that is wrong."""
    problems: dict[str, str] = {}

    canonical = DEFAULT_SIZE
    if size is not None:
        try:
            canonical = canonical_size(size)
        except ValidationError as exc:
            problems.update(exc.fields)

    disk = DEFAULT_DISK_GB
    if disk_gb is not None:
        try:
            disk = int(str(disk_gb).strip().lower().removesuffix("gb"))
        except ValueError:
            problems["diskGb"] = f"Give the OS disk size in GB as a whole number, not {disk_gb!r}."
        else:
            top = min(MAX_DISK_GB, settings.max_disk_gb)
            if not MIN_DISK_GB <= disk <= top:
                problems["diskGb"] = f"The OS disk must be {MIN_DISK_GB} to {top} GB, not {disk}."

    kind = DiskType.PREMIUM
    if disk_type is not None:
        try:
            kind = DiskType(disk_type.strip().lower())
        except ValueError:
            problems["diskType"] = "Use premium, standardssd or standard."

    flavour = Variant.JUPYTER
    if variant is not None:
        try:
            flavour = Variant(variant.strip().lower())
        except ValueError:
            problems["variant"] = "Use jupyter, ssh or vpn."

    if name is not None:
        try:
            check_name(name)
        except ValidationError as exc:
            problems.update(exc.fields)

    where = settings.default_region
    if region is not None:
        where = region.strip().lower().replace(" ", "")
        if not _REGION.match(where):
            problems["region"] = "Use an Azure region name such as eastus or westeurope."

    lifetime = None
    if ttl is not None:
        try:
            lifetime = parse_ttl(ttl)
        except ValueError as exc:
            problems["ttl"] = str(exc)

    key = None
    if ssh_public_key is not None:
        try:
            key = check_ssh_key(ssh_public_key)
        except ValidationError as exc:
            problems.update(exc.fields)

    prefixes = settings.allowed_source_prefixes
    if allowed_source_prefixes is not None:
        try:
            prefixes = _check_prefixes(
                allowed_source_prefixes, widest=_widest(settings.allowed_source_prefixes)
            )
        except ValueError as exc:
            problems["allowedSourcePrefixes"] = str(exc)

    if problems:
        summary = "; ".join(f"{field}: {message}" for field, message in problems.items())
        raise ValidationError(f"The request has problems. {summary}", fields=problems)
    return VmRequest(
        size=canonical,
        disk_gb=disk,
        disk_type=kind,
        variant=flavour,
        name=name,
        region=where,
        ttl=lifetime,
        ssh_public_key=key,
        allowed_source_prefixes=prefixes,
    )


def _widest(configured: Sequence[str]) -> int:
    """The shortest prefix length among the app's own ranges: no request may open more."""
    lengths = []
    for text in configured:
        try:
            lengths.append(ipaddress.IPv4Network(text.strip(), strict=False).prefixlen)
        except ValueError:
            continue  # not a range (a service tag, say): it sets no bound
    # Never the whole internet, whatever the setting says.
    return max(min(lengths, default=1), 1)


def _check_prefixes(texts: Sequence[str], *, widest: int) -> tuple[str, ...]:
    """Each range checked; together at most ``MAX_SOURCE_PREFIXES`` distinct ranges."""
    if not texts:
        raise ValueError("Give at least one CIDR range, e.g. 203.0.113.7/32.")
    if len(texts) > MAX_SOURCE_PREFIXES:
        raise ValueError(f"Give at most {MAX_SOURCE_PREFIXES} CIDR ranges, not {len(texts)}.")
    return tuple(dict.fromkeys(_check_prefix(p, widest=widest) for p in texts))


def _check_prefix(text: str, *, widest: int) -> str:
    """One IPv4 CIDR range, no broader than the app's own ranges.

    A length bound on each range, not only a refusal of ``0.0.0.0/0``: two ranges
    such as 0.0.0.0/1 and 128.0.0.0/1 open the VM to the whole internet just as well.
    """
    try:
        network = ipaddress.IPv4Network(str(text).strip(), strict=False)
    except ValueError:
        raise ValueError(
            f"{str(text)[:60]!r} is not an IPv4 CIDR range like 203.0.113.7/32."
        ) from None
    if network.prefixlen == 0:
        raise ValueError("0.0.0.0/0 would open the VM to the whole internet; give your own range.")
    if network.prefixlen < widest:
        raise ValueError(
            f"{network} is broader than Beast allows here (/{widest} or narrower); "
            "give your own address, e.g. 203.0.113.7/32."
        )
    return str(network)
