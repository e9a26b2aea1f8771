"""Requests built by the signing helpers pass Slack's own verifier and look like Slack's."""

import json
import time
from urllib.parse import parse_qs, parse_qsl

from slack_sdk.signature import SignatureVerifier

from local.slacksim.signing import signed_action, signed_command, slack_headers

SECRET = "local-signing-secret"
RESPONSE_URL = "http://127.0.0.1:9/response/abc"


def _command(**overrides: object) -> tuple[bytes, dict[str, str]]:
    args: dict[str, object] = {
        "user_id": "U0ALICE",
        "user_name": "alice",
        "secret": SECRET,
        "response_url": RESPONSE_URL,
    }
    args.update(overrides)
    return signed_command("up E4s_v3 1000", **args)  # type: ignore[arg-type]


def test_signed_command_passes_slack_signature_verifier() -> None:
    body, headers = _command()
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)


def test_tampered_command_body_fails_verification() -> None:
    body, headers = _command()
    tampered = body.replace(b"1000", b"4000")
    assert not SignatureVerifier(SECRET).is_valid_request(tampered, headers)


def test_command_signed_with_another_secret_fails_verification() -> None:
    body, headers = _command(secret="not-the-secret")
    assert not SignatureVerifier(SECRET).is_valid_request(body, headers)


def test_stale_timestamp_fails_verification() -> None:
    body, headers = _command(timestamp=int(time.time()) - 6 * 60)
    assert headers["X-Slack-Request-Timestamp"] == str(int(time.time()) - 6 * 60)
    assert not SignatureVerifier(SECRET).is_valid_request(body, headers)


def test_command_body_has_slacks_fields_in_slacks_order() -> None:
    body, headers = _command()
    fields = parse_qsl(body.decode())
    assert [name for name, _ in fields] == [
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    ]
    values = dict(fields)
    assert values["command"] == "/beast"
    assert values["text"] == "up E4s_v3 1000"
    assert values["response_url"] == RESPONSE_URL
    assert b"text=up+E4s_v3+1000" in body
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_retry_headers_are_added_only_for_redeliveries() -> None:
    _, first = _command()
    _, retry = _command(retry_num=1, retry_reason="http_timeout")
    assert "X-Slack-Retry-Num" not in first
    assert retry["X-Slack-Retry-Num"] == "1"
    assert retry["X-Slack-Retry-Reason"] == "http_timeout"


def test_signed_action_is_a_block_actions_payload_that_verifies() -> None:
    body, headers = signed_action(
        "stop",
        "beast-alice-1",
        user_id="U0ALICE",
        user_name="alice",
        secret=SECRET,
        response_url=RESPONSE_URL,
        block_id="vm-beast-alice-1",
    )
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U0ALICE"
    assert payload["response_url"] == RESPONSE_URL
    assert payload["container"]["channel_id"] == "C0BEAST"
    assert payload["trigger_id"]
    [action] = payload["actions"]
    assert (action["action_id"], action["value"], action["block_id"]) == (
        "stop",
        "beast-alice-1",
        "vm-beast-alice-1",
    )


def test_slack_headers_sign_any_body() -> None:
    headers = slack_headers(b"payload=%7B%7D", secret=SECRET)
    assert headers["X-Slack-Signature"].startswith("v0=")
    assert SignatureVerifier(SECRET).is_valid_request(b"payload=%7B%7D", headers)
