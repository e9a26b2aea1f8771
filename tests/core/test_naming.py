"""Names Beast derives from people and operations: safe for Linux, DNS and ARM."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beast.naming import (
    RESERVED_USERNAMES,
    admin_username,
    deployment_name,
    new_operation_id,
    operation_id_for,
    vm_name,
)
from beast.requests import check_name

LINUX_USER = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@pytest.mark.parametrize(
    ("slack_name", "expected"),
    [("alice", "alice"), ("Alice", "alice"), ("Mary-Jane", "mary_jane"), ("j.doe", "j_doe")],
)
def test_admin_username_is_the_person_in_lower_case(slack_name: str, expected: str) -> None:
    assert admin_username(slack_name) == expected


@pytest.mark.parametrize("slack_name", ["admin", "ROOT", "Administrator", "admin1", "guest", "a"])
def test_reserved_usernames_are_replaced(slack_name: str) -> None:
    chosen = admin_username(slack_name)
    assert chosen == "beastuser"
    assert chosen not in RESERVED_USERNAMES


@pytest.mark.parametrize("slack_name", ["", "   ", "---", "1234", "日本語", "🙂"])
def test_a_name_with_nothing_usable_falls_back(slack_name: str) -> None:
    assert admin_username(slack_name) == "beastuser"


def test_azures_disallowed_admin_usernames_are_all_reserved() -> None:
    # ARM's osProfile.adminUsername "Disallowed values" that can start with a letter.
    azure = {
        "administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1",
        "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david", "guest", "john",
        "owner", "root", "server", "sql", "support", "support_388945a0", "sys", "test2", "test3",
        "user4", "user5",
    }  # fmt: skip
    assert azure <= RESERVED_USERNAMES
    for name in azure:
        assert admin_username(name) not in azure


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=100))
def test_admin_username_is_always_a_linux_username_that_azure_accepts(slack_name: str) -> None:
    chosen = admin_username(slack_name)
    assert LINUX_USER.match(chosen)
    assert chosen not in RESERVED_USERNAMES


@pytest.mark.parametrize(
    ("slack_name", "expected"),
    [
        ("alice", "beast-alice-1"),
        ("Zoë Müller", "beast-zo-m-ller-1"),
        ("j.doe", "beast-j-doe-1"),
        ("007bond", "beast-bond-1"),
        ("日本語", "beast-user-1"),
        ("", "beast-user-1"),
    ],
)
def test_vm_name_is_dns_safe_for_odd_slack_names(slack_name: str, expected: str) -> None:
    assert vm_name(slack_name, 1) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.integers(min_value=1, max_value=10_000))
def test_every_generated_vm_name_passes_the_name_rule(slack_name: str, number: int) -> None:
    name = vm_name(slack_name, number)
    assert check_name(name) == name


def test_deployment_name_derives_from_the_operation_id() -> None:
    op = new_operation_id()
    assert deployment_name(op) == deployment_name(op)
    assert op in deployment_name(op)
    assert deployment_name(op) != deployment_name(new_operation_id())


def test_deployment_name_fits_arms_64_characters_even_for_long_ids() -> None:
    assert len(deployment_name("x" * 200)) <= 64
    assert len(deployment_name(new_operation_id())) <= 64


def test_operation_id_for_a_key_is_stable_and_differs_per_key() -> None:
    first = operation_id_for("api:aad:alice@contoso.com:key-1")
    assert first == operation_id_for("api:aad:alice@contoso.com:key-1")
    assert first != operation_id_for("api:aad:alice@contoso.com:key-2")
    assert first != operation_id_for("api:aad:bob@contoso.com:key-1")
    # Legal as a table key and inside ARM names.
    assert re.fullmatch(r"[0-9a-f]{32}", first)


def test_new_operation_ids_are_fresh() -> None:
    assert len({new_operation_id() for _ in range(100)}) == 100
