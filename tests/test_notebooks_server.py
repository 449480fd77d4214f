"""`make notebooks` starts JupyterLab on notebooks/ with one command, headless and as root.

scripts/notebooks.sh is started as `make notebooks` starts it (after the set-up), on a free
port with a known token; the test waits for the server's API to answer, checks that it
serves the notebooks folder, and stops it.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "notebooks.sh"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_jupyterlab_starts_headless_on_the_notebooks_and_answers(database_url, tmp_path):
    pytest.importorskip("jupyterlab")
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "PYTHON": sys.executable, "GISREV_NOTEBOOK_PORT": str(port),
           "GISREV_NOTEBOOK_TOKEN": token, "GISREV_NO_BROWSER": "1",
           "GISREV_DATABASE_URL": database_url, "JUPYTER_RUNTIME_DIR": str(tmp_path),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    env.pop("DISPLAY", None)
    log = (tmp_path / "jupyter.log").open("w")
    proc = subprocess.Popen(["bash", str(SCRIPT)], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        status, body = 0, b""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, body = get(f"http://127.0.0.1:{port}/api?token={token}")
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(0.5)
        output = (tmp_path / "jupyter.log").read_text()
        assert status == 200, output
        assert "version" in json.loads(body)
        assert get(f"http://127.0.0.1:{port}/api/status")[0] == 403  # no token, no entry
        status, body = get(f"http://127.0.0.1:{port}/api/contents?token={token}")
        names = {item["name"] for item in json.loads(body)["content"]}
        assert {"01_quickstart.ipynb", "02_revenue_gap.ipynb"} <= names
        assert "municipality" in output and "gisrev:gisrev" not in output  # no password shown
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server started above, and its children
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def test_without_jupyterlab_it_says_how_to_install_it(tmp_path):
    bare = tmp_path / "python"
    bare.write_text("#!/bin/sh\nexit 1\n")  # an interpreter that cannot import jupyterlab
    bare.chmod(0o755)
    done = subprocess.run(["bash", str(SCRIPT)], env={**os.environ, "PYTHON": str(bare)},
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "run 'make notebooks'" in done.stderr and "\n" == done.stderr[-1]
