"""Send each notice to the front end it came from."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from beast.models import OperationKind, ReplyTo, Vm
from beast.ports import Notifier
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


class RoutingNotifier:
    """Picks the notifier for ``reply.front_end``; others go to the fallback."""

    def __init__(self, routes: Mapping[str, Notifier], *, fallback: Notifier) -> None:
        self._routes = dict(routes)
        self._fallback = fallback

    def _for(self, reply: ReplyTo) -> Notifier:
        return self._routes.get(reply.front_end, self._fallback)

    def progress(self, reply: ReplyTo, *, vm_name: str, text: str) -> None:
        """Route."""
        self._for(reply).progress(reply, vm_name=vm_name, text=text)

    def password(self, reply: ReplyTo, *, vm: Vm, password: Secret) -> None:
        """Route."""
        self._for(reply).password(reply, vm=vm, password=password)

    def ready(self, reply: ReplyTo, *, vm: Vm) -> None:
        """Route."""
        self._for(reply).ready(reply, vm=vm)

    def finished(self, reply: ReplyTo, *, vm: Vm, kind: OperationKind) -> None:
        """Route."""
        self._for(reply).finished(reply, vm=vm, kind=kind)

    def failed(self, reply: ReplyTo, *, vm_name: str, kind: OperationKind, reason: str) -> None:
        """Route."""
        self._for(reply).failed(reply, vm_name=vm_name, kind=kind, reason=reason)

    def idle_warning(self, reply: ReplyTo, *, vm: Vm, stop_at: datetime) -> None:
        """Route."""
        self._for(reply).idle_warning(reply, vm=vm, stop_at=stop_at)

    def idle_stopped(self, reply: ReplyTo, *, vm: Vm) -> None:
        """Route."""
        self._for(reply).idle_stopped(reply, vm=vm)
