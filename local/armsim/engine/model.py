"""The value types shared by the engine and the simulator server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# The tenant of the simulated subscription (any fixed GUID would do).
DEFAULT_TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@dataclass(frozen=True)
class Scope:
    """Where a deployment runs: subscription, resource group and deployment name."""

    subscription_id: str
    resource_group: str
    location: str  # the resource group's location
    deployment_name: str
    tenant_id: str = DEFAULT_TENANT_ID

    @property
    def subscription_scope(self) -> str:
        """ "/subscriptions/{id}"."""
        return f"/subscriptions/{self.subscription_id}"

    @property
    def resource_group_id(self) -> str:
        """ "/subscriptions/{id}/resourceGroups/{name}"."""
        return f"{self.subscription_scope}/resourceGroups/{self.resource_group}"


@dataclass(frozen=True)
class ResourceDecl:
    """One resource the deployment will create, after copies and conditions."""

    id: str  # full ARM id
    type: str  # "Microsoft.Network/virtualNetworks/subnets"
    name: str  # "vnet/default" (as in the template)
    api_version: str
    depends_on: tuple[str, ...]  # resource ids


# reference(resource_id, api_version, full) -> the resource's properties (or its whole body
# when full=True), read from the simulator's state.
Reference = Callable[[str, str | None, bool], dict[str, Any]]
