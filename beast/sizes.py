"""VM size names, close-match suggestions and the vCPU quota check. Pure."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from beast.errors import QuotaError, UnknownSizeError, ValidationError
from beast.ports import QuotaUsage, SizeInfo

_SIZE_TEXT = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
REGIONAL_QUOTA = "cores"  # compute usages' name for "Total Regional vCPUs"


def canonical_size(text: str) -> str:
    """``E4s_v3``, ``standard_e4s_v3`` and ``Standard_E4s_v3`` all become ``Standard_E4s_v3``."""
    cleaned = text.strip()
    if not _SIZE_TEXT.match(cleaned):
        raise ValidationError(
            f"{text!r} is not a VM size; try one like E4s_v3.",
            fields={"size": "Use a size name such as E4s_v3 or Standard_D8s_v5."},
        )
    bare = cleaned[len("standard_") :] if cleaned.lower().startswith("standard_") else cleaned
    if not bare[:1].isalpha():  # "Standard_" alone, or "Standard_-x": no series letter
        raise ValidationError(
            f"{text!r} is not a VM size; try one like E4s_v3.",
            fields={"size": "Use a size name such as E4s_v3 or Standard_D8s_v5."},
        )
    # ARM spells sizes with an upper-case series letter: "E4s_v3", "NC24ads_A100_v4".
    return "Standard_" + bare[0].upper() + bare[1:]


def find_size(name: str, catalogue: Sequence[SizeInfo], *, region: str) -> SizeInfo:
    """The catalogue entry for ``name`` (any casing), or an error naming close matches."""
    by_lower = {size.name.lower(): size for size in catalogue}
    size = by_lower.get(name.lower())
    if size is not None and not size.restricted:
        return size
    # Compared without "standard_": every name shares it, so with it everything looks close.
    offered = {_bare(s.name): s.name for s in catalogue if not s.restricted}
    close = difflib.get_close_matches(_bare(name), list(offered), n=3, cutoff=0.6)
    suggestions = [offered[c] for c in close]
    short = name.removeprefix("Standard_")
    hint = (
        f" Close matches: {', '.join(s.removeprefix('Standard_') for s in suggestions)}."
        if suggestions
        else ""
    )
    if size is not None:
        message = f"{short} is not available to this subscription in {region}.{hint}"
    else:
        message = f"There is no VM size {short} in {region}.{hint}"
    message += " `sizes` lists what the region offers."
    raise UnknownSizeError(message, suggestions=suggestions)


def _bare(name: str) -> str:
    return name.lower().removeprefix("standard_")


def check_quota(size: SizeInfo, usages: Sequence[QuotaUsage], *, region: str) -> None:
    """Refuse, with the numbers, when the size would exceed its family or regional quota."""
    by_name = {usage.name.lower(): usage for usage in usages}
    for key in (size.family.lower(), REGIONAL_QUOTA):
        usage = by_name.get(key)
        if usage is None or usage.used + size.vcpus <= usage.limit:
            continue
        short = size.name.removeprefix("Standard_")
        raise QuotaError(
            f"{short} needs {size.vcpus} vCPUs; your quota for {usage.label} in {region} "
            f"has {usage.left} left ({usage.used} of {usage.limit} in use). "
            "Stop or delete another VM, pick a smaller size, or ask for a quota increase.",
            family=usage.name,
            limit=usage.limit,
            used=usage.used,
            required=size.vcpus,
        )
