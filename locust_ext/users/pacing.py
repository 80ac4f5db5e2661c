"""Target request rate: each process paces its HTTP requests, and the master splits the plan's target among workers.

A process's pacer (see process.py) hands out request slots `1/rate` apart (a virtual-time token bucket: no burst,
and a slow stretch is not made up later, so a target the users cannot reach is never overshot afterwards). Every
HTTP step waits for a slot before it is sent. The master sends each worker its share (`fleet_rate`) when workers come or
go, and again every few seconds so a restarted worker gets its share too.
"""

from __future__ import annotations

import collections
import itertools
import logging
import time
from typing import Any

import gevent
from locust.runners import MasterRunner, WorkerRunner

from locust_ext.wire.protocol import RATE_MESSAGE, RATE_REQUEST_MESSAGE

logger = logging.getLogger(__name__)
SPLIT_CHECK_S = 0.5
SPLIT_RESEND_S = 3.0
# Below this share of the target, the run says the target was not reached.
REACHED_SHARE = 0.95
# The current rate is measured over this window, from counts sampled every RATE_SAMPLE_S.
RATE_WINDOW_S = 10
RATE_SAMPLE_S = 0.25


class Pacer:
    """Spaces this process's requests to `rate` per second (0: no pacing)."""

    def __init__(self) -> None:
        self.rate = 0.0
        self._interval = 0.0
        self._next_slot = 0.0

    def set_rate(self, rate: float) -> None:
        self.rate = rate
        self._interval = 1.0 / rate if rate > 0 else 0.0

    def wait(self) -> None:
        if not self._interval:
            return
        now = time.monotonic()
        slot = max(self._next_slot, now)
        self._next_slot = slot + self._interval
        if slot > now:
            gevent.sleep(slot - now)


class RateSplitter:
    """On the master: the plan's target split evenly among the connected workers."""

    def __init__(self, runner: MasterRunner) -> None:
        self.runner = runner
        self.target = 0.0
        self._sent: tuple[float, int] | None = None
        self._sent_at = 0.0
        runner.register_message(RATE_REQUEST_MESSAGE, self._on_rate_request)
        gevent.spawn(self._run)

    def _on_rate_request(self, msg: Any, **_kwargs: Any) -> None:
        """A worker that joined a running swarm missed the share sent as it connected (it was not set up yet)."""
        workers = self._counted_workers()
        if workers and self.target:
            self.runner.send_message(RATE_MESSAGE, {"rps": self.target / workers}, client_id=msg.node_id)

    def _counted_workers(self) -> int:
        return sum(1 for client in self.runner.clients.values() if client.state != "missing")

    def _run(self) -> None:
        while True:
            self.split()
            gevent.sleep(SPLIT_CHECK_S)

    def split(self) -> None:
        workers = self._counted_workers()
        if not workers or not self.target:
            self._sent = None
            return
        now = time.monotonic()
        if self._sent == (self.target, workers) and now - self._sent_at < SPLIT_RESEND_S:
            return
        share = self.target / workers
        if self._sent != (self.target, workers):
            logger.info("target %g req/s: %g req/s for each of %d workers", self.target, share, workers)
        self.runner.send_message(RATE_MESSAGE, {"rps": share})
        self._sent, self._sent_at = (self.target, workers), now


class TargetRate:
    """The plan's target rate in this process: paced here (standalone, worker) or split among workers (master)."""

    def __init__(self, environment: Any, pacer: Pacer) -> None:
        self.environment = environment
        self.pacer = pacer
        self.target = 0.0
        runner = environment.runner
        self.splitter = RateSplitter(runner) if isinstance(runner, MasterRunner) else None
        window = int(RATE_WINDOW_S / RATE_SAMPLE_S) + 1
        self._samples: collections.deque[tuple[float, int]] = collections.deque(maxlen=window)
        if isinstance(runner, WorkerRunner):
            runner.register_message(RATE_MESSAGE, self._on_rate_message)
            runner.send_message(RATE_REQUEST_MESSAGE)
        else:
            environment.events.test_stop.add_listener(self.report)
        self._sampler: gevent.Greenlet | None = None

    def _on_rate_message(self, msg: Any, **_kwargs: Any) -> None:
        """The master's `fleet_rate` message: this worker's share of the target (Locust passes keyword arguments)."""
        self.pacer.set_rate(float(msg.data["rps"]))

    def _sample(self) -> None:
        # Locust's own current_rps averages 10 s ending 2 s ago: too slow to say whether a target holds now.
        while True:
            self._samples.append((time.monotonic(), self.environment.stats.total.num_requests))
            gevent.sleep(RATE_SAMPLE_S)

    def current(self) -> float:
        """Requests per second over the last RATE_WINDOW_S seconds.

        A master's counts grow in steps, when worker reports arrive (every 3 s): the rate is taken between the
        first and the last step seen in the window, so whole report intervals are measured.
        """
        steps = [later for earlier, later in itertools.pairwise(self._samples) if later[1] != earlier[1]]
        if len(steps) < 2:
            return 0.0
        (first_at, first_count), (last_at, last_count) = steps[0], steps[-1]
        return (last_count - first_count) / (last_at - first_at)

    def set_target(self, rps: float) -> None:
        """A worker paces at the whole target until the master sends its share."""
        self.target = rps
        if rps and self._sampler is None and not isinstance(self.environment.runner, WorkerRunner):
            self._sampler = gevent.spawn(self._sample)
        if self.splitter is not None:
            self.splitter.target = rps
        else:
            self.pacer.set_rate(rps)

    def achieved(self) -> float:
        total = self.environment.stats.total
        elapsed = (total.last_request_timestamp or total.start_time) - total.start_time
        return total.num_requests / elapsed if elapsed > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        """The target, the rate right now and over the run, and whether the current rate holds the target."""
        current = self.current()
        return {
            "targetRps": self.target or None,
            "currentRps": round(current, 1),
            "achievedRps": round(self.achieved(), 1),
            "reached": current >= REACHED_SHARE * self.target if self.target else None,
        }

    def report(self, **_kwargs: Any) -> None:
        if not self.target:
            return
        achieved = self.achieved()
        share = achieved / self.target
        if share < REACHED_SHARE:
            message = "target %g req/s not reached: %.1f req/s achieved (%.0f %%); add users or workers"
            logger.warning(message, self.target, achieved, share * 100)
        else:
            logger.info("target %g req/s held: %.1f req/s achieved", self.target, achieved)
