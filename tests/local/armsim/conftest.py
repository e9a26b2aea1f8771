"""Fixtures for the ARM simulator's own tests: the shared simulator, reset before each test,
and SDK clients built the way Beast builds them (static token, the simulator's CA)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient

from local.armsim.testing import ArmSim, running_armsim


@pytest.fixture(scope="session")
def _armsim_for_simulator_tests(request: pytest.FixtureRequest) -> Iterator[ArmSim]:
    # Prefer the session-wide simulator from tests/conftest.py; run our own when it is absent.
    try:
        shared: ArmSim = request.getfixturevalue("armsim")
    except pytest.FixtureLookupError:
        with running_armsim() as own:
            yield own
        return
    yield shared


@pytest.fixture
def arm(_armsim_for_simulator_tests: ArmSim) -> ArmSim:
    """The simulator, emptied and set to millisecond delays."""
    _armsim_for_simulator_tests.reset()
    return _armsim_for_simulator_tests


@pytest.fixture
def resources(arm: ArmSim) -> ResourceManagementClient:
    """azure-mgmt-resource client."""
    return arm.client(ResourceManagementClient)


@pytest.fixture
def deployments(arm: ArmSim) -> DeploymentsMgmtClient:
    """azure-mgmt-resource-deployments client."""
    return arm.client(DeploymentsMgmtClient)


@pytest.fixture
def compute(arm: ArmSim) -> ComputeManagementClient:
    """azure-mgmt-compute client."""
    return arm.client(ComputeManagementClient)


@pytest.fixture
def network(arm: ArmSim) -> NetworkManagementClient:
    """azure-mgmt-network client."""
    return arm.client(NetworkManagementClient)


@pytest.fixture
def group(resources: ResourceManagementClient) -> str:
    """A resource group in eastus."""
    resources.resource_groups.create_or_update("beast-test", {"location": "eastus"})
    return "beast-test"
