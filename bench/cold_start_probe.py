"""One cold start of the Slack ack path, run as its own process by the cold-start benchmark.

Plays a fresh Functions worker: imports ``function_app``, finds the Slack trigger and
answers one signed delivery read from stdin as JSON ``{"body": ..., "headers": {...}}``.
Prints JSON: the status, the reply, seconds spent importing and answering, and every
``azure.mgmt`` module that got loaded (the ack path must not need them).
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    """Answer one delivery from a cold process and report where the time went."""
    delivery = json.load(sys.stdin)
    started = time.perf_counter()
    import azure.functions as func

    import function_app

    imported = time.perf_counter()
    functions = {f.get_function_name(): f for f in function_app.app.get_functions()}
    trigger = functions["slack_events"].get_user_function()
    request = func.HttpRequest(
        method="POST",
        url="http://localhost/api/slack/events",
        headers=delivery["headers"],
        params={},
        body=delivery["body"].encode("utf-8"),
    )
    response = trigger(request)
    answered = time.perf_counter()
    report = {
        "status": response.status_code,
        "reply": response.get_body().decode("utf-8"),
        "import_s": imported - started,
        "answer_s": answered - imported,
        "mgmt_modules": sorted(m for m in sys.modules if m.startswith("azure.mgmt")),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
