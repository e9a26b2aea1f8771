"""Parsing ARM resource ids."""

from __future__ import annotations

from dataclasses import dataclass

from local.armsim.errors import ArmError


@dataclass(frozen=True)
class ResourceId:
    """The parts of `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/...]`."""

    subscription_id: str
    resource_group: str
    namespace: str
    types: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def type(self) -> str:
        """Full type, e.g. Microsoft.Network/virtualNetworks/subnets."""
        return "/".join((self.namespace, *self.types))

    @property
    def name(self) -> str:
        """The last name segment (what ARM returns as `name`)."""
        return self.names[-1]

    @property
    def type_and_name(self) -> str:
        """Microsoft.Compute/virtualMachines/vm1 (the form ARM's 404 messages quote)."""
        parts = [self.namespace]
        for t, n in zip(self.types, self.names, strict=True):
            parts += [t, n]
        return "/".join(parts)

    @property
    def parent(self) -> str | None:
        """The id of the parent resource, for child resources."""
        if len(self.types) < 2:
            return None
        return str(self).rsplit("/", 2)[0]

    def __str__(self) -> str:
        tail = "/".join(f"{t}/{n}" for t, n in zip(self.types, self.names, strict=True))
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/{self.namespace}/{tail}"
        )


def parse_resource_id(resource_id: str) -> ResourceId:
    """Split a resource-group-scoped resource id; 400 InvalidResourceId if it is not one."""
    parts = resource_id.strip("/").split("/")
    ok = (
        len(parts) >= 8
        and len(parts) % 2 == 0
        and parts[0].lower() == "subscriptions"
        and parts[2].lower() == "resourcegroups"
        and parts[4].lower() == "providers"
    )
    if not ok:
        raise ArmError(400, "InvalidResourceId", f"The resource id '{resource_id}' is invalid.")
    rest = parts[6:]
    return ResourceId(
        subscription_id=parts[1],
        resource_group=parts[3],
        namespace=parts[5],
        types=tuple(rest[0::2]),
        names=tuple(rest[1::2]),
    )
