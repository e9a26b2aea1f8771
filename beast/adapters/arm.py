"""The ARM port on the real azure-mgmt clients.

Imported only by the worker's wiring: the Slack ack path never loads azure.mgmt.
SDK exceptions are translated here, once, into Beast's error tree.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from functools import cached_property
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
)
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.deployments.models import Deployment, DeploymentProperties
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.models import ResourceGroup

from beast.errors import LimitError, ThrottledError, UpstreamError, ValidationError
from beast.ports import (
    BeastGroup,
    DeploymentState,
    DeploymentStatus,
    PowerState,
    QuotaUsage,
    SizeInfo,
)

log = logging.getLogger(__name__)

BEAST_TAG = "beast-vm"  # every resource group Beast creates carries it


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Turn SDK exceptions into Beast's errors, saying what Beast was doing."""
    try:
        yield
    except ClientAuthenticationError as exc:
        raise UpstreamError(f"Azure refused Beast's credentials while {what}.") from exc
    except HttpResponseError as exc:
        code = exc.error.code if exc.error else None
        if exc.status_code == 429:
            headers = getattr(exc.response, "headers", None) or {}
            retry = str(headers.get("Retry-After") or "30")
            raise ThrottledError(
                f"Azure is throttling Beast while {what}; it will try again.",
                retry_after=float(retry) if retry.replace(".", "", 1).isdigit() else 30.0,
            ) from exc
        if exc.status_code == 403:
            raise UpstreamError(
                f"Beast's identity lacks a permission for {what} ({code or 'Forbidden'})."
            ) from exc
        raise UpstreamError(f"Azure failed while {what}: {code or exc.status_code}.") from exc
    except ServiceRequestError as exc:
        raise UpstreamError(f"Could not reach Azure Resource Manager while {what}.") from exc


class AzureArm:
    """``beast.ports.Arm`` over azure-mgmt-resource, -resource-deployments and -compute."""

    def __init__(
        self,
        *,
        credential: TokenCredential,
        subscription_id: str,
        endpoint: str,
        ca_bundle: str | None = None,
        polling_interval: float = 5,
    ) -> None:
        self._credential = credential
        self._subscription = subscription_id
        # Trust a private CA per client (the local simulator), never process-wide.
        self._options: dict[str, Any] = {
            "base_url": endpoint,
            "polling_interval": polling_interval,
        }
        if ca_bundle:
            self._options["connection_verify"] = ca_bundle

    @cached_property
    def _resources(self) -> ResourceManagementClient:
        return ResourceManagementClient(self._credential, self._subscription, **self._options)

    @cached_property
    def _deployments(self) -> DeploymentsMgmtClient:
        return DeploymentsMgmtClient(self._credential, self._subscription, **self._options)

    @cached_property
    def _compute(self) -> ComputeManagementClient:
        return ComputeManagementClient(self._credential, self._subscription, **self._options)

    # --- catalogue and quota -----------------------------------------------------

    def sizes(self, region: str) -> Sequence[SizeInfo]:
        """VM sizes of the region from the resource SKU catalogue."""
        with _translated(f"listing VM sizes in {region}"):
            skus = list(
                self._compute.resource_skus.list(filter=f"location eq {_odata_string(region)}")
            )
        sizes = []
        for sku in skus:
            if (sku.resource_type or "").lower() != "virtualmachines" or not sku.name:
                continue
            caps = {c.name: c.value for c in sku.capabilities or [] if c.name}
            restricted = any(
                (r.type or "").lower() == "location"
                and region.lower() in [v.lower() for v in r.values_property or []]
                for r in sku.restrictions or []
            )
            sizes.append(
                SizeInfo(
                    name=sku.name,
                    family=sku.family or "",
                    vcpus=int(caps.get("vCPUs") or 0),
                    memory_gb=float(caps.get("MemoryGB") or 0),
                    gpus=int(caps.get("GPUs") or 0),
                    restricted=restricted,
                )
            )
        return sizes

    def quotas(self, region: str) -> Sequence[QuotaUsage]:
        """vCPU usage per family and the regional total."""
        with _translated(f"reading vCPU quota in {region}"):
            return [
                QuotaUsage(
                    name=u.name.value or "",
                    label=u.name.localized_value or u.name.value or "",
                    used=int(u.current_value),
                    limit=int(u.limit),
                )
                for u in self._compute.usage.list(region)
                if u.name is not None
            ]

    # --- groups and deployments --------------------------------------------------

    def ensure_group(self, name: str, *, region: str, tags: Mapping[str, str]) -> None:
        """Create the resource group, or update the tags of the one this VM made earlier."""
        existing = self._group_tags(name)
        # The group's name comes from a name a person chose: never adopt (and later
        # delete with the VM) a group that someone else made.
        if existing is not None and existing.get(BEAST_TAG) != tags.get(BEAST_TAG):
            raise ValidationError(
                f"Resource group {name} already exists and is not Beast's; "
                "choose another name with --name.",
                fields={"name": f"{name} is taken in Azure; choose another VM name."},
            )
        with _translated(f"creating resource group {name}"):
            self._resources.resource_groups.create_or_update(
                name, ResourceGroup(location=region, tags=dict(tags))
            )

    def _group_tags(self, name: str) -> dict[str, str] | None:
        """The group's tags, or None when there is no such group."""
        with _translated(f"reading resource group {name}"):
            try:
                return dict(self._resources.resource_groups.get(name).tags or {})
            except ResourceNotFoundError:
                return None

    def start_deployment(
        self,
        *,
        group: str,
        name: str,
        template: Mapping[str, Any],
        parameters: Mapping[str, Any],
        tags: Mapping[str, str],
    ) -> bool:
        """PUT the deployment unless it exists; never waits for it."""
        with _translated(f"reading deployment {name}"):
            try:
                self._deployments.deployments.get(group, name)
                return False
            except ResourceNotFoundError:
                pass
        body = Deployment(
            properties=DeploymentProperties(
                mode="Incremental", template=dict(template), parameters=dict(parameters)
            ),
            tags=dict(tags),
        )
        with _translated(f"starting deployment {name}"):
            try:
                # polling=False: send the PUT and return; the worker checks back later.
                self._deployments.deployments.begin_create_or_update(
                    group, name, body, polling=False
                )
            except ResourceExistsError:
                return False  # another worker started it a moment ago
        return True

    def deployment(self, *, group: str, name: str) -> DeploymentStatus:
        """The deployment's state, outputs and ARM's reason for a failure."""
        with _translated(f"reading deployment {name}"):
            try:
                found = self._deployments.deployments.get(group, name)
            except ResourceNotFoundError:
                return DeploymentStatus(state=DeploymentState.MISSING, outputs={})
        props = found.properties
        raw = props.provisioning_state if props else None
        state = str(getattr(raw, "value", raw) or "")  # an SDK enum: str() gives its name
        if state.lower() == "succeeded":
            outputs = props.outputs or {} if props else {}
            return DeploymentStatus(
                state=DeploymentState.SUCCEEDED,
                outputs={
                    k: v.get("value") if isinstance(v, dict) else v for k, v in outputs.items()
                },
            )
        if state.lower() in {"failed", "canceled"}:
            error = props.error if props else None
            return DeploymentStatus(
                state=DeploymentState.FAILED,
                outputs={},
                error_code=_innermost_code(error) or state,
                error_message=_reason(error) or f"The deployment was {state.lower()}.",
            )
        return DeploymentStatus(state=DeploymentState.RUNNING, outputs={})

    # --- virtual machines --------------------------------------------------------

    def power_state(self, *, group: str, vm: str) -> PowerState:
        """The VM's PowerState/... status, or MISSING."""
        with _translated(f"reading the state of {vm}"):
            try:
                view = self._compute.virtual_machines.instance_view(group, vm)
            except ResourceNotFoundError:
                return PowerState.MISSING
        for status in view.statuses or []:
            code = (status.code or "").lower()
            if code.startswith("powerstate/"):
                try:
                    return PowerState(code.split("/", 1)[1])
                except ValueError:
                    return PowerState.UNKNOWN
        return PowerState.UNKNOWN

    def begin_start(self, *, group: str, vm: str) -> None:
        """Ask ARM to start the VM."""
        with _translated(f"starting {vm}"):
            self._compute.virtual_machines.begin_start(group, vm, polling=False)

    def begin_deallocate(self, *, group: str, vm: str) -> None:
        """Ask ARM to deallocate the VM (a powered-off VM is still billed)."""
        with _translated(f"deallocating {vm}"):
            self._compute.virtual_machines.begin_deallocate(group, vm, polling=False)

    def begin_delete_group(self, name: str) -> None:
        """Ask ARM to delete the group and everything in it, if Beast made it."""
        tags = self._group_tags(name)
        if tags is None:
            return  # already gone is the goal reached
        if BEAST_TAG not in tags:
            # Beast's identity may delete any group in the subscription: this check is
            # what keeps a record pointing at someone else's group from emptying it.
            raise LimitError(f"Beast will not delete resource group {name}: it is not Beast's.")
        with _translated(f"deleting resource group {name}"), suppress(ResourceNotFoundError):
            self._resources.resource_groups.begin_delete(name, polling=False)

    def group_exists(self, name: str) -> bool:
        """True while the group exists, deleting or not."""
        with _translated(f"looking for resource group {name}"):
            return bool(self._resources.resource_groups.check_existence(name))

    def beast_groups(self) -> Sequence[BeastGroup]:
        """Every resource group carrying Beast's tag."""
        with _translated("listing Beast's resource groups"):
            groups = list(
                self._resources.resource_groups.list(
                    filter=f"tagName eq {_odata_string(BEAST_TAG)}"
                )
            )
        return [
            BeastGroup(
                name=g.name or "",
                tags=dict(g.tags or {}),
                deleting=(g.properties.provisioning_state or "").lower() == "deleting"
                if g.properties
                else False,
            )
            for g in groups
        ]


def _odata_string(value: str) -> str:
    """An OData string literal: a quote inside the value is doubled, so it cannot end it."""
    escaped = value.replace("'", "''")
    return f"'{escaped}'"


def _leaves(error: Any) -> list[Any]:
    details = list(getattr(error, "details", None) or [])
    if not details:
        return [error] if error is not None else []
    return [leaf for d in details for leaf in _leaves(d)]


def _innermost_code(error: Any) -> str | None:
    leaves = _leaves(error)
    return getattr(leaves[0], "code", None) if leaves else None


def _reason(error: Any) -> str | None:
    """ARM's innermost messages, which say what actually went wrong."""
    parts = []
    for leaf in _leaves(error):
        message = str(getattr(leaf, "message", "") or "")
        try:  # resource providers often wrap their error as JSON inside the message
            inner = json.loads(message)
            message = inner.get("error", inner).get("message", message)
        except (ValueError, AttributeError):
            pass
        code = getattr(leaf, "code", None)
        parts.append(f"{code}: {message}" if code else message)
    return "; ".join(p for p in parts if p) or None
