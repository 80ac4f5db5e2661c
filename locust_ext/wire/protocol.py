"""The names master, agents and workers share: Locust messages, environment variables, etcd keys and limits.

Each is defined here once; both ends import it, so a rename cannot leave one side behind.
"""

from __future__ import annotations

# Environment variables. An agent gives each Locust worker it starts these three; the worker's plugin reads them.
AGENT_ID_ENV = "LOCUST_FLEET_AGENT_ID"
WORKER_INDEX_ENV = "LOCUST_FLEET_WORKER_INDEX"
# The plan file the worker runs. Not --fleet-plan: Locust hands a worker the master's own options with its first
# spawn, which for a worker joining a running swarm comes before the init event that loads the plan.
WORKER_PLAN_ENV = "LOCUST_FLEET_WORKER_PLAN"
# Secrets read from the environment (keeps them out of `ps`), on the master and on agents alike.
TOKEN_ENV = "LOCUST_FLEET_TOKEN"
ETCD_PASSWORD_ENV = "LOCUST_FLEET_ETCD_PASSWORD"

# Locust messages between workers and the master (runner.send_message / register_message).
WORKER_MESSAGE = "fleet_worker"  # worker → master: {"agent", "index", "pid"}: which agent started it
SCREENSHOT_MESSAGE = "fleet_screenshot"  # worker → master: a kept screenshot (see browser.screenshots)
RATE_MESSAGE = "fleet_rate"  # master → workers: {"rps"}: this worker's share of the target rate
RATE_REQUEST_MESSAGE = "fleet_rate_request"  # worker → master, once set up: send me my share now

# etcd keys, under the prefix (--fleet-prefix, --prefix).
DEFAULT_PREFIX = "/locust-fleet/"
AGENTS_KEY = "agents/"  # <prefix>agents/<id>: an agent's record, under its lease
PLANS_KEY = "plans/"  # <prefix>plans/<name>: a saved plan's JSON
CALIBRATIONS_KEY = "calibrations/"  # <prefix>calibrations/<plan>: the plan's latest calibration
RUNS_KEY = "runs/"  # <prefix>runs/<plan>/<run>: a run's record (the history)
RUN_INDEX_KEY = "runindex/"  # <prefix>runindex/<plan>/<run>: the record's few fields a list shows
BASELINES_KEY = "baselines/"  # <prefix>baselines/<plan>: the id of the plan's baseline run

# The most Locust workers one agent starts for one deploy (InitBoomer's `processes`; 0 lets the agent decide).
MAX_PROCESSES = 256


def agents_prefix(prefix: str) -> str:
    return f"{prefix}{AGENTS_KEY}"


def plans_prefix(prefix: str) -> str:
    return f"{prefix}{PLANS_KEY}"


def calibrations_prefix(prefix: str) -> str:
    return f"{prefix}{CALIBRATIONS_KEY}"


def runs_prefix(prefix: str) -> str:
    return f"{prefix}{RUNS_KEY}"


def run_index_prefix(prefix: str) -> str:
    return f"{prefix}{RUN_INDEX_KEY}"


def baselines_prefix(prefix: str) -> str:
    return f"{prefix}{BASELINES_KEY}"
