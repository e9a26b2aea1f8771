"""Queue trigger: run one Beast job from the jobs queue."""

import logging
from datetime import UTC, datetime

import azure.functions as func

from beast.jobs import MAX_DEQUEUE_COUNT, parse_job
from beast.ports import SizesQuery
from beast.wiring import services

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.queue_trigger(arg_name="msg", queue_name="%BEAST_JOBS_QUEUE%", connection="AzureWebJobsStorage")
def run_job(msg: func.QueueMessage) -> None:
    """Hand the job to the worker; an exception lets the queue retry it."""
    job = parse_job(msg.get_body())
    if job is None:
        log.error("dropped malformed job message %s", msg.id)
        return
    last = (msg.dequeue_count or 1) >= MAX_DEQUEUE_COUNT
    if isinstance(job, SizesQuery):
        services().worker.answer(job, last_attempt=last)
        return
    services().worker.run(job, now=datetime.now(UTC), last_attempt=last)
