"""Demo shop: a small, deterministic target application for locust-fleet load tests (loopback only).

Run: ``python examples/demo_app.py [--host 127.0.0.1] [--port 8080]``

Endpoints:
  GET  /health                 {"status": "ok"}
  POST /login                  JSON or form {username, password} -> {token, user} + ``session`` cookie
  GET  /api/items?page=N       5 items per page, pages 1..5 (25 items)       [auth]
  GET  /api/items/<id>         one item with a description                   [auth]
  POST /api/cart               {itemId, quantity=1} -> 201 + Location         [auth]
  GET  /api/cart/<cartId>      a cart line created by the same user           [auth]
  GET  /api/me                 {"user": username}                             [auth]
  GET  /                       HTML home page linking /shop and /contact
  GET  /shop                   HTML search form + random csrf meta tag
  GET  /search?q=...           HTML result list
  GET  /contact, POST /contact HTML form (email, message, topic, subscribe, csrf) and its echo page
  GET  /article?imageMs=N      HTML article whose hero image arrives N ms late (default 150) and pushes the
                               text down: a largest paint after the first one, and a layout shift
  GET  /hero.svg?ms=N          the article's image, sent after N ms
  GET  /xml/catalog            XML catalog of the first 5 items
  GET  /redirect               302 -> /redirected -> {"redirected": true}
  GET  /slow?ms=N              sleeps N ms (default 200, max 5000)
  GET  /busy?ms=5&knee=20      ms while at most `knee` requests are in flight, then growing with their square
  GET  /flaky?rate=0.2         503 with probability ``rate``, else 200
  GET  /status/<code>          responds with that status code (200..599)

WebSockets (served by gevent's server: ``python examples/demo_app.py``; one greenlet per connection):
  /ws/echo                     every text and binary message sent back as it came
  /ws/feed?intervalMs=N        [auth, or ``?token=``] after {"type": "subscribe", "symbol": "X"}: an ack
                               {"type": "subscribed", "symbol": "X"}, then every N ms (default 200, 10..5000)
                               {"type": "quote", "symbol": "X", "price": 12.34, "seq": 1, 2, ...};
                               anything else gets {"type": "error", "message": "..."}; no token: HTTP 401
  /ws/chat/<room>              each text sent is broadcast to the room as {"type": "message", "from": user or
                               "anon", "text": ...}; {"type": "join"|"leave", "user": ..., "members": n} announced
  /ws/strict                   {"type": "ok"} for JSON with a type; anything else: closed with 1008 "expected JSON
                               with a type"; {"type": "drop"}: the TCP connection ends without a close frame
  Bounds: messages 64 KiB (larger: close 1009), chat texts 2000 characters, 50 members a room, 100 rooms,
  1000 WebSockets in all (more: HTTP 503).

[auth]: ``Authorization: Bearer <token>`` or the ``session`` cookie set by /login.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import html
import ipaddress
import json
import logging
import math
import random
import re
import secrets
import signal
import socket
import sys
import time
import uuid
import xml.etree.ElementTree as ET
import zlib
from collections import deque
from collections.abc import Callable
from typing import Any

import gevent
import gevent.lock
import gevent.socket
from flask import Flask, Response, g, jsonify, redirect, request
from flask.typing import ResponseReturnValue
from gevent.event import Event
from gevent.pywsgi import WSGIHandler, WSGIServer
from werkzeug.exceptions import HTTPException
from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
from wsproto.events import Event as WsEvent
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import LocalProtocolError, generate_accept_token

log = logging.getLogger("demo_app")

USERS = {"alice": "pw1", "bob": "pw2", "carol": "pw3", "dave": "pw4"}
# Generated users (userN/pwN) let data sets of any size log in without a fixture file.
GENERATED_USER = re.compile(r"user(\d+)")

PAGE_SIZE = 5
PAGES = 5
PRODUCTS = ("socks", "shirt", "hat", "mug", "scarf", "gloves")
ITEMS: dict[int, dict[str, Any]] = {
    i: {"id": i, "name": f"{PRODUCTS[(i - 1) % len(PRODUCTS)]}-{i}", "price": round(2.0 + 1.5 * i, 2)}
    for i in range(1, PAGE_SIZE * PAGES + 1)
}

# Bounds on the in-memory stores so a long load test cannot grow the process without limit.
MAX_TOKENS = 100_000
MAX_CARTS = 10_000
MAX_SLEEP_MS = 5000
HERO_DELAY_MS = 150
TOPICS = ("order", "returns", "other")
TOPIC_OPTIONS = "".join(f'<option value="{topic}">{topic.title()}</option>' for topic in TOPICS)

# Module-level on purpose: /busy must see every concurrent request, whichever app instance serves it.
_in_flight = 0

# WebSocket bounds: a connection is one greenlet holding at most one message of MAX_WS_MESSAGE characters or bytes.
MAX_WS_CONNECTIONS = 1000
MAX_WS_MESSAGE = 64 * 1024
WS_RECV_BYTES = 16 * 1024
# A peer that takes no data for this long is dropped: a stalled reader holds up its chat room this long at most.
WS_SEND_TIMEOUT_S = 5.0
# How long a close the server starts waits for the client's close frame before the TCP connection ends.
WS_CLOSE_WAIT_S = 2.0
FEED_INTERVAL_MS = 200
FEED_INTERVAL_BOUNDS_MS = (10, 5000)
SYMBOL = re.compile(r"[A-Za-z0-9.-]{1,16}")
ROOM = re.compile(r"[A-Za-z0-9_.-]{1,32}")
MAX_ROOMS = 100
MAX_ROOM_MEMBERS = 50
MAX_CHAT_TEXT = 2000
# The environ key under which _Handler lends the connection's socket to a WebSocket upgrade.
WS_SOCKET = "demo_app.socket"
# Process-wide, like _in_flight: the cap is on the process's connections, whichever app instance serves them.
_ws_slots = gevent.lock.BoundedSemaphore(MAX_WS_CONNECTIONS)


def check_credentials(username: str, password: str) -> bool:
    """Return True for a known user or a generated ``userN``/``pwN`` pair."""
    if username in USERS:
        return secrets.compare_digest(USERS[username], password)
    match = GENERATED_USER.fullmatch(username)
    return match is not None and password == f"pw{match.group(1)}"


def _remember(store: dict[str, Any], key: str, value: Any, cap: int) -> None:
    # Dicts keep insertion order, so the first key is the oldest one.
    store[key] = value
    if len(store) > cap:
        del store[next(iter(store))]


def _error(message: str, status: int) -> tuple[Response, int]:
    return jsonify(error=message), status


def _page(title: str, body: str, status: int = 200, head: str = "") -> Response:
    doc = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>{head}</head>\n<body>\n{body}\n</body></html>\n"
    )
    return Response(doc, status=status, mimetype="text/html")


def _hero_svg() -> str:
    # Many shapes, so the image has the detail Chromium wants before it counts an image as the largest paint.
    shapes = "".join(
        f'<circle cx="{i * 37 % 600}" cy="{i * 53 % 300}" r="{10 + i % 25}" fill="#{i * 2654435761 % 0xFFFFFF:06x}"/>'
        for i in range(120)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300" viewBox="0 0 600 300">'
        f'<rect width="600" height="300" fill="#f4efe6"/>{shapes}</svg>'
    )


HERO_SVG = _hero_svg()


def _delay_ms(name: str, default: int) -> int | None:
    ms = _int_field(request.args.get(name, str(default)))
    return None if ms is None else max(0, min(ms, MAX_SLEEP_MS))


def _int_field(value: Any) -> int | None:
    """Accept an int or a numeric string (CSV-fed data sets send strings); reject bools and floats."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _bearer_or_cookie() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get("session")


def _register_api(app: Flask, tokens: dict[str, str]) -> None:
    carts: dict[str, dict[str, Any]] = {}

    @app.before_request
    def require_token() -> ResponseReturnValue | None:
        # Only routed /api/ requests need a token; unknown paths fall through to the JSON 404.
        if not request.path.startswith("/api/") or request.routing_exception is not None:
            return None
        token = _bearer_or_cookie()
        user = tokens.get(token) if token else None
        if user is None:
            return _error("missing or invalid token", 401)
        g.user = user
        return None

    @app.post("/login")
    def login() -> ResponseReturnValue:
        if request.is_json:
            body = request.get_json(silent=True)
            data: Any = body if isinstance(body, dict) else {}
        else:
            data = request.form
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
            return _error("username and password are required", 400)
        if not check_credentials(username, password):
            return _error("bad credentials", 401)
        token = secrets.token_urlsafe(24)
        _remember(tokens, token, username, MAX_TOKENS)
        resp = jsonify(token=token, user=username)
        resp.set_cookie("session", token, path="/", httponly=True, samesite="Lax")
        return resp

    @app.get("/api/items")
    def list_items() -> ResponseReturnValue:
        page = _int_field(request.args.get("page", "1"))
        if page is None:
            return _error("page must be an integer", 400)
        if not 1 <= page <= PAGES:
            return _error("no such page", 404)
        ids = range(PAGE_SIZE * page - PAGE_SIZE + 1, PAGE_SIZE * page + 1)
        return jsonify(page=page, items=[ITEMS[i] for i in ids], total=len(ITEMS))

    @app.get("/api/items/<int:item_id>")
    def get_item(item_id: int) -> ResponseReturnValue:
        item = ITEMS.get(item_id)
        if item is None:
            return _error("no such item", 404)
        return jsonify({**item, "description": f"A fine {item['name'].split('-')[0]} (item #{item_id})."})

    @app.post("/api/cart")
    def add_to_cart() -> ResponseReturnValue:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error("body must be a JSON object with itemId", 400)
        item_id = _int_field(body.get("itemId"))
        if item_id is None:
            return _error("itemId is required and must be an integer", 400)
        if item_id not in ITEMS:
            return _error(f"itemId {item_id} does not exist", 400)
        quantity = _int_field(body.get("quantity", 1))
        if quantity is None or quantity < 1:
            return _error("quantity must be a positive integer", 400)
        cart_id = str(uuid.uuid4())
        line = {"cartId": cart_id, "itemId": item_id, "quantity": quantity, "user": g.user}
        _remember(carts, cart_id, line, MAX_CARTS)
        resp = jsonify(line)
        resp.status_code = 201
        resp.headers["Location"] = f"/api/cart/{cart_id}"
        return resp

    @app.get("/api/cart/<cart_id>")
    def get_cart(cart_id: str) -> ResponseReturnValue:
        line = carts.get(cart_id)
        # Another user's cart is reported as absent rather than forbidden, to not leak ids.
        if line is None or line["user"] != g.user:
            return _error("no such cart", 404)
        return jsonify(line)

    @app.get("/api/me")
    def me() -> ResponseReturnValue:
        return jsonify(user=g.user)


def _register_html(app: Flask) -> None:
    @app.get("/")
    def home() -> ResponseReturnValue:
        return _page(
            "Demo shop",
            '<h1>Demo shop</h1>\n<ul>\n<li><a href="/shop">Shop</a></li>\n'
            '<li><a href="/contact">Contact</a></li>\n</ul>',
        )

    @app.get("/shop")
    def shop() -> ResponseReturnValue:
        # A fresh token per request so load scripts have something real to extract and correlate.
        return _page(
            "Shop",
            '<h1>Shop</h1>\n<form action="/search" method="get"><input id="q" name="q">'
            '<button type="submit">Search</button></form>',
            head=f'<meta name="csrf-token" content="{secrets.token_hex(16)}">',
        )

    @app.get("/search")
    def search() -> ResponseReturnValue:
        q = request.args.get("q", "")
        needle = q.strip().lower()
        rows = "\n".join(
            f'<li class="item" data-id="{item["id"]}"><span class="name">{html.escape(item["name"])}</span> '
            f'<span class="price">{item["price"]:.2f}</span></li>'
            for item in ITEMS.values()
            if needle in item["name"]
        )
        return _page("Results", f'<h1>Results</h1>\n<p id="query">{html.escape(q)}</p>\n<ul>\n{rows}\n</ul>')

    @app.get("/contact")
    def contact_form() -> ResponseReturnValue:
        return _page(
            "Contact",
            '<h1>Contact</h1>\n<form method="post" action="/contact">\n'
            '<input type="email" id="email" name="email">\n<textarea id="message" name="message"></textarea>\n'
            f'<select id="topic" name="topic">{TOPIC_OPTIONS}</select>\n'
            '<label><input type="checkbox" id="subscribe" name="subscribe" value="yes"> Send me news</label>\n'
            f'<input type="hidden" name="csrf" value="{secrets.token_hex(16)}">\n'
            '<button type="submit">Send</button>\n</form>',
        )

    @app.get("/article")
    def article() -> ResponseReturnValue:
        ms = _delay_ms("imageMs", HERO_DELAY_MS)
        if ms is None:
            return _error("imageMs must be an integer", 400)
        # No width or height on the image: when it arrives, the text under it moves (a layout shift).
        return _page(
            "Article",
            '<h1>Article</h1>\n<p class="lede">Fresh from the demo shop.</p>\n'
            f'<img id="hero" src="/hero.svg?ms={ms}" alt="socks on a line">\n'
            '<p id="story">Socks, shirts and hats, dried in the sun.</p>',
        )

    @app.get("/hero.svg")
    def hero() -> ResponseReturnValue:
        ms = _delay_ms("ms", HERO_DELAY_MS)
        if ms is None:
            return _error("ms must be an integer", 400)
        gevent.sleep(ms / 1000)
        return Response(HERO_SVG, mimetype="image/svg+xml")

    @app.post("/contact")
    def contact_submit() -> ResponseReturnValue:
        # The csrf field is not verified: the demo only needs it to be extractable.
        email = request.form.get("email", "").strip()
        if not email:
            return _page("Error", '<h1>Error</h1>\n<p id="error">email is required</p>', status=400)
        topic = request.form.get("topic", "")
        subscribed = "yes" if request.form.get("subscribe") == "yes" else "no"
        return _page(
            "Thanks",
            f'<h1>Thanks</h1>\n<p id="echo">{html.escape(email)}</p>\n<p id="topic">{html.escape(topic)}</p>\n'
            f'<p id="subscribed">{subscribed}</p>',
        )


def _register_misc(app: Flask) -> None:
    @app.get("/health")
    def health() -> ResponseReturnValue:
        return jsonify(status="ok")

    @app.get("/xml/catalog")
    def xml_catalog() -> ResponseReturnValue:
        root = ET.Element("catalog")
        for item in list(ITEMS.values())[:PAGE_SIZE]:
            node = ET.SubElement(root, "item", id=str(item["id"]))
            ET.SubElement(node, "name").text = item["name"]
            ET.SubElement(node, "price").text = f"{item['price']:.2f}"
        body = ET.tostring(root, encoding="unicode", xml_declaration=True)
        return Response(body, mimetype="application/xml")

    @app.get("/redirect")
    def redirect_() -> ResponseReturnValue:
        return redirect("/redirected", code=302)

    @app.get("/redirected")
    def redirected() -> ResponseReturnValue:
        return jsonify(redirected=True)

    @app.get("/slow")
    def slow() -> ResponseReturnValue:
        ms = _delay_ms("ms", 200)
        if ms is None:
            return _error("ms must be an integer", 400)
        gevent.sleep(ms / 1000)  # cooperative: other requests keep being served meanwhile
        return jsonify(sleptMs=ms)

    @app.get("/busy")
    def busy() -> ResponseReturnValue:
        global _in_flight
        base_ms, knee = _delay_ms("ms", 5), _int_field(request.args.get("knee", "20"))
        if base_ms is None or knee is None or knee < 0:
            return _error("ms and knee must be integers >= 0", 400)
        _in_flight += 1
        try:
            n = _in_flight
            # Flat up to `knee` concurrent requests, then quadratic: a clear knee for capacity tests.
            delay = min(float(MAX_SLEEP_MS), base_ms + 0.5 * max(0, n - knee) ** 2)
            gevent.sleep(delay / 1000)
            return jsonify(inFlight=n, delayMs=delay)
        finally:
            _in_flight -= 1

    @app.get("/flaky")
    def flaky() -> ResponseReturnValue:
        try:
            rate = float(request.args.get("rate", "0.2"))
        except ValueError:
            return _error("rate must be a number", 400)
        if not math.isfinite(rate):
            return _error("rate must be a number", 400)
        if random.random() < max(0.0, min(rate, 1.0)):
            return _error("flaky", 503)
        return jsonify(ok=True)

    @app.get("/status/<int:code>")
    def status(code: int) -> ResponseReturnValue:
        if not 200 <= code <= 599:
            return _error("status code must be within 200..599", 400)
        return jsonify(status=code), code


class _Closed(Exception):
    """The WebSocket is over: closed by either side, dropped, or broken."""


class _PolicyClose(Exception):
    """Raised by a WebSocket handler to close the connection with this code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class WebSocket:
    """The server side of one upgraded connection: wsproto frames over the socket gevent's handler lends.

    The greenlet serving the connection reads and writes; chat peers' greenlets only write, one frame at a time."""

    def __init__(self, sock: gevent.socket.socket, user: str | None) -> None:
        self.sock = sock
        self.user = user
        self._conn = Connection(ConnectionType.SERVER)
        self._send_lock = gevent.lock.Semaphore()
        self._inbox: deque[str | bytes] = deque()
        self._text: list[str] = []
        self._binary = bytearray()
        self._size = 0

    def receive(self, timeout: float | None = None) -> str | bytes | None:
        """The next whole message, or None when `timeout` seconds pass without one; raises _Closed at the end."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._inbox:
            data = self._recv(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if data is None:
                return None
            self._conn.receive_data(data or None)  # b"" is the end of the stream
            for event in self._conn.events():
                self._on_event(event)
        return self._inbox.popleft()

    def send(self, message: str | bytes) -> None:
        event = TextMessage(data=message) if isinstance(message, str) else BytesMessage(data=message)
        self._send_event(event)

    def send_json(self, payload: dict[str, Any]) -> None:
        self.send(json.dumps(payload))

    def close(self, code: int, reason: str) -> None:
        """Send a close frame, then wait a bounded time for the client's, as the closing handshake asks."""
        with contextlib.suppress(_Closed):
            self._send_event(CloseConnection(code=code, reason=reason))
            gevent.with_timeout(WS_CLOSE_WAIT_S, self._await_close, timeout_value=None)

    def drop(self) -> None:
        """End the TCP connection without a close frame; the greenlet serving it then reads the end of the stream."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def _await_close(self) -> None:
        while True:
            self.receive()  # messages after our close frame are dropped; the client's close frame ends this

    def _recv(self, timeout: float | None) -> bytes | None:
        try:
            return gevent.with_timeout(timeout, self.sock.recv, WS_RECV_BYTES, timeout_value=None)
        except OSError as exc:
            raise _Closed from exc

    def _on_event(self, event: WsEvent) -> None:
        if isinstance(event, (TextMessage, BytesMessage)):
            # Once our close frame is out, messages still arriving are dropped.
            if self._conn.state is ConnectionState.OPEN:
                self._add_part(event.data, event.message_finished)
        elif isinstance(event, Ping):
            self._send_event(event.response())
        elif isinstance(event, CloseConnection):
            # Answer the client's close, or tell it what wsproto found wrong, unless the stream has just ended.
            if self._conn.state is not ConnectionState.CLOSED:
                self._send_event(event.response())
            raise _Closed

    def _add_part(self, data: str | bytes | bytearray, finished: bool) -> None:
        self._size += len(data)
        if self._size > MAX_WS_MESSAGE:
            raise _PolicyClose(
                CloseReason.MESSAGE_TOO_BIG, f"messages are limited to {MAX_WS_MESSAGE} bytes or characters"
            )
        if isinstance(data, str):
            self._text.append(data)
        else:
            self._binary += data
        if finished:
            self._inbox.append("".join(self._text) if isinstance(data, str) else bytes(self._binary))
            self._text.clear()
            self._binary.clear()
            self._size = 0

    def _send_event(self, event: WsEvent) -> None:
        with self._send_lock:
            try:
                data = self._conn.send(event)
            except LocalProtocolError as exc:  # the connection is closing: nothing more may be sent
                raise _Closed from exc
            if gevent.with_timeout(WS_SEND_TIMEOUT_S, self._sendall, data, timeout_value=False):
                return
        # Part of a frame may have gone out: the stream cannot be trusted any more.
        self.drop()
        raise _Closed

    def _sendall(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True


WsHandler = Callable[[WebSocket], None]


def _run_session(ws: WebSocket, handler: WsHandler) -> None:
    """Serve one WebSocket to its end; no input can take the server down."""
    try:
        handler(ws)
    except _PolicyClose as exc:
        ws.close(exc.code, exc.reason)
    except _Closed:
        pass
    except Exception:
        log.exception("WebSocket handler failed")
        ws.close(CloseReason.INTERNAL_ERROR, "internal error")
    finally:
        _ws_slots.release()


def _json_object(message: str | bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(message)
    except (ValueError, RecursionError):  # deep nesting raises RecursionError
        return None
    return value if isinstance(value, dict) else None


def _handshake_error() -> tuple[Response, int] | None:
    """Why this request cannot become a WebSocket (RFC 6455, section 4.2.1), or None.

    Its Upgrade and Connection headers were checked by the routing: a `websocket=True` rule matches nothing else."""
    try:
        key_ok = len(base64.b64decode(request.headers.get("Sec-WebSocket-Key", ""), validate=True)) == 16
    except binascii.Error:
        key_ok = False
    if not key_ok:
        return _error("Sec-WebSocket-Key must be 16 bytes in base64", 400)
    if request.headers.get("Sec-WebSocket-Version") != "13":
        response, status = _error("only WebSocket version 13 is supported", 426)
        response.headers["Sec-WebSocket-Version"] = "13"
        return response, status
    if WS_SOCKET not in request.environ:
        return _error("WebSockets need the demo's own server: python examples/demo_app.py", 501)
    return None


def _accept(user: str | None, handler: WsHandler) -> ResponseReturnValue:
    """The 101 answer; the session runs when gevent closes this response, in the connection's greenlet."""
    if not _ws_slots.acquire(blocking=False):
        return _error(f"too many WebSockets (at most {MAX_WS_CONNECTIONS})", 503)
    ws = WebSocket(request.environ[WS_SOCKET], user)
    accept = generate_accept_token(request.headers["Sec-WebSocket-Key"].encode()).decode()
    response = Response(status=101, headers={"Upgrade": "websocket", "Connection": "Upgrade"})
    response.headers["Sec-WebSocket-Accept"] = accept
    del response.headers["Content-Type"]
    # gevent has written the 101 by the time it closes the response, so no frame can go out before it.
    response.call_on_close(lambda: _run_session(ws, handler))
    return response


def _echo(ws: WebSocket) -> None:
    while (message := ws.receive()) is not None:
        ws.send(message)


class _Quotes:
    """A random walk of one symbol's price; seq counts the quotes since the subscribe, from 1."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.seq = 0
        self.price = 10.0 + zlib.crc32(symbol.encode()) % 10_000 / 100

    def next(self) -> dict[str, Any]:
        self.seq += 1
        self.price = max(0.01, round(self.price * (1 + random.uniform(-0.01, 0.01)), 2))
        return {"type": "quote", "symbol": self.symbol, "price": self.price, "seq": self.seq}


def _subscription(ws: WebSocket, message: str | bytes) -> str | None:
    """The symbol a subscribe message asks for, acknowledged; or None, with an error sent back."""
    body = _json_object(message)
    if body is None or body.get("type") != "subscribe":
        ws.send_json({"type": "error", "message": 'expected {"type": "subscribe", "symbol": "..."}'})
        return None
    symbol = body.get("symbol")
    if not isinstance(symbol, str) or not SYMBOL.fullmatch(symbol):
        ws.send_json({"type": "error", "message": "symbol must be 1 to 16 letters, digits, dots or dashes"})
        return None
    ws.send_json({"type": "subscribed", "symbol": symbol})
    return symbol


def _feed(interval_s: float) -> WsHandler:
    def run(ws: WebSocket) -> None:
        # One greenlet both listens and pushes: it waits for a message until the next quote is due.
        quotes: _Quotes | None = None
        due = 0.0
        while True:
            message = ws.receive(None if quotes is None else max(0.0, due - time.monotonic()))
            if message is not None:
                symbol = _subscription(ws, message)
                if symbol is not None:
                    quotes, due = _Quotes(symbol), time.monotonic() + interval_s
            elif quotes is not None and time.monotonic() >= due:  # a timer may fire a little early
                ws.send_json(quotes.next())
                due = time.monotonic() + interval_s

    return run


def _broadcast(members: set[WebSocket], payload: dict[str, Any]) -> None:
    text = json.dumps(payload)
    # A copy: sending yields, and members may join or leave meanwhile. A member that fails is dropped by its send.
    for member in list(members):
        with contextlib.suppress(_Closed):
            member.send(text)


def _room_full(rooms: dict[str, set[WebSocket]], room: str) -> bool:
    members = rooms.get(room)
    return len(members) >= MAX_ROOM_MEMBERS if members is not None else len(rooms) >= MAX_ROOMS


def _chat(rooms: dict[str, set[WebSocket]], room: str) -> WsHandler:
    def run(ws: WebSocket) -> None:
        # Checked again: others may have joined while the 101 was on its way.
        if _room_full(rooms, room):
            raise _PolicyClose(CloseReason.TRY_AGAIN_LATER, "room is full")
        members = rooms.setdefault(room, set())
        members.add(ws)
        name = ws.user or "anon"
        try:
            _broadcast(members, {"type": "join", "user": name, "members": len(members)})
            while (message := ws.receive()) is not None:
                _chat_message(ws, members, name, message)
        finally:
            members.discard(ws)
            if not members:
                rooms.pop(room, None)
            _broadcast(members, {"type": "leave", "user": name, "members": len(members)})

    return run


def _chat_message(ws: WebSocket, members: set[WebSocket], name: str, message: str | bytes) -> None:
    if isinstance(message, bytes):
        ws.send_json({"type": "error", "message": "chat messages are text"})
    elif len(message) > MAX_CHAT_TEXT:
        ws.send_json({"type": "error", "message": f"chat messages are limited to {MAX_CHAT_TEXT} characters"})
    else:
        _broadcast(members, {"type": "message", "from": name, "text": message})


def _strict(ws: WebSocket) -> None:
    while (message := ws.receive()) is not None:
        body = _json_object(message)
        kind = body.get("type") if body is not None else None
        if not isinstance(kind, str):
            raise _PolicyClose(CloseReason.POLICY_VIOLATION, "expected JSON with a type")
        if kind == "drop":
            ws.drop()
            return
        ws.send_json({"type": "ok"})


def _register_ws(app: Flask, tokens: dict[str, str]) -> None:
    rooms: dict[str, set[WebSocket]] = {}

    def user() -> str | None:
        token = request.args.get("token") or _bearer_or_cookie()
        return tokens.get(token) if token else None

    @app.get("/ws/echo", websocket=True)
    def ws_echo() -> ResponseReturnValue:
        return _handshake_error() or _accept(None, _echo)

    @app.get("/ws/feed", websocket=True)
    def ws_feed() -> ResponseReturnValue:
        ms = _int_field(request.args.get("intervalMs", str(FEED_INTERVAL_MS)))
        if ms is None:
            return _error("intervalMs must be an integer", 400)
        name = user()
        if name is None:
            return _error("missing or invalid token", 401)
        low, high = FEED_INTERVAL_BOUNDS_MS
        return _handshake_error() or _accept(name, _feed(max(low, min(ms, high)) / 1000))

    @app.get("/ws/chat/<room>", websocket=True)
    def ws_chat(room: str) -> ResponseReturnValue:
        if not ROOM.fullmatch(room):
            return _error("room names are 1 to 32 letters, digits, dots, dashes or underscores", 400)
        if _room_full(rooms, room):
            return _error(f"room is full (at most {MAX_ROOM_MEMBERS} members, {MAX_ROOMS} rooms)", 503)
        return _handshake_error() or _accept(user(), _chat(rooms, room))

    @app.get("/ws/strict", websocket=True)
    def ws_strict() -> ResponseReturnValue:
        return _handshake_error() or _accept(None, _strict)


def create_app() -> Flask:
    """Build the demo app; each instance has its own tokens and carts."""
    app = Flask(__name__)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        # JSON errors everywhere (404, 405, ...) so load tests can assert on a single format.
        return _error((exc.name or "error").lower(), exc.code or 500)

    tokens: dict[str, str] = {}  # login token -> user, for the HTTP API and the WebSockets alike
    _register_api(app, tokens)
    _register_html(app)
    _register_misc(app)
    _register_ws(app, tokens)
    return app


class _Handler(WSGIHandler):
    """gevent's handler, lending the connection's socket to WebSocket upgrades."""

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ[WS_SOCKET] = self.socket
        return environ

    def handle_one_response(self) -> None:
        super().handle_one_response()
        if self.connection_upgraded:
            # The WebSocket has ended by now, and what may follow on the wire is not HTTP.
            self.close_connection = True


def _loopback_host(value: str) -> str:
    try:
        if ipaddress.ip_address(value).is_loopback:
            return value
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{value!r} is not a loopback address; use 127.0.0.0/8 or ::1")


def _listener(host: str, port: int) -> gevent.socket.socket:
    # Accepted sockets inherit TCP_NODELAY on Linux. Without it, a response written in two parts waits for
    # the client's delayed ACK (~40 ms) on every keep-alive request, and the demo looks 40x slower than it is.
    sock = gevent.socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Demo shop target application (loopback only).")
    parser.add_argument("--host", type=_loopback_host, default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=8080, help="TCP port (0 picks a free one)")
    args = parser.parse_args(argv)  # exits with code 2 on a non-loopback --host
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    # log=None silences the per-request access log; errors still reach error_log (stderr).
    server = WSGIServer(_listener(args.host, args.port), create_app(), log=None, handler_class=_Handler)
    server.start()
    host = f"[{args.host}]" if ":" in args.host else args.host
    log.info("serving http://%s:%d/", host, server.server_port)

    stop = Event()
    # Keep the handler objects referenced: once garbage-collected, the default (killing) action returns.
    handlers = [gevent.signal_handler(signum, stop.set) for signum in (signal.SIGTERM, signal.SIGINT)]
    stop.wait()
    for handler in handlers:
        handler.cancel()
    server.stop(timeout=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
