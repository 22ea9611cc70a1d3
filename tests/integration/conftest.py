"""A real doccano server for the integration tests (marker ``doccano``).

The session fixture runs ``scripts/doccano-server install`` (a no-op once .venv-doccano is there)
and ``start`` on a free port of 127.0.0.1 with a temporary data dir, yields it, and stops it at
the end, checking that no process of it is left.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "doccano-server"
TIMINGS: Dict[str, float] = {}


@dataclass
class DoccanoServer:
    url: str
    username: str
    password: str
    data_dir: Path

    @property
    def env(self) -> Dict[str, str]:
        """The variables eligex reads (pipeline.annotation.doccano.connect)."""
        return {"DOCCANO_URL": self.url, "DOCCANO_USERNAME": self.username, "DOCCANO_PASSWORD": self.password}


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _run(args, env, timeout):
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def doccano_server(tmp_path_factory):
    env = dict(os.environ)
    t0 = time.monotonic()
    install = _run(["install"], env, timeout=1800)
    TIMINGS["install"] = time.monotonic() - t0
    if install.returncode != 0:
        pytest.fail(f"scripts/doccano-server install failed:\n{install.stdout}\n{install.stderr}", pytrace=False)

    data = tmp_path_factory.mktemp("doccano-data")
    password = secrets.token_urlsafe(16)
    env.update(
        DOCCANO_HOME=str(data),
        DOCCANO_PORT=str(_free_port()),
        DOCCANO_ADMIN_USERNAME="admin",
        DOCCANO_ADMIN_PASSWORD=password,
        DOCCANO_ADMIN_EMAIL="admin@example.com",
    )
    t0 = time.monotonic()
    start = _run(["start"], env, timeout=600)
    TIMINGS["start"] = time.monotonic() - t0
    if start.returncode != 0:
        _run(["stop"], env, timeout=120)
        pytest.fail(
            f"scripts/doccano-server start failed:\n{start.stderr}\n--- task.log\n{_tail(data / 'logs' / 'task.log')}"
            f"\n--- web.log\n{_tail(data / 'logs' / 'web.log')}",
            pytrace=False,
        )
    url = start.stdout.strip().splitlines()[-1]
    assert url == f"http://127.0.0.1:{env['DOCCANO_PORT']}"
    pgids = [int((data / "run" / f"{name}.pid").read_text()) for name in ("web", "task")]
    try:
        yield DoccanoServer(url=url, username="admin", password=password, data_dir=data)
    finally:
        t0 = time.monotonic()
        stop = _run(["stop"], env, timeout=180)
        TIMINGS["stop"] = time.monotonic() - t0
        left = [g for g in pgids if _group_alive(g)]
        for g in left:  # never leave a server behind, even when stop is broken
            os.killpg(g, signal.SIGKILL)
        assert stop.returncode == 0, stop.stderr
        assert not left, f"process groups {left} survived scripts/doccano-server stop"


@pytest.fixture(scope="session")
def doccano_client(doccano_server):
    """A DoccanoClient logged in as the admin (through pipeline.annotation.doccano.connect)."""
    from pipeline.annotation.doccano import client as dclient

    return dclient.connect(doccano_server.env)


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        parts = ", ".join(f"{k} {v:.1f}s" for k, v in TIMINGS.items())
        terminalreporter.write_line(f"doccano server: {parts}")
