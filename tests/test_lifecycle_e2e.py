"""The VM lifecycle as real life treats it: races, dying workers and a misbehaving Azure.

Each test runs the real app in the local host against Azurite and the ARM simulator,
drives it through the HTTP API (the development identity, or Easy Auth headers for a
second person) and looks at what the person sees and at what ARM holds.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from local.armsim.testing import ArmSim
from local.azurite import Azurite
from local.host.launch import ROOT, RunningHost, start_host
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

    def __init__(self, azurite: Azurite, armsim: ArmSim, *, host_json: Path) -> None:
        self.armsim = armsim
        # The app's host.json, but a failed job shows again after one second, not ten,
        # so a job's five deliveries take seconds.
        settings = json.loads((ROOT / "host.json").read_text(encoding="utf-8"))
        settings["extensions"]["queues"]["visibilityTimeout"] = "00:00:01"
        host_json.write_text(json.dumps(settings), encoding="utf-8")
        self.host_json = host_json
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
        host = start_host(overrides=self.overrides, host_json=self.host_json)
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
def stack(azurite: Azurite, armsim: ArmSim, tmp_path: Path) -> Iterator[Stack]:
    """A reset simulator and a way to start hosts that share one test's storage."""
    armsim.reset()
    made = Stack(azurite, armsim, host_json=tmp_path / "host.json")
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


def _running(dev: Person, *, name: str | None = None) -> str:
    vm = name or _name()
    up = dev.up(vm)
    assert up.status_code == 202, up.text
    assert dev.wait(up.json()["id"])["state"] == "succeeded"
    return vm


def test_stop_right_after_up_and_start_while_stopping_are_refused_with_the_reason(
    stack: Stack,
) -> None:
    dev = Person(stack.start())
    name = _name()
    up = dev.up(name)

    early = dev.call("POST", f"vms/{name}/stop")

    assert early.status_code == 409, early.text
    assert "deploying right now" in early.json()["detail"]
    assert dev.wait(up.json()["id"])["state"] == "succeeded"
    stop = dev.call("POST", f"vms/{name}/stop")
    assert stop.status_code == 202, stop.text
    start = dev.call("POST", f"vms/{name}/start")
    assert start.status_code == 409, start.text
    assert "stopping right now" in start.json()["detail"]
    assert dev.wait(stop.json()["id"])["state"] == "succeeded"
    assert stack.vms_in_azure()[name] == "deallocated"


def test_two_downs_at_once_make_one_delete(stack: Stack) -> None:
    dev = Person(stack.start())
    name = _running(dev)
    answers: list[requests.Response] = []
    barrier = threading.Barrier(2)

    def down() -> None:
        barrier.wait()
        answers.append(dev.call("DELETE", f"vms/{name}"))

    threads = [threading.Thread(target=down) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers) == [202, 409], [a.text for a in answers]
    accepted = next(a for a in answers if a.status_code == 202)
    refused = next(a for a in answers if a.status_code == 409)
    assert "being deleted" in refused.json()["detail"]
    assert dev.wait(accepted.json()["id"])["state"] == "succeeded"
    assert dev.vm(name)["state"] == "deleted"
    assert name not in stack.vms_in_azure()


def test_two_people_asking_for_one_name_at_once_get_one_vm(stack: Stack) -> None:
    host = stack.start()
    people = [Person(host, "ann@example.com"), Person(host, "ben@example.com")]
    name = _name()
    answers: dict[int, requests.Response] = {}
    barrier = threading.Barrier(2)

    def up(index: int) -> None:
        barrier.wait()
        answers[index] = people[index].up(name)

    threads = [threading.Thread(target=up, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers.values()) == [202, 409], answers
    won = 0 if answers[0].status_code == 202 else 1
    winner, loser = people[won], people[1 - won]
    assert "already exists" in answers[1 - won].json()["detail"]
    assert winner.wait(answers[won].json()["id"])["state"] == "succeeded"
    assert loser.call("GET", f"vms/{name}").status_code == 403
    assert list(stack.vms_in_azure()) == [name]


def test_a_host_that_dies_while_a_deploy_check_waits_is_replaced_and_the_job_finishes(
    stack: Stack,
) -> None:
    stack.armsim.sim_put("/_sim/delays", {"vm_create": 4000})
    first = stack.start()
    dev = Person(first)
    name = _name()
    up = dev.up(name)
    assert up.status_code == 202, up.text
    operation = up.json()["id"]
    deadline = time.monotonic() + 30
    while dev.operation(operation)["state"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    first.stop()  # the instance dies with the deployment under way and a check queued

    dev = Person(stack.start())

    assert dev.wait(operation)["state"] == "succeeded"
    assert dev.vm(name)["state"] == "running"
    assert list(stack.vms_in_azure()) == [name]
    puts = stack.armsim.requests_log(method="PUT", path="(?i)/deployments/")
    assert len(puts) == 1


def test_throttled_deployment_checks_still_end_in_a_running_vm(stack: Stack) -> None:
    stack.fault(kind="throttle", method="GET", path="(?i)/deployments/", count=4, retry_after=1)
    dev = Person(stack.start())
    name = _running(dev)
    assert dev.vm(name)["state"] == "running"


def test_a_stop_azure_keeps_failing_leaves_a_vm_that_can_be_stopped_again(stack: Stack) -> None:
    dev = Person(stack.start())
    name = _running(dev)
    stack.fault(
        kind="error",
        method="POST",
        path="(?i)/deallocate",
        status=409,
        code="OperationNotAllowed",
        message="Another operation is in progress on the VM.",
        count=100,  # every delivery of the job
    )

    stop = dev.call("POST", f"vms/{name}/stop")

    failed = dev.wait(stop.json()["id"])
    assert failed["state"] == "failed", failed
    assert failed["error"]["message"] == (
        f"Azure failed while deallocating {name}: OperationNotAllowed; gave up after retries."
    )
    stack.armsim.sim_request("DELETE", "/_sim/faults")
    assert stack.vms_in_azure()[name] == "running"  # still billed, and the person is told
    vm = dev.vm(name)
    assert vm["state"] == "running", vm
    again = dev.call("POST", f"vms/{name}/stop")
    assert again.status_code == 202, again.text
    assert dev.wait(again.json()["id"])["state"] == "succeeded"
    assert stack.vms_in_azure()[name] == "deallocated"


def test_a_deployment_whose_checks_fail_for_a_while_still_ends_running(
    stack: Stack,
) -> None:
    stack.armsim.sim_put("/_sim/delays", {"vm_create": 3000})
    host = stack.start()
    dev = Person(host)
    name = _name()
    up = dev.up(name)
    operation = up.json()["id"]
    deadline = time.monotonic() + 30
    while dev.operation(operation)["state"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # Azure accepted the deployment; now every look at it fails for longer than the
    # queue's five deliveries, while ARM carries on and makes the VM. Unreadable checks
    # say nothing about the outcome: the job keeps looking instead of calling it failed.
    stack.fault(
        kind="error",
        method="GET",
        path="(?i)/deployments/[^/]+$",
        status=409,
        code="Conflict",
        message="Try later.",
        count=6,
    )

    done = dev.wait(operation)

    assert done["state"] == "succeeded", done
    vm = dev.vm(name)
    assert vm["state"] == "running" and vm["publicIp"], vm


def test_quota_taken_by_a_concurrent_up_fails_the_second_with_azures_numbers(
    stack: Stack,
) -> None:
    host = stack.start()
    people = [Person(host, "ann@example.com"), Person(host, "ben@example.com")]
    names = [_name(), _name()]
    # Both fit the family's 10 vCPUs alone; together they do not.
    answers = [p.up(n, size="E8s_v3") for p, n in zip(people, names, strict=True)]
    outcomes = [p.wait(a.json()["id"]) for p, a in zip(people, answers, strict=True)]

    assert sorted(o["state"] for o in outcomes) == ["failed", "succeeded"], outcomes
    failed = next(o for o in outcomes if o["state"] == "failed")
    assert "quota" in failed["error"]["message"].lower(), failed
    assert len(stack.vms_in_azure()) == 1
