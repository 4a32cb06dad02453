"""A real webhook receiver on 127.0.0.1, for tests of webhook delivery (ours and a host's).

:class:`WebhookReceiver` starts an HTTP server on a free local port in a thread. It
checks each request's signature with :func:`~salesorder.webhooks.verify_signature`
(answering 401 when it does not verify), records what it accepted, and can be told to
answer slowly, fail, or redirect::

    with WebhookReceiver(secret="s3cret") as receiver:
        route = WebhookRoute(url=receiver.url, secret="s3cret", audiences={"finance"})
        ...
        assert receiver.event_ids() == [...]
"""

from __future__ import annotations

import json
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import attrs

from salesorder.notifications import SignatureRejected
from salesorder.webhooks import SIGNATURE_HEADER, verify_signature

__all__ = ["ReceivedWebhook", "WebhookReceiver"]


@attrs.frozen
class ReceivedWebhook:
    """One request the receiver accepted.

    Attributes:
        path: The request path.
        body: The raw body.
        headers: The request headers (names lower-cased).
    """

    path: str
    body: bytes
    headers: dict[str, str]

    def document(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class WebhookReceiver:
    """An HTTP server on ``127.0.0.1`` that receives signed webhooks.

    Args:
        secret: The secret signatures are checked with (None: not checked).
        status: Status of the answer to a request that verifies (2xx acknowledges).
        delay: Seconds to wait before answering (a slow receiver).
        redirect_to: Answer ``307`` with this ``Location`` instead.

    Attributes:
        received: Requests that verified and were answered with ``status``, in order.
        rejected: Codes of the signature errors of refused requests, in order.
        status: Change it at any time to change the next answers.
        delay: Likewise.
    """

    def __init__(
        self,
        *,
        secret: str | None = None,
        status: int = HTTPStatus.NO_CONTENT,
        delay: float = 0.0,
        redirect_to: str | None = None,
    ) -> None:
        self.secret = secret
        self.status = status
        self.delay = delay
        self.redirect_to = redirect_to
        self.received: list[ReceivedWebhook] = []
        self.rejected: list[str] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """The URL to POST to (``http://127.0.0.1:<port>/hooks``)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks"

    def event_ids(self) -> list[str]:
        """The ``id`` of every accepted envelope, in arrival order (repeats included)."""
        with self._lock:
            return [str(request.document()["id"]) for request in self.received]

    def handle(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str | None]:
        """Decide the answer to one request: (status, Location header or None)."""
        with self._lock:
            self.requests += 1
        if self.delay:
            time.sleep(self.delay)
        if self.redirect_to is not None:
            return HTTPStatus.TEMPORARY_REDIRECT, self.redirect_to
        if self.secret is not None:
            try:
                verify_signature(body, headers.get(SIGNATURE_HEADER.lower()), secret=self.secret)
            except SignatureRejected as error:
                with self._lock:
                    self.rejected.append(error.code)
                return HTTPStatus.UNAUTHORIZED, None
        status = self.status
        if 200 <= status < 300:
            with self._lock:
                self.received.append(ReceivedWebhook(path, body, headers))
        return status, None

    def close(self) -> None:
        """Stop the server and wait for its thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a slow answer still sleeping must not hold up close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) closed the socket: nothing to report."""


def _handler_for(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, location = receiver.handle(self.path, body, headers)
            self.send_response(status)
            if location is not None:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read the receiver's records, not stderr."""

    return Handler
