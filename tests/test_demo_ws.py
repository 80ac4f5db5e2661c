"""The demo app's WebSockets, end to end: the real app on loopback, driven by websocket-client (no Locust here)."""

from __future__ import annotations

import json
import struct
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websocket
from websocket import ABNF

Connect = Callable[..., websocket.WebSocket]
# Generous: these bound a hang, they are not what a test checks.
RECV_TIMEOUT_S = 10


@pytest.fixture
def connect(demo_app: str) -> Iterator[Connect]:
    """Opens WebSockets on the demo app (path and websocket-client options) and closes them after the test."""
    opened: list[websocket.WebSocket] = []

    def open_ws(path: str, **options: Any) -> websocket.WebSocket:
        ws = websocket.create_connection("ws" + demo_app.removeprefix("http") + path, RECV_TIMEOUT_S, **options)
        opened.append(ws)
        return ws

    yield open_ws
    for ws in opened:
        ws.close()


def _login(demo_app: str, username: str = "alice", password: str = "pw1") -> str:
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(f"{demo_app}/login", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=RECV_TIMEOUT_S) as response:
        return json.load(response)["token"]


def _get(url: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=RECV_TIMEOUT_S) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def _recv_json(ws: websocket.WebSocket) -> dict[str, Any]:
    message = ws.recv()
    assert isinstance(message, str), f"expected a text message, got {message!r}"
    return json.loads(message)


def _close_frame(ws: websocket.WebSocket) -> tuple[int, str]:
    """The code and reason of the close frame that the server sends next."""
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == ABNF.OPCODE_CLOSE, f"expected a close frame, got opcode {opcode}: {data!r}"
    return struct.unpack("!H", data[:2])[0], data[2:].decode()


def test_echo_sends_text_and_binary_back_as_they_came(connect: Connect) -> None:
    ws = connect("/ws/echo")
    ws.send("héllo ✓")
    assert ws.recv() == "héllo ✓"
    ws.send_binary(bytes(range(256)))
    assert ws.recv() == bytes(range(256))
    # Larger than one read of the server, and a message in two fragments: both come back whole.
    big = "x" * 60_000
    ws.send(big)
    assert ws.recv() == big
    ws.send_frame(ABNF.create_frame("first half, ", ABNF.OPCODE_TEXT, fin=0))
    ws.send_frame(ABNF.create_frame("second half", ABNF.OPCODE_CONT, fin=1))
    assert ws.recv() == "first half, second half"


def test_echo_closes_on_a_message_over_the_size_limit_with_1009(connect: Connect) -> None:
    ws = connect("/ws/echo")
    ws.send_binary(b"\0" * 70_000)
    code, reason = _close_frame(ws)
    assert code == 1009
    assert "65536" in reason


def test_a_frame_breaking_the_protocol_is_answered_with_close_1002(connect: Connect) -> None:
    ws = connect("/ws/echo")
    assert ws.sock is not None
    # A client's frames must be masked; this one is not.
    ws.sock.sendall(b"\x81\x05hello")
    assert _close_frame(ws)[0] == 1002


def test_plain_http_on_a_websocket_path_is_a_400(demo_app: str) -> None:
    assert _get(f"{demo_app}/ws/echo")[0] == 400


def test_feed_refuses_a_handshake_without_a_valid_token_with_401(connect: Connect) -> None:
    for path in ("/ws/feed", "/ws/feed?token=not-a-token"):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            connect(path)
        assert refused.value.status_code == 401, path


def test_feed_refuses_an_interval_that_is_not_a_number_with_400(demo_app: str, connect: Connect) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(f"/ws/feed?intervalMs=soon&token={_login(demo_app)}")
    assert refused.value.status_code == 400


def test_feed_pushes_numbered_quotes_no_faster_than_the_interval(demo_app: str, connect: Connect) -> None:
    interval_s = 0.05
    ws = connect(f"/ws/feed?intervalMs={int(interval_s * 1000)}&token={_login(demo_app)}")
    subscribed_at = time.monotonic()
    ws.send(json.dumps({"type": "subscribe", "symbol": "ACME"}))
    assert _recv_json(ws) == {"type": "subscribed", "symbol": "ACME"}
    quotes: list[dict[str, Any]] = []
    while time.monotonic() - subscribed_at < 0.6:
        quotes.append(_recv_json(ws))
    elapsed = time.monotonic() - subscribed_at
    assert [quote["seq"] for quote in quotes] == list(range(1, len(quotes) + 1))
    assert all(quote["type"] == "quote" and quote["symbol"] == "ACME" for quote in quotes)
    assert all(isinstance(quote["price"], float) and quote["price"] > 0 for quote in quotes)
    # Quote n leaves no sooner than n intervals after the subscribe: a busy machine can only lower the count.
    assert len(quotes) <= elapsed / interval_s + 1


def test_feed_takes_the_token_from_the_header_or_the_session_cookie(demo_app: str, connect: Connect) -> None:
    token = _login(demo_app, "bob", "pw2")
    for options in ({"header": [f"Authorization: Bearer {token}"]}, {"cookie": f"session={token}"}):
        ws = connect("/ws/feed?intervalMs=10", **options)
        ws.send(json.dumps({"type": "subscribe", "symbol": "B"}))
        assert _recv_json(ws) == {"type": "subscribed", "symbol": "B"}
        assert _recv_json(ws)["seq"] == 1


def test_feed_answers_what_it_does_not_know_with_an_error_and_stays_open(demo_app: str, connect: Connect) -> None:
    ws = connect(f"/ws/feed?token={_login(demo_app)}")
    for bad in ('{"type": "unsubscribe"}', "not json", '{"type": "subscribe", "symbol": ""}', "[1, 2]"):
        ws.send(bad)
        reply = _recv_json(ws)
        assert reply["type"] == "error", bad
        assert reply["message"], bad
    ws.send(json.dumps({"type": "subscribe", "symbol": "X.Y-1"}))
    assert _recv_json(ws) == {"type": "subscribed", "symbol": "X.Y-1"}


def test_chat_broadcasts_to_every_member_and_announces_joins_and_leaves(demo_app: str, connect: Connect) -> None:
    alice = connect(f"/ws/chat/room-1?token={_login(demo_app)}")
    assert _recv_json(alice) == {"type": "join", "user": "alice", "members": 1}
    guest = connect("/ws/chat/room-1")
    assert _recv_json(guest) == {"type": "join", "user": "anon", "members": 2}
    assert _recv_json(alice) == {"type": "join", "user": "anon", "members": 2}

    # One at a time: messages from two connections may reach the room in either order.
    for sender, name, text in ((alice, "alice", "hello, room"), (guest, "anon", "hi alice")):
        sender.send(text)
        for ws in (alice, guest):
            assert _recv_json(ws) == {"type": "message", "from": name, "text": text}

    guest.send_binary(b"\x01")
    assert _recv_json(guest)["type"] == "error"
    guest.close()
    assert _recv_json(alice) == {"type": "leave", "user": "anon", "members": 1}


def test_chat_refuses_a_room_name_it_cannot_hold_with_400(connect: Connect) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect("/ws/chat/" + "r" * 33)
    assert refused.value.status_code == 400


def test_strict_replies_ok_to_json_with_a_type_and_closes_anything_else_with_1008(connect: Connect) -> None:
    for bad in ("not json", '{"no": "type"}', '{"type": 7}', "[]"):
        ws = connect("/ws/strict")
        ws.send('{"type": "ping"}')
        assert _recv_json(ws) == {"type": "ok"}
        ws.send(bad)
        assert _close_frame(ws) == (1008, "expected JSON with a type"), bad


def test_strict_drop_ends_the_connection_without_a_close_frame(connect: Connect) -> None:
    ws = connect("/ws/strict")
    ws.send('{"type": "drop"}')
    # websocket-client returns a close frame as data; the end of the stream without one is this exception.
    with pytest.raises(websocket.WebSocketConnectionClosedException):
        ws.recv_data(control_frame=True)


def test_many_websockets_at_once_then_http_is_still_served(demo_app: str, connect: Connect) -> None:
    # Last in this file on purpose: the session's demo app has been through every test above by now.
    sockets = [connect("/ws/echo") for _ in range(50)]
    for n, ws in enumerate(sockets):
        ws.send(f"message {n}")
    assert [ws.recv() for ws in sockets] == [f"message {n}" for n in range(50)]
    token = _login(demo_app)
    assert _get(f"{demo_app}/health") == (200, {"status": "ok"})
    assert _get(f"{demo_app}/api/me", token) == (200, {"user": "alice"})
