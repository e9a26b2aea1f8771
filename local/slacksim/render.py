"""Render Slack messages (Block Kit) as the compact text a person would read in a terminal.

``render_message({"blocks": [...]})`` gives one line per block: section text (with fields
and an accessory button), header, context joined by `` · ``, buttons as ``[Stop] [Start]``,
``---`` for a divider. A message without blocks renders its ``text``.
"""

from __future__ import annotations

from typing import Any

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
        return obj
    if not isinstance(obj, dict):
        return ""
    if "text" in obj and isinstance(obj["text"], str):
        return obj["text"]
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
        lines.append(str(message["text"]))
    for attachment in message.get("attachments") or []:
        inner = render_message(attachment) if isinstance(attachment, dict) else ""
        if inner:
            lines.append("| " + inner.replace("\n", "\n| "))
    return "\n".join(line for line in lines if line)


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


def promises_news(message: dict[str, Any]) -> bool:
    """Whether an ack says more will come ("I'll message you when it's ready", "Looking up")."""
    text = str(message.get("text", "")).lower().replace("\u2019", "'")
    return "i'll " in text or "looking up" in text
