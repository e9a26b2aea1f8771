"""Benchmark wiring: the real local parts, started once per session, and a summary of medians.

``bench/`` sits outside ``tests/``, so it loads the tests' session fixtures for
Azurite and the ARM simulator (``tests.local_parts``) and builds settings with
``tests.factories``; the Slack stand-in is its own. Benchmarks tag themselves
through ``benchmark.extra_info``:

- ``budget_s``: a deadline the median is measured against (Slack's 3 s ack);
- ``note``: one short fact for the summary (ARM calls per ``up``, where time went).

At the end of the session ``pytest_terminal_summary`` prints one table of medians,
each as a ratio to the fastest benchmark of its group and, where set, as a
fraction of its budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from bench.support import SIGNING_SECRET
from local.armsim.testing import ArmSim
from local.azurite import Azurite
from local.slacksim import RunningSlackSim, start_slacksim
from tests.factories import parts_env

pytest_plugins = ["tests.local_parts"]


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
        env = {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-local-token",  # the token the Slack stand-in accepts
            "SLACK_API_URL": slacksim.api_url,
            **extra,
        }
        return parts_env(azurite=azurite, armsim=armsim, stem="bench", **env)

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
