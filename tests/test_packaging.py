"""What a user installs: a wheel built from the tree, in an environment of its own, serves the fleet page."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
import urllib.request
from pathlib import Path

from tests.conftest import free_port
from tests.fleet_fixtures import EtcdServer, stop_process
from tests.helpers import ROOT, wait_for_http

pytest_plugins = ("tests.fleet_fixtures",)


def build_wheel(directory: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            str(ROOT),
            "-w",
            str(directory),
        ],
        check=True,
        capture_output=True,
    )
    return next(directory.glob("locust_fleet-*.whl"))


def new_environment_with(wheel: Path, directory: Path) -> Path:
    """A new venv with the wheel installed; its dependencies are read from the project's venv, whose own
    (editable) locust-fleet stays out: a path line in a .pth adds a directory without running its .pth files."""
    subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
    python = directory / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    return directory / "bin"


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get_content_type(), response.read()


def test_a_wheel_installed_in_a_new_environment_serves_the_fleet_page(tmp_path: Path, etcd_server: EtcdServer) -> None:
    bin_dir = new_environment_with(build_wheel(tmp_path / "wheels"), tmp_path / "venv")
    located = subprocess.run(
        [str(bin_dir / "python"), "-c", "import locust_ext; print(locust_ext.__file__)"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert located.startswith(str(tmp_path / "venv")), f"locust_ext imported from {located}, not the wheel"

    port = free_port()
    command = [
        str(bin_dir / "locust-fleet"),
        "--master",
        "--master-bind-host=127.0.0.1",
        f"--master-bind-port={free_port()}",
        "--web-host=127.0.0.1",
        f"--web-port={port}",
        f"--fleet-etcd={etcd_server.endpoint}",
        "--fleet-prefix=/packaging-test/",
    ]
    master = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        page = f"http://127.0.0.1:{port}/fleet/"
        wait_for_http(page, master, timeout=60)
        status, content_type, html = get(page)
        assert (status, content_type) == (200, "text/html")
        scripts = re.findall(rb'src="\./(assets/[^"]+\.js)"', html)
        assert scripts, f"the page names no script: {html[:300]!r}"
        status, content_type, script = get(page + scripts[0].decode())
        assert status == 200 and content_type in ("text/javascript", "application/javascript")
        assert b"createRoot" in script and b"/schema" in script, "not the fleet page's script (React, the schema)"
    finally:
        stop_process(master)
