"""Queue triggers for the local host's tests."""

import os

import azure.functions as func
from azure.storage.queue import QueueClient

from tests.local.host_apps.recorder import record

app = func.FunctionApp()
# The app setting that holds the storage connection string, as the binding names it.
CONNECTION = "AzureWebJobsStorage"


@app.queue_trigger(arg_name="msg", queue_name="%BEAST_HOST_TEST_QUEUE%", connection=CONNECTION)
def work(msg: func.QueueMessage) -> None:
    """Notes each delivery; a body starting with "fail" fails every time, and one starting
    with "vanish" deletes itself first, so the host finds it gone when it completes it."""
    body = msg.get_body().decode()
    record(
        {
            "body": body,
            "id": msg.id,
            "dequeue_count": msg.dequeue_count,
            "insertion_time": msg.insertion_time.isoformat() if msg.insertion_time else None,
            "has_pop_receipt": bool(msg.pop_receipt),
        }
    )
    if body.startswith("vanish"):
        queue = os.environ["BEAST_HOST_TEST_QUEUE"]
        client = QueueClient.from_connection_string(os.environ[CONNECTION], queue)
        client.delete_message(msg.id, msg.pop_receipt)
    if body.startswith("fail"):
        raise RuntimeError("failing on purpose")


@app.queue_trigger(arg_name="msg", queue_name="%BEAST_HOST_TEST_QUEUE%-in", connection="")
@app.queue_output(arg_name="out", queue_name="%BEAST_HOST_TEST_QUEUE%-out", connection="")
def forward(msg: func.QueueMessage, out: func.Out[str]) -> None:
    """Passes each message on, upper-cased, through an output binding."""
    out.set(msg.get_body().decode().upper())
