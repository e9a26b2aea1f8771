"""Start the local host as a child process and talk to its admin API (for launchers and tests)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import requests

from local.host.cli import READY_PREFIX
from local.host.config import find_local_settings, load_local_settings
from local.processes import Service, python, start_service

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, kw_only=True)
class RunningHost:
    """A local host child process: its URL, its keys, and admin helpers."""

    service: Service
    base_url: str
    function_key: str | None
    master_key: str | None

    def url(self, path: str) -> str:
        """An absolute URL on the host, e.g. ``url("/api/health")``."""
        return self.base_url + "/" + path.lstrip("/")

    def invoke(self, function_name: str, text: str = "") -> str:
        """Run a timer or queue function now, as ``POST /admin/functions/{name}``; its id."""
        response = _session().post(
            self.url(f"/admin/functions/{function_name}"),
            json={"input": text},
            headers={"x-functions-key": self.master_key or ""},
            timeout=10,
        )
        response.raise_for_status()
        return response.headers["x-beast-invocation-id"]

    def wait(self, invocation_id: str, timeout: float = 30.0) -> str:
        """Wait for an admin-started run to end; ``Succeeded`` or ``Failed``."""
        deadline = time.monotonic() + timeout
        while True:
            response = _session().get(
                self.url(f"/admin/invocations/{invocation_id}"),
                headers={"x-functions-key": self.master_key or ""},
                timeout=10,
            )
            response.raise_for_status()
            status = str(response.json()["status"])
            if status != "Running" or time.monotonic() > deadline:
                return status
            time.sleep(0.05)

    def run(self, function_name: str, text: str = "", timeout: float = 30.0) -> str:
        """Invoke and wait: the outcome of one on-demand run."""
        return self.wait(self.invoke(function_name, text), timeout)

    def stop(self) -> None:
        """Stop the host process."""
        self.service.stop()


def write_local_settings(
    path: Path,
    *,
    values: Mapping[str, str] | None = None,
    function_key: str = "test-function-key",
    master_key: str = "test-master-key",
) -> Path:
    """Write a local.settings.json of its own for a host, independent of the tree's files."""
    document = {
        "IsEncrypted": False,
        "Values": {"FUNCTIONS_WORKER_RUNTIME": "python", **(values or {})},
        "Host": {"FunctionKey": function_key, "MasterKey": master_key},
    }
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # never route 127.0.0.1 through a proxy
    return session


def start_host(
    *,
    app: str = "function_app:app",
    port: int = 0,
    settings: Path | None = None,
    host_json: Path | None = None,
    overrides: Mapping[str, str] | None = None,
    echo: TextIO | None = None,
    timeout: float = 60.0,
) -> RunningHost:
    """Start ``python -m local.host`` with ``overrides`` exported over the local settings."""
    settings_path = settings or find_local_settings(ROOT)
    keys = load_local_settings(settings_path)
    argv = [python(), "-m", "local.host", "--app", app, "--port", str(port)]
    if settings_path is not None:
        argv += ["--settings", str(settings_path)]
    if host_json is not None:
        argv += ["--host-json", str(host_json)]
    env = {**os.environ, **(overrides or {}), "PYTHONUNBUFFERED": "1"}
    service = start_service(
        "host",
        argv,
        ready=READY_PREFIX + r"(http://\S+)",
        env=env,
        cwd=ROOT,
        timeout=timeout,
        echo=echo,
    )
    assert service.ready is not None
    return RunningHost(
        service=service,
        base_url=service.ready.group(1),
        function_key=keys.function_key,
        master_key=keys.master_key,
    )
