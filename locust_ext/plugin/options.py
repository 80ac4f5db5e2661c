"""The `--fleet-*` options, added to Locust's parser (so they also show in its web UI and read env vars)."""

from __future__ import annotations

from typing import Any

from locust import events

from locust_ext.wire.protocol import DEFAULT_PREFIX, ETCD_PASSWORD_ENV, TOKEN_ENV


@events.init_command_line_parser.add_listener
def add_arguments(parser: Any) -> None:
    group = parser.add_argument_group("locust-fleet", "Run a locust-fleet plan (see docs/PLAN_FORMAT.md)")
    group.add_argument(
        "--fleet-plan",
        metavar="PATH",
        default="",
        env_var="LOCUST_FLEET_PLAN",
        help="Plan JSON file to run; validated at start, a bad plan exits with code 2 before any load",
    )
    group.add_argument(
        "--fleet-etcd",
        metavar="HOST:PORT[,HOST:PORT...]",
        default="127.0.0.1:2379",
        env_var="LOCUST_FLEET_ETCD",
        help="etcd endpoints where agents announce themselves (master only); 'none' disables discovery",
    )
    group.add_argument("--fleet-prefix", default=DEFAULT_PREFIX, env_var="LOCUST_FLEET_PREFIX", help="etcd key prefix")
    group.add_argument(
        "--fleet-agents",
        metavar="all|KEY=VALUE,...|ID,ID...",
        default="",
        env_var="LOCUST_FLEET_AGENTS",
        help="Deploy --fleet-plan to these agents (all, those with these labels, or these ids) at start and release "
        "them at quit (master only)",
    )
    group.add_argument(
        "--fleet-elastic",
        action="store_true",
        default=False,
        env_var="LOCUST_FLEET_ELASTIC",
        help="With --fleet-agents all or labels: agents that register during the run and match join it",
    )
    group.add_argument(
        "--fleet-calibration-json",
        metavar="PATH",
        default="",
        env_var="LOCUST_FLEET_CALIBRATION_JSON",
        help="Write the result of the plan's calibration (load.calibrate) to this JSON file when it ends",
    )
    group.add_argument(
        "--fleet-report",
        metavar="PATH",
        default="",
        env_var="LOCUST_FLEET_REPORT",
        help="Write the run's record (steps, pages, thresholds, a series every 5 s) to this JSON file as it goes",
    )
    group.add_argument(
        "--fleet-baseline",
        metavar="PATH",
        default="",
        env_var="LOCUST_FLEET_BASELINE",
        help="A --fleet-report file of an earlier run of the plan: compared with at the end, figure by figure",
    )
    group.add_argument(
        "--fleet-fail-on-regression",
        metavar="PCT",
        type=float,
        default=0.0,
        env_var="LOCUST_FLEET_FAIL_ON_REGRESSION",
        help="With --fleet-baseline: exit 4 when a figure is more than PCT %% worse than the baseline's",
    )
    group.add_argument(
        "--fleet-keep-runs",
        metavar="N",
        type=int,
        default=200,
        env_var="LOCUST_FLEET_KEEP_RUNS",
        help="Runs kept in the history per plan (master with etcd); the oldest go first, never the baseline",
    )
    group.add_argument(
        "--fleet-tls-ca",
        metavar="PEM",
        default="",
        env_var="LOCUST_FLEET_TLS_CA",
        help="Call agents over TLS, trusting certificates signed by this CA (the agents' --tls-ca side)",
    )
    group.add_argument(
        "--fleet-tls-cert",
        metavar="PEM",
        default="",
        env_var="LOCUST_FLEET_TLS_CERT",
        help="Mutual TLS: the certificate this master shows agents started with --tls-ca",
    )
    group.add_argument(
        "--fleet-tls-key", metavar="PEM", default="", env_var="LOCUST_FLEET_TLS_KEY", help="The key of --fleet-tls-cert"
    )
    group.add_argument("--fleet-etcd-user", default="", env_var="LOCUST_FLEET_ETCD_USER", help="etcd user")
    group.add_argument("--fleet-etcd-ca", metavar="PEM", default="", help="Talk TLS to etcd, trusting this CA")
    group.add_argument("--fleet-etcd-cert", metavar="PEM", default="", help="Client certificate for etcd")
    group.add_argument("--fleet-etcd-key", metavar="PEM", default="", help="The key of --fleet-etcd-cert")
    # On the parser itself, not the group: only Locust's own add_argument can keep a secret out of its web UI.
    parser.add_argument(
        "--fleet-etcd-password",
        default="",
        env_var=ETCD_PASSWORD_ENV,
        help="locust-fleet: the password of --fleet-etcd-user (prefer the environment)",
        include_in_web_ui=False,
    )
    parser.add_argument(
        "--fleet-token",
        default="",
        env_var=TOKEN_ENV,
        help="locust-fleet: the token agents started with --token require on every call (prefer the environment)",
        include_in_web_ui=False,
    )
    parser.add_argument(
        "--fleet-metrics-token",
        default="",
        env_var="LOCUST_FLEET_METRICS_TOKEN",
        help="locust-fleet: with --web-login, the bearer token a Prometheus scrape of /metrics must send",
        include_in_web_ui=False,
    )
    group.add_argument(
        "--fleet-advertise-host",
        default="127.0.0.1",
        env_var="LOCUST_FLEET_ADVERTISE_HOST",
        help="The address agents' workers use to reach this master (its --master-bind-port is used)",
    )
