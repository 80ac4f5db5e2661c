"""Discovery: the live agents under `<prefix>agents/`, kept current by an etcd watch (never polling).

The directory lists once, then watches from the listed revision, so a change shows within the watch's
latency. When etcd goes away it says so (`error`), keeps the last known agents, and lists again with
backoff until etcd is back; it never stops the master. `agent_changed` fires for every agent put or gone
(`agent_id`, `agent`: its JSON, None when it left), after the directory has changed.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import gevent
from locust.event import EventHook

from locust_ext.wire.etcd import Change, Entry, Etcd, EtcdUnavailable
from locust_ext.wire.protocol import agents_prefix

logger = logging.getLogger(__name__)
_BACKOFF_MIN_S = 0.5
_BACKOFF_MAX_S = 5.0


class AgentDirectory:
    def __init__(self, etcd: Etcd, prefix: str) -> None:
        self.etcd = etcd
        self.key_prefix = agents_prefix(prefix)
        self.agents: dict[str, dict[str, Any]] = {}
        self.error: str | None = "discovery is starting"
        self._outage_kind = ""
        self._last_healthy = 0.0
        self._greenlet: gevent.Greenlet | None = None
        self._cancel_watch = None
        self.agent_changed = EventHook()

    def start(self) -> None:
        self._greenlet = gevent.spawn(self._run)

    def stop(self) -> None:
        if self._cancel_watch is not None:
            self._cancel_watch()
        if self._greenlet is not None:
            self._greenlet.kill(block=False)

    @property
    def available(self) -> bool:
        return self.error is None

    def list(self) -> list[dict[str, Any]]:
        """The agents, each with `lastSeen`: now while etcd confirms them, else when it last did."""
        seen = time.time() if self.available else self._last_healthy
        last_seen = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seen))
        return [{**agent, "lastSeen": last_seen} for _, agent in sorted(self.agents.items())]

    def get(self, agent_id: str) -> dict[str, Any] | None:
        return self.agents.get(agent_id)

    def _run(self) -> None:
        backoff = _BACKOFF_MIN_S
        while True:
            try:
                entries, revision = self.etcd.get_prefix(self.key_prefix)
                self._replace(entries)
                self._mark_healthy()
                backoff = _BACKOFF_MIN_S
                changes, self._cancel_watch = self.etcd.watch_prefix(self.key_prefix, revision + 1)
                for change in changes:
                    self._apply(change)
                    self._last_healthy = time.time()
            except EtcdUnavailable as error:
                self._mark_unavailable(str(error), error.hint)
            except Exception as error:  # discovery must outlive any surprise; the master never stops for it
                logger.exception("discovery failed unexpectedly; retrying")
                self._mark_unavailable(repr(error), repr(error))
            gevent.sleep(backoff)
            backoff = min(backoff * 2, _BACKOFF_MAX_S)

    def _mark_healthy(self) -> None:
        if self.error is not None and self._last_healthy:
            logger.info("etcd is back; %d agent(s) listed", len(self.agents))
        self.error = None
        self._last_healthy = time.time()

    def _mark_unavailable(self, reason: str, kind: str) -> None:
        """`error` always says the latest reason; the log, each new kind of outage (see EtcdUnavailable.hint)."""
        if self.error is None or kind != self._outage_kind:
            logger.warning("discovery unavailable: %s; retrying with backoff", reason)
        self._outage_kind = kind
        self.error = f"discovery unavailable: {reason}"

    def _replace(self, entries: list[Entry]) -> None:
        agents = {}
        for entry in entries:
            agent = _decode(entry.key, entry.value)
            if agent is not None:
                agents[agent["id"]] = agent
        gone = self.agents.keys() - agents.keys()
        self.agents = agents
        for agent_id in gone:
            self.agent_changed.fire(agent_id=agent_id, agent=None)
        for agent_id, agent in agents.items():
            self.agent_changed.fire(agent_id=agent_id, agent=agent)

    def _apply(self, change: Change) -> None:
        agent_id = change.key[len(self.key_prefix) :]
        if change.value is None:
            self.agents.pop(agent_id, None)
            self.agent_changed.fire(agent_id=agent_id, agent=None)
            return
        agent = _decode(change.key, change.value)
        if agent is not None:
            self.agents[agent["id"]] = agent
            self.agent_changed.fire(agent_id=agent["id"], agent=agent)


def _decode(key: str, value: str) -> dict[str, Any] | None:
    try:
        agent = json.loads(value)
    except ValueError:
        agent = None
    if not isinstance(agent, dict) or not isinstance(agent.get("id"), str) or not isinstance(agent.get("address"), str):
        logger.warning("ignoring %s: its value is not an agent's JSON (id and address)", key)
        return None
    return agent
