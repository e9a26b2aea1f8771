"""Settings are read once, name the key at fault, hide secrets, and match the sample file."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from beast.errors import ConfigError
from beast.jobs import MAX_DEQUEUE_COUNT
from beast.settings import Secret, load_settings
from tests.core.core_env import BASE_ENV

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "local.settings.sample.json"
HOST = ROOT / "host.json"

# Read by the Functions host itself, not by Beast.
HOST_ONLY_KEYS = {"FUNCTIONS_WORKER_RUNTIME"}


class RecordingEnv(Mapping[str, str]):
    """An environment that remembers every key asked of it, present or not."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return self._values[key]

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return self._values.get(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def sample_values() -> dict[str, str]:
    values: dict[str, str] = json.loads(SAMPLE.read_text("utf-8"))["Values"]
    return values


def without(key: str) -> dict[str, str]:
    return {k: v for k, v in BASE_ENV.items() if k != key}


@pytest.mark.parametrize(
    "key", ["BEAST_SUBSCRIPTION_ID", "SLACK_SIGNING_SECRET", "BEAST_ALLOWED_SOURCE_PREFIXES"]
)
def test_a_missing_required_setting_is_named_in_the_error(key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        load_settings(without(key))


def test_a_blank_required_setting_counts_as_missing() -> None:
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        load_settings({**BASE_ENV, "SLACK_BOT_TOKEN": "   "})


def test_missing_storage_names_both_ways_to_give_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(without("AzureWebJobsStorage"))
    assert "AzureWebJobsStorage" in caught.value.message
    assert "AzureWebJobsStorage__accountName" in caught.value.message


def test_identity_based_storage_needs_only_the_account_name() -> None:
    env = {**without("AzureWebJobsStorage"), "AzureWebJobsStorage__accountName": "stbeast"}
    loaded = load_settings(env)
    assert loaded.storage_account == "stbeast"
    assert loaded.storage_connection is None


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("BEAST_POLL_SECONDS", "fast"),
        ("BEAST_MAX_VMS_PER_USER", "3.5"),
        ("BEAST_MAX_DISK_GB", "lots"),
        ("BEAST_IDLE_LOOKBACK_HOURS", "2h"),
    ],
)
def test_a_bad_integer_names_the_key_and_the_value(key: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE_ENV, key: value})
    assert key in caught.value.message
    assert repr(value) in caught.value.message


@pytest.mark.parametrize(
    ("key", "value"),
    [("BEAST_POLL_SECONDS", "0"), ("BEAST_MAX_DISK_GB", "29"), ("BEAST_MAX_DISK_GB", "4096")],
)
def test_an_integer_out_of_range_names_the_key_and_the_range(key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=rf"{key} must be between \d+ and \d+, not {value}"):
        load_settings({**BASE_ENV, key: value})


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "101", "busy"])
def test_an_idle_cpu_percent_that_is_no_percentage_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="BEAST_IDLE_CPU_PERCENT"):
        load_settings({**BASE_ENV, "BEAST_IDLE_CPU_PERCENT": value})


def test_a_flag_that_is_not_true_or_false_is_refused() -> None:
    with pytest.raises(ConfigError, match="BEAST_TRUST_EASY_AUTH"):
        load_settings({**BASE_ENV, "BEAST_TRUST_EASY_AUTH": "yes please"})


def test_lists_are_split_on_commas_and_trimmed() -> None:
    loaded = load_settings(
        {
            **BASE_ENV,
            "BEAST_ADMINS": " slack:U1 , aad:bob@x.com,",
            "BEAST_ALLOWED_SIZES": "E*,D4s_v5",
        }
    )
    assert loaded.admins == frozenset({"slack:U1", "aad:bob@x.com"})
    assert loaded.allowed_sizes == ("E*", "D4s_v5")


def test_secrets_are_masked_in_the_repr_of_settings() -> None:
    env = {
        **BASE_ENV,
        "AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountKey=s3cr3tkey==",
        "SLACK_SIGNING_SECRET": "signing-s3cr3t",
        "SLACK_BOT_TOKEN": "xoxb-s3cr3t-token",
    }
    loaded = load_settings(env)
    shown = repr(loaded) + str(loaded)
    for secret in ("s3cr3tkey", "signing-s3cr3t", "xoxb-s3cr3t-token"):
        assert secret not in shown
    assert loaded.slack_bot_token.reveal() == "xoxb-s3cr3t-token"
    assert isinstance(loaded.slack_signing_secret, Secret)


def test_the_sample_settings_load() -> None:
    loaded = load_settings(sample_values())
    assert loaded.allowed_source_prefixes == ("203.0.113.0/24",)


def test_the_sample_lists_exactly_the_keys_beast_reads() -> None:
    env = RecordingEnv(BASE_ENV)
    load_settings(env)
    sample = set(sample_values())
    assert env.asked - sample == set(), "read by Beast but missing from the sample"
    assert sample - env.asked == HOST_ONLY_KEYS, "in the sample but never read by Beast"


def test_the_sample_is_complete_also_when_storage_is_identity_based() -> None:
    # Another path through load_settings must not read keys the first one skipped.
    env = RecordingEnv(
        {**without("AzureWebJobsStorage"), "AzureWebJobsStorage__accountName": "stbeast"}
    )
    load_settings(env)
    assert env.asked <= set(sample_values())


def test_host_json_retries_a_job_as_often_as_beast_expects() -> None:
    queues = json.loads(HOST.read_text("utf-8"))["extensions"]["queues"]
    assert queues["maxDequeueCount"] == MAX_DEQUEUE_COUNT


def test_host_json_decodes_queue_messages_as_base64_as_the_queue_adapter_writes_them() -> None:
    queues = json.loads(HOST.read_text("utf-8"))["extensions"]["queues"]
    assert queues["messageEncoding"] == "base64"


@pytest.mark.parametrize("value", ["0.0.0.0/0", "*", "Internet", "10.0.0.0/8,junk"])
def test_default_source_ranges_must_be_cidr_and_not_the_whole_internet(value: str) -> None:
    with pytest.raises(ConfigError, match="BEAST_ALLOWED_SOURCE_PREFIXES"):
        load_settings({**BASE_ENV, "BEAST_ALLOWED_SOURCE_PREFIXES": value})
