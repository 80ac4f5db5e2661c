"""What every Locust process runs: the user classes that replay a plan, and the load they make.

What may live here: the HTTP and browser users and what they share (`base`), pacing to a target rate, load
shapes, calibration and web vitals. Code here runs in the master, in workers and standalone, under gevent;
it reaches the browser only through `locust_ext.browser`, never Playwright directly.
"""
