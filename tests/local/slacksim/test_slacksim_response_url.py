"""response_urls follow Slack's rules: five posts within thirty minutes, then 404."""

import json
import urllib.error
import urllib.request

from slack_sdk.webhook import WebhookClient

from local.slacksim import RunningSlackSim
from tests.local.slacksim.fakeclock import FakeClock


def _post_raw(url: str, body: object) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_response_url_accepts_a_message_and_records_who_sees_it(sim: RunningSlackSim) -> None:
    url = sim.response_url(user_id="U0ALICE", channel_id="C0BEAST")
    response = WebhookClient(url).send(text="Deploying beast-alice-1…")
    assert response.status_code == 200
    [call] = sim.calls("response_url")
    assert call["args"]["text"] == "Deploying beast-alice-1…"
    assert call["user_id"] == "U0ALICE"
    assert call["response_type"] == "ephemeral"


def test_sixth_post_to_a_response_url_is_used_url(sim: RunningSlackSim) -> None:
    url = sim.response_url()
    statuses = [_post_raw(url, {"text": f"update {n}"})[0] for n in range(5)]
    assert statuses == [200] * 5
    assert _post_raw(url, {"text": "one too many"}) == (404, {"ok": False, "error": "used_url"})


def test_response_url_expires_after_thirty_minutes(sim: RunningSlackSim, clock: FakeClock) -> None:
    url = sim.response_url()
    clock.now += 29 * 60
    assert _post_raw(url, {"text": "still fine"})[0] == 200
    clock.now += 2 * 60
    assert _post_raw(url, {"text": "too late"}) == (404, {"ok": False, "error": "expired_url"})


def test_clock_can_be_advanced_through_the_control_api(sim: RunningSlackSim) -> None:
    url = sim.response_url()
    _post_raw(f"{sim.url}/_sim/clock", {"advance": 31 * 60})
    assert _post_raw(url, {"text": "too late"})[1]["error"] == "expired_url"


def test_unknown_response_url_is_refused(sim: RunningSlackSim) -> None:
    assert _post_raw(f"{sim.url}/response/nope", {"text": "x"})[0] == 404


def test_minted_response_url_from_control_api_works(sim: RunningSlackSim) -> None:
    status, minted = _post_raw(
        f"{sim.url}/_sim/response_urls", {"user": "bob", "channel_id": "C0BEAST"}
    )
    assert status == 200
    assert minted["user_id"] == "U0BOB"
    assert _post_raw(str(minted["response_url"]), {"text": "hi bob"})[0] == 200


def test_in_channel_response_is_public_and_can_be_replaced_then_deleted(
    sim: RunningSlackSim,
) -> None:
    url = sim.response_url(channel_id="C0BEAST")
    _post_raw(url, {"response_type": "in_channel", "text": "alice is deploying"})
    assert [m["text"] for m in sim.state.messages_in("C0BEAST")] == ["alice is deploying"]
    _post_raw(url, {"replace_original": True, "text": "alice's VM is ready"})
    assert [m["text"] for m in sim.state.messages_in("C0BEAST")] == ["alice's VM is ready"]
    _post_raw(url, {"delete_original": True})
    assert sim.state.messages_in("C0BEAST") == []


def test_ephemeral_response_is_not_public(sim: RunningSlackSim) -> None:
    _post_raw(sim.response_url(), {"response_type": "ephemeral", "text": "only alice"})
    assert sim.state.messages_in() == []
