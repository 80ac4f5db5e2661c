"""The master: what only the Locust master runs to drive a fleet.

What may live here: discovery of agents (an etcd watch), the plan store, dispatch to agents over gRPC, the
fleet's deploy and release, try once (the one module that imports httpx), and the web layer in `web/`.
"""
