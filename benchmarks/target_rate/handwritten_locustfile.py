"""Locust's own pacing, the peer of the target_rate benchmark: `constant_throughput` per user.

Each of N users aims at target / N iterations per second; the latency profile comes from the environment
(TARGET_RATE_JITTER=1: 10 to 150 ms, else a flat 20 ms), as in run.py's plan. Run by run.py.
"""

import os
import random

from locust import FastHttpUser, constant_throughput, task

TARGET_RPS = float(os.environ["TARGET_RATE_RPS"])
USERS = int(os.environ["TARGET_RATE_USERS"])
JITTER = os.environ.get("TARGET_RATE_JITTER") == "1"


class PacedUser(FastHttpUser):
    wait_time = constant_throughput(TARGET_RPS / USERS)

    @task
    def slow(self) -> None:
        ms = random.randint(10, 150) if JITTER else 20
        self.client.get(f"/slow?ms={ms}", name="slow")
