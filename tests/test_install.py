"""The installed package (a real wheel) carries the bundled registry and works from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_carries_the_registry_and_runs_from_another_directory(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = dist.glob("tasklist-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"tasklist/data/tasks.yaml", "tasklist/data/outcomes.yaml", "tasklist/data/agencies.yaml"} <= set(names)

    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "TASKLIST_HOME": str(tmp_path / "home"), "TASKLIST_LANG": "en"}
    env.pop("TASKLIST_DB", None)
    where = subprocess.run(
        [sys.executable, "-c", "import tasklist.registry as r; print(r.bundled_data_dir())"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    )
    assert where.stdout.strip() == str(target / "tasklist" / "data")
    listed = subprocess.run(
        [sys.executable, "-m", "tasklist", "list", "--json"], cwd=elsewhere, env=env, capture_output=True, text=True,
    )
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 54
