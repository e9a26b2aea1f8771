"""Constants and small helpers shared by the benchmark modules."""

from __future__ import annotations

import uuid

SIGNING_SECRET = "bench-signing-secret"
# Slack drops a slash command that is not acknowledged within 3 s.
SLACK_ACK_BUDGET_S = 3.0


def fresh_user() -> tuple[str, str]:
    """A Slack user id and name nobody has used in this session."""
    tag = uuid.uuid4().hex[:8]
    return f"U{tag.upper()}", f"user{tag}"
