"""Fixtures for the ARM simulator's own tests: the session simulator, reset before each test,
and SDK clients built the way Beast builds them (static token, the simulator's CA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient

from local.armsim.testing import ArmSim

Client = TypeVar("Client")


@pytest.fixture
def arm(armsim: ArmSim) -> ArmSim:
    """The session's simulator (tests/local_parts.py), emptied and set to millisecond delays."""
    armsim.reset()
    return armsim


def sdk_client(client_type: type[Client]) -> Callable[[ArmSim], Client]:
    """A fixture that gives ``client_type`` on ``arm``."""

    def client(arm: ArmSim) -> Client:
        return arm.client(client_type)

    client.__doc__ = f"{client_type.__name__} on the simulator."
    return pytest.fixture(client)


resources = sdk_client(ResourceManagementClient)
deployments = sdk_client(DeploymentsMgmtClient)
compute = sdk_client(ComputeManagementClient)
network = sdk_client(NetworkManagementClient)


@pytest.fixture
def group(resources: ResourceManagementClient) -> str:
    """A resource group in eastus."""
    resources.resource_groups.create_or_update("beast-test", {"location": "eastus"})
    return "beast-test"
