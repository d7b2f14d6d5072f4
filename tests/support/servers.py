"""Real servers on loopback: the app under uvicorn, and an SMTP server that keeps what it gets."""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from starlette.types import ASGIApp

LOOPBACK = "127.0.0.1"


class LiveServer(str):
    """The base URL (``http://127.0.0.1:<port>``), which also carries the app and its settings."""

    app: Any
    settings: Any

    def __new__(cls, url: str, app: Any, settings: Any) -> LiveServer:
        server = super().__new__(cls, url)
        server.app = app
        server.settings = settings
        return server

    def url(self, path: str = "/") -> str:
        return str(self) + path


class _ThreadedServer(uvicorn.Server):
    """uvicorn in a background thread: signals (Ctrl+C) belong to pytest in the main thread."""

    def install_signal_handlers(self) -> None:  # uvicorn before 0.29
        pass

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # uvicorn 0.29 and later
        yield


@contextlib.contextmanager
def serve(app: ASGIApp, *, timeout: float = 15.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    config = uvicorn.Config(
        app, lifespan="on", log_level="warning", access_log=False, server_header=False
    )
    with serve_config(config, timeout=timeout) as url:
        yield url


@contextlib.contextmanager
def serve_config(config: uvicorn.Config, *, timeout: float = 15.0) -> Iterator[str]:
    """Run uvicorn with ``config`` on a free loopback port in a thread; yield its base URL.

    The socket is bound here (port 0) and handed to uvicorn, so there is no race for the port
    (``config``'s host and port are not used); the server installs no signal handlers, so
    Ctrl+C still reaches pytest.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    port = sock.getsockname()[1]
    server = _ThreadedServer(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn:{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"uvicorn did not start on port {port} (see the log above)")
        time.sleep(0.02)
    try:
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes  # as it came over the wire, for checks of the exact header bytes


class SMTPServer:
    """An aiosmtpd server on loopback that parses and keeps every message it receives."""

    def __init__(self) -> None:
        self.host = LOOPBACK
        self.port = 0  # set by start()
        self.received: list[ReceivedMail] = []
        self._arrived = threading.Condition()
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        """The messages received so far, parsed (``email.policy.default``)."""
        return [mail.message for mail in self.received]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._arrived:
            self.received.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message, content)
            )
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        """Block until ``count`` messages have arrived (a sender may work in the background)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(
                    f"expected {count} message(s) within {timeout} s, got {len(self.received)}"
                )
        return self.messages

    def start(self) -> None:
        last_error: Exception | None = None
        for _ in range(5):  # another process may take the free port before aiosmtpd binds it
            port = free_port()
            controller = Controller(self, hostname=LOOPBACK, port=port, ready_timeout=10)
            try:
                controller.start()
            except (OSError, RuntimeError) as error:
                last_error = error
                continue
            self.controller = controller
            self.port = port
            return
        raise RuntimeError(f"could not start the SMTP server: {last_error}")

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
