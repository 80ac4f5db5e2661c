"""Contestant C of the ws_overhead benchmark: the hand-written user of handwritten_locustfile.py in a process that
loads the locust-fleet plugin (its listeners, greenlets and set-up, a plan loaded but not run), so that the gap
between the plan and the hand-written user splits into what the plugin's process costs and what the plan's steps
cost. Run by run.py as `locust -f handwritten_in_plugin_locustfile.py --fleet-plan plan.json`.
"""

from handwritten_locustfile import HandwrittenUser

import locust_ext  # noqa: F401  (registers the plugin, as locust-fleet's own locustfile does)

__all__ = ["HandwrittenUser"]
