"""Call a user function the way the Python worker does: bindings in by name, outputs out."""

from __future__ import annotations

import asyncio
import inspect
import threading
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import azure.functions as func
from azure.functions import _abc

from local.host.index import Binding, Function

T = TypeVar("T")

# Output bindings the host can deliver: (binding, value) -> None.
OutputSender = Callable[[Binding, Any], None]


class Out(func.Out[T], Generic[T]):
    """An output parameter the function sets."""

    def __init__(self) -> None:
        self._value: T | None = None
        self.was_set = False

    def set(self, val: T) -> None:
        """Remember the value to deliver after the call."""
        self._value = val
        self.was_set = True

    def get(self) -> T:
        """The value set so far."""
        return self._value  # type: ignore[return-value]


class _TraceContext(_abc.TraceContext):
    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _RetryContext(_abc.RetryContext):
    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> _abc.RpcException:
        raise AttributeError("no exception")


class Context(func.Context):
    """The ``context`` argument: invocation id and function name."""

    _local = threading.local

    def __init__(self, function_name: str) -> None:
        self._invocation_id = str(uuid.uuid4())
        self._function_name = function_name

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> type[threading.local]:
        return self._local

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return "."

    @property
    def trace_context(self) -> _abc.TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> _abc.RetryContext:
        return _RetryContext()


def invoke(function: Function, trigger_value: Any, *, send_output: OutputSender | None) -> Any:
    """Run ``function`` with its trigger value; deliver output bindings; return its result."""
    kwargs: dict[str, Any] = {function.trigger.name: trigger_value}
    outs: dict[str, tuple[Binding, Out[Any]]] = {}
    for binding in function.bindings:
        if binding.direction == "OUT" and binding.name != "$return":
            out: Out[Any] = Out()
            outs[binding.name] = (binding, out)
            kwargs[binding.name] = out
    if "context" in inspect.signature(function.call).parameters:
        kwargs["context"] = Context(function.name)
    result = function.call(**kwargs)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    for binding, out in outs.values():
        if out.was_set and send_output is not None:
            send_output(binding, out.get())
    returned = next((b for b in function.bindings if b.name == "$return"), None)
    delivers_return = returned is not None and returned.type != "http"
    if returned is not None and delivers_return and result is not None and send_output:
        send_output(returned, result)
    return result
