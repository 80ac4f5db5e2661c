"""Contestant B of the ws_overhead benchmark: by hand, what benchmarks/ws_overhead/plan.json asks the plan user.

One connection per user, kept; each iteration sends one text message and waits for the message that contains
"round trips", reporting what the plan user reports: a `messages sent` row, a `messages received` row per message
read, and the `echo` row with the round trip. The same library and settings as the plan's runtime (websocket-client
on gevent's sockets, UTF-8 validation left to the server). Run by run.py as `locust -f handwritten_locustfile.py`.
"""

import time

import websocket
from locust import User, task

MESSAGE = "a hundred bytes of text, as a chat message or a small quote would be, for the round trips measured here!"


class HandwrittenUser(User):
    def on_start(self) -> None:
        url = (self.host or "").replace("http://", "ws://", 1) + "/ws/echo"
        started = time.perf_counter()
        self.socket = websocket.WebSocket(skip_utf8_validation=True)
        self.socket.connect(url, timeout=30)
        self.report("connect", started)

    def on_stop(self) -> None:
        self.socket.close()

    @task
    def echo(self) -> None:
        self.socket.send(MESSAGE)
        sent = time.perf_counter()
        self.report("messages sent", sent, 0)
        self.socket.settimeout(5)
        while True:
            message = self.socket.recv()
            self.report("messages received", time.perf_counter(), 0)
            if isinstance(message, str) and "round trips" in message:
                self.report("echo", sent)
                return

    def report(self, name: str, started: float, response_time: float | None = None) -> None:
        elapsed = (time.perf_counter() - started) * 1000 if response_time is None else response_time
        self.environment.events.request.fire(
            request_type="WS", name=name, response_time=elapsed, response_length=0, exception=None, context={}
        )
