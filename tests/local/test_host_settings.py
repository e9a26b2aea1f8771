"""The local host reads local settings and host.json the way Core Tools does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from local.host.config import (
    apply_values,
    find_local_settings,
    load_host_options,
    load_local_settings,
    parse_timespan,
    resolve_setting,
)
from local.host.launch import RunningHost, start_host


@pytest.fixture(scope="module")
def settings_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHost]:
    settings = tmp_path_factory.mktemp("settings") / "local.settings.json"
    settings.write_text(
        json.dumps(
            {
                "Values": {
                    "BEAST_HOST_TEST_FROM_FILE": "from-file",
                    "BEAST_HOST_TEST_OVERRIDDEN": "from-file",
                },
                "ConnectionStrings": {"BEAST_HOST_TEST_CONNECTION": "not-a-value"},
            }
        )
    )
    host = start_host(
        app="tests.local.host_apps.http_app:app",
        settings=settings,
        overrides={"BEAST_HOST_TEST_OVERRIDDEN": "from-launcher"},
    )
    yield host
    host.stop()


def _setting(host: RunningHost, name: str) -> requests.Response:
    session = requests.Session()
    session.trust_env = False
    return session.get(host.url(f"/api/settings/{name}"))


def test_values_from_the_settings_file_reach_the_app(settings_host: RunningHost) -> None:
    assert _setting(settings_host, "BEAST_HOST_TEST_FROM_FILE").text == "from-file"


def test_launcher_environment_wins_over_the_settings_file(settings_host: RunningHost) -> None:
    assert _setting(settings_host, "BEAST_HOST_TEST_OVERRIDDEN").text == "from-launcher"


def test_only_values_become_settings(settings_host: RunningHost) -> None:
    assert _setting(settings_host, "BEAST_HOST_TEST_CONNECTION").status_code == 404


def test_local_settings_file_is_preferred_over_the_sample(tmp_path: Path) -> None:
    (tmp_path / "local.settings.sample.json").write_text("{}")
    assert find_local_settings(tmp_path) == tmp_path / "local.settings.sample.json"
    (tmp_path / "local.settings.json").write_text("{}")
    assert find_local_settings(tmp_path) == tmp_path / "local.settings.json"


def test_sample_settings_name_both_host_keys() -> None:
    sample = load_local_settings(Path("local.settings.sample.json"))
    assert sample.function_key
    assert sample.master_key
    assert sample.function_key != sample.master_key


def test_apply_values_keeps_variables_already_set() -> None:
    environ = {"A": "launcher"}
    apply_values({"A": "file", "B": "file"}, environ)
    assert environ == {"A": "launcher", "B": "file"}


def test_percent_expression_reads_the_named_setting() -> None:
    assert resolve_setting("%QUEUE%-x", {"QUEUE": "jobs"}) == "jobs-x"


def test_percent_expression_for_a_missing_setting_names_it() -> None:
    with pytest.raises(KeyError, match="NOPE"):
        resolve_setting("%NOPE%", {})


def test_timespans_read_as_dotnet_writes_them() -> None:
    assert parse_timespan("00:00:02") == timedelta(seconds=2)
    assert parse_timespan("1.02:03:04.5") == timedelta(days=1, hours=2, minutes=3, seconds=4.5)


def test_project_host_json_polls_queues_within_seconds() -> None:
    options = load_host_options(Path("host.json"))
    assert options.route_prefix == "api"
    assert options.queues.message_encoding == "base64"
    assert options.queues.max_polling_interval <= timedelta(seconds=5)


def test_missing_host_json_gives_the_real_hosts_defaults(tmp_path: Path) -> None:
    options = load_host_options(tmp_path / "host.json")
    assert options.route_prefix == "api"
    assert options.queues.max_dequeue_count == 5
    assert options.queues.batch_size == 16
