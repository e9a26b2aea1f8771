"""Benchmark wiring: the real local parts, started once per session, and a summary of medians.

``bench/`` sits outside ``tests/``, so it builds its own session fixtures from the
same starters the tests use (Azurite, the ARM simulator, the Slack stand-in, the
local Functions host). Benchmarks tag themselves through ``benchmark.extra_info``:

- ``budget_s``: a deadline the median is measured against (Slack's 3 s ack);
- ``note``: one short fact for the summary (ARM calls per ``up``, where time went).

At the end of the session ``pytest_terminal_summary`` prints one table of medians,
each as a ratio to the fastest benchmark of its group and, where set, as a
fraction of its budget.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from bench.support import SIGNING_SECRET
from local.armsim.testing import ArmSim, running_armsim
from local.azurite import Azurite, start_azurite
from local.slacksim import RunningSlackSim, start_slacksim


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """Azurite in memory on free ports, for the whole session."""
    running = start_azurite()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def armsim() -> Iterator[ArmSim]:
    """The ARM simulator over HTTPS, for the whole session."""
    with running_armsim() as simulator:
        yield simulator


@pytest.fixture(scope="session")
def slacksim() -> Iterator[RunningSlackSim]:
    """The Slack stand-in (Web API and response_urls), for the whole session."""
    running = start_slacksim()
    yield running
    running.stop()


@pytest.fixture
def beast_env(
    azurite: Azurite, armsim: ArmSim, slacksim: RunningSlackSim
) -> Callable[..., dict[str, str]]:
    """Build Beast's app settings on the local parts, with tables and a queue of their own.

    ``beast_env(BEAST_MAX_VMS_PER_USER="1000")`` adds or replaces keys.
    """

    def make(**extra: str) -> dict[str, str]:
        tag = uuid.uuid4().hex[:8]
        return {
            "AzureWebJobsStorage": azurite.connection_string,
            "BEAST_TABLE_PREFIX": f"bench{tag}",
            "BEAST_JOBS_QUEUE": f"bench-{tag}",
            "BEAST_SUBSCRIPTION_ID": armsim.subscription_id,
            "BEAST_ARM_ENDPOINT": armsim.url,
            "BEAST_ARM_CA_BUNDLE": str(armsim.ca_bundle),
            "BEAST_METRICS_ENDPOINT": armsim.url,
            "BEAST_ALLOWED_SOURCE_PREFIXES": "203.0.113.0/24",
            "BEAST_POLL_SECONDS": "1",
            "BEAST_VPN_ROOT_CERT": "MIIC5jCCAc6gAwIBAgIQbase64rootcertdata",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_API_URL": slacksim.api_url,
            **extra,
        }

    return make


@pytest.fixture
def process_env() -> Iterator[Callable[[Mapping[str, str]], None]]:
    """Export settings to this process, as the Functions host does, and forget cached wiring.

    ``beast.slack.handler.handle`` reads its settings from the environment through
    cached factories; they are cleared on the way in and on the way out so each
    benchmark module gets an app on its own tables.
    """
    from beast.settings import settings
    from beast.slack.handler import default_app
    from beast.wiring import services

    def forget() -> None:
        default_app.cache_clear()
        services.cache_clear()
        settings.cache_clear()

    with pytest.MonkeyPatch.context() as patcher:

        def export(env: Mapping[str, str]) -> None:
            for key, value in env.items():
                patcher.setenv(key, value)
            forget()

        yield export
    forget()


def _median_ms(bench: Any) -> float:
    return float(bench.stats.median) * 1000.0


def _format_ms(ms: float) -> str:
    if ms < 1:
        return f"{ms * 1000:,.1f} us"
    return f"{ms:,.2f} ms" if ms < 10 else f"{ms:,.1f} ms"


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """Print medians by group: ratio to the group's fastest and share of any budget."""
    session = config.pluginmanager.getplugin("pytest-benchmark")
    benches = [b for b in getattr(session, "benchmarks", []) if b and b.stats]
    if not benches:
        return
    groups: dict[str, list[Any]] = {}
    for bench in benches:
        groups.setdefault(bench.group or "(no group)", []).append(bench)
    write = terminalreporter.write_line
    terminalreporter.section("Beast benchmarks: medians")
    write(f"{'benchmark':<46} {'median':>12} {'vs fastest':>11} {'of budget':>10}  note")
    for group, members in groups.items():
        write(f"[{group}]")
        fastest = min(_median_ms(b) for b in members)
        for bench in sorted(members, key=_median_ms):
            median = _median_ms(bench)
            ratio = f"x{median / fastest:,.1f}" if fastest > 0 else "-"
            budget = bench.extra_info.get("budget_s")
            share = f"{100 * median / 1000.0 / float(budget):.2g}%" if budget else ""
            note = str(bench.extra_info.get("note", ""))
            write(f"  {bench.name:<44} {_format_ms(median):>12} {ratio:>11} {share:>10}  {note}")
