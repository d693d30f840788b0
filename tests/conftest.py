"""Every test gets its own empty tasklist home (a real SQLite file in tmp_path) and a fixed locale."""

from __future__ import annotations

import json
import shutil
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
