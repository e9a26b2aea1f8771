"""The one cached factory that builds Beast's real object graph, on first use.

Nothing is built at import. Heavy SDKs (azure.mgmt, azure.monitor) are imported
only when a property that needs them is first read, so the Slack ack path, which
only records and enqueues, never pays for them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from functools import cache, cached_property
from typing import TYPE_CHECKING

from beast.health import Probe
from beast.idle import IdleRules
from beast.notify import LogNotifier, RoutingNotifier
from beast.ports import Arm, Metrics, Notifier, Prices
from beast.service import Beast
from beast.settings import Settings, settings

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

    from beast.adapters.queue import StorageJobQueue
    from beast.adapters.tables import TableStores
    from beast.reconcile import Reconciler
    from beast.sweep import Sweep
    from beast.worker import Worker


class Services:
    """Beast's collaborators for one process, each built when first needed."""

    def __init__(self, config: Settings) -> None:
        self.settings = config

    @cached_property
    def credential(self) -> TokenCredential:
        """The managed identity on Azure (the local host emulates its endpoint)."""
        from azure.identity import DefaultAzureCredential

        return DefaultAzureCredential()

    @cached_property
    def _storage_credential(self) -> TokenCredential | None:
        # A connection string needs no identity; only identity-based storage does.
        return None if self.settings.storage_connection else self.credential

    @cached_property
    def stores(self) -> TableStores:
        """The table-backed stores."""
        from beast.adapters.tables import build_table_stores

        return build_table_stores(self.settings, credential=self._storage_credential)

    @cached_property
    def queue(self) -> StorageJobQueue:
        """The jobs queue."""
        from beast.adapters.queue import build_job_queue

        return build_job_queue(self.settings, credential=self._storage_credential)

    @cached_property
    def arm(self) -> Arm:
        """Azure Resource Manager through the azure-mgmt clients."""
        from beast.adapters.arm import AzureArm

        return AzureArm(
            credential=self.credential,
            subscription_id=self.settings.subscription_id,
            endpoint=self.settings.arm_endpoint,
            ca_bundle=self.settings.arm_ca_bundle,
        )

    @cached_property
    def metrics(self) -> Metrics:
        """Azure Monitor batch metrics."""
        from beast.adapters.metrics import AzureMetrics

        return AzureMetrics(
            credential=self.credential,
            endpoint=self.settings.metrics_endpoint,
            ca_bundle=self.settings.arm_ca_bundle,
        )

    @cached_property
    def prices(self) -> Prices:
        """Retail VM prices, cached per region for a day."""
        from beast.adapters.prices import RetailPrices

        return RetailPrices(url=self.settings.prices_url, ca_bundle=self.settings.arm_ca_bundle)

    @cached_property
    def notifier(self) -> Notifier:
        """Slack for Slack users; the log for everyone else."""
        from beast.slack.notifier import slack_notifier

        return RoutingNotifier({"slack": slack_notifier(self.settings)}, fallback=LogNotifier())

    @cached_property
    def beast(self) -> Beast:
        """The use cases."""
        return Beast(
            settings=self.settings,
            vms=self.stores.vms,
            operations=self.stores.operations,
            audit=self.stores.audit,
            users=self.stores.users,
            queue=self.queue,
            arm=lambda: self.arm,
            prices=lambda: self.prices,
        )

    @cached_property
    def worker(self) -> Worker:
        """The queue worker."""
        from beast.worker import Worker

        return Worker(
            settings=self.settings,
            vms=self.stores.vms,
            operations=self.stores.operations,
            queue=self.queue,
            arm=self.arm,
            notifier=self.notifier,
            mutate=self.beast.mutate,
            sizes=self.beast.sizes,
        )

    @cached_property
    def sweep(self) -> Sweep:
        """The idle sweep."""
        from beast.sweep import Sweep

        return Sweep(
            beast=self.beast,
            vms=self.stores.vms,
            metrics=lambda: self.metrics,
            notifier=self.notifier,
            rules=IdleRules(
                cpu_percent=self.settings.idle_cpu_percent,
                lookback=timedelta(hours=self.settings.idle_lookback_hours),
            ),
        )

    @cached_property
    def reconciler(self) -> Reconciler:
        """Table-versus-ARM drift repair."""
        from beast.reconcile import Reconciler

        return Reconciler(
            beast=self.beast,
            vms=self.stores.vms,
            operations=self.stores.operations,
            queue=self.queue,
            arm=self.arm,
            notifier=self.notifier,
        )

    def probes(self) -> Mapping[str, Probe]:
        """Cheap reachability checks for /api/health."""

        def storage() -> None:
            self.stores.vms.find("health-probe")

        def arm() -> None:
            self.arm.group_exists("beast-health-probe")

        return {"storage": storage, "arm": arm}


@cache
def services() -> Services:
    """The process's services, built on first use."""
    # The SDKs log every request's URL and headers at INFO: noise in Application
    # Insights, and request bodies (which carry the VM password) must never follow.
    # Set here, once for the process, not by every Services a test builds.
    for name in ("azure.core.pipeline.policies.http_logging_policy", "azure.identity"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return Services(settings())
