"""Read commands and `update` stay fast: nothing heavy is imported on their path (a test that
measures nothing but fails the moment someone adds such an import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = {"sqlalchemy", "sqlmodel", "pydantic", "alembic", "openpyxl"}
PROBE = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: sys.stderr.write('MODULES ' + json.dumps(sorted({m.split('.')[0] for m in sys.modules})) + '\\n'))\n"
    "from tasklist.cli import main\n"
    "sys.argv = ['tasklist'] + sys.argv[1:]\n"
    "main()\n"
)


def imported(*args: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line[len("MODULES "):]))


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("args", [
    ["overdue", "--as-of", "2026-11-23"], ["status", "--summary"], ["list", "--json"], ["history"],
    ["update", "T6", "--status", "推进中", "--note", "快速路径"], ["done", "--verified", "T6"],
])
def test_no_heavy_import_on_the_hot_paths(cli, engine, args):
    cli("list")  # the database exists and is at the head revision
    heavy = HEAVY | ({"psycopg"} if engine == "sqlite" else set())
    assert imported(*args) & heavy == set()
