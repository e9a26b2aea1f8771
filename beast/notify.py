"""Send each notice to the front end it came from."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from beast.models import OperationKind, ReplyTo, Vm
from beast.ports import Notifier, SizeOffer
from beast.settings import Secret

log = logging.getLogger(__name__)


class LogNotifier:
    """For callers with no chat to reply to (HTTP API clients read their operations)."""

    def progress(self, reply: ReplyTo, *, vm_name: str, text: str) -> None:
        """Log progress."""
        log.info("%s: %s", vm_name, text)

    def password(self, reply: ReplyTo, *, vm: Vm, password: Secret) -> None:
        """Log that a password exists; never the password."""
        log.warning(
            "%s has a generated password but %s has no private channel", vm.name, reply.user_id
        )

    def ready(self, reply: ReplyTo, *, vm: Vm) -> None:
        """Log readiness."""
        log.info("%s is ready at %s", vm.name, vm.jupyter_url or vm.private_ip)

    def finished(self, reply: ReplyTo, *, vm: Vm, kind: OperationKind) -> None:
        """Log completion."""
        log.info("%s: %s finished", vm.name, kind.value)

    def failed(self, reply: ReplyTo, *, vm_name: str, kind: OperationKind, reason: str) -> None:
        """Log failure."""
        log.warning("%s: %s failed: %s", vm_name, kind.value, reason)

    def idle_warning(self, reply: ReplyTo, *, vm: Vm, stop_at: datetime) -> None:
        """Log the warning."""
        log.info("%s is idle; deallocating at %s", vm.name, stop_at.isoformat())

    def idle_stopped(self, reply: ReplyTo, *, vm: Vm) -> None:
        """Log the stop."""
        log.info("%s deallocated for idleness", vm.name)

    def sizes(self, reply: ReplyTo, *, region: str, offers: Sequence[SizeOffer]) -> None:
        """Log how many sizes were found."""
        log.info("%d sizes in %s for %s", len(offers), region, reply.user_id)


class RoutingNotifier:
    """Picks the notifier for ``reply.front_end``; others go to the fallback.

    A notice that cannot be delivered is logged, never raised: the job's state is
    already recorded, and a retried job must not repeat the work to repeat a message.
    """

    def __init__(self, routes: Mapping[str, Notifier], *, fallback: Notifier) -> None:
        self._routes = dict(routes)
        self._fallback = fallback

    def _send(self, reply: ReplyTo, notice: str, **details: Any) -> None:
        target = self._routes.get(reply.front_end, self._fallback)
        try:
            getattr(target, notice)(reply, **details)
        except Exception:
            log.exception("could not deliver %s notice to %s", notice, reply.front_end)

    def progress(self, reply: ReplyTo, *, vm_name: str, text: str) -> None:
        """Route."""
        self._send(reply, "progress", vm_name=vm_name, text=text)

    def password(self, reply: ReplyTo, *, vm: Vm, password: Secret) -> None:
        """Route."""
        self._send(reply, "password", vm=vm, password=password)

    def ready(self, reply: ReplyTo, *, vm: Vm) -> None:
        """Route."""
        self._send(reply, "ready", vm=vm)

    def finished(self, reply: ReplyTo, *, vm: Vm, kind: OperationKind) -> None:
        """Route."""
        self._send(reply, "finished", vm=vm, kind=kind)

    def failed(self, reply: ReplyTo, *, vm_name: str, kind: OperationKind, reason: str) -> None:
        """Route."""
        self._send(reply, "failed", vm_name=vm_name, kind=kind, reason=reason)

    def idle_warning(self, reply: ReplyTo, *, vm: Vm, stop_at: datetime) -> None:
        """Route."""
        self._send(reply, "idle_warning", vm=vm, stop_at=stop_at)

    def idle_stopped(self, reply: ReplyTo, *, vm: Vm) -> None:
        """Route."""
        self._send(reply, "idle_stopped", vm=vm)

    def sizes(self, reply: ReplyTo, *, region: str, offers: Sequence[SizeOffer]) -> None:
        """Route."""
        self._send(reply, "sizes", region=region, offers=offers)
