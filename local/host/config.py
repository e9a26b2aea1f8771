"""What the host reads before it starts: host.json and local.settings.json."""

from __future__ import annotations

import json
import os
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from beast.schedule import parse_timespan


@dataclass(frozen=True, kw_only=True)
class QueueOptions:
    """host.json ``extensions.queues``, with the real host's defaults."""

    max_polling_interval: timedelta = timedelta(minutes=1)
    visibility_timeout: timedelta = timedelta(0)
    batch_size: int = 16
    max_dequeue_count: int = 5
    message_encoding: str = "base64"


@dataclass(frozen=True, kw_only=True)
class HostOptions:
    """The parts of host.json the local host honours."""

    route_prefix: str = "api"
    queues: QueueOptions = QueueOptions()


def load_host_options(path: Path) -> HostOptions:
    """Read host.json; a missing file gives the defaults of the real host."""
    if not path.exists():
        return HostOptions()
    document = json.loads(path.read_text(encoding="utf-8"))
    extensions = document.get("extensions", {})
    http = extensions.get("http", {})
    queues = extensions.get("queues", {})
    defaults = QueueOptions()
    return HostOptions(
        route_prefix=str(http.get("routePrefix", "api")).strip("/"),
        queues=QueueOptions(
            max_polling_interval=_timespan(queues, "maxPollingInterval", defaults),
            visibility_timeout=_timespan(queues, "visibilityTimeout", defaults),
            batch_size=int(queues.get("batchSize", defaults.batch_size)),
            max_dequeue_count=int(queues.get("maxDequeueCount", defaults.max_dequeue_count)),
            message_encoding=str(queues.get("messageEncoding", "base64")).lower(),
        ),
    )


def _timespan(section: dict[str, object], key: str, defaults: QueueOptions) -> timedelta:
    value = section.get(key)
    if value is None:
        default: timedelta = getattr(defaults, _snake(key))
        return default
    return parse_timespan(str(value))


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


@dataclass(frozen=True, kw_only=True)
class LocalSettings:
    """local.settings.json: app settings (``Values``) and the host's keys (``Host``)."""

    values: dict[str, str]
    function_key: str | None
    master_key: str | None
    http_port: int | None


def find_local_settings(directory: Path) -> Path | None:
    """local.settings.json, else local.settings.sample.json, else None."""
    for name in ("local.settings.json", "local.settings.sample.json"):
        candidate = directory / name
        if candidate.exists():
            return candidate
    return None


def load_local_settings(path: Path | None) -> LocalSettings:
    """Read a local settings file; ``None`` gives empty settings."""
    if path is None:
        return LocalSettings(values={}, function_key=None, master_key=None, http_port=None)
    document = json.loads(path.read_text(encoding="utf-8"))
    host = document.get("Host", {})
    port = host.get("LocalHttpPort")
    return LocalSettings(
        values={str(k): "" if v is None else str(v) for k, v in document.get("Values", {}).items()},
        function_key=host.get("FunctionKey") or None,
        master_key=host.get("MasterKey") or None,
        http_port=int(port) if port is not None else None,
    )


def apply_values(values: dict[str, str], environ: MutableMapping[str, str]) -> None:
    """Copy settings into the environment without overriding what is already set.

    A launcher overrides a setting (say, Azurite's real ports) by exporting it.
    """
    for key, value in values.items():
        environ.setdefault(key, value)


def resolve_setting(text: str, environ: MutableMapping[str, str] | None = None) -> str:
    """Replace ``%NAME%`` with the app setting NAME, as binding expressions do."""
    env = os.environ if environ is None else environ

    def lookup(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in env:
            raise KeyError(f"binding expression %{name}% names a setting that is not set")
        return env[name]

    return re.sub(r"%([^%]+)%", lookup, text)
