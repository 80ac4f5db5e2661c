"""The locustfile `locust-fleet` hands to Locust: the plugin and the plan's user classes."""

from locust_ext import PlanBrowserUser, PlanHttpUser

__all__ = ["PlanBrowserUser", "PlanHttpUser"]
