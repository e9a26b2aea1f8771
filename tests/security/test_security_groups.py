"""Beast acts only on resource groups it made, and its ARM filters cannot be broken out of.

A VM's group is ``BEAST_RESOURCE_GROUP_PREFIX + name`` and the name is the
person's to choose: without these rules ``/beast up --name prod-data`` would
adopt an existing ``rg-prod-data`` and ``/beast down prod-data`` would delete it.
"""

from __future__ import annotations

import pytest
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.models import ResourceGroup

from beast.errors import LimitError, UpstreamError, ValidationError
from beast.models import OperationState, VmState
from beast.requests import build_request
from tests.core.conftest import ALICE, World, now, reply_to


def _someone_elses_group(world: World, name: str) -> ResourceManagementClient:
    portal = world.armsim.client(ResourceManagementClient)
    portal.resource_groups.create_or_update(
        name, ResourceGroup(location="eastus", tags={"team": "finance"})
    )
    return portal


def test_up_with_the_name_of_an_existing_group_is_refused_and_the_group_is_untouched(
    world: World,
) -> None:
    portal = _someone_elses_group(world, "rg-prod-data")
    request = build_request(
        size="E4s_v3",
        disk_gb="64",
        disk_type=None,
        variant=None,
        name="prod-data",
        region=None,
        ttl=None,
        ssh_public_key=None,
        allowed_source_prefixes=None,
        settings=world.settings,
    )
    vm, op = world.beast.request_vm(ALICE, request, reply=reply_to(ALICE), now=now())
    done = world.drain(op.id)
    assert done.state is OperationState.FAILED
    assert "not Beast's" in (done.error_message or "")
    assert world.stores.vms.get(vm.name).state is VmState.DELETED  # nothing to `down`
    group = portal.resource_groups.get("rg-prod-data")
    assert group.tags == {"team": "finance"}
    # No deployment was ever sent into the group.
    assert not world.armsim.requests_log(method="PUT", path="rg-prod-data/providers")


def test_the_adapter_refuses_to_adopt_a_group_without_the_vms_tag(world: World) -> None:
    _someone_elses_group(world, "rg-shared")
    with pytest.raises(ValidationError, match="not Beast's"):
        world.arm.ensure_group(
            "rg-shared", region="eastus", tags={"beast-vm": "shared", "created-by": "beast"}
        )


def test_the_adapter_refuses_to_delete_a_group_beast_did_not_make(world: World) -> None:
    portal = _someone_elses_group(world, "rg-payroll")
    with pytest.raises(LimitError, match="not Beast's"):
        world.arm.begin_delete_group("rg-payroll")
    assert portal.resource_groups.check_existence("rg-payroll")


def test_deleting_a_group_that_is_already_gone_is_quietly_done(world: World) -> None:
    world.arm.begin_delete_group("rg-never-was")
    assert not world.arm.group_exists("rg-never-was")


def test_a_quote_in_a_region_cannot_end_the_odata_filter(world: World) -> None:
    world.armsim.sim_request("DELETE", "/_sim/requests")
    with pytest.raises(UpstreamError):
        world.arm.sizes("eastus' or location ne 'x")
    [sent] = world.armsim.requests_log(path="Microsoft.Compute/skus")
    # The literal is 'eastus'' or location ne ''x': one string, the quotes doubled.
    assert "eq%20%27eastus%27%27%20or%20location%20ne%20%27%27x%27" in sent["query"]
