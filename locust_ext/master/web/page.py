"""The fleet page: the built front end (`web_ui/`, built into `dist/` beside this module, and so into the wheel)
under `<web base path>/fleet/`, behind Locust's login
(`--web-login`: a visitor who has not logged in is sent to Locust's login page).

The page is a single-page app; the plugin also adds a "Fleet" link to Locust's own page, so the two are one
click apart. A missing build answers 503 with what to run, not a blank page.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, redirect, request, send_from_directory, url_for

BUILD_DIR = Path(os.environ.get("LOCUST_FLEET_WEB_UI", Path(__file__).resolve().with_name("dist")))
LINK_SCRIPT = "locust-link.js"
_NOT_BUILT = "The fleet page is not built: run ./scripts/install.sh (it builds web_ui/ with npm).\n"


def create_page_blueprint(base_path: str, logged_in: Callable[[], bool]) -> Blueprint:
    page = Blueprint("fleet_page", __name__, url_prefix=f"{base_path}/fleet")

    @page.before_request
    def require_login() -> Any:
        # The link script is added to Locust's login page too, so it is served to anyone.
        if logged_in() or request.endpoint == f"{page.name}.link_script":
            return None
        return redirect(url_for("locust.login"))

    @page.get("/")
    def index() -> Any:
        if not (BUILD_DIR / "index.html").is_file():
            return Response(_NOT_BUILT, 503, mimetype="text/plain")
        response = send_from_directory(BUILD_DIR, "index.html", max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        return response

    @page.get("/assets/<path:name>")
    def asset(name: str) -> Any:
        # Vite names assets by content hash, so they never change under the same URL.
        return send_from_directory(BUILD_DIR / "assets", name, max_age=365 * 24 * 3600)

    @page.get(f"/{LINK_SCRIPT}")
    def link_script() -> Any:
        return send_from_directory(BUILD_DIR, LINK_SCRIPT, max_age=0)

    return page


def link_from_locust_page(app: Flask, base_path: str) -> None:
    """Add the "Fleet" link script to Locust's own index page (its template has no extension point for links)."""
    script = f'<script src="{base_path}/fleet/{LINK_SCRIPT}" defer></script></body>'.encode()

    @app.after_request
    def add_link(response: Response) -> Response:
        if request.path == f"{base_path}/" and response.mimetype == "text/html" and not response.direct_passthrough:
            response.set_data(response.get_data().replace(b"</body>", script, 1))
        return response
