"""SDK clients verify the simulator certificate against its CA, whatever REQUESTS_CA_BUNDLE says."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import requests
from azure.core.exceptions import ServiceRequestError
from azure.mgmt.resource.resources import ResourceManagementClient

from local.armsim.credential import StaticTokenCredential
from local.armsim.testing import ArmSim


@pytest.fixture
def other_bundle(tmp_path: Path) -> str:
    """A CA bundle that does not contain the simulator's CA (the system one, or an empty file)."""
    default = ssl.get_default_verify_paths().cafile
    if default and Path(default).exists():
        return default
    empty = tmp_path / "other.pem"
    empty.write_text("")
    return str(empty)


def test_sdk_client_trusts_the_simulator_ca_even_with_requests_ca_bundle_set(
    arm: ArmSim, monkeypatch: pytest.MonkeyPatch, other_bundle: str
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_bundle)
    monkeypatch.setenv("CURL_CA_BUNDLE", other_bundle)
    client = arm.client(ResourceManagementClient)

    client.resource_groups.create_or_update("rg1", {"location": "eastus"})

    assert client.resource_groups.check_existence("rg1") is True


def test_sdk_client_without_the_simulator_ca_fails_verification(
    arm: ArmSim, monkeypatch: pytest.MonkeyPatch, other_bundle: str
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_bundle)
    client = ResourceManagementClient(
        StaticTokenCredential(), arm.subscription_id, base_url=arm.url, retry_total=0
    )

    with pytest.raises(ServiceRequestError) as caught:
        client.resource_groups.check_existence("rg1")

    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)


def test_testing_session_ignores_requests_ca_bundle(
    arm: ArmSim, monkeypatch: pytest.MonkeyPatch, other_bundle: str
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_bundle)

    assert arm.sim_get("/_sim/settings")["subscription_id"] == arm.subscription_id


def test_a_plain_session_verify_is_overridden_by_requests_ca_bundle(
    arm: ArmSim, monkeypatch: pytest.MonkeyPatch, other_bundle: str
) -> None:
    # The pitfall the helpers avoid: with trust_env on, the variable beats session.verify.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_bundle)
    session = requests.Session()
    session.verify = arm.ca_bundle

    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"{arm.url}/_sim/settings", timeout=10)
