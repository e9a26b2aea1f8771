"""No secret leaks: a whole jupyter deploy, watched at DEBUG on every logger.

The deploy runs through the real worker on Azurite and the ARM simulator, and
tells its owner through the real Slack notifier on the Slack stand-in. The
generated password must reach the owner ephemerally, and nowhere else: not a
log line (azure-core's HTTP logging, slack_sdk's debug logging included), not a
table entity, not a queue message, not what ARM gives back about the deployment.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient, TextBase64DecodePolicy

from beast.adapters.queue import build_job_queue
from beast.jobs import parse_job
from beast.models import OperationState, ReplyTo
from beast.ports import Job
from beast.requests import build_request
from beast.settings import Settings
from beast.slack.client import web_client
from beast.slack.notifier import SlackNotifier
from beast.worker import Worker
from local.slacksim import RunningSlackSim, start_slacksim
from tests.core.conftest import ALICE, World, build_world, world_settings

BOT_TOKEN = "xoxb-local-token"  # the one the Slack stand-in accepts
SIGNING_SECRET = "security-signing-secret-value"
# The loggers of every SDK on the path; some are set quieter by default elsewhere.
_PASSWORD_LINE = re.compile(r"Password for .*\): `([^`]+)`")
NOISY = ("", "azure", "azure.core", "slack_sdk", "slack_bolt", "urllib3", "beast")


class _Everything(logging.Handler):
    """Keeps every record, formatted with its arguments and traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {record.levelname} {text}")


@pytest.fixture
def all_logs() -> Iterator[_Everything]:
    """Every log record of the test, from every logger, at DEBUG."""
    handler = _Everything()
    root = logging.getLogger()
    before = {name: logging.getLogger(name).level for name in NOISY}
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def slack() -> Iterator[RunningSlackSim]:
    running = start_slacksim(port=0)
    yield running
    running.stop()


@dataclass
class Deployed:
    """What a finished jupyter deploy left behind."""

    world: World
    settings: Settings
    password: str
    queue_messages: list[str]
    vm_name: str
    resource_group: str
    deployment_name: str


@pytest.fixture
def deployed(azurite: Any, armsim: Any, slack: RunningSlackSim, all_logs: _Everything) -> Deployed:
    """Alice's jupyter VM deployed end to end, every queue message kept as it passed."""
    armsim.reset()
    settings = world_settings(
        azurite=azurite,
        armsim=armsim,
        SLACK_API_URL=slack.api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    world = build_world(settings, armsim)
    notifier = SlackNotifier(client=web_client(settings))
    world.worker = Worker(
        settings=settings,
        vms=world.stores.vms,
        operations=world.stores.operations,
        queue=build_job_queue(settings),
        arm=world.arm,
        notifier=notifier,
        mutate=world.beast.mutate,
        sizes=world.beast.sizes,
    )
    request = build_request(
        size="E4s_v3",
        disk_gb="64",
        disk_type=None,
        variant="jupyter",
        name=None,
        region=None,
        ttl=None,
        ssh_public_key=None,
        allowed_source_prefixes=None,
        settings=settings,
    )
    reply = ReplyTo(
        front_end="slack",
        user_id="U0ALICE",
        response_url=slack.response_url(user_id="U0ALICE", channel_id="C0BEAST"),
        channel_id="C0BEAST",
        issued_at=datetime.now(UTC),
    )
    vm, op = world.beast.request_vm(ALICE, request, reply=reply, now=datetime.now(UTC))
    seen: list[str] = []
    for _ in range(600):
        for message in world.queue_client.receive_messages(visibility_timeout=30):
            seen.append(message.content)
            job = parse_job(message.content)
            assert isinstance(job, Job)
            world.worker.run(job, now=datetime.now(UTC))
            world.queue_client.delete_message(message)
        if world.stores.operations.get(op.id).state.done:
            break
        time.sleep(0.05)
    assert world.stores.operations.get(op.id).state is OperationState.SUCCEEDED
    shown = [
        match.group(1)
        for call in slack.calls("response_url")
        for match in [_PASSWORD_LINE.search(str(call["args"].get("text", "")))]
        if match
    ]
    assert len(shown) == 1  # exactly once, to its owner
    password = shown[0]
    return Deployed(
        world=world,
        settings=settings,
        password=password,
        queue_messages=seen,
        vm_name=vm.name,
        resource_group=vm.resource_group,
        deployment_name=vm.deployment_name,
    )


def test_the_password_is_shown_to_its_owner_ephemerally_and_never_in_a_dm_or_channel(
    deployed: Deployed, slack: RunningSlackSim
) -> None:
    for call in slack.calls():
        if deployed.password in str(call["args"]):
            assert call["method"] == "response_url"
            assert call["args"]["response_type"] == "ephemeral"


def test_no_log_line_carries_the_password_or_a_setting_secret(
    deployed: Deployed, all_logs: _Everything
) -> None:
    logs = "\n".join(all_logs.lines)
    assert "azure.core.pipeline.policies.http_logging_policy" in logs  # the HTTP log was on
    connection = deployed.settings.storage_connection
    assert connection is not None
    account_key = connection.reveal().split("AccountKey=")[1].split(";")[0]
    for secret in (deployed.password, BOT_TOKEN, SIGNING_SECRET, account_key):
        assert secret not in logs


def test_no_table_entity_carries_the_password(deployed: Deployed) -> None:
    connection = deployed.settings.storage_connection
    assert connection is not None
    service = TableServiceClient.from_connection_string(connection.reveal())
    prefix = deployed.settings.table_prefix
    names = [t.name for t in service.list_tables() if t.name.startswith(prefix)]
    assert names  # the deploy wrote somewhere
    for name in names:
        for entity in service.get_table_client(name).list_entities():
            assert deployed.password not in repr(dict(entity)), name


def test_no_queue_message_carries_the_password(deployed: Deployed) -> None:
    connection = deployed.settings.storage_connection
    assert connection is not None
    assert deployed.queue_messages
    leftovers: list[str] = []
    service = QueueServiceClient.from_connection_string(connection.reveal())
    for queue in service.list_queues(name_starts_with=deployed.settings.jobs_queue):
        client = service.get_queue_client(
            queue.name, message_decode_policy=TextBase64DecodePolicy()
        )
        leftovers += [m.content for m in client.peek_messages(max_messages=32)]
    for content in deployed.queue_messages + leftovers:
        assert deployed.password not in content


def test_arm_never_echoes_the_password_of_a_deployment_or_vm(
    deployed: Deployed, armsim: Any
) -> None:
    base = f"/subscriptions/{armsim.subscription_id}/resourceGroups/{deployed.resource_group}"
    deployment = f"{base}/providers/Microsoft.Resources/deployments/{deployed.deployment_name}"
    for path in (
        deployment,
        f"{deployment}/operations",
        f"{base}/providers/Microsoft.Compute/virtualMachines/{deployed.vm_name}",
        f"{base}/resources",
    ):
        answer = _arm_get(armsim, path)
        assert answer.status_code == 200, (path, answer.text[:200])
        assert deployed.password not in answer.text, path
    shown = _arm_get(armsim, deployment).json()
    assert shown["properties"]["parameters"]["adminPassword"] == {"type": "SecureString"}


def test_operation_errors_do_not_carry_the_password(deployed: Deployed) -> None:
    vm = deployed.world.stores.vms.get(deployed.vm_name)
    op = deployed.world.stores.operations.get(vm.operation_id)
    assert deployed.password not in f"{vm!r}{op!r}"


def _arm_get(armsim: Any, path: str) -> Any:
    with armsim.session() as session:
        return session.get(
            armsim.url.rstrip("/") + path,
            params={"api-version": "2024-03-01"},
            headers={"Authorization": "Bearer local"},
            timeout=30,
        )


def test_settings_never_show_their_secrets_in_repr_str_or_errors() -> None:
    from beast.errors import ConfigError
    from beast.settings import load_settings
    from tests.core.core_env import BASE_ENV

    connection = "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0a2V5;"
    env = {
        **BASE_ENV,
        "AzureWebJobsStorage": connection,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-never-shown",
    }
    shown = f"{load_settings(env)!r} {load_settings(env)!s}"
    for secret in (SIGNING_SECRET, "xoxb-never-shown", "c2VjcmV0a2V5"):
        assert secret not in shown
    with pytest.raises(ConfigError) as missing:
        load_settings({k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"})
    assert "c2VjcmV0a2V5" not in str(missing.value) and SIGNING_SECRET not in str(missing.value)


def test_a_failing_health_probe_names_the_error_kind_never_its_message() -> None:
    from beast.health import check_health

    def storage() -> None:
        raise ValueError("Connection string AccountKey=c2VjcmV0a2V5 is invalid")

    body = str(check_health({"storage": storage}).as_dict())
    assert "c2VjcmV0a2V5" not in body
    assert "unreachable (ValueError)" in body
