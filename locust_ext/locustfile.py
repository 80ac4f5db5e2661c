"""The locustfile `locust-fleet` hands to Locust: the plugin and the plan's user classes."""

from locust_ext import plugin  # noqa: F401  (registers the --fleet-* options and the plan listeners)
from locust_ext.browser_user import PlanBrowserUser
from locust_ext.http_user import PlanHttpUser

__all__ = ["PlanBrowserUser", "PlanHttpUser"]
