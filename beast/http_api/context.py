"""What the handlers need: the Beast use cases, settings, the idempotency store, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from beast.ports import IdempotencyStore
from beast.service import Beast
from beast.settings import Settings


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class ApiContext:
    """The collaborators of every handler, built once by the glue."""

    beast: Beast
    settings: Settings
    idempotency: IdempotencyStore
    clock: Callable[[], datetime] = field(default=utc_now)
