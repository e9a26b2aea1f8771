"""Queue triggers from Azure Storage (Azurite locally), with the real host's retry rules.

The real host hides a message while the function runs, makes it visible again
after ``visibilityTimeout`` when the function fails, and after
``maxDequeueCount`` failed attempts moves it to ``<queue>-poison``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.functions.queue import QueueMessage as FunctionQueueMessage
from azure.storage.queue import QueueClient, QueueMessage

from local.host.config import QueueOptions, resolve_setting
from local.host.index import Binding, Function

log = logging.getLogger("local.host")

# How long a message stays hidden while a function works on it (the real host
# uses ten minutes and renews it; functionTimeout bounds a run anyway).
_PROCESSING_VISIBILITY_SECONDS = 600
_FIRST_POLL_SECONDS = 0.1


def connection_string(binding: Binding) -> str:
    """The storage connection string named by the binding's ``connection`` setting."""
    name = str(binding.options.get("connection") or "AzureWebJobsStorage")
    value = os.environ.get(name, "")
    if not value:
        raise KeyError(f"queue binding needs setting {name} (a storage connection string)")
    return value


def queue_client(binding: Binding, name: str | None = None) -> QueueClient:
    """A client for the binding's queue (or ``name``), creating the queue if missing."""
    queue = name or resolve_setting(str(binding.options["queueName"]))
    client = QueueClient.from_connection_string(connection_string(binding), queue)
    with contextlib.suppress(ResourceExistsError):
        client.create_queue()
    return client


def encode(text: bytes | str, options: QueueOptions) -> str:
    """The message text as the host expects it (Base64 unless host.json says none)."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if options.message_encoding == "none":
        return raw.decode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def decode(text: str, options: QueueOptions) -> bytes:
    """The message body the function sees."""
    if options.message_encoding == "none":
        return text.encode("utf-8")
    return base64.b64decode(text, validate=True)


def to_function_message(message: QueueMessage, body: bytes) -> FunctionQueueMessage:
    """The func.QueueMessage the function receives."""
    return FunctionQueueMessage(  # type: ignore[no-untyped-call]
        id=message.id,
        body=body,
        dequeue_count=message.dequeue_count,
        expiration_time=message.expires_on,
        insertion_time=message.inserted_on,
        time_next_visible=message.next_visible_on,
        pop_receipt=message.pop_receipt,
    )


class QueueListener(threading.Thread):
    """Polls one queue and runs one function per message; ``stop`` ends it."""

    def __init__(
        self,
        function: Function,
        *,
        options: QueueOptions,
        run: Any,
        stop: threading.Event,
    ) -> None:
        super().__init__(name=f"queue:{function.name}", daemon=True)
        self.function = function
        self.options = options
        self.queue_name = resolve_setting(str(function.trigger.options["queueName"]))
        self._run = run
        self._stop_event = stop
        self._client: QueueClient | None = None
        self._poison: QueueClient | None = None
        self._pool = ThreadPoolExecutor(max_workers=max(1, options.batch_size))

    def run(self) -> None:
        """Poll with back-off up to ``maxPollingInterval``; process each batch in parallel."""
        delay = _FIRST_POLL_SECONDS
        ceiling = max(_FIRST_POLL_SECONDS, self.options.max_polling_interval.total_seconds())
        while not self._stop_event.is_set():
            try:
                if self._client is None:
                    # Created here, not at start-up, so a late storage service only delays this.
                    self._client = queue_client(self.function.trigger, self.queue_name)
                batch = list(
                    self._client.receive_messages(
                        messages_per_page=self.options.batch_size,
                        max_messages=self.options.batch_size,
                        visibility_timeout=_PROCESSING_VISIBILITY_SECONDS,
                    )
                )
            except Exception:
                if self._stop_event.is_set():
                    return
                log.exception("queue %s: receiving failed", self.queue_name)
                self._stop_event.wait(ceiling)
                continue
            if not batch:
                self._stop_event.wait(delay)
                delay = min(ceiling, delay * 2)
                continue
            delay = _FIRST_POLL_SECONDS
            for future in [self._pool.submit(self._process, m) for m in batch]:
                future.result()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _process(self, message: QueueMessage) -> None:
        try:
            self._handle(message)
        except Exception:
            # As on Azure, a message the host cannot complete (storage down, message gone)
            # is logged and shows again after its visibility timeout; the listener goes on.
            log.exception("queue %s: could not complete message %s", self.queue_name, message.id)

    def _handle(self, message: QueueMessage) -> None:
        assert self._client is not None
        if (message.dequeue_count or 0) > self.options.max_dequeue_count:
            # A message that was never completed (say, the host died): poison it unseen.
            self._to_poison(message)
            return
        try:
            body = decode(message.content, self.options)
        except (binascii.Error, ValueError):
            log.error("queue %s: message %s is not valid Base64", self.queue_name, message.id)
            succeeded = False
        else:
            succeeded = self._run(self.function, to_function_message(message, body))
        if succeeded:
            self._client.delete_message(message.id, message.pop_receipt)
        elif (message.dequeue_count or 0) >= self.options.max_dequeue_count:
            self._to_poison(message)
        else:
            self._client.update_message(
                message.id,
                message.pop_receipt,
                visibility_timeout=int(self.options.visibility_timeout.total_seconds()),
            )

    def _to_poison(self, message: QueueMessage) -> None:
        if self._poison is None:
            self._poison = queue_client(self.function.trigger, self.queue_name + "-poison")
        self._poison.send_message(message.content)
        assert self._client is not None
        self._client.delete_message(message.id, message.pop_receipt)
        log.warning(
            "queue %s: message %s moved to %s-poison after %d attempts",
            self.queue_name,
            message.id,
            self.queue_name,
            message.dequeue_count,
        )
