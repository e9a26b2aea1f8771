"""Render Slack messages (Block Kit) as the compact text a person would read in a terminal.

``render_message({"blocks": [...]})`` gives one line per block: section text (with fields
and an accessory button), header, context joined by `` · ``, buttons as ``[Stop] [Start]``,
``---`` for a divider. A message without blocks renders its ``text``. Slack's ``<...>``
tokens read as Slack shows them: a date as its fallback text, a link as its label.
``button_hints`` gives the CLI flags that click each of a message's buttons.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

# <!date^1795663502^{date_short_pretty}|2026-11-26 03:25 UTC>, <https://x|label>, <https://x>
_SLACK_TOKEN = re.compile(r"<(?:!date\^[^|>]*\|([^>]*)|((?:https?|mailto):[^|>]*)(?:\|([^>]*))?)>")


def _readable(text: str) -> str:
    """Replace Slack's date and link tokens with what the Slack client would display."""

    def shown(match: re.Match[str]) -> str:
        date_fallback, url, label = match.groups()
        return date_fallback if date_fallback is not None else (label or url)

    return _SLACK_TOKEN.sub(shown, text)


# Words and emoji that mark the end of a job from the person's point of view.
FINAL_MARKERS = (
    "✅",
    "❌",
    "🛑",
    "🗑",
    ":white_check_mark:",
    ":x:",
    ":no_entry:",
    "ready",
    "failed",
    "stopped",
    "deallocated",
    "deleted",
    "error",
)


def _text(obj: Any) -> str:
    """Text of a text object, a plain string, or a rich_text tree."""
    if isinstance(obj, str):
        return _readable(obj)
    if not isinstance(obj, dict):
        return ""
    if "text" in obj and isinstance(obj["text"], str):
        return _readable(obj["text"])
    if "text" in obj:
        return _text(obj["text"])
    if obj.get("type") == "image":
        return f"[image: {obj.get('alt_text', '')}]"
    if obj.get("type") in ("user", "channel"):
        return "<@" + str(obj.get("user_id") or obj.get("channel_id")) + ">"
    if obj.get("type") == "link":
        return str(obj.get("url", ""))
    return "".join(_text(e) for e in obj.get("elements", []))


def _element(element: dict[str, Any]) -> str:
    kind = element.get("type")
    label = _text(element.get("text") or element.get("placeholder") or kind or "")
    if kind == "button":
        return f"[{label}]"
    if kind in ("static_select", "overflow", "users_select", "conversations_select"):
        return f"[{label} ▾]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    return f"[{label}]"


def render_block(block: dict[str, Any]) -> str:
    """Render one Block Kit block as a line (or a few) of text."""
    kind = block.get("type")
    if kind == "divider":
        return "---"
    if kind == "header":
        return _text(block.get("text"))
    if kind == "section":
        parts = [_text(block.get("text"))] if block.get("text") else []
        parts += [_text(f) for f in block.get("fields", [])]
        line = "\n".join(p for p in parts if p)
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") != "image":
            line = f"{line} {_element(accessory)}".strip()
        return line
    if kind == "context":
        return " · ".join(_text(e) for e in block.get("elements", []))
    if kind == "actions":
        return " ".join(_element(e) for e in block.get("elements", []))
    if kind == "image":
        return f"[image: {block.get('alt_text', '')}]"
    if kind == "input":
        return f"{_text(block.get('label'))}: {_element(block.get('element') or {})}"
    return _text(block)


def render_message(message: dict[str, Any]) -> str:
    """Render a message's blocks (or its text) and attachments as compact text."""
    blocks = message.get("blocks") or []
    lines = [render_block(b) for b in blocks if isinstance(b, dict)]
    if not blocks and message.get("text"):
        lines.append(_readable(str(message["text"])))
    for attachment in message.get("attachments") or []:
        inner = render_message(attachment) if isinstance(attachment, dict) else ""
        if inner:
            lines.append("| " + inner.replace("\n", "\n| "))
    return "\n".join(line for line in lines if line)


def _buttons(message: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Each button of the message with the block_id of the block holding it."""
    found: list[tuple[dict[str, Any], str]] = []
    for block in message.get("blocks") or []:
        if not isinstance(block, dict):
            continue
        block_id = str(block.get("block_id") or "")
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        candidates = [*elements, block.get("accessory")]
        found += [
            (e, block_id) for e in candidates if isinstance(e, dict) and e.get("type") == "button"
        ]
    return found


def button_hints(message: dict[str, Any]) -> list[str]:
    """For each button, its label and the CLI flags that click it (``--action ... --value ...``)."""
    hints = []
    for button, block_id in _buttons(message):
        if not button.get("action_id"):
            continue
        hint = f"{_element(button)} --action {button['action_id']}"
        hint += f" --value {shlex.quote(str(button['value']))}" if button.get("value") else ""
        hints.append(hint + (f" --block-id {shlex.quote(block_id)}" if block_id else ""))
    return hints


def has_buttons(message: dict[str, Any]) -> bool:
    """Whether the message offers buttons (a person's next move is a click)."""
    for block in message.get("blocks") or []:
        if block.get("type") == "actions":
            return True
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") == "button":
            return True
    return False


def looks_final(message: dict[str, Any]) -> bool:
    """Whether a message reads like the end of a job: ready, failed, stopped, deleted."""
    text = (render_message(message) + " " + str(message.get("text", ""))).lower()
    return has_buttons(message) or any(marker in text for marker in FINAL_MARKERS)


def _plain_text(message: dict[str, Any]) -> str:
    return str(message.get("text", "")).lower().replace("\u2019", "'")


def promises_news(message: dict[str, Any]) -> bool:
    """Whether an ack says more will come ("I'll message you when it's ready", "Looking up")."""
    text = _plain_text(message)
    return "i'll " in text or "looking up" in text


def promises_one_reply(message: dict[str, Any]) -> bool:
    """Whether an ack announces a lookup whose single reply is the whole answer ("Looking up")."""
    return "looking up" in _plain_text(message)
