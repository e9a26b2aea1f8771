"""``JobQueue`` on Azure Storage queues (azure-storage-queue).

The Functions queue trigger reads messages as Base64 (``messageEncoding`` in
host.json) while the SDK sends raw text by default, so the client encodes with
``TextBase64EncodePolicy``. A delayed job is sent with a visibility timeout: the
queue keeps it hidden until the delay passes, then the trigger sees it.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading

from azure.core.credentials import TokenCredential
from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from beast.adapters.storage_errors import storage_errors
from beast.errors import ConfigError
from beast.ports import QueueMessage
from beast.settings import Settings

# Queue names: 3-63 lowercase letters, digits and single hyphens, no hyphen at an end.
_QUEUE_NAME = re.compile(r"(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*")
# The service caps a message's visibility timeout at seven days.
MAX_DELAY_SECONDS = 7 * 24 * 3600


class StorageJobQueue:
    """Jobs as Base64 JSON messages; the queue is created on first use, once."""

    def __init__(self, client: QueueClient) -> None:
        self._client = client
        self._ready = False
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The queue's name."""
        return str(self._client.queue_name)

    def _ensure_queue(self) -> None:
        if self._ready:
            return
        with self._lock, storage_errors(f"Queue {self.name}"):
            if not self._ready:
                with contextlib.suppress(ResourceExistsError):
                    self._client.create_queue()
                self._ready = True

    def enqueue(self, job: QueueMessage, *, delay_seconds: int = 0) -> None:
        """Queue ``job``, invisible for ``delay_seconds``."""
        if not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
            raise ValueError(f"delay_seconds must be 0..{MAX_DELAY_SECONDS}, not {delay_seconds}")
        body = json.dumps(job.to_dict(), separators=(",", ":"), sort_keys=True)
        self._ensure_queue()
        with storage_errors(f"A {job.to_dict()['kind']} job on queue {self.name}"):
            self._client.send_message(body, visibility_timeout=delay_seconds or None)


def queue_client(
    settings: Settings, *, credential: TokenCredential | None = None, name: str | None = None
) -> QueueClient:
    """A Base64-encoding client for the jobs queue (or ``name``) from ``settings``."""
    queue = name or settings.jobs_queue
    if not _QUEUE_NAME.fullmatch(queue):
        raise ConfigError(
            "Setting BEAST_JOBS_QUEUE must be 3-63 lowercase letters, digits and single "
            f"hyphens, not {queue!r}."
        )
    if settings.storage_connection:
        return QueueClient.from_connection_string(
            settings.storage_connection.reveal(),
            queue,
            message_encode_policy=TextBase64EncodePolicy(),
            message_decode_policy=TextBase64DecodePolicy(),
        )
    if settings.storage_account and credential is not None:
        return QueueClient(
            f"https://{settings.storage_account}.queue.core.windows.net",
            queue,
            credential=credential,
            message_encode_policy=TextBase64EncodePolicy(),
            message_decode_policy=TextBase64DecodePolicy(),
        )
    raise ConfigError(
        "The jobs queue needs AzureWebJobsStorage (a connection string) or "
        "AzureWebJobsStorage__accountName with a managed identity."
    )


def build_job_queue(
    settings: Settings, *, credential: TokenCredential | None = None
) -> StorageJobQueue:
    """The jobs queue for ``settings``; no network call until the first job."""
    return StorageJobQueue(queue_client(settings, credential=credential))
