"""Test helpers: run the simulator in-process and build SDK clients that trust it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import requests

from local.armsim.credential import StaticTokenCredential
from local.armsim.server import DEFAULT_SUBSCRIPTION_ID, RunningSim, start_server

T = TypeVar("T")

# Milliseconds per kind of work that keep tests fast but still let them see intermediate states.
FAST_DELAYS_MS = {
    "deployment_accept": 5,
    "resource_create": 5,
    "vm_create": 20,
    "vpn_gateway_create": 20,
    "vm_power": 30,
    "vm_delete": 20,
    "resource_delete": 5,
    "rg_delete": 20,
}


@dataclass
class ArmSim:
    """A running simulator plus helpers for tests."""

    sim: RunningSim
    polling_interval: float = 0.02

    @property
    def url(self) -> str:
        """Base URL (https://127.0.0.1:PORT)."""
        return self.sim.url

    @property
    def ca_bundle(self) -> str:
        """Path of the CA certificate clients must trust."""
        return self.sim.ca_bundle

    @property
    def subscription_id(self) -> str:
        """The simulated subscription."""
        return self.sim.subscription_id

    def session(self) -> requests.Session:
        """A requests session trusting only the simulator CA, whatever REQUESTS_CA_BUNDLE says."""
        s = requests.Session()
        s.trust_env = False  # else REQUESTS_CA_BUNDLE would replace verify
        s.verify = self.ca_bundle
        return s

    def sim_request(self, method: str, path: str, json: Any = None) -> Any:
        """Call the /_sim control API and return the decoded JSON body (raises on HTTP errors)."""
        with self.session() as s:
            r = s.request(method, f"{self.url}{path}", json=json, timeout=30)
            r.raise_for_status()
            return r.json() if r.content else None

    def sim_post(self, path: str, json: Any = None) -> Any:
        """POST to /_sim."""
        return self.sim_request("POST", path, json)

    def sim_put(self, path: str, json: Any = None) -> Any:
        """PUT to /_sim."""
        return self.sim_request("PUT", path, json)

    def sim_get(self, path: str) -> Any:
        """GET from /_sim."""
        return self.sim_request("GET", path)

    def reset(self, *, delays_ms: dict[str, float] | None = None) -> None:
        """Forget all state and set fast delays (tests sharing one simulator call this first)."""
        self.sim_post("/_sim/reset")
        self.sim_put("/_sim/delays", delays_ms or FAST_DELAYS_MS)

    def requests_log(
        self, *, method: str | None = None, path: str | None = None
    ) -> list[dict[str, Any]]:
        """Requests the simulator received, oldest first, optionally filtered (path is a regex)."""
        params = urlencode({k: v for k, v in (("method", method), ("path", path)) if v})
        return list(self.sim_get("/_sim/requests" + (f"?{params}" if params else ""))["requests"])

    def client(self, cls: type[T], **kwargs: Any) -> T:
        """An Azure SDK client aimed at the simulator: static token, sim CA, fast polling.

        Management clients get (credential, subscription_id, base_url=...); the metrics data-plane
        client (MetricsClient) gets (endpoint, credential).
        """
        kwargs.setdefault("connection_verify", self.ca_bundle)
        kwargs.setdefault("polling_interval", self.polling_interval)
        credential = StaticTokenCredential()
        if cls.__name__ == "MetricsClient":
            kwargs.pop("polling_interval", None)
            return cls(self.url, credential, **kwargs)  # type: ignore[call-arg]
        return cls(credential, self.subscription_id, base_url=self.url, **kwargs)  # type: ignore[call-arg]


@contextmanager
def running_armsim(
    *,
    subscription_id: str = DEFAULT_SUBSCRIPTION_ID,
    cert_dir: str | None = None,
    retry_after: int = 0,
    polling_interval: float = 0.02,
    delays_ms: dict[str, float] | None = None,
) -> Iterator[ArmSim]:
    """Run a simulator for the block (fast delays; Retry-After 0, so polling_interval rules)."""
    sim = start_server(
        0, subscription_id=subscription_id, cert_dir=cert_dir, retry_after=retry_after
    )
    helper = ArmSim(sim, polling_interval=polling_interval)
    try:
        helper.sim_put("/_sim/delays", delays_ms or FAST_DELAYS_MS)
        yield helper
    finally:
        sim.stop()
