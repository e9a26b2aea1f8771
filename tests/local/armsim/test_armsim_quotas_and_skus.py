"""vCPU usages and the resource SKU catalogue through azure-mgmt-compute."""

from __future__ import annotations

from azure.mgmt.compute import ComputeManagementClient

from local.armsim.testing import ArmSim


def usage_by_name(compute: ComputeManagementClient, location: str) -> dict[str, tuple[int, int]]:
    return {u.name.value: (u.current_value, u.limit) for u in compute.usage.list(location)}


def test_usages_list_regional_total_and_families_with_default_limits(
    compute: ComputeManagementClient,
) -> None:
    usages = usage_by_name(compute, "eastus")

    assert usages["cores"] == (0, 100)
    assert usages["standardESv3Family"] == (0, 10)
    assert usages["standardNCASv3_T4Family"] == (0, 0)
    labels = {u.name.value: u.name.localized_value for u in compute.usage.list("eastus")}
    assert labels["cores"] == "Total Regional vCPUs"
    assert labels["standardESv3Family"] == "Standard ESv3 Family vCPUs"


def test_quota_override_shows_in_usages(arm: ArmSim, compute: ComputeManagementClient) -> None:
    arm.sim_post(
        "/_sim/faults",
        {"kind": "quota", "location": "westus2", "family": "standardESv3Family", "limit": 64},
    )

    assert usage_by_name(compute, "westus2")["standardESv3Family"] == (0, 64)
    assert usage_by_name(compute, "eastus")["standardESv3Family"] == (0, 10)


def test_skus_filtered_by_location_describe_sizes(compute: ComputeManagementClient) -> None:
    skus = {s.name: s for s in compute.resource_skus.list(filter="location eq 'eastus'")}

    e4 = skus["Standard_E4s_v3"]
    caps = {c.name: c.value for c in e4.capabilities}
    assert e4.family == "standardESv3Family"
    assert e4.locations == ["eastus"]
    assert (caps["vCPUs"], caps["MemoryGB"], caps["PremiumIO"]) == ("4", "32", "True")
    assert caps["HyperVGenerations"] == "V1,V2"
    assert caps["vCPUsAvailable"] == "4"
    t4 = {c.name: c.value for c in skus["Standard_NC4as_T4_v3"].capabilities}
    assert t4["GPUs"] == "1"
    assert "Standard_E64s_v3" in skus
    assert all(s.locations == ["eastus"] for s in skus.values())


def test_restricted_size_carries_a_not_available_for_subscription_restriction(
    compute: ComputeManagementClient,
) -> None:
    weu = {s.name: s for s in compute.resource_skus.list(filter="location eq 'westeurope'")}
    eus = {s.name: s for s in compute.resource_skus.list(filter="location eq 'eastus'")}

    restriction = weu["Standard_M128s"].restrictions[0]
    assert restriction.reason_code == "NotAvailableForSubscription"
    assert restriction["values"] == ["westeurope"]
    assert eus["Standard_M128s"].restrictions == []
    assert "Standard_NC24ads_A100_v4" not in weu


def test_catalogue_covers_the_required_series(compute: ComputeManagementClient) -> None:
    names = {s.name for s in compute.resource_skus.list()}

    for size in (
        "Standard_D4s_v5",
        "Standard_D4s_v3",
        "Standard_D4ds_v5",
        "Standard_E4s_v3",
        "Standard_E64s_v3",
        "Standard_E8s_v5",
        "Standard_F8s_v2",
        "Standard_L8s_v3",
        "Standard_M64s",
        "Standard_NC4as_T4_v3",
        "Standard_NC6s_v3",
        "Standard_NC24ads_A100_v4",
        "Standard_NV36ads_A10_v5",
    ):
        assert size in names
