"""A master and its workers, as real Locust runners in this process: the target rate split, and user ids per worker."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import gevent
import pytest
from locust import User, constant, task
from locust.env import Environment
from locust.runners import WorkerRunner

from locust_ext.users import pacing
from locust_ext.users.base import next_user_id
from locust_ext.users.pacing import Pacer, TargetRate

pytestmark = pytest.mark.unit


class Idle(User):
    wait_time = constant(1)

    @task
    def nothing(self) -> None:
        pass


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    """Poll on gevent's hub (the runners' greenlets must run meanwhile)."""
    with gevent.Timeout(timeout, AssertionError(f"not within {timeout:g} s: {what}")):
        while not condition():
            gevent.sleep(0.05)


def worker_runner(worker: Environment) -> WorkerRunner:
    runner = worker.runner
    assert isinstance(runner, WorkerRunner), f"expected a worker runner, got {runner!r}"
    return runner


class Fleet:
    def __init__(self) -> None:
        self.master = Environment(user_classes=[Idle])
        self.master_runner = self.master.create_master_runner("127.0.0.1", 0)
        self.workers: list[Environment] = []

    def add_worker(self) -> Environment:
        worker = Environment(user_classes=[Idle])
        worker.create_worker_runner("127.0.0.1", self.master_runner.server.port)
        self.workers.append(worker)
        return worker

    def quit_worker(self, worker: Environment) -> None:
        """What a worker process does when it quits: tell the master (Locust's `quitting` event), then stop."""
        worker.events.quitting.fire(environment=worker, reverse=True)
        worker_runner(worker).quit()
        self.workers.remove(worker)

    def connected(self) -> int:
        return len(self.master_runner.clients)

    def close(self) -> None:
        for worker in self.workers:
            worker_runner(worker).quit()
        self.master_runner.quit()


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    fleet = Fleet()
    try:
        yield fleet
    finally:
        fleet.close()


def test_the_master_splits_the_target_among_workers_and_again_when_one_leaves(
    fleet: Fleet, caplog: pytest.LogCaptureFixture
) -> None:
    master_pacer = Pacer()
    master_rate = TargetRate(fleet.master, master_pacer)
    pacers = [Pacer(), Pacer()]
    worker_rates = [TargetRate(fleet.add_worker(), pacer) for pacer in pacers]
    for rate in worker_rates:
        rate.set_target(300)
    assert [pacer.rate for pacer in pacers] == [300, 300]
    wait_for(lambda: fleet.connected() == 2, "both workers connected")
    try:
        with caplog.at_level(logging.INFO, logger=pacing.__name__):
            master_rate.set_target(300)
            wait_for(lambda: [pacer.rate for pacer in pacers] == [150, 150], "each worker paced at half the target")
        assert "target 300 req/s: 150 req/s for each of 2 workers" in caplog.messages
        assert master_pacer.rate == 0
        fleet.quit_worker(fleet.workers[1])
        wait_for(lambda: pacers[0].rate == 300, "the remaining worker paced at the whole target")
    finally:
        master_rate.set_target(0)


def test_user_ids_on_a_worker_start_at_its_index_times_a_million(fleet: Fleet) -> None:
    workers = [fleet.add_worker(), fleet.add_worker()]
    wait_for(lambda: all(worker_runner(worker).worker_index >= 0 for worker in workers), "both workers got their index")
    indexes = sorted(worker_runner(worker).worker_index for worker in workers)
    assert indexes == [0, 1]
    for worker in workers:
        first, second = next_user_id(worker), next_user_id(worker)
        assert first // 1_000_000 == second // 1_000_000 == worker_runner(worker).worker_index
        assert second > first


def test_user_ids_in_a_standalone_process_count_from_one_without_an_offset() -> None:
    environment = Environment(user_classes=[Idle])
    runner = environment.create_local_runner()
    try:
        first, second = next_user_id(environment), next_user_id(environment)
    finally:
        runner.quit()
    assert 1 <= first < second < 1_000_000
