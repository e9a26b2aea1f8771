"""``python -m local.host``: load settings, bind the port, import the app, serve until stopped."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from local.host.config import (
    apply_values,
    find_local_settings,
    load_host_options,
    load_local_settings,
)
from local.host.identity import IdentityEndpoint
from local.host.index import index_functions, load_app
from local.host.runtime import Host, Keys
from local.host.server import HostServer, Incoming, Outgoing

DEFAULT_PORT = 7071
READY_PREFIX = "Beast local host listening on "


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m local.host", description=__doc__)
    parser.add_argument(
        "--app", default="function_app:app", help="module:attribute of the FunctionApp"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"HTTP port (0: any free port); default Host.LocalHttpPort or {DEFAULT_PORT}",
    )
    parser.add_argument(
        "--settings",
        type=Path,
        default=None,
        help="local settings file (default local.settings.json, else local.settings.sample.json)",
    )
    parser.add_argument(
        "--host-json", type=Path, default=Path("host.json"), help="host.json to honour"
    )
    return parser.parse_args(argv)


def _starting(_request: Incoming) -> Outgoing:
    return Outgoing(status=503, headers=[], body=b"")


def main(argv: list[str] | None = None) -> int:
    """Run the host in the foreground until SIGINT or SIGTERM."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # The SDKs log every request at INFO; the host's own lines are what a person reads.
    logging.getLogger("azure").setLevel(logging.WARNING)
    settings_path = args.settings or find_local_settings(Path.cwd())
    settings = load_local_settings(settings_path)
    apply_values(settings.values, os.environ)

    port = args.port if args.port is not None else settings.http_port or DEFAULT_PORT
    server = HostServer(port, _starting)
    # The identity endpoint lives on the host's own port, so it is known only now,
    # and must be in the environment before the app builds any credential.
    identity_endpoint = IdentityEndpoint()
    os.environ.update(identity_endpoint.environment(server.base_url))

    sys.path.insert(0, str(Path.cwd()))
    functions = index_functions(load_app(args.app))
    host = Host(
        functions,
        options=load_host_options(args.host_json),
        keys=Keys(function_key=settings.function_key, master_key=settings.master_key),
        identity_endpoint=identity_endpoint,
    )
    server.handler = host.handle

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, stop)
    # One write, before the trigger threads start logging, so the listing stays in one piece.
    sys.stdout.write(_function_listing(host, server.base_url))
    sys.stdout.flush()
    host.start_triggers()
    # One write: print() sends the newline separately, and a trigger thread's log line
    # could land between the URL and it, corrupting what launchers read.
    sys.stdout.write(f"{READY_PREFIX}{server.base_url}\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        host.stop()
        server.server_close()
    return 0


def _function_listing(host: Host, base_url: str) -> str:
    prefix = f"/{host.options.route_prefix}" if host.options.route_prefix else ""
    lines = ["Functions:"]
    for function in host.functions.values():
        if function.route is not None:
            methods = ",".join(sorted(function.methods)) or "ALL"
            url = f"{base_url}{prefix}/{function.route.template.strip('/')}"
            lines.append(f"  {function.name}: [{methods}] {url}")
        else:
            lines.append(f"  {function.name}: {function.kind}")
    return "\n".join(lines) + "\n"
