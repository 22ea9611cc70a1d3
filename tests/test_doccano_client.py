"""pipeline.annotation.doccano.client and ``eligex doccano`` without a server: errors a person can act on."""

from __future__ import annotations

import socket

import pytest
from doccano_records import FIXTURE
from typer.testing import CliRunner

from pipeline.annotation.doccano import client as dclient
from pipeline.annotation.doccano import errors as doccano_errors

def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_connect_errors_without_server(monkeypatch):
    for var in ("DOCCANO_URL", "DOCCANO_USERNAME", "DOCCANO_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(doccano_errors.DoccanoError, match="DOCCANO_URL, DOCCANO_USERNAME, DOCCANO_PASSWORD not set"):
        dclient.connect()
    env = {"DOCCANO_URL": f"http://127.0.0.1:{_closed_port()}", "DOCCANO_USERNAME": "a", "DOCCANO_PASSWORD": "b"}
    with pytest.raises(doccano_errors.DoccanoError, match="cannot reach doccano at http://127.0.0.1:.*is the server running"):
        dclient.connect(env)


def test_doccano_cli_push_reports_server_down(tmp_path, monkeypatch):
    from pipeline.cli.doccano import app

    monkeypatch.setenv("DOCCANO_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("DOCCANO_USERNAME", "admin")
    monkeypatch.setenv("DOCCANO_PASSWORD", "x")
    result = CliRunner().invoke(app, ["push", str(FIXTURE), "--project", "p"])
    assert result.exit_code == 1
    assert "cannot reach doccano" in result.output
