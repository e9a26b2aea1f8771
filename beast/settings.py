"""Beast's settings, read once from the environment into a frozen object.

On Azure these are app settings; locally they come from ``local.settings.json``
(the local host loads it). ``local.settings.sample.json`` lists exactly the keys
read here, and a test holds the two together.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from beast.errors import ConfigError


class Secret:
    """A string that never shows itself in ``repr`` or ``str``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself: call this only where it is sent to its owner."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _source_prefixes(key: str, value: str) -> tuple[str, ...]:
    """The NSG's default ranges: IPv4 CIDR only, and never the whole internet."""
    prefixes = _split(value)
    for prefix in prefixes:
        try:
            network = ipaddress.IPv4Network(prefix, strict=False)
        except ValueError:
            raise ConfigError(
                f"Setting {key} must list IPv4 CIDR ranges like 203.0.113.0/24, not {prefix!r}."
            ) from None
        if network.prefixlen == 0:
            raise ConfigError(f"Setting {key} must not open VMs to the whole internet ({prefix}).")
    if not prefixes:
        raise ConfigError(f"Setting {key} is missing; set it in the app settings.")
    return tuple(str(ipaddress.IPv4Network(p, strict=False)) for p in prefixes)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every setting Beast reads, typed."""

    # Storage: a connection string locally, identity-based (account name) on Azure.
    storage_connection: Secret | None
    storage_account: str | None
    table_prefix: str
    jobs_queue: str

    # Azure Resource Manager.
    subscription_id: str
    arm_endpoint: str
    arm_ca_bundle: str | None
    metrics_endpoint: str
    default_region: str
    resource_group_prefix: str
    vpn_root_certificate: str | None
    poll_seconds: int
    # The public, unauthenticated Azure Retail Prices API.
    prices_url: str

    # Policy.
    admins: frozenset[str]
    allowed_sizes: tuple[str, ...]
    max_disk_gb: int
    max_vms_per_user: int
    allowed_source_prefixes: tuple[str, ...]
    idle_cpu_percent: float
    idle_lookback_hours: int
    warn_schedule: str
    sweep_schedule: str
    reconcile_schedule: str

    # Slack.
    slack_signing_secret: Secret
    slack_bot_token: Secret
    slack_api_url: str
    slack_team_id: str | None

    # HTTP API identity.
    trust_easy_auth: bool
    dev_identity: str | None


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def text(self, key: str, default: str | None = None) -> str:
        value = self._env.get(key, "").strip()
        if value:
            return value
        if default is None:
            raise ConfigError(f"Setting {key} is missing; set it in the app settings.")
        return default

    def optional(self, key: str) -> str | None:
        value = self._env.get(key, "").strip()
        return value or None

    def integer(self, key: str, default: int, *, low: int, high: int) -> int:
        raw = self.text(key, str(default))
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"Setting {key} must be a whole number, not {raw!r}.") from None
        if not low <= value <= high:
            raise ConfigError(f"Setting {key} must be between {low} and {high}, not {value}.")
        return value

    def number(self, key: str, default: float, *, low: float, high: float) -> float:
        raw = self.text(key, str(default))
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"Setting {key} must be a number, not {raw!r}.") from None
        # The range check also refuses "nan" and "inf", which float() accepts.
        if not low <= value <= high:
            raise ConfigError(f"Setting {key} must be between {low:g} and {high:g}, not {raw!r}.")
        return value

    def flag(self, key: str) -> bool:
        raw = self.text(key, "false").lower()
        if raw not in {"true", "false", "1", "0"}:
            raise ConfigError(f"Setting {key} must be true or false, not {raw!r}.")
        return raw in {"true", "1"}


def load_settings(env: Mapping[str, str]) -> Settings:
    """Read and check every setting from ``env``; the error names the key at fault."""
    r = _Reader(env)
    connection = r.optional("AzureWebJobsStorage")
    account = r.optional("AzureWebJobsStorage__accountName")
    if not connection and not account:
        raise ConfigError(
            "Setting AzureWebJobsStorage (a connection string) or "
            "AzureWebJobsStorage__accountName (identity-based) is missing."
        )
    return Settings(
        storage_connection=Secret(connection) if connection else None,
        storage_account=account,
        table_prefix=r.text("BEAST_TABLE_PREFIX", "beast"),
        jobs_queue=r.text("BEAST_JOBS_QUEUE", "beast-jobs"),
        subscription_id=r.text("BEAST_SUBSCRIPTION_ID"),
        arm_endpoint=r.text("BEAST_ARM_ENDPOINT", "https://management.azure.com/"),
        arm_ca_bundle=r.optional("BEAST_ARM_CA_BUNDLE"),
        metrics_endpoint=r.text(
            "BEAST_METRICS_ENDPOINT", "https://{region}.metrics.monitor.azure.com"
        ),
        default_region=r.text("BEAST_DEFAULT_REGION", "eastus"),
        resource_group_prefix=r.text("BEAST_RESOURCE_GROUP_PREFIX", "rg-"),
        vpn_root_certificate=r.optional("BEAST_VPN_ROOT_CERT"),
        poll_seconds=r.integer("BEAST_POLL_SECONDS", 15, low=1, high=600),
        prices_url=r.text("BEAST_PRICES_URL", "https://prices.azure.com/api/retail/prices"),
        admins=frozenset(_split(r.text("BEAST_ADMINS", ""))),
        allowed_sizes=_split(r.text("BEAST_ALLOWED_SIZES", "")),
        max_disk_gb=r.integer("BEAST_MAX_DISK_GB", 4095, low=30, high=4095),
        max_vms_per_user=r.integer("BEAST_MAX_VMS_PER_USER", 3, low=1, high=1000),
        allowed_source_prefixes=_source_prefixes(
            "BEAST_ALLOWED_SOURCE_PREFIXES", r.text("BEAST_ALLOWED_SOURCE_PREFIXES")
        ),
        idle_cpu_percent=r.number("BEAST_IDLE_CPU_PERCENT", 5.0, low=0, high=100),
        idle_lookback_hours=r.integer("BEAST_IDLE_LOOKBACK_HOURS", 2, low=1, high=72),
        warn_schedule=r.text("BEAST_WARN_SCHEDULE", "0 0 18 * * *"),
        sweep_schedule=r.text("BEAST_SWEEP_SCHEDULE", "0 0 19 * * *"),
        reconcile_schedule=r.text("BEAST_RECONCILE_SCHEDULE", "0 */15 * * * *"),
        slack_signing_secret=Secret(r.text("SLACK_SIGNING_SECRET")),
        slack_bot_token=Secret(r.text("SLACK_BOT_TOKEN")),
        slack_api_url=r.text("SLACK_API_URL", "https://slack.com/api/"),
        slack_team_id=r.optional("SLACK_TEAM_ID"),
        trust_easy_auth=r.flag("BEAST_TRUST_EASY_AUTH"),
        dev_identity=r.optional("BEAST_DEV_IDENTITY"),
    )


@cache
def settings() -> Settings:
    """The process's settings, read on first use (never at import)."""
    return load_settings(os.environ)
