"""The host itself: routes HTTP requests, runs invocations, starts timers and queue listeners."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func
from azure.functions.queue import QueueMessage as FunctionQueueMessage

from local.host import identity
from local.host.config import HostOptions
from local.host.index import Binding, Function
from local.host.invoke import invoke
from local.host.queues import QueueListener, encode, queue_client
from local.host.server import Incoming, Outgoing
from local.host.timers import TimerLoop, schedule_of, timer_request

log = logging.getLogger("local.host")

_JSON = [("Content-Type", "application/json; charset=utf-8")]
_ADMIN_INVOKE = "/admin/functions/"
# Local-only: lets tests wait for an admin-invoked run instead of sleeping.
_INVOCATIONS = "/admin/invocations/"


@dataclass(frozen=True, kw_only=True)
class Keys:
    """The host keys: a function key opens FUNCTION routes, the master key opens everything."""

    function_key: str | None
    master_key: str | None

    def allows(self, auth_level: str, presented: str | None) -> bool:
        """Whether ``presented`` opens a route with ``auth_level``."""
        if auth_level == "ANONYMOUS":
            return True
        accepted = (
            [self.master_key] if auth_level == "ADMIN" else [self.function_key, self.master_key]
        )
        return presented is not None and any(key and presented == key for key in accepted)


class Host:
    """Everything the local host does with an indexed app."""

    def __init__(
        self,
        functions: Iterable[Function],
        *,
        options: HostOptions,
        keys: Keys,
        identity_endpoint: identity.IdentityEndpoint,
    ) -> None:
        self.functions = {f.name.lower(): f for f in functions}
        self.options = options
        self.keys = keys
        self.identity_endpoint = identity_endpoint
        self._http = sorted(
            (f for f in self.functions.values() if f.route is not None),
            key=lambda f: f.route.sort_key() if f.route else (),
        )
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._invocations: dict[str, str] = {}
        self._lock = threading.Lock()

    # ---- background triggers -------------------------------------------------

    def start_triggers(self) -> None:
        """Start one thread per timer and per queue trigger."""
        for function in self.functions.values():
            thread: threading.Thread
            if function.kind == "timerTrigger":
                thread = TimerLoop(function, self._run_quietly, self._stop)
            elif function.kind == "queueTrigger":
                thread = QueueListener(
                    function, options=self.options.queues, run=self._run_quietly, stop=self._stop
                )
            else:
                continue
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Ask the trigger threads to stop."""
        self._stop.set()

    def _run_quietly(self, function: Function, trigger_value: object) -> bool:
        """Run one invocation, log its outcome as the real host does, and say if it succeeded."""
        invocation_id = str(uuid.uuid4())
        log.info("Executing 'Functions.%s' (Id=%s)", function.name, invocation_id)
        started = time.monotonic()
        try:
            invoke(function, trigger_value, send_output=self._send_output)
        except Exception:
            log.exception("Executed 'Functions.%s' (Failed, Id=%s)", function.name, invocation_id)
            return False
        log.info(
            "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%dms)",
            function.name,
            invocation_id,
            (time.monotonic() - started) * 1000,
        )
        return True

    def _send_output(self, binding: Binding, value: Any) -> None:
        if binding.type != "queue":
            raise NotImplementedError(f"the local host cannot deliver {binding.type} outputs")
        values = value if isinstance(value, list) else [value]
        client = queue_client(binding)
        for item in values:
            client.send_message(encode(item, self.options.queues))

    # ---- HTTP --------------------------------------------------------------------

    def handle(self, request: Incoming) -> Outgoing:
        """Answer one HTTP request: identity, admin, or a function."""
        url = urlsplit(request.target)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        path = url.path
        if path == identity.PATH:
            return self._identity(request, query)
        if path.lower().startswith(_ADMIN_INVOKE):
            return self._admin_invoke(request, query, path[len(_ADMIN_INVOKE) :])
        if path.lower().startswith(_INVOCATIONS):
            return self._invocation_status(request, query, path[len(_INVOCATIONS) :])
        if path in ("", "/"):
            return Outgoing(
                status=200,
                headers=[("Content-Type", "text/plain")],
                body=b"Beast local host is running.\n",
            )
        return self._function(request, query, url.path)

    def _identity(self, request: Incoming, query: dict[str, str]) -> Outgoing:
        answer = self.identity_endpoint.answer(
            header=_header(request, "x-identity-header"), query=query
        )
        return Outgoing(
            status=answer.status, headers=_JSON, body=json.dumps(answer.document).encode()
        )

    def _function(self, request: Incoming, query: dict[str, str], path: str) -> Outgoing:
        prefix = "/" + self.options.route_prefix if self.options.route_prefix else ""
        if prefix and not (
            path.lower() == prefix.lower() or path.lower().startswith(prefix.lower() + "/")
        ):
            return _not_found()
        relative = path[len(prefix) :]
        for function in self._http:
            assert function.route is not None
            params = function.route.match(relative)
            if params is None:
                continue
            # The Functions host answers 404, not 405, for a method the function does not list.
            if function.methods and request.method.upper() not in function.methods:
                continue
            if not self.keys.allows(function.auth_level, _presented_key(request, query)):
                return Outgoing(status=401, headers=[], body=b"")
            return self._call_http(function, request, query, params)
        return _not_found()

    def _call_http(
        self, function: Function, request: Incoming, query: dict[str, str], params: dict[str, str]
    ) -> Outgoing:
        headers: dict[str, str] = {}
        for name, value in request.headers:
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        http_request = func.HttpRequest(
            method=request.method.upper(),
            url=f"http://{request.host}{request.target}",
            headers=headers,
            params=query,
            route_params=params,
            body=request.body,
        )
        invocation_id = str(uuid.uuid4())
        log.info("Executing 'Functions.%s' (Id=%s)", function.name, invocation_id)
        try:
            result = invoke(function, http_request, send_output=self._send_output)
        except Exception:
            log.exception("Executed 'Functions.%s' (Failed, Id=%s)", function.name, invocation_id)
            return Outgoing(status=500, headers=[], body=b"")
        log.info("Executed 'Functions.%s' (Succeeded, Id=%s)", function.name, invocation_id)
        return _http_answer(result)

    # ---- admin -------------------------------------------------------------------

    def _admin_invoke(self, request: Incoming, query: dict[str, str], name: str) -> Outgoing:
        if request.method.upper() != "POST":
            return _not_found()
        if not self.keys.allows("ADMIN", _presented_key(request, query)):
            return Outgoing(status=401, headers=[], body=b"")
        function = self.functions.get(name.strip("/").lower())
        if function is None or function.kind == "httpTrigger":
            return _not_found()
        try:
            document = json.loads(request.body or b"{}")
            text = str(document.get("input") or "")
        except (ValueError, AttributeError):
            return Outgoing(
                status=400, headers=_JSON, body=b'{"error": "body must be {\\"input\\": ...}"}'
            )
        trigger_value: object
        if function.kind == "timerTrigger":
            now = datetime.now(UTC)
            trigger_value = timer_request(
                past_due=False, last=None, following=schedule_of(function).next_after(now)
            )
        elif function.kind == "queueTrigger":
            trigger_value = FunctionQueueMessage(  # type: ignore[no-untyped-call]
                id=str(uuid.uuid4()), body=text.encode(), dequeue_count=1
            )
        else:
            return _not_found()
        invocation_id = str(uuid.uuid4())
        with self._lock:
            self._invocations[invocation_id] = "Running"

        def run() -> None:
            outcome = "Succeeded" if self._run_quietly(function, trigger_value) else "Failed"
            with self._lock:
                self._invocations[invocation_id] = outcome

        threading.Thread(target=run, name=f"invoke:{function.name}", daemon=True).start()
        return Outgoing(status=202, headers=[("x-beast-invocation-id", invocation_id)], body=b"")

    def _invocation_status(
        self, request: Incoming, query: dict[str, str], invocation_id: str
    ) -> Outgoing:
        if not self.keys.allows("ADMIN", _presented_key(request, query)):
            return Outgoing(status=401, headers=[], body=b"")
        with self._lock:
            status = self._invocations.get(invocation_id.strip("/"))
        if status is None:
            return _not_found()
        return Outgoing(status=200, headers=_JSON, body=json.dumps({"status": status}).encode())


def _header(request: Incoming, name: str) -> str | None:
    return next((value for key, value in request.headers if key.lower() == name), None)


def _presented_key(request: Incoming, query: dict[str, str]) -> str | None:
    return query.get("code") or _header(request, "x-functions-key")


def _not_found() -> Outgoing:
    return Outgoing(status=404, headers=[], body=b"")


def _http_answer(result: object) -> Outgoing:
    if isinstance(result, func.HttpResponse):
        headers = list(result.headers.items())
        if not any(name.lower() == "content-type" for name, _ in headers):
            mimetype = result.mimetype
            content_type = (
                f"{mimetype}; charset={result.charset}"
                if mimetype.startswith("text/")
                else mimetype
            )
            headers.append(("Content-Type", content_type))
        return Outgoing(status=result.status_code, headers=headers, body=result.get_body() or b"")
    if isinstance(result, str):
        return Outgoing(
            status=200,
            headers=[("Content-Type", "text/plain; charset=utf-8")],
            body=result.encode(),
        )
    if isinstance(result, bytes):
        return Outgoing(
            status=200, headers=[("Content-Type", "application/octet-stream")], body=result
        )
    return Outgoing(status=204, headers=[], body=b"")
