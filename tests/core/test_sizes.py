"""Finding a size in the region's catalogue and checking vCPU quota, with numbers people can use."""

from __future__ import annotations

import pytest

from beast.errors import QuotaError, UnknownSizeError
from beast.ports import QuotaUsage, SizeInfo
from beast.sizes import check_quota, find_size


def size(name: str, *, family: str = "standardESv3Family", vcpus: int = 4, **kw: bool) -> SizeInfo:
    """A catalogue entry."""
    return SizeInfo(
        name=name,
        family=family,
        vcpus=vcpus,
        memory_gb=vcpus * 8.0,
        gpus=0,
        restricted=kw.get("restricted", False),
    )


CATALOGUE = [
    size("Standard_E4s_v3"),
    size("Standard_E8s_v3", vcpus=8),
    size("Standard_E16s_v3", vcpus=16),
    size("Standard_D4s_v5", family="standardDSv5Family"),
    size("Standard_E64s_v3", vcpus=64, restricted=True),
]
E8 = CATALOGUE[1]


def usage(name: str, *, used: int, limit: int) -> QuotaUsage:
    """A quota usage line as compute usages reports it."""
    label = "Total Regional vCPUs" if name == "cores" else "Standard ESv3 Family vCPUs"
    return QuotaUsage(name=name, label=label, used=used, limit=limit)


# --- find_size ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Standard_E8s_v3", "standard_e8s_v3", "STANDARD_E8S_V3"])
def test_find_size_ignores_case_and_returns_arms_spelling(typed: str) -> None:
    assert find_size(typed, CATALOGUE, region="eastus") is E8


def test_an_unknown_size_is_refused_with_close_matches_in_message_and_suggestions() -> None:
    with pytest.raises(UnknownSizeError) as caught:
        find_size("Standard_E8s_v4", CATALOGUE, region="eastus")
    error = caught.value
    assert "Standard_E8s_v3" in error.suggestions
    assert "E8s_v3" in error.message
    assert "There is no VM size E8s_v4 in eastus" in error.message


def test_an_unknown_size_with_nothing_close_has_no_suggestions() -> None:
    with pytest.raises(UnknownSizeError) as caught:
        find_size("Standard_ZZ999", CATALOGUE, region="eastus")
    assert caught.value.suggestions == []
    assert "Close matches" not in caught.value.message
    assert "`sizes` lists what the region offers" in caught.value.message  # a next step


def test_a_restricted_size_says_it_is_not_available_to_this_subscription_in_the_region() -> None:
    with pytest.raises(UnknownSizeError) as caught:
        find_size("Standard_E64s_v3", CATALOGUE, region="westeurope")
    assert "E64s_v3 is not available to this subscription in westeurope" in caught.value.message
    # A restricted size is never suggested: it would be refused just the same.
    assert "Standard_E64s_v3" not in caught.value.suggestions


# --- check_quota ----------------------------------------------------------------------


def test_exceeding_the_family_limit_gives_needed_left_used_limit_and_region() -> None:
    usages = [usage("standardESv3Family", used=6, limit=10), usage("cores", used=6, limit=100)]
    with pytest.raises(QuotaError) as caught:
        check_quota(E8, usages, region="eastus")
    error = caught.value
    assert "needs 8 vCPUs" in error.message
    assert "has 4 left" in error.message
    assert "6 of 10 in use" in error.message
    assert "Standard ESv3 Family vCPUs in eastus" in error.message
    assert (error.family, error.limit, error.used, error.required) == (
        "standardESv3Family",
        10,
        6,
        8,
    )


def test_exceeding_the_regional_cores_limit_is_refused_likewise() -> None:
    usages = [usage("standardESv3Family", used=0, limit=100), usage("cores", used=9, limit=12)]
    with pytest.raises(QuotaError) as caught:
        check_quota(E8, usages, region="westeurope")
    error = caught.value
    assert "needs 8 vCPUs" in error.message
    assert "has 3 left" in error.message
    assert "9 of 12 in use" in error.message
    assert "Total Regional vCPUs in westeurope" in error.message
    assert (error.family, error.limit, error.used) == ("cores", 12, 9)


def test_a_vm_that_brings_usage_exactly_to_the_limit_passes() -> None:
    usages = [usage("standardESv3Family", used=2, limit=10), usage("cores", used=12, limit=20)]
    check_quota(E8, usages, region="eastus")


def test_family_names_match_whatever_their_case() -> None:
    usages = [usage("STANDARDESV3FAMILY", used=10, limit=10)]
    with pytest.raises(QuotaError):
        check_quota(E8, usages, region="eastus")


def test_a_size_whose_family_has_no_usage_line_is_held_only_to_the_regional_limit() -> None:
    check_quota(E8, [usage("cores", used=0, limit=8)], region="eastus")
    with pytest.raises(QuotaError):
        check_quota(E8, [usage("cores", used=1, limit=8)], region="eastus")
