"""The Retail Prices adapter, over HTTPS, against the ARM simulator's copy of the prices API."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from beast.adapters.arm import AzureArm
from beast.adapters.prices import RetailPrices
from beast.service import Beast
from beast.settings import load_settings
from beast.slack import blocks
from local.armsim import catalog
from local.armsim.credential import StaticTokenCredential
from local.armsim.prices import PAGE_SIZE, linux_hourly
from local.armsim.testing import ArmSim
from tests.doubles import (
    InMemoryAuditLog,
    InMemoryJobQueue,
    InMemoryOperationStore,
    InMemoryUserStore,
    InMemoryVmStore,
)

DAY = 24 * 60 * 60.0
PRICES_PATH = "/api/retail/prices"


class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sim(armsim: ArmSim) -> Iterator[ArmSim]:
    """The session's simulator with an empty request log and no faults."""
    armsim.sim_request("DELETE", "/_sim/faults")
    armsim.sim_request("DELETE", "/_sim/requests")
    yield armsim
    armsim.sim_request("DELETE", "/_sim/faults")


@pytest.fixture
def clock() -> FakeClock:
    """A clock for the cache."""
    return FakeClock()


def adapter(sim: ArmSim, clock: FakeClock) -> RetailPrices:
    """The adapter as wiring builds it, aimed at the simulator."""
    return RetailPrices(url=sim.url + PRICES_PATH, ca_bundle=sim.ca_bundle, clock=clock)


def price_requests(sim: ArmSim) -> int:
    """How many price pages the simulator served."""
    return len(sim.requests_log(method="GET", path=PRICES_PATH))


def sizes_in(region: str) -> list[catalog.VmSize]:
    """The catalogue sizes the simulator offers in a region."""
    return [size for size in catalog.VM_SIZES.values() if region in size.locations]


def dead_url() -> str:
    """A URL on a local port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"https://127.0.0.1:{port}{PRICES_PATH}"


def test_prices_are_linux_pay_as_you_go_not_windows_spot_or_low_priority(
    sim: ArmSim, clock: FakeClock
) -> None:
    prices = adapter(sim, clock).hourly("eastus")

    # 4 vCPUs at $0.063; Windows would be $0.436, Spot and Low Priority $0.0504.
    assert prices["Standard_E4s_v3"] == pytest.approx(0.252)
    assert prices == {size.name: pytest.approx(linux_hourly(size)) for size in sizes_in("eastus")}


def test_every_page_is_followed(sim: ArmSim, clock: FakeClock) -> None:
    prices = adapter(sim, clock).hourly("eastus")

    # Four consumption meters a size: the region's items span several pages.
    pages = -(-4 * len(sizes_in("eastus")) // PAGE_SIZE)
    assert pages > 1
    assert price_requests(sim) == pages
    assert set(prices) == {size.name for size in sizes_in("eastus")}  # the last page too


def test_a_region_is_fetched_once_a_day(sim: ArmSim, clock: FakeClock) -> None:
    prices = adapter(sim, clock)
    first = prices.hourly("westeurope")
    pages = price_requests(sim)

    clock.now += DAY - 1
    assert prices.hourly("WestEurope") == first
    assert price_requests(sim) == pages

    clock.now += 2
    assert prices.hourly("westeurope") == first
    assert price_requests(sim) == 2 * pages


def test_regions_are_cached_apart(sim: ArmSim, clock: FakeClock) -> None:
    prices = adapter(sim, clock)

    east = prices.hourly("eastus")
    west = prices.hourly("westeurope")

    # The A100 sizes are offered in eastus only.
    assert "Standard_NC24ads_A100_v4" in east
    assert "Standard_NC24ads_A100_v4" not in west


def test_an_unreachable_api_gives_no_prices_and_one_warning(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    prices = RetailPrices(url=dead_url(), timeout=2, clock=clock)

    with caplog.at_level(logging.WARNING, logger="beast.adapters.prices"):
        assert prices.hourly("eastus") == {}

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "No VM prices for eastus" in warnings[0].getMessage()
    assert "could not reach the Retail Prices API" in warnings[0].getMessage()
    assert warnings[0].exc_info is None  # a line in the log, not a stack trace


def test_a_server_error_gives_no_prices_and_is_retried_minutes_later_not_a_day(
    sim: ArmSim, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    sim.sim_post("/_sim/faults", {"kind": "error", "path": PRICES_PATH, "count": 1})
    prices = adapter(sim, clock)

    with caplog.at_level(logging.WARNING, logger="beast.adapters.prices"):
        assert prices.hourly("eastus") == {}
        assert prices.hourly("eastus") == {}  # not asked again at once
    assert price_requests(sim) == 1
    assert "answered HTTP 500" in caplog.text

    clock.now += 301
    assert prices.hourly("eastus")["Standard_E4s_v3"] == pytest.approx(0.252)


def test_a_region_without_prices_gives_none_and_no_warning(
    sim: ArmSim, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="beast.adapters.prices"):
        assert adapter(sim, clock).hourly("southcentralus") == {}

    assert price_requests(sim) == 1
    assert not caplog.records


def test_the_simulator_ca_is_trusted_whatever_requests_ca_bundle_says(
    sim: ArmSim, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Build machines point REQUESTS_CA_BUNDLE at their proxy's CA; it must not win over ours.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")

    assert adapter(sim, clock).hourly("eastus")["Standard_E4s_v3"] == pytest.approx(0.252)


def test_sizes_carry_the_hourly_price_through_the_real_adapter(
    sim: ArmSim, clock: FakeClock
) -> None:
    settings = load_settings(
        {
            "AzureWebJobsStorage": "UseDevelopmentStorage=true",
            "BEAST_SUBSCRIPTION_ID": sim.subscription_id,
            "BEAST_ARM_ENDPOINT": sim.url,
            "BEAST_ARM_CA_BUNDLE": sim.ca_bundle,
            "BEAST_PRICES_URL": sim.url + PRICES_PATH,
            "BEAST_ALLOWED_SOURCE_PREFIXES": "203.0.113.0/24",
            "SLACK_SIGNING_SECRET": "test-signing-secret",
            "SLACK_BOT_TOKEN": "xoxb-test",
        }
    )
    arm = AzureArm(
        credential=StaticTokenCredential(),
        subscription_id=settings.subscription_id,
        endpoint=settings.arm_endpoint,
        ca_bundle=settings.arm_ca_bundle,
    )
    prices = RetailPrices(url=settings.prices_url, ca_bundle=settings.arm_ca_bundle, clock=clock)
    beast = Beast(
        settings=settings,
        vms=InMemoryVmStore(),
        operations=InMemoryOperationStore(),
        audit=InMemoryAuditLog(),
        users=InMemoryUserStore(),
        queue=InMemoryJobQueue(),
        arm=lambda: arm,
        prices=lambda: prices,
    )

    offers = beast.sizes(region="eastus", contains="E4s_v3")

    assert [(o.size.name, o.hourly_usd) for o in offers] == [("Standard_E4s_v3", 0.252)]
    assert "`E4s_v3` 4 vCPU, 32 GB · $0.25/h" in blocks.sizes(offers, region="eastus").text
