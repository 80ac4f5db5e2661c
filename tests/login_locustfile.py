"""locust-fleet's locustfile with Locust's `--web-login` set up, the way Locust documents it: one user whose
password comes from FLEET_TEST_PASSWORD, a form posted to /login_submit, and Flask-Login's session cookie."""

from __future__ import annotations

import os
from typing import Any

from flask import redirect, request, url_for
from flask_login import UserMixin, login_user
from locust import events

from locust_ext import PlanBrowserUser, PlanHttpUser

__all__ = ["PlanBrowserUser", "PlanHttpUser"]
USERNAME = "operator"


class Operator(UserMixin):
    def __init__(self, username: str) -> None:
        self.id = username


@events.init.add_listener
def add_login(environment: Any, **_kwargs: Any) -> None:
    web_ui = environment.web_ui
    if web_ui is None:
        return
    web_ui.login_manager.user_loader(lambda username: Operator(username) if username == USERNAME else None)
    web_ui.auth_args = {"username_password_callback": "/login_submit"}
    web_ui.app.secret_key = os.urandom(32)  # Flask-Login keeps the login in a signed session cookie

    @web_ui.app.route("/login_submit", methods=["POST"])
    def login_submit() -> Any:
        password = os.environ["FLEET_TEST_PASSWORD"]
        if request.form.get("username") == USERNAME and request.form.get("password") == password:
            login_user(Operator(USERNAME))
            return redirect(url_for("locust.index"))
        return redirect(url_for("locust.login"))
