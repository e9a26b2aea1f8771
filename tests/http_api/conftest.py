"""A Beast wired from the in-memory doubles, and a way to call an endpoint without a host."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from beast.http_api import ApiContext, ApiRequest, ApiResponse, Endpoint, handle
from beast.ports import QuotaUsage, SizeInfo
from beast.service import Beast
from beast.settings import Settings, load_settings
from local.armsim.testing import ArmSim
from local.azurite import Azurite
from local.host.launch import RunningHost, start_host
from local.stack import host_overrides
from tests.doubles import (
    InMemoryAuditLog,
    InMemoryIdempotencyStore,
    InMemoryJobQueue,
    InMemoryOperationStore,
    InMemoryUserStore,
    InMemoryVmStore,
)
from tests.factories import base_env, make_size

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
# HTTP callers have no private channel for a generated password, so they bring a key.
SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBeastTestKeyBeastTestKeyBeastTestKey0123 alice@laptop"
)
ENV = base_env(BEAST_DEV_IDENTITY="Alice@Contoso.com", BEAST_ADMINS="boss@contoso.com")


def make_settings(**overrides: str) -> Settings:
    """Settings from a small environment with ``overrides``."""
    return load_settings({**ENV, **overrides})


@dataclass
class CatalogueArm:
    """Just enough ARM for ``Beast.sizes``: a SKU catalogue and quota usages."""

    sizes_by_region: dict[str, list[SizeInfo]] = field(default_factory=dict)
    usages: list[QuotaUsage] = field(default_factory=list)
    failure: Exception | None = None  # raised by every call when set

    def sizes(self, region: str) -> Sequence[SizeInfo]:
        if self.failure:
            raise self.failure
        return self.sizes_by_region.get(region, [])

    def quotas(self, region: str) -> Sequence[QuotaUsage]:
        return self.usages


@dataclass
class FixedPrices:
    """Prices by size name."""

    table: dict[str, float]

    def hourly(self, region: str) -> Mapping[str, float]:
        return self.table


E4 = make_size()
NC6 = make_size(
    name="Standard_NC6s_v3", family="standardNCSv3Family", vcpus=6, memory_gb=112.0, gpus=1
)


@dataclass
class World:
    """Beast on doubles, plus the doubles themselves for assertions."""

    settings: Settings
    vms: InMemoryVmStore
    operations: InMemoryOperationStore
    queue: InMemoryJobQueue
    idempotency: InMemoryIdempotencyStore
    arm: CatalogueArm
    beast: Beast

    def context(self) -> ApiContext:
        """The handlers' collaborators, with a fixed clock."""
        return ApiContext(
            beast=self.beast,
            settings=self.settings,
            idempotency=self.idempotency,
            clock=lambda: NOW,
        )

    def call(
        self,
        endpoint: Endpoint,
        method: str = "GET",
        *,
        params: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        body: bytes | None = None,
    ) -> ApiResponse:
        """Answer one request as the HTTP trigger would."""
        all_headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        request = ApiRequest(
            method=method,
            path="/api/" + endpoint.route,
            route_params=dict(params or {}),
            query=dict(query or {}),
            headers=ApiRequest.lower_headers(all_headers),
            body=body or b"",
        )
        return handle(endpoint, request, context=self.context)


def build_world(settings: Settings) -> World:
    """A fresh Beast on empty doubles."""
    vms = InMemoryVmStore()
    operations = InMemoryOperationStore()
    queue = InMemoryJobQueue()
    arm = CatalogueArm(
        sizes_by_region={"eastus": [E4, NC6]},
        usages=[
            QuotaUsage(name="standardESv3Family", label="ESv3", used=4, limit=20),
            QuotaUsage(name="standardNCSv3Family", label="NCSv3", used=0, limit=0),
            QuotaUsage(name="cores", label="Total Regional vCPUs", used=4, limit=100),
        ],
    )
    beast = Beast(
        settings=settings,
        vms=vms,
        operations=operations,
        audit=InMemoryAuditLog(),
        users=InMemoryUserStore(),
        queue=queue,
        arm=lambda: arm,  # type: ignore[arg-type,return-value]
        prices=lambda: FixedPrices({"Standard_E4s_v3": 0.252}),
    )
    return World(
        settings=settings,
        vms=vms,
        operations=operations,
        queue=queue,
        idempotency=InMemoryIdempotencyStore(),
        arm=arm,
        beast=beast,
    )


@pytest.fixture
def world() -> World:
    """Beast on doubles; the caller is the development identity alice@contoso.com."""
    return build_world(make_settings())


@pytest.fixture(scope="session")
def api_host(azurite: Azurite, armsim: ArmSim) -> Iterator[RunningHost]:
    """The real app in the local host, checking operations every second (not every 15 s).

    Its own tables and queue, so the API tests' VMs never count against other tests' limits.
    """
    session = uuid.uuid4().hex[:8]
    overrides = {
        **host_overrides(
            storage_connection=azurite.connection_string,
            arm_url=armsim.url,
            arm_ca_bundle=str(armsim.ca_bundle),
            subscription_id=armsim.subscription_id,
        ),
        "BEAST_TABLE_PREFIX": f"api{session}",
        "BEAST_JOBS_QUEUE": f"api-jobs-{session}",
        "BEAST_POLL_SECONDS": "1",
        "BEAST_MAX_VMS_PER_USER": "10",
    }
    running = start_host(overrides=overrides)
    yield running
    running.stop()
