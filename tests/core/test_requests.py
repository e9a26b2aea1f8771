"""The request grammar both front ends share: defaults, canonical sizes, field errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from beast.errors import ValidationError
from beast.models import DiskType, Variant, VmRequest
from beast.requests import build_request, check_name, check_ssh_key, parse_ttl
from tests.core.core_env import RSA_KEY, make_settings
from tests.factories import SSH_KEY

SETTINGS = make_settings()


def request(**fields: Any) -> VmRequest:
    """build_request with every field unset except ``fields``."""
    chosen = fields.pop("settings", SETTINGS)
    given_fields: dict[str, Any] = {
        "size": None,
        "disk_gb": None,
        "disk_type": None,
        "variant": None,
        "name": None,
        "region": None,
        "ttl": None,
        "ssh_public_key": None,
        "allowed_source_prefixes": None,
        **fields,
    }
    return build_request(**given_fields, settings=chosen)


def refusal(**fields: Any) -> ValidationError:
    """The ValidationError build_request raises for ``fields``."""
    with pytest.raises(ValidationError) as caught:
        request(**fields)
    return caught.value


# --- defaults and sizes ---------------------------------------------------------------


def test_an_empty_request_gets_the_guides_defaults_and_the_default_region() -> None:
    vm = request()
    assert vm.size == "Standard_E4s_v3"
    assert vm.disk_gb == 1000
    assert vm.disk_type is DiskType.PREMIUM
    assert vm.variant is Variant.JUPYTER
    assert vm.region == "westeurope"
    assert vm.name is None and vm.ttl is None and vm.ssh_public_key is None
    assert vm.allowed_source_prefixes == ("203.0.113.0/24",)


@pytest.mark.parametrize("typed", ["E4s_v3", "standard_e4s_v3", "Standard_E4s_v3", " e4s_v3 "])
def test_every_spelling_of_a_size_becomes_the_canonical_arm_name(typed: str) -> None:
    assert request(size=typed).size == "Standard_E4s_v3"


@pytest.mark.parametrize("typed", ["", "Standard_", "standard_-x", "E4s v3", "../E4s", "4xl"])
def test_text_that_is_no_size_name_is_refused_naming_size(typed: str) -> None:
    assert "size" in refusal(size=typed).fields


def test_disk_type_and_variant_take_the_short_names_people_type() -> None:
    vm = request(disk_type="StandardSSD", variant="SSH", disk_gb="512GB")
    assert (vm.disk_type, vm.variant, vm.disk_gb) == (DiskType.STANDARDSSD, Variant.SSH, 512)


# --- disk -----------------------------------------------------------------------------


@pytest.mark.parametrize("disk", [29, 4096, "0", "-5"])
def test_a_disk_outside_30_to_4095_gb_is_refused_naming_disk_gb_and_the_range(
    disk: int | str,
) -> None:
    error = refusal(disk_gb=disk)
    assert "30 to 4095 GB" in error.fields["diskGb"]


@pytest.mark.parametrize("disk", [30, 4095, "1000"])
def test_a_disk_inside_the_range_is_accepted(disk: int | str) -> None:
    assert request(disk_gb=disk).disk_gb == int(disk)


def test_a_team_disk_limit_below_azures_narrows_the_range() -> None:
    error = refusal(disk_gb=2000, settings=make_settings(BEAST_MAX_DISK_GB="1024"))
    assert "30 to 1024 GB" in error.fields["diskGb"]


def test_a_disk_that_is_not_a_number_is_refused_naming_disk_gb() -> None:
    assert "whole number" in refusal(disk_gb="lots").fields["diskGb"]


def test_several_wrong_fields_are_reported_together() -> None:
    error = refusal(
        size="../etc",
        disk_gb=29,
        disk_type="floppy",
        variant="windows",
        name="Bad_Name",
        region="moon base!",
        ttl="forever",
        ssh_public_key="hello",
        allowed_source_prefixes=["0.0.0.0/0"],
    )
    assert set(error.fields) == {
        "size",
        "diskGb",
        "diskType",
        "variant",
        "name",
        "region",
        "ttl",
        "sshPublicKey",
        "allowedSourcePrefixes",
    }
    for field in error.fields:
        assert field in error.message


# --- ttl ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("8h", timedelta(hours=8)),
        ("3d", timedelta(days=3)),
        ("12", timedelta(hours=12)),
        (" 2H ", timedelta(hours=2)),
        ("90d", timedelta(days=90)),
    ],
)
def test_ttl_reads_minutes_hours_days_and_a_bare_number_as_hours(
    text: str, expected: timedelta
) -> None:
    assert parse_ttl(text) == expected
    assert request(ttl=text).ttl == expected


@pytest.mark.parametrize("text", ["0", "0h", "91d", "2161h", "-1h", "1w", "h", "", "1.5h"])
def test_ttl_of_zero_beyond_90_days_or_unreadable_is_refused_naming_ttl(text: str) -> None:
    assert "ttl" in refusal(ttl=text).fields


def test_a_zero_ttl_is_told_the_shortest_allowed() -> None:
    assert "at least 1 minute" in refusal(ttl="0h").fields["ttl"]


# --- ssh keys -------------------------------------------------------------------------


@pytest.mark.parametrize("key", [SSH_KEY, RSA_KEY, "ssh-ed25519 " + "C" * 68])
def test_openssh_ed25519_and_rsa_public_keys_are_accepted(key: str) -> None:
    assert request(ssh_public_key=key).ssh_public_key == key


def test_a_key_pasted_with_a_line_break_is_joined_into_one_line() -> None:
    wrapped = SSH_KEY.replace(" alice", "\n alice") + "\n"
    assert check_ssh_key(wrapped) == SSH_KEY


@pytest.mark.parametrize(
    "key",
    [
        "garbage",
        "ssh-ed25519",
        "ssh-ed25519 short",
        "ssh-dss " + "A" * 68,
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "ssh-ed25519 " + "A" * 68 + " comment; rm -rf /" + "x" * 300,
    ],
)
def test_anything_but_an_openssh_public_key_is_refused_naming_ssh_public_key(key: str) -> None:
    assert "sshPublicKey" in refusal(ssh_public_key=key).fields


# --- source prefixes ------------------------------------------------------------------


def test_source_prefixes_are_normalised_to_their_network() -> None:
    vm = request(allowed_source_prefixes=["198.51.100.7/24", " 203.0.113.9 "])
    assert vm.allowed_source_prefixes == ("198.51.100.0/24", "203.0.113.9/32")


@pytest.mark.parametrize(
    "prefixes",
    [["0.0.0.0/0"], ["10.0.0.0/8", "0.0.0.0/0"], ["junk"], ["10.0.0.0/33"], ["::/0"], []],
)
def test_the_whole_internet_junk_or_nothing_is_refused_naming_allowed_source_prefixes(
    prefixes: list[str],
) -> None:
    assert "allowedSourcePrefixes" in refusal(allowed_source_prefixes=prefixes).fields


def test_the_whole_internet_refusal_says_why() -> None:
    message = refusal(allowed_source_prefixes=["0.0.0.0/0"]).fields["allowedSourcePrefixes"]
    assert "whole internet" in message


# --- names ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["abc", "my-vm-2", "a" * 40, "gpu-box"])
def test_dns_safe_names_of_3_to_40_characters_are_accepted(name: str) -> None:
    assert check_name(name) == name
    assert request(name=name).name == name


@pytest.mark.parametrize(
    "name",
    [
        "MyVM",
        "1vm",
        "vm-",
        "-vm",
        "ab",
        "a" * 41,
        "x" * 500,
        "../x",
        "a/b/c",
        "vm_1",
        "vm.one",
        "zoë-vm",
        "ｖｍ-one",
        "abc\n",
        "",
        " abc",
    ],
)
def test_names_that_are_not_dns_safe_or_the_wrong_length_are_refused_naming_name(
    name: str,
) -> None:
    error = refusal(name=name)
    assert "3-40" in error.fields["name"]


# --- no crash on any text -------------------------------------------------------------

text = st.none() | st.text(max_size=80)


@settings(max_examples=150, deadline=None)
@given(
    size=text,
    disk_gb=text,
    disk_type=text,
    variant=text,
    name=text,
    region=text,
    ttl=text,
    ssh_public_key=text,
    prefixes=st.none() | st.lists(st.text(max_size=40), max_size=3),
)
@example(
    size="Standard_",
    disk_gb="9" * 5000,
    disk_type="",
    variant="",
    name="abc\n",
    region="\x00",
    ttl="9999d",
    ssh_public_key="\n",
    prefixes=["\x00"],
)
def test_build_request_raises_nothing_but_validation_error_for_any_text(
    size: str | None,
    disk_gb: str | None,
    disk_type: str | None,
    variant: str | None,
    name: str | None,
    region: str | None,
    ttl: str | None,
    ssh_public_key: str | None,
    prefixes: Sequence[str] | None,
) -> None:
    try:
        vm = request(
            size=size,
            disk_gb=disk_gb,
            disk_type=disk_type,
            variant=variant,
            name=name,
            region=region,
            ttl=ttl,
            ssh_public_key=ssh_public_key,
            allowed_source_prefixes=prefixes,
        )
    except ValidationError as exc:
        assert exc.fields, "a refusal names at least one field"
        return
    # Whatever got through is safe to put into Azure names and templates.
    assert vm.size.startswith("Standard_")
    assert 30 <= vm.disk_gb <= 4095
    assert vm.name is None or check_name(vm.name) == vm.name
