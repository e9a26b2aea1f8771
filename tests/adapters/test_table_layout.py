"""How Beast's records sit in Table Storage: names, keys, no secrets, errors."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from azure.data.tables import TableServiceClient
from hypothesis import given
from hypothesis import strategies as st

from beast.adapters.storage_errors import storage_errors
from beast.adapters.table_keys import decode_key, encode_key, table_name
from beast.adapters.tables import build_table_stores
from beast.errors import ConfigError, UpstreamError
from local.azurite import Azurite
from tests.adapters.storage_harness import storage_settings, unique_name
from tests.adapters.test_store_contract import a_vm, an_entry

_ILLEGAL_IN_KEYS = set("/\\#?") | {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]}


def test_a_stored_vm_has_no_property_that_could_hold_a_secret(azurite: Azurite) -> None:
    prefix = unique_name("t")
    settings = storage_settings(azurite.connection_string, table_prefix=prefix, jobs_queue="q")
    build_table_stores(settings).vms.add(a_vm(public_ip="20.1.2.3", ssh_command="ssh a@b"))

    service = TableServiceClient.from_connection_string(azurite.connection_string)
    entity = service.get_table_client(f"{prefix}vms").get_entity("vm", "alice-e4s-1")

    names = [name.lower() for name in entity]
    assert "owner" in names and "public_ip" in names
    assert not [n for n in names if "password" in n or "secret" in n or "token" in n]


def test_tables_are_named_by_the_prefix_and_audit_is_partitioned_by_vm(azurite: Azurite) -> None:
    prefix = unique_name("t")
    settings = storage_settings(azurite.connection_string, table_prefix=prefix, jobs_queue="q")
    stores = build_table_stores(settings)
    stores.audit.append(an_entry("vm-a", "up", a_vm().created_at))
    stores.vms.add(a_vm())

    service = TableServiceClient.from_connection_string(azurite.connection_string)
    names = {t.name for t in service.list_tables() if t.name.startswith(prefix)}
    [audit] = service.get_table_client(f"{prefix}audit").list_entities()

    assert names == {f"{prefix}audit", f"{prefix}vms"}  # the rest wait for first use
    assert audit["PartitionKey"] == "vm-a"
    assert audit["RowKey"].startswith("20260301T093015123456Z-")


def test_building_the_stores_makes_no_network_call() -> None:
    # Nothing listens on port 9: any call would fail, so building must not make one.
    settings = storage_settings(
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
        "TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
        table_prefix="beast",
        jobs_queue="beast-jobs",
    )

    build_table_stores(settings)


@pytest.mark.parametrize("prefix", ["1beast", "beast-dev", "beast_dev", "b" * 53])
def test_a_table_prefix_that_makes_an_illegal_table_name_is_a_config_error(prefix: str) -> None:
    with pytest.raises(ConfigError, match="BEAST_TABLE_PREFIX"):
        table_name(prefix, "vms")


def test_the_longest_legal_prefix_makes_legal_table_names() -> None:
    assert len(table_name("b" * 52, "idempotency")) == 63


@pytest.mark.parametrize("key", ["alice-e4s-1", "slack:U024BE7LH", "aad:alice@contoso.com"])
def test_readable_keys_are_stored_as_they_are(key: str) -> None:
    assert encode_key(key) == key


@given(st.text(min_size=1, max_size=200))
def test_every_key_encodes_to_a_legal_key_that_decodes_back(key: str) -> None:
    encoded = encode_key(key)

    assert decode_key(encoded) == key
    assert not set(encoded) & _ILLEGAL_IN_KEYS
    assert "'" not in encoded and "%" not in encoded


def test_an_unreachable_service_is_an_upstream_error_with_its_cause() -> None:
    cause = ServiceRequestError("connection refused")

    with pytest.raises(UpstreamError) as caught, storage_errors("VM x"):
        raise cause

    assert caught.value.__cause__ is cause


def test_an_unexpected_http_failure_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match="VM x"), storage_errors("VM x"):
        raise HttpResponseError(message="Internal Server Error")
