"""Job messages on the queue: parsing, and the retry limit the host enforces."""

from __future__ import annotations

import json
import logging

from beast.ports import Job, QueueMessage, SizesQuery

log = logging.getLogger(__name__)

# host.json extensions.queues.maxDequeueCount; a test holds the two together.
MAX_DEQUEUE_COUNT = 5


def parse_job(body: bytes | str) -> QueueMessage | None:
    """The job in a queue message, or None when it is not one (it would fail forever)."""
    try:
        data = json.loads(body)
        if data.get("kind") == "sizes":
            return SizesQuery.from_dict(data)
        return Job.from_dict(data)
    # RecursionError: json.loads on absurdly nested input; it would fail on every retry.
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        log.error("not a Beast job: %s", type(exc).__name__)
        return None
