"""The VM lifecycle as real life treats it: races, dying workers and a misbehaving Azure.

Each test runs the real app in the local host against Azurite and the ARM simulator,
drives it through the HTTP API (the development identity, or Easy Auth headers for a
second person) and looks at what the person sees and at what ARM holds.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from local.armsim.testing import ArmSim
from local.azurite import Azurite
from local.host.launch import RunningHost, start_host
from local.stack import host_overrides
from tests.http_api.conftest import SSH_KEY

POLL_TIMEOUT = 60.0
DONE = {"succeeded", "failed"}


class Person:
    """One caller of the HTTP API on one host."""

    def __init__(self, host: RunningHost, principal: str = "dev@example.com") -> None:
        self.host = host
        self.session = requests.Session()
        self.session.trust_env = False  # never route 127.0.0.1 through a proxy
        self.session.headers["x-functions-key"] = host.function_key or ""
        # Easy Auth's headers, as App Service would send them for a signed-in person.
        claims = {"claims": [{"typ": "name", "val": principal}]}
        self.session.headers["X-MS-CLIENT-PRINCIPAL-ID"] = str(
            uuid.uuid5(uuid.NAMESPACE_DNS, principal)
        )
        self.session.headers["X-MS-CLIENT-PRINCIPAL-NAME"] = principal
        self.session.headers["X-MS-CLIENT-PRINCIPAL"] = base64.b64encode(
            json.dumps(claims).encode()
        ).decode()

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        answer = self.session.request(
            method, self.host.url("/api/v1/" + path.lstrip("/")), timeout=30, **kwargs
        )
        assert answer.status_code < 500, answer.text
        assert "Traceback" not in answer.text
        return answer

    def up(self, name: str, **fields: Any) -> requests.Response:
        return self.call("POST", "vms", json={"name": name, "sshPublicKey": SSH_KEY, **fields})

    def vm(self, name: str) -> dict[str, Any]:
        answer = self.call("GET", f"vms/{name}")
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def operation(self, operation_id: str) -> dict[str, Any]:
        answer = self.call("GET", f"operations/{operation_id}")
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def wait(self, operation_id: str, *, timeout: float = POLL_TIMEOUT) -> dict[str, Any]:
        """Poll an operation until it is done."""
        deadline = time.monotonic() + timeout
        while True:
            operation = self.operation(operation_id)
            if operation["state"] in DONE:
                return operation
            assert time.monotonic() < deadline, f"operation still {operation['state']}"
            time.sleep(0.2)

    def wait_for(
        self, name: str, predicate: Callable[[dict[str, Any]], bool], *, timeout: float = 30
    ) -> dict[str, Any]:
        """Poll the VM until ``predicate`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            vm = self.vm(name)
            if predicate(vm):
                return vm
            assert time.monotonic() < deadline, f"VM still {vm}"
            time.sleep(0.2)


class Stack:
    """Hosts started for one test on its own tables and queue, all stopped at the end."""

    def __init__(self, azurite: Azurite, armsim: ArmSim) -> None:
        self.armsim = armsim
        session = uuid.uuid4().hex[:8]
        self.overrides = {
            **host_overrides(
                storage_connection=azurite.connection_string,
                arm_url=armsim.url,
                arm_ca_bundle=str(armsim.ca_bundle),
                subscription_id=armsim.subscription_id,
            ),
            "BEAST_TABLE_PREFIX": f"lc{session}",
            "BEAST_JOBS_QUEUE": f"lc-jobs-{session}",
            "BEAST_POLL_SECONDS": "1",
            "BEAST_MAX_VMS_PER_USER": "10",
            "BEAST_TRUST_EASY_AUTH": "true",
        }
        self.hosts: list[RunningHost] = []

    def start(self) -> RunningHost:
        """A new host on this test's tables and queue."""
        host = start_host(overrides=self.overrides)
        self.hosts.append(host)
        return host

    def stop_all(self) -> None:
        for host in self.hosts:
            host.stop()

    def groups(self) -> list[str]:
        """Resource groups ARM holds."""
        state = self.armsim.sim_get("/_sim/state")
        return sorted(group["name"] for group in state["resource_groups"])

    def vms_in_azure(self) -> dict[str, str]:
        """Virtual machines ARM holds, by name, with their power state."""
        state = self.armsim.sim_get("/_sim/state")
        return {
            r["id"].rsplit("/", 1)[1]: r.get("power", "")
            for r in state["resources"]
            if "/virtualmachines/" in r["id"].lower()
        }

    def fault(self, **fault: Any) -> None:
        self.armsim.sim_post("/_sim/faults", fault)


@pytest.fixture
def stack(azurite: Azurite, armsim: ArmSim) -> Iterator[Stack]:
    """A reset simulator and a way to start hosts that share one test's storage."""
    armsim.reset()
    made = Stack(azurite, armsim)
    yield made
    made.stop_all()
    armsim.sim_request("DELETE", "/_sim/faults")


def _name() -> str:
    return f"lc-{uuid.uuid4().hex[:8]}"


def test_down_while_the_vm_is_deploying_leaves_nothing_in_azure(stack: Stack) -> None:
    stack.armsim.sim_put("/_sim/delays", {"vm_create": 3000})
    dev = Person(stack.start())
    name = _name()
    up = dev.up(name)
    assert up.status_code == 202, up.text
    dev.wait_for(name, lambda vm: vm["state"] == "deploying")
    time.sleep(1.5)  # the deployment is under way in ARM

    down = dev.call("DELETE", f"vms/{name}")

    assert down.status_code == 202, down.text
    assert dev.wait(down.json()["id"])["state"] == "succeeded"
    deployed = dev.wait(up.json()["id"])
    assert deployed["state"] == "failed" and deployed["error"]["code"] == "superseded"
    assert dev.vm(name)["state"] == "deleted"
    assert f"rg-{name}" not in stack.groups()


def test_down_right_after_up_leaves_no_resource_group_behind(stack: Stack) -> None:
    # The deploy job is slow to read the size catalogue: the delete job runs meanwhile.
    stack.fault(kind="slow", method="GET", path="(?i)/skus", delay_ms=3000, count=1)
    dev = Person(stack.start())
    stack.start()  # a second instance, as Azure scales out: it takes the delete job
    name = _name()
    up = dev.up(name)
    assert up.status_code == 202, up.text
    time.sleep(1.0)  # the deploy job has started and waits on the catalogue

    down = dev.call("DELETE", f"vms/{name}")

    assert down.status_code == 202, down.text
    assert dev.wait(down.json()["id"])["state"] == "succeeded"
    deployed = dev.wait(up.json()["id"])
    time.sleep(3)  # whatever the deploy job does after the catalogue answers
    assert dev.vm(name)["state"] == "deleted"
    assert name not in stack.vms_in_azure()  # nothing billed behind a deleted record
    assert f"rg-{name}" not in stack.groups()
    assert deployed["state"] == "failed", deployed
