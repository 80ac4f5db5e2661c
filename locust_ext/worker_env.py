"""The environment an agent gives each Locust worker it starts; the plugin in the worker reads it."""

AGENT_ID_ENV = "LOCUST_FLEET_AGENT_ID"
WORKER_INDEX_ENV = "LOCUST_FLEET_WORKER_INDEX"
