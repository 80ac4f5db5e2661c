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

[auth]: ``Authorization: Bearer <token>`` or the ``session`` cookie set by /login.
"""

from __future__ import annotations

import argparse
import html
import ipaddress
import logging
import math
import random
import re
import secrets
import signal
import socket
import sys
import uuid
import xml.etree.ElementTree as ET
from typing import Any

import gevent
import gevent.socket
from flask import Flask, Response, g, jsonify, redirect, request
from flask.typing import ResponseReturnValue
from gevent.event import Event
from gevent.pywsgi import WSGIServer
from werkzeug.exceptions import HTTPException

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


def _register_api(app: Flask) -> None:
    tokens: dict[str, str] = {}
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


def create_app() -> Flask:
    """Build the demo app; each instance has its own tokens and carts."""
    app = Flask(__name__)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        # JSON errors everywhere (404, 405, ...) so load tests can assert on a single format.
        return _error((exc.name or "error").lower(), exc.code or 500)

    _register_api(app)
    _register_html(app)
    _register_misc(app)
    return app


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
    server = WSGIServer(_listener(args.host, args.port), create_app(), log=None)
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
