"""The one place websocket-client is used: a virtual user's WebSocket connection, on gevent's sockets.

Under Locust the socket module is gevent's, so a connection costs a socket and no thread; a connection nobody reads
costs no greenlet either (benchmarks/ws_clients.py measured websocket-client against wsproto on gevent sockets).
Timeouts are the socket's, so a wait that ends leaves the connection usable; a close frame or a lost connection
ends it with `WsClosed`.
"""

from __future__ import annotations

import ssl
import struct
import time
from typing import NoReturn
from urllib.parse import urlsplit

import websocket

_STATUS_OF_CLOSE_WITHOUT_CODE = 1005


class WsClosed(Exception):
    """The server closed the connection (`code`, `reason`) or it was lost (`code` None)."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"closed: {code} {reason}".strip() if code is not None else "dropped")
        self.code = code
        self.reason = reason


class WsOpenFailed(Exception):
    """The opening handshake failed: refused, timed out, or answered with another status than 101."""


class WsConnection:
    """One open connection; `receive` and `ping` wait with a timeout and raise WsClosed when it ended."""

    def __init__(self, socket: websocket.WebSocket) -> None:
        self._socket = socket
        self.closed = False

    @classmethod
    def open(
        cls, url: str, headers: dict[str, str], subprotocols: list[str], timeout_s: float, proxy: str | None
    ) -> WsConnection:
        # UTF-8 validation of every text frame costs a third of a round trip in pure Python; the server owes it.
        socket = websocket.WebSocket(skip_utf8_validation=True, sslopt={"cert_reqs": ssl.CERT_NONE})
        options: dict[str, object] = {"header": headers, "timeout": timeout_s}
        if subprotocols:
            options["subprotocols"] = subprotocols
        if proxy:
            parts = urlsplit(proxy)
            options |= {"http_proxy_host": parts.hostname, "http_proxy_port": parts.port, "proxy_type": "http"}
        try:
            socket.connect(url, **options)
        except websocket.WebSocketBadStatusException as error:
            raise WsOpenFailed(f"the handshake was answered {error.status_code}, not 101") from None
        except websocket.WebSocketTimeoutException:
            raise WsOpenFailed(f"no handshake within {timeout_s:g} s (timeoutS)") from None
        except (OSError, websocket.WebSocketException) as error:
            raise WsOpenFailed(f"cannot connect: {error}") from None
        return cls(socket)

    def send(self, message: str | bytes) -> None:
        try:
            if isinstance(message, bytes):
                self._socket.send_binary(message)
            else:
                self._socket.send(message)
        except (OSError, websocket.WebSocketConnectionClosedException):
            self._lost()

    def receive(self, timeout_s: float) -> str | bytes | None:
        """The next text or binary message within `timeout_s`, else None; pongs are skipped, pings answered."""
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            frame = self._frame(left)
            if frame is None:
                return None
            opcode, data = frame
            if opcode == websocket.ABNF.OPCODE_TEXT:
                return data.decode("utf-8", errors="replace")
            if opcode == websocket.ABNF.OPCODE_BINARY:
                return data
        return None

    def ping(self, timeout_s: float) -> bool:
        """Send a ping; True when its pong came within `timeout_s` (messages meanwhile are dropped)."""
        payload = struct.pack("!d", time.monotonic())
        try:
            self._socket.ping(payload)
        except (OSError, websocket.WebSocketConnectionClosedException):
            self._lost()
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            frame = self._frame(left)
            if frame is None:
                return False
            if frame[0] == websocket.ABNF.OPCODE_PONG and frame[1] == payload:
                return True
        return False

    def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._socket.close(status=code, reason=reason.encode(), timeout=1)
        except (OSError, websocket.WebSocketException):
            self._socket.shutdown()

    def _frame(self, timeout_s: float) -> tuple[int, bytes] | None:
        """The next frame (a ping is answered by the library), None when none came within `timeout_s`."""
        self._socket.settimeout(timeout_s)
        try:
            opcode, frame = self._socket.recv_data_frame(control_frame=True)
        except websocket.WebSocketTimeoutException:
            return None
        except (OSError, websocket.WebSocketConnectionClosedException, websocket.WebSocketProtocolException):
            self._lost()
        data = frame.data if hasattr(frame, "data") else frame
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            self.closed = True
            self._socket.shutdown()
            raise WsClosed(*_close_status(data))
        return opcode, data

    def _lost(self) -> NoReturn:
        self.closed = True
        self._socket.shutdown()
        raise WsClosed(None)


def _close_status(data: bytes) -> tuple[int, str]:
    if len(data) < 2:
        return _STATUS_OF_CLOSE_WITHOUT_CODE, ""
    return struct.unpack("!H", data[:2])[0], data[2:].decode("utf-8", errors="replace")
