"""The HTTP front door: a threaded stdlib server that hands each request to the host."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger("local.host")


@dataclass(frozen=True, kw_only=True)
class Incoming:
    """One HTTP request, as received."""

    method: str
    target: str
    host: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    """One HTTP response, to send unchanged."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


Handler = Callable[[Incoming], Outgoing]

# Hop-by-hop headers belong to this connection, not to the function's response.
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"}


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, a kept-alive client's
    # delayed ACK holds the body back about 40 ms.
    disable_nagle_algorithm = True
    server: HostServer

    def _serve(self) -> None:
        incoming = Incoming(
            method=self.command,
            target=self.path,
            host=self.headers.get("Host", "127.0.0.1"),
            headers=list(self.headers.items()),
            body=self._read_body(),
        )
        try:
            outgoing = self.server.handler(incoming)
        except Exception:
            log.exception("the host failed on %s %s", self.command, self.path)
            outgoing = Outgoing(status=500, headers=[], body=b"")
        self.send_response(outgoing.status)
        for name, value in outgoing.headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(outgoing.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(outgoing.body)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)


class HostServer(ThreadingHTTPServer):
    """A threaded HTTP server bound to 127.0.0.1; port 0 picks a free port."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, handler: Handler) -> None:
        super().__init__(("127.0.0.1", port), _RequestHandler)
        self.handler = handler

    @property
    def port(self) -> int:
        """The port actually bound."""
        return int(self.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"
