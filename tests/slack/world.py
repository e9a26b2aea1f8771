"""Beast on in-memory doubles behind the real Bolt app, answering signed Slack requests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from beast.models import Vm, VmState
from beast.ports import QuotaUsage, SizeInfo
from beast.service import Beast
from beast.settings import Settings
from beast.slack.bot import Bot, build_app
from beast.slack.handler import dispatch
from local.slacksim import RunningSlackSim
from local.slacksim.signing import signed_action, signed_command
from tests.doubles import (
    InMemoryAuditLog,
    InMemoryJobQueue,
    InMemoryOperationStore,
    InMemoryUserStore,
    InMemoryVmStore,
)
from tests.factories import make_size
from tests.slack.helpers import SIGNING_SECRET, Clock

E4 = make_size()


@dataclass
class CatalogueArm:
    """Just enough ARM for ``sizes``."""

    sizes_list: list[SizeInfo] = field(default_factory=lambda: [E4])

    def sizes(self, region: str) -> Sequence[SizeInfo]:
        return self.sizes_list

    def quotas(self, region: str) -> Sequence[QuotaUsage]:
        return [
            QuotaUsage(name="standardESv3Family", label="ESv3", used=0, limit=20),
            QuotaUsage(name="cores", label="Total", used=0, limit=20),
        ]


@dataclass
class Answer:
    """One HTTP answer of the endpoint."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def text(self) -> str:
        return str(self.json.get("text", ""))


@dataclass
class SlackWorld:
    """The Bolt app on a Beast on doubles, with the fake Slack taking response_url posts."""

    sim: RunningSlackSim
    settings: Settings
    clock: Clock
    vms: InMemoryVmStore = field(default_factory=InMemoryVmStore)
    operations: InMemoryOperationStore = field(default_factory=InMemoryOperationStore)
    audit: InMemoryAuditLog = field(default_factory=InMemoryAuditLog)
    users: InMemoryUserStore = field(default_factory=InMemoryUserStore)
    queue: InMemoryJobQueue = field(default_factory=InMemoryJobQueue)
    arm: CatalogueArm = field(default_factory=CatalogueArm)

    def __post_init__(self) -> None:
        self.beast = Beast(
            settings=self.settings,
            vms=self.vms,
            operations=self.operations,
            audit=self.audit,
            users=self.users,
            queue=self.queue,
            arm=lambda: self.arm,  # type: ignore[arg-type,return-value]
        )
        self.app = build_app(
            bot=Bot(beast=self.beast, settings=self.settings, clock=self.clock),
            settings=self.settings,
        )

    def post(self, body: bytes, headers: dict[str, str]) -> Answer:
        """POST one delivery to the endpoint."""
        status, out_headers, out_body = dispatch(self.app, body=body, headers=headers, query="")
        return Answer(status, out_headers, out_body)

    def command(self, text: str, *, user: str = "alice", **signing: Any) -> Answer:
        """Send ``/beast text`` as ``user``, signed like Slack."""
        body, headers = self.signed_command(text, user=user, **signing)
        return self.post(body, headers)

    def signed_command(self, text: str, *, user: str = "alice", **signing: Any) -> Any:
        user_id = "U0" + user.upper()
        return signed_command(
            text,
            user_id=user_id,
            user_name=user,
            secret=signing.pop("secret", SIGNING_SECRET),
            response_url=self.sim.response_url(user_id=user_id, channel_id="C0BEAST"),
            **signing,
        )

    def click(self, action_id: str, value: str, *, user: str = "alice", **signing: Any) -> Answer:
        """Click a Beast button as ``user``, signed like Slack."""
        user_id = "U0" + user.upper()
        body, headers = signed_action(
            action_id,
            value,
            user_id=user_id,
            user_name=user,
            secret=signing.pop("secret", SIGNING_SECRET),
            response_url=self.sim.response_url(user_id=user_id, channel_id="C0BEAST"),
            **signing,
        )
        return self.post(body, headers)

    def replies(self) -> list[dict[str, Any]]:
        """The bodies posted to response_urls, oldest first."""
        return [call["args"] for call in self.sim.calls("response_url")]

    def set_state(self, name: str, state: VmState) -> Vm:
        """Move a VM to ``state``, as the worker would."""
        return self.beast.mutate(name, lambda vm: vm.evolve(state=state))
