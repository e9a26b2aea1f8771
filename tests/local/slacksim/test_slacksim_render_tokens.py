"""Slack's ``<...>`` tokens render as the Slack client shows them: dates and links as text."""

from __future__ import annotations

from local.slacksim.render import render_message

DATE = "<!date^1700000000^{date_short} at {time}|Nov 14 at 22:13>"


def test_a_date_token_in_plain_text_shows_its_display_text() -> None:
    assert render_message({"text": f"Idle shutdown {DATE}."}) == "Idle shutdown Nov 14 at 22:13."


def test_a_date_token_in_section_and_context_blocks_shows_its_display_text() -> None:
    message = {
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"Stops {DATE}"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"since {DATE}"}]},
        ]
    }
    assert render_message(message) == "Stops Nov 14 at 22:13\nsince Nov 14 at 22:13"


def test_a_date_token_with_a_link_still_shows_only_its_display_text() -> None:
    token = "<!date^1700000000^{date_pretty}^https://example.com/x|Nov 14, 2023>"
    assert render_message({"text": f"on {token}"}) == "on Nov 14, 2023"


def test_links_show_their_label_or_else_their_url() -> None:
    text = "open <https://vm.example.com:8000|JupyterHub> or <https://vm.example.com:8000>"
    assert render_message({"text": text}) == ("open JupyterHub or https://vm.example.com:8000")
