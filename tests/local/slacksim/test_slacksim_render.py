"""Block Kit messages render as the compact text a person reads in the terminal."""

from local.slacksim.render import looks_final, render_message

READY = {
    "text": "beast-alice-1 is ready",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "beast-alice-1"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "✅ *beast-alice-1* is ready"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Size* E4s_v3"},
                {"type": "mrkdwn", "text": "*Disk* 1000 GB"},
            ],
        },
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "eastus"},
                {"type": "plain_text", "text": "$0.25/h"},
            ],
        },
        {
            "type": "actions",
            "block_id": "vm:beast-alice-1",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": t}, "action_id": a}
                for t, a in [
                    ("Stop", "beast_stop"),
                    ("Start", "beast_start"),
                    ("Keep alive 4h", "beast_keep"),
                    ("Delete", "beast_delete"),
                ]
            ],
        },
    ],
}


def test_block_kit_message_renders_one_compact_line_per_block() -> None:
    assert render_message(READY).splitlines() == [
        "beast-alice-1",
        "✅ *beast-alice-1* is ready",
        "*Size* E4s_v3",
        "*Disk* 1000 GB",
        "---",
        "eastus · $0.25/h",
        "[Stop] [Start] [Keep alive 4h] [Delete]",
    ]


def test_section_accessory_button_is_shown_after_the_text() -> None:
    message = {
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "beast-bob-2 idle for 2 h"},
                "accessory": {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Keep alive 4h"},
                },
            }
        ]
    }
    assert render_message(message) == "beast-bob-2 idle for 2 h [Keep alive 4h]"


def test_message_without_blocks_renders_its_text() -> None:
    assert render_message({"text": "Deploying beast-alice-1…"}) == "Deploying beast-alice-1…"


def test_ready_message_with_buttons_looks_final_and_progress_does_not() -> None:
    assert looks_final(READY)
    assert not looks_final({"text": "⏳ Deploying beast-alice-1 (step 2 of 4)…"})
    assert looks_final({"text": "❌ Deployment of beast-alice-1 failed: quota"})


def test_an_ack_that_promises_news_is_not_the_end_of_the_conversation() -> None:
    from local.slacksim.render import promises_news

    assert promises_news({"text": "Deploying beast-alice-1. I'll message you when it's ready."})
    assert promises_news({"text": "Looking up sizes in eastus…"})
    assert not promises_news({"text": "You have no VMs."})
