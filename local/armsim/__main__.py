"""Run the ARM simulator: `python -m local.armsim --port 0 --state-file armsim.json`."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import threading
from pathlib import Path

from local.armsim.server import DEFAULT_SUBSCRIPTION_ID, start_server


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m local.armsim", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--subscription", default=DEFAULT_SUBSCRIPTION_ID, help="simulated subscription id"
    )
    parser.add_argument(
        "--cert-dir",
        default=None,
        help="where the CA and server certificates live (reused if present)",
    )
    parser.add_argument(
        "--state-file", default=None, help="write {url, ca_bundle, subscription_id} here as JSON"
    )
    parser.add_argument(
        "--delay-scale",
        type=float,
        default=1.0,
        help="multiply every simulated delay (0.001: ms instead of s)",
    )
    parser.add_argument(
        "--retry-after",
        type=int,
        default=1,
        help=(
            "seconds sent in Retry-After on long-running operations (0: clients use their "
            "polling interval)"
        ),
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    sim = start_server(
        args.port,
        subscription_id=args.subscription,
        cert_dir=args.cert_dir,
        delay_scale=args.delay_scale,
        retry_after=args.retry_after,
        host=args.host,
    )
    doc = sim.state_document()
    if args.state_file:
        path = Path(args.state_file)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(doc, indent=2) + "\n")
        tmp.replace(path)  # readers never see a half-written file
    print(f"ARM simulator listening on {sim.url}", flush=True)
    print(f"CA bundle to trust: {sim.ca_bundle}", flush=True)
    print(f"Subscription: {sim.subscription_id}", flush=True)
    stop = threading.Event()
    # SIGINT too: started in the background, Python may inherit SIGINT ignored.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    finally:
        sim.stop()
        # A state file left behind would point clients at a simulator that is gone.
        if args.state_file:
            Path(args.state_file).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
