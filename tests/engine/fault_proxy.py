"""A fault-injecting HTTP proxy in front of the emulator, for the faults the emulator itself
cannot make: an answer lost *after* the write happened, and two clients held at one point so
they race from there.

    with FaultProxy(emulator.endpoint_url, lose=[("POST", "/v2/email/templates")]) as proxy:
        sesctl --endpoint-url proxy.url apply ...

- ``lose``: requests matching (method, path) are forwarded, so the emulator does the write, and
  then answered ``500 InternalFailure`` instead of the emulator's answer; each match is lost
  once (``lose_each`` times), so the client's retry reaches the emulator.
- ``rendezvous``: the first request matching (method, path) waits (up to ``timeout``) until
  ``parties`` requests have matched, then all go on together.
- ``hold``: requests matching (method, path) wait until :meth:`release` (or ``timeout``);
  :meth:`wait_held` waits until one has arrived.
- ``rewrite``: the emulator's answer to requests matching (method, path) is handed to a
  function that returns the answer to send instead: how real SES answers where the emulator
  answers otherwise (members left out, enum values newer than the model, error codes outside
  the SES model such as ``ThrottlingException``), so sesctl meets them over HTTP and botocore.
  ``rewritten`` lists "METHOD path" of each answer replaced.
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

Route = tuple[str, str]


@dataclass
class Answer:
    """An HTTP answer in SES's rest-json form: ``error_type`` is the x-amzn-ErrorType header."""

    status: int
    document: Any
    error_type: str | None = None
    query: str = ""  # the request's query string (read only: what the client asked for)


Rewrite = Callable[[Answer], Answer]
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        *,
        lose: list[Route] | None = None,
        lose_each: int = 1,
        rendezvous: Route | None = None,
        parties: int = 2,
        hold: Route | None = None,
        timeout: float = 20.0,
        rewrite: dict[Route, Rewrite] | None = None,
    ) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.lose = set(lose or [])
        self.lose_each = lose_each
        self.lost: list[str] = []  # "METHOD path" of every answer thrown away
        self._lost_counts: dict[str, int] = {}
        self.rendezvous = rendezvous
        self._barrier = threading.Barrier(parties, timeout=timeout)
        self._met = False
        self._lock = threading.Lock()
        self.hold = hold
        self.rewrite = dict(rewrite or {})
        self.rewritten: list[str] = []
        self.timeout = timeout
        self._held = threading.Event()
        self._released = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy._handle(self)

            def do_POST(self) -> None:
                proxy._handle(self)

            def do_PUT(self) -> None:
                proxy._handle(self)

            def do_DELETE(self) -> None:
                proxy._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def release(self) -> None:
        self._released.set()

    def wait_held(self) -> bool:
        return self._held.wait(self.timeout)

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.urlsplit(request.path).path
        route = (request.command, path)
        if route == self.hold:
            self._held.set()
            self._released.wait(self.timeout)
        if route == self.rendezvous and not self._met:
            try:
                self._barrier.wait()
            except threading.BrokenBarrierError:
                pass  # the other party never came: go on alone (the test's asserts still hold)
            self._met = True
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        connection = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            connection.request(request.command, request.path, body=body, headers=headers)
            answer = connection.getresponse()
            status, answer_headers, answer_body = answer.status, answer.getheaders(), answer.read()
        finally:
            connection.close()
        if route in self.lose and self._take_loss(f"{request.command} {path}"):
            payload = json.dumps({"message": "Injected by the test proxy: the answer was lost"}).encode()
            request.send_response(500)
            request.send_header("Content-Type", "application/json")
            request.send_header("x-amzn-ErrorType", "InternalFailure")
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
            return
        if route in self.rewrite:
            query = urllib.parse.urlsplit(request.path).query
            self._send_rewritten(request, route, status, answer_headers, answer_body, query)
            return
        request.send_response(status)
        for key, value in answer_headers:
            if key.lower() not in _HOP_BY_HOP:
                request.send_header(key, value)
        request.send_header("Content-Length", str(len(answer_body)))
        request.end_headers()
        request.wfile.write(answer_body)

    def _send_rewritten(
        self,
        request: BaseHTTPRequestHandler,
        route: Route,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        query: str,
    ) -> None:
        error_type = next((v for k, v in headers if k.lower() == "x-amzn-errortype"), None)
        answer = self.rewrite[route](Answer(status, json.loads(body or b"{}"), error_type, query))
        with self._lock:
            self.rewritten.append(f"{route[0]} {route[1]}")
        payload = json.dumps(answer.document).encode()
        request.send_response(answer.status)
        request.send_header("Content-Type", "application/json")
        request.send_header("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000")
        if answer.error_type:
            request.send_header("x-amzn-ErrorType", answer.error_type)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _take_loss(self, what: str) -> bool:
        with self._lock:
            count = self._lost_counts.get(what, 0)
            if count >= self.lose_each:
                return False
            self._lost_counts[what] = count + 1
            self.lost.append(what)
            return True
