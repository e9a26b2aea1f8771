"""The HTTPS server: TLS, authentication, api-version, faults, ARM headers, routing, request log."""

from __future__ import annotations

import json
import logging
import ssl
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local.armsim.certs import ensure_certs
from local.armsim.compute import Compute
from local.armsim.control import Control
from local.armsim.deployments import Deployments
from local.armsim.errors import ArmError
from local.armsim.groups import Groups
from local.armsim.metrics import Metrics
from local.armsim.prices import RetailPrices
from local.armsim.state import Store
from local.armsim.web import Request, Response, Router

DEFAULT_SUBSCRIPTION_ID = "5f1c3a2e-8d4b-4c6a-9e7f-2b1d0c9a8e76"
log = logging.getLogger("local.armsim")

# ARM's current per-subscription token buckets (capacity, refill per second) per operation kind.
_BUCKETS = {"reads": (250.0, 25.0), "writes": (200.0, 10.0), "deletes": (200.0, 10.0)}


class _RateCounters:
    """Token buckets behind the x-ms-ratelimit-remaining-subscription-* headers (informational)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._level = {k: cap for k, (cap, _) in _BUCKETS.items()}
        self._at = time.monotonic()

    def take(self, kind: str) -> int:
        with self._lock:
            now = time.monotonic()
            elapsed, self._at = now - self._at, now
            for k, (cap, rate) in _BUCKETS.items():
                self._level[k] = min(cap, self._level[k] + elapsed * rate)
            self._level[kind] = max(0.0, self._level[kind] - 1)
            return int(self._level[kind])


class Simulator:
    """Routes and state for one simulated subscription."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.arm = Router()
        Groups(store).register(self.arm)
        Deployments(store).register(self.arm)
        Compute(store).register(self.arm)
        Metrics(store).register(self.arm)
        Groups(store).register_generic(self.arm)
        self.control = Router()
        Control(store).register(self.control)
        # The Retail Prices API is public: no token, no api-version.
        self.public = Router()
        RetailPrices().register(self.public)
        self.rates = _RateCounters()

    def handle(self, req: Request) -> Response:
        """Answer one request (never raises)."""
        try:
            if req.path.lower().startswith("/_sim"):
                return self._dispatch(self.control, req)
            self._apply_faults(req)
            if self.public.match(req.method, req.path) is not None:
                return self._dispatch(self.public, req)
            auth = req.headers.get("Authorization") or ""
            if not auth.lower().startswith("bearer ") or not auth[7:].strip():
                raise ArmError(
                    401,
                    "AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is missing.",
                )
            if not req.api_version:
                raise ArmError(
                    400,
                    "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.",
                )
            parts = req.path.strip("/").split("/")
            if (
                len(parts) >= 2
                and parts[0].lower() == "subscriptions"
                and parts[1].lower() != self.store.subscription_id.lower()
            ):
                raise ArmError(
                    404,
                    "SubscriptionNotFound",
                    f"The subscription '{parts[1]}' could not be found.",
                )
            return self._dispatch(self.arm, req)
        except ArmError as exc:
            return Response(exc.status, exc.body(), dict(exc.headers))
        except Exception as exc:  # a simulator bug must still look like an ARM 500
            log.error("armsim: %s %s failed\n%s", req.method, req.path, traceback.format_exc())
            return Response(
                500,
                {"error": {"code": "InternalServerError", "message": f"Simulator error: {exc!r}"}},
            )

    def _dispatch(self, router: Router, req: Request) -> Response:
        found = router.match(req.method, req.path)
        if found is None:
            raise ArmError(
                404 if req.method != "PUT" else 400,
                "InvalidResourceType" if req.method == "PUT" else "NotFound",
                f"The simulator has no handler for {req.method} {req.path}.",
            )
        handler, params = found
        with self.store.lock:
            self.store.settle()
            return handler(req, **params)

    def _apply_faults(self, req: Request) -> None:
        with self.store.lock:
            fault = next(
                (
                    f
                    for f in self.store.faults
                    if f.kind in ("throttle", "error", "slow") and f.matches(req.method, req.path)
                ),
                None,
            )
            if fault is None:
                return
            fault.remaining -= 1
        if fault.kind == "slow":
            time.sleep(fault.delay_ms / 1000)
            return
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after:g}"
        raise ArmError(fault.status, fault.code, fault.message, headers=headers)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 120
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients wait ~40 ms.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("armsim: " + format, *args)

    def _serve(self) -> None:
        sim = self.server.sim
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        req = Request(
            method=self.command,
            path=unquote(split.path),
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=self.headers,  # type: ignore[arg-type]
            raw_body=raw,
            base_url=f"https://{host}",
        )
        started = time.time()
        resp = sim.handle(req)
        request_id = str(uuid.uuid4())
        headers = {
            "Cache-Control": "no-cache",
            "Pragma": "no-cache",
            "Expires": "-1",
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
            "x-ms-request-id": request_id,
            "x-ms-correlation-request-id": self.headers.get("x-ms-correlation-request-id")
            or request_id,
            "x-ms-routing-request-id": f"EASTUS:{time.strftime('%Y%m%dT%H%M%SZ')}:{request_id}",
            "X-Content-Type-Options": "nosniff",
        }
        if not req.path.lower().startswith("/_sim"):
            kind = {"GET": "reads", "HEAD": "reads", "DELETE": "deletes"}.get(
                self.command, "writes"
            )
            headers[f"x-ms-ratelimit-remaining-subscription-{kind}"] = str(sim.rates.take(kind))
            if resp.status >= 400:
                headers["x-ms-failure-cause"] = "gateway" if resp.status == 429 else "service"
        if (self.headers.get("x-ms-return-client-request-id") or "").lower() == "true":
            headers["x-ms-client-request-id"] = self.headers.get("x-ms-client-request-id") or ""
        headers.update(resp.headers)
        payload = b""
        if resp.body is not None:
            payload = json.dumps(resp.body).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
        self.send_response(resp.status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and payload:
            self.wfile.write(payload)
        if req.path.lower().startswith("/_sim"):
            return  # the log is for asserting what clients of ARM did
        with sim.store.lock:
            sim.store.request_log.append(
                {
                    "time": started,
                    "method": self.command,
                    "path": req.path,
                    "query": split.query,
                    "status": resp.status,
                    "client_request_id": self.headers.get("x-ms-client-request-id"),
                    "error_code": (resp.body or {}).get("error", {}).get("code")
                    if isinstance(resp.body, dict)
                    else None,
                }
            )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    sim: Simulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that reject our certificate or hang up mid-request are not server errors.
        log.debug("armsim: connection from %s ended: %s", client_address, traceback.format_exc())


@dataclass
class RunningSim:
    """A simulator serving on a background thread."""

    url: str
    ca_bundle: str
    subscription_id: str
    store: Store
    _server: _Server
    _thread: threading.Thread

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def state_document(self) -> dict[str, str]:
        """What scripts need to talk to the simulator."""
        return {
            "url": self.url,
            "ca_bundle": self.ca_bundle,
            "subscription_id": self.subscription_id,
        }


def start_server(
    port: int = 0,
    *,
    subscription_id: str = DEFAULT_SUBSCRIPTION_ID,
    cert_dir: str | Path | None = None,
    delay_scale: float = 1.0,
    retry_after: int = 1,
    host: str = "127.0.0.1",
) -> RunningSim:
    """Start the simulator on a daemon thread and return once it accepts connections."""
    certs = ensure_certs(Path(cert_dir) if cert_dir else Path(tempfile.mkdtemp(prefix="armsim-")))
    store = Store(subscription_id=subscription_id, delay_scale=delay_scale, retry_after=retry_after)
    server = _Server((host, port), _Handler)
    server.sim = Simulator(store)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs.server_cert, certs.server_key)
    # Handshake in the connection's thread, not in accept(): one slow client must not stall all.
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="armsim", daemon=True
    )
    thread.start()
    actual_port = server.server_address[1]
    return RunningSim(
        url=f"https://{host}:{actual_port}",
        ca_bundle=str(certs.ca_bundle),
        subscription_id=subscription_id,
        store=store,
        _server=server,
        _thread=thread,
    )
