"""``make run``: Azurite, the ARM simulator, the fake Slack and the local host, in the foreground.

Each part starts on its usual port when that is free and on any free port when
it is not; the app finds them through settings exported to the host
(``AzureWebJobsStorage``, ``BEAST_ARM_ENDPOINT``, ``BEAST_ARM_CA_BUNDLE``,
``BEAST_METRICS_ENDPOINT``, ``SLACK_API_URL``). Ctrl-C (or SIGTERM, or any part
dying) stops every process it started.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

from local.azurite import Azurite, start_azurite
from local.host.launch import RunningHost, start_host
from local.ports import preferred_or_any
from local.processes import Service, ServiceError, python, start_service, stop_all

ROOT = Path(__file__).resolve().parents[1]
STATE_DIR = ROOT / ".local"
HOST_PORT = 7071
DEMO_DELAY_SCALE = 0.2
ARMSIM_PORT = 7072
SLACKSIM_PORT = 7075
READY_LINE = "Ctrl-C stops everything."


@dataclass(frozen=True, kw_only=True)
class Simulator:
    """A running simulator: its process, its base URL, and its CA bundle if it speaks HTTPS."""

    service: Service
    url: str
    ca_bundle: str | None = None
    api_url: str | None = None
    subscription_id: str | None = None


def start_armsim(*, state_dir: Path, timeout: float = 60.0) -> Simulator:
    """Start ``python -m local.armsim`` and read its URL and CA bundle from its state file."""
    state_file = state_dir / "armsim.json"
    state_file.unlink(missing_ok=True)
    argv = [python(), "-m", "local.armsim", "--port", str(preferred_or_any(ARMSIM_PORT))]
    # Certificates live beside the state and are reused, so a trusted CA stays trusted.
    argv += ["--state-file", str(state_file), "--cert-dir", str(state_dir / "armsim-certs")]
    # A fifth of Azure-like timings: a VM is ready in seconds, yet every state shows.
    argv += ["--delay-scale", str(DEMO_DELAY_SCALE)]
    service = start_service("armsim", argv, ready=None, cwd=ROOT)
    state = _wait_for_json(service, state_file, timeout)
    return Simulator(
        service=service,
        url=state["url"],
        ca_bundle=state["ca_bundle"],
        subscription_id=state.get("subscription_id"),
    )


def start_slacksim(*, state_dir: Path) -> Simulator | None:
    """Start the fake Slack, or None while ``local.slacksim`` is not in the tree."""
    if importlib.util.find_spec("local.slacksim") is None:
        return None
    port = preferred_or_any(SLACKSIM_PORT)
    argv = [python(), "-m", "local.slacksim", "serve", "--port", str(port)]
    argv += ["--state-file", str(state_dir / "slacksim.json")]
    service = start_service(
        "slacksim", argv, ready=r"fake Slack on (\S+) \(SLACK_API_URL=(\S+)\)", cwd=ROOT
    )
    assert service.ready is not None
    return Simulator(service=service, url=service.ready.group(1), api_url=service.ready.group(2))


def _wait_for_json(service: Service, path: Path, timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            with contextlib.suppress(ValueError):
                document: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
                return document
        if not service.running():
            break
        time.sleep(0.05)
    service.stop()
    raise ServiceError(
        f"{service.name} did not write {path.name} within {timeout:.0f} s; "
        f"its last output:\n{service.last_lines()}"
    )


def host_overrides(
    *,
    storage_connection: str,
    arm_url: str,
    arm_ca_bundle: str | None,
    subscription_id: str | None = None,
    slack_api_url: str | None = None,
) -> dict[str, str]:
    """The settings that point the app at the local parts (they override local.settings)."""
    overrides = {
        "AzureWebJobsStorage": storage_connection,
        "BEAST_ARM_ENDPOINT": arm_url,
        "BEAST_ARM_CA_BUNDLE": arm_ca_bundle or "",
        "BEAST_METRICS_ENDPOINT": arm_url,
        # The simulator also serves the public Retail Prices API.
        "BEAST_PRICES_URL": f"{arm_url.rstrip('/')}/api/retail/prices",
    }
    if subscription_id:
        overrides["BEAST_SUBSCRIPTION_ID"] = subscription_id
    if slack_api_url:
        overrides["SLACK_API_URL"] = slack_api_url
    return overrides


@dataclass(frozen=True, kw_only=True)
class Stack:
    """Everything ``make run`` started."""

    azurite: Azurite
    armsim: Simulator
    slacksim: Simulator | None
    host: RunningHost

    def services(self) -> list[Service]:
        """The processes, in start order."""
        found = [self.azurite.service, self.armsim.service]
        if self.slacksim is not None:
            found.append(self.slacksim.service)
        return [*found, self.host.service]

    def describe(self) -> dict[str, object]:
        """URLs and process ids, as written to the state file."""
        return {
            "host": self.host.base_url,
            "function_key": self.host.function_key,
            "azurite": self.azurite.connection_string,
            "armsim": self.armsim.url,
            "slacksim": self.slacksim.url if self.slacksim else None,
            "pids": [service.pid for service in self.services()],
        }


@contextlib.contextmanager
def running_stack(*, host_port: int, state_dir: Path, echo: TextIO | None) -> Iterator[Stack]:
    """Start the whole local stack; stop all of it on leaving, whatever happened."""
    state_dir.mkdir(parents=True, exist_ok=True)
    try:
        azurite = start_azurite(prefer_default_ports=True)
        armsim = start_armsim(state_dir=state_dir)
        slacksim = start_slacksim(state_dir=state_dir)
        host = start_host(
            port=preferred_or_any(host_port) if host_port else 0,
            overrides=host_overrides(
                storage_connection=azurite.connection_string,
                arm_url=armsim.url,
                arm_ca_bundle=armsim.ca_bundle,
                subscription_id=armsim.subscription_id,
                slack_api_url=slacksim.api_url if slacksim else None,
            ),
            echo=echo,
        )
        yield Stack(azurite=azurite, armsim=armsim, slacksim=slacksim, host=host)
    finally:
        stop_all()


def banner(stack: Stack) -> str:
    """What a person sees once everything is up."""
    host = stack.host.base_url
    slack = (
        f"{stack.slacksim.url}  (SLACK_API_URL={stack.slacksim.api_url})"
        if stack.slacksim
        else "not started (local/slacksim is not in this tree yet)"
    )
    lines = [
        "",
        "Beast runs locally:",
        f"  Functions host   {host}   (function key: {stack.host.function_key})",
        f"  Azurite          {stack.azurite.queue_endpoint.rsplit('/', 1)[0]} (queues),"
        f" {stack.azurite.table_endpoint.rsplit('/', 1)[0]} (tables)",
        f"  ARM simulator    {stack.armsim.url}",
        f"  Fake Slack       {slack}",
        "",
        "Try:",
        f"  curl {host}/api/health",
    ]
    if stack.slacksim:
        target = "" if host == f"http://127.0.0.1:{HOST_PORT}" else f" --host {host}"
        lines.append(
            f'  .venv/bin/python -m local.slacksim "/beast up E4s_v3 1000" --user alice{target}'
        )
    key = stack.host.function_key
    lines += [
        f'  curl -H "x-functions-key: {key}" {host}/api/v1/vms',
        "",
        "The commands above are in README.md (What you can try). The URLs are also in",
        ".local/stack.json, where the Slack CLI finds the host. Logs of every part follow.",
        "",
        READY_LINE,
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the stack until Ctrl-C, SIGTERM, or one of its parts dies."""
    parser = argparse.ArgumentParser(prog="python -m local.stack", description=__doc__)
    parser.add_argument("--host-port", type=int, default=HOST_PORT, help="0: any free port")
    parser.add_argument("--state-dir", type=Path, default=STATE_DIR)
    args = parser.parse_args(argv)

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    # SIGINT too: a launcher that started us in the background may have set it to be
    # ignored, and Python keeps an ignored SIGINT ignored, so Ctrl-C would do nothing.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)
    state_file = args.state_dir / "stack.json"
    try:
        with running_stack(
            host_port=args.host_port, state_dir=args.state_dir, echo=sys.stdout
        ) as stack:
            state_file.write_text(json.dumps(stack.describe(), indent=2))
            print(banner(stack), flush=True)
            while True:
                dead = [service for service in stack.services() if not service.running()]
                if dead:
                    for service in dead:
                        print(f"{service.name} stopped unexpectedly:\n{service.last_lines()}")
                    return 1
                time.sleep(0.5)
    except KeyboardInterrupt:
        # Leaving the ``with`` block above has already stopped every part.
        print("\nStopped the local stack: every process it started has exited.", flush=True)
        return 0
    except ServiceError as error:
        print(f"The local stack could not start: {error}", file=sys.stderr)
        return 1
    finally:
        state_file.unlink(missing_ok=True)


if __name__ == "__main__":
    raise SystemExit(main())
