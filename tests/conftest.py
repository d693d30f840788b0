"""Every test gets its own empty tasklist home (a real SQLite file in tmp_path) and a fixed locale."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tasklist.cli import app

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TASKLIST_HOME", str(home))
    for var in ("TASKLIST_DB", "TASKLIST_AS_OF", "TASKLIST_LANG", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TASKLIST_LANG", "en")
    monkeypatch.setenv("COLUMNS", "80")
    from tasklist.messages import set_lang

    set_lang(None)  # a language a CLI run chose stays in the process: each test starts from the environment
    return home


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0):
        result = self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == code, f"exit {result.exit_code} != {code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        return result

    def json(self, *args: str):
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def cli():
    return Cli()


@pytest.fixture
def registry_copy(tmp_path):
    """A writable copy of the bundled registry."""
    target = tmp_path / "registry"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL cluster for the session. Skipped where none can start, except in CI, where it fails."""
    from pgserver import Server

    try:
        server = Server().start()
    except Exception as exc:  # no server binaries, or they would not start
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and could not be started: {exc}")
        pytest.skip(f"PostgreSQL not available: {exc}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, monkeypatch, isolated_home):
    """Run the test against SQLite (a file in tmp_path) and against a fresh PostgreSQL database."""
    if request.param == "postgresql":
        server = request.getfixturevalue("pg_server")
        monkeypatch.setenv("TASKLIST_DB", server.create_database(f"t_{uuid.uuid4().hex[:16]}"))
    return request.param


def query(sql, params=()):
    """Run SQL on the database the CLI is using (whichever engine)."""
    from tasklist.storage.connection import connect

    conn = connect()
    try:
        return conn.all(sql, params)
    finally:
        conn.close()
