"""Target rate in one process: the pacer's slots, and what a standalone process reports about its target."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import gevent
import pytest
from locust import User, constant, task
from locust.env import Environment

from locust_ext.users import pacing
from locust_ext.users.pacing import Pacer, TargetRate

pytestmark = pytest.mark.unit


class Idle(User):
    wait_time = constant(1)

    @task
    def nothing(self) -> None:
        pass


@pytest.fixture
def environment() -> Iterator[Environment]:
    environment = Environment(user_classes=[Idle])
    runner = environment.create_local_runner()
    try:
        yield environment
    finally:
        runner.quit()


def slot_times(pacer: Pacer, count: int) -> list[float]:
    times = []
    for _ in range(count):
        pacer.wait()
        times.append(time.monotonic())
    return times


def paced(times: list[float], rate: float) -> bool:
    """Whether the k-th request went no earlier than k slots after the first (a slot of timer jitter allowed)."""
    first, *later = sorted(times)
    return all(at - first >= (k - 1) / rate for k, at in enumerate(later, start=1))


def test_a_pacer_without_a_rate_never_waits() -> None:
    other_greenlet_ran: list[bool] = []
    gevent.spawn(other_greenlet_ran.append, True)
    pacer = Pacer()
    for _ in range(1000):
        pacer.wait()
    assert other_greenlet_ran == []
    gevent.sleep(0)
    assert other_greenlet_ran == [True]


def test_slots_are_one_over_the_rate_apart() -> None:
    pacer = Pacer()
    pacer.set_rate(40)
    times = slot_times(pacer, 8)
    assert paced(times, 40)


def test_a_stretch_without_requests_is_not_made_up_by_a_burst() -> None:
    pacer = Pacer()
    pacer.set_rate(40)
    slot_times(pacer, 2)
    gevent.sleep(0.2)
    assert paced(slot_times(pacer, 4), 40)


def test_users_sharing_a_pacer_get_slots_of_their_own() -> None:
    pacer = Pacer()
    pacer.set_rate(50)
    times: list[float] = []

    def user() -> None:
        times.extend(slot_times(pacer, 3))

    gevent.joinall([gevent.spawn(user) for _ in range(4)])
    assert len(times) == 12
    assert paced(times, 50)


def test_a_rate_set_back_to_zero_stops_pacing() -> None:
    pacer = Pacer()
    pacer.set_rate(1)
    pacer.wait()
    pacer.set_rate(0)
    other_greenlet_ran: list[bool] = []
    gevent.spawn(other_greenlet_ran.append, True)
    pacer.wait()
    assert other_greenlet_ran == []


def test_a_standalone_process_paces_at_the_whole_target(environment: Environment) -> None:
    pacer = Pacer()
    TargetRate(environment, pacer).set_target(250)
    assert pacer.rate == 250


def test_the_current_rate_follows_the_requests_completed(environment: Environment) -> None:
    target = TargetRate(environment, Pacer())
    target.set_target(50)
    started = time.monotonic()
    for _ in range(8):
        for _ in range(20):
            environment.stats.log_request("GET", "/items", 5, 10)
        gevent.sleep(0.125)
    sent_rate = 160 / (time.monotonic() - started)
    assert 0.5 * sent_rate < target.current() < 1.5 * sent_rate
    summary = target.summary()
    assert summary["targetRps"] == 50
    assert summary["reached"] is True
    assert summary["achievedRps"] > 0


def test_without_requests_the_current_rate_is_zero_and_a_high_target_is_not_reached(environment: Environment) -> None:
    target = TargetRate(environment, Pacer())
    target.set_target(1000)
    gevent.sleep(0.3)
    assert target.current() == 0.0
    assert target.summary() == {"targetRps": 1000, "currentRps": 0.0, "achievedRps": 0.0, "reached": False}


def test_without_a_target_the_summary_says_so(environment: Environment) -> None:
    assert TargetRate(environment, Pacer()).summary() == {
        "targetRps": None,
        "currentRps": 0.0,
        "achievedRps": 0.0,
        "reached": None,
    }


def test_the_end_of_a_run_says_a_target_was_held(environment: Environment, caplog: pytest.LogCaptureFixture) -> None:
    TargetRate(environment, Pacer()).set_target(1)
    gevent.sleep(0.05)
    for _ in range(20):
        environment.stats.log_request("GET", "/items", 5, 10)
    with caplog.at_level(logging.INFO, logger=pacing.__name__):
        environment.events.test_stop.fire(environment=environment)
    [record] = [record for record in caplog.records if record.name == pacing.__name__]
    assert record.levelno == logging.INFO
    assert record.getMessage().startswith("target 1 req/s held: ")


def test_the_end_of_a_run_says_a_target_was_not_reached(
    environment: Environment, caplog: pytest.LogCaptureFixture
) -> None:
    TargetRate(environment, Pacer()).set_target(100)
    environment.stats.log_request("GET", "/items", 5, 10)
    gevent.sleep(0.2)
    environment.stats.log_request("GET", "/items", 5, 10)
    with caplog.at_level(logging.INFO, logger=pacing.__name__):
        environment.events.test_stop.fire(environment=environment)
    [record] = [record for record in caplog.records if record.name == pacing.__name__]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert message.startswith("target 100 req/s not reached: ")
    assert message.endswith(" %); add users or workers")


def test_a_run_without_a_target_reports_nothing(environment: Environment, caplog: pytest.LogCaptureFixture) -> None:
    TargetRate(environment, Pacer())
    with caplog.at_level(logging.INFO, logger=pacing.__name__):
        environment.events.test_stop.fire(environment=environment)
    assert [record for record in caplog.records if record.name == pacing.__name__] == []
