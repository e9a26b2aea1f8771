"""Start a child service, wait until it says it is ready, and always stop it again.

Each child runs in its own process group, so stopping it also stops whatever it
started (Azurite is a node process behind a shell shim). Every service started
here is also stopped at interpreter exit, so a failed test or a crash leaves
nothing behind.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import ctypes
import functools
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

_PR_SET_PDEATHSIG = 1
_running: set[Service] = set()
_running_lock = threading.Lock()


class ServiceError(RuntimeError):
    """A service did not start; the message carries its last output lines."""


class Service:
    """A running child process and the match of its ready line."""

    def __init__(self, name: str, process: subprocess.Popen[str]) -> None:
        self.name = name
        self.process = process
        self.output: collections.deque[str] = collections.deque(maxlen=200)
        self.ready: re.Match[str] | None = None
        self._ready_event = threading.Event()

    @property
    def pid(self) -> int:
        """The child's process id (also its process group id)."""
        return self.process.pid

    def running(self) -> bool:
        """Whether the child is still alive."""
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group, then SIGKILL whatever is left after ``timeout``."""
        with _running_lock:
            _running.discard(self)
        _signal_group(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout)
        # Grandchildren may outlive the leader; the group id is the leader's pid.
        _signal_group(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout)

    def last_lines(self, count: int = 40) -> str:
        """The end of the child's output, for error messages."""
        return "\n".join(list(self.output)[-count:])


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """libc on Linux, loaded in the parent: a dlopen in a forked child of a threaded
    process can deadlock on a loader lock another thread held at fork time."""
    return ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent(libc: ctypes.CDLL | None) -> Callable[[], None]:
    """What the child runs before exec: on Linux, get SIGTERM when the parent dies, even by
    SIGKILL.

    atexit cannot run when the parent is killed outright, and the child has its
    own session, so without this it would live on.
    """

    def in_child() -> None:
        if libc is not None:
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return in_child


def start_service(
    name: str,
    argv: Sequence[str],
    *,
    ready: str | None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60.0,
    echo: TextIO | None = None,
) -> Service:
    """Start ``argv`` and return once a line of its output matches the regex ``ready``.

    With ``ready=None`` it returns at once (the caller has its own readiness check).

    Output is kept (and echoed with a ``[name]`` prefix when ``echo`` is given);
    a child that exits or stays silent past ``timeout`` is stopped and reported.
    """
    process = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        bufsize=1,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        start_new_session=True,
        preexec_fn=_die_with_parent(_libc()),
    )
    service = Service(name, process)
    with _running_lock:
        _running.add(service)
    pattern = re.compile(ready) if ready is not None else None
    threading.Thread(
        target=_pump, args=(service, pattern, echo), name=f"pump:{name}", daemon=True
    ).start()
    if pattern is None:
        return service
    if not service._ready_event.wait(timeout) or service.ready is None:
        service.stop()
        raise ServiceError(
            f"{name} did not become ready within {timeout:.0f} s "
            f"(exit code {process.poll()}); its last output:\n{service.last_lines()}"
        )
    return service


def _pump(service: Service, pattern: re.Pattern[str] | None, echo: TextIO | None) -> None:
    assert service.process.stdout is not None
    for line in service.process.stdout:
        text = line.rstrip("\n")
        service.output.append(text)
        if echo is not None:
            echo.write(f"[{service.name}] {text}\n")
            echo.flush()
        if service.ready is None and pattern is not None:
            found = pattern.search(text)
            if found:
                service.ready = found
                service._ready_event.set()
    # The child closed its output (it exited): stop anyone waiting for readiness.
    service._ready_event.set()


def stop_all() -> None:
    """Stop every service this process started and has not stopped yet."""
    with _running_lock:
        services = list(_running)
    for service in reversed(services):
        service.stop()


atexit.register(stop_all)


def python() -> str:
    """The interpreter running this process (the project's virtual environment)."""
    return sys.executable
