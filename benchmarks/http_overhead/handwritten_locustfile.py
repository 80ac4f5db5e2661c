"""Contestant B of the http_overhead benchmark: by hand, what benchmarks/http_overhead/plan.json asks the plan user.

One GET of /token.json per iteration, the token saved from the JSON body, a failure on any status but 200 or a
missing token. Run by run.py as `locust -f handwritten_locustfile.py --headless ...`.
"""

from locust import FastHttpUser, task


class HandwrittenUser(FastHttpUser):
    token: str | None = None

    @task
    def get_token(self) -> None:
        with self.client.get("/token.json", name="token", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}, expected 200")
                return
            try:
                self.token = response.json()["token"]
            except (ValueError, KeyError, TypeError):
                response.failure("no token in the body")
