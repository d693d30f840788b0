#!/usr/bin/env python3
"""Time whole `tasklist` processes on three datasets and write benchmarks/RESULTS.md.

    /tmp/venv/bin/python benchmarks/run.py                      # bundled, 10k, 100k (slow: ~30 min)
    /tmp/venv/bin/python benchmarks/run.py --sizes bundled,10k --runs 5

Every figure is one whole process, started with subprocess and reaped with os.wait4: wall clock
from just before the fork to just after the reap (time.perf_counter), and the child's peak RSS
(ru_maxrss of that child alone). Each command gets warm-up runs (not counted) and then --runs
timed runs, one at a time (never in parallel); stdout goes to /dev/null. The floor is
`python -c "import sqlite3"` with the interpreter that runs tasklist: every time is also shown
as a multiple of it.

Datasets (generated once into --workdir by generate.py, reused afterwards; --regen to rebuild):
  bundled  the Fujian registry, in a fresh TASKLIST_HOME (created by an untimed first command)
  10k      10,000 items, 100 agencies, ~100k status updates
  100k     100,000 items, 100 agencies, ~1M status updates
Reports run with a fixed --as-of, and with TASKLIST_DB pointing at the dataset (bundled: the
fresh home's default database). `update` writes to a scratch copy; `load` goes into a new, empty
database file each run.

With taskwarrior installed (`task`), the 10k and 100k items are also exported to Taskwarrior
JSON, imported into a throwaway TASKRC/TASKDATA, and `task +OVERDUE list|count` is timed against
`tasklist overdue`. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AS_OF = "2025-09-15"
SIZES = {  # name -> (items, agencies, updates per item); bundled: None
    "bundled": None,
    "10k": (10_000, 100, 10),
    "100k": (100_000, 100, 10),
}
READ_COMMANDS = ["list --json", "status", "status --summary", "overdue", "weekly"]


# --------------------------------------------------------------------------- timing


@dataclass
class Timing:
    label: str
    argv: list[str]
    runs: list[float] = field(default_factory=list)  # ms
    rss: list[float] = field(default_factory=list)  # MiB
    warmup: int = 0
    note: str = ""
    skipped: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")

    @property
    def peak_rss(self) -> float:
        return max(self.rss) if self.rss else float("nan")


# The launcher: a separate, small Python process (only os, sys, time, json) that forks, execs and
# reaps each command. Measuring from run.py itself would be wrong for memory: on Linux a child's
# ru_maxrss starts at the RSS of the process it was forked from (exec records the old mm's
# high-water mark), so every child of a 200 MiB parent "peaks" at >= 200 MiB. Forked from this
# launcher, a child's figure is exact down to the launcher's own ~10 MiB.
_LAUNCHER = r"""
import json, os, sys, time
for line in sys.stdin:
    req = json.loads(line)
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            null = os.open(os.devnull, os.O_RDWR)
            err = os.open(req["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(null, 0); os.dup2(null, 1); os.dup2(err, 2)
            os.execvpe(req["argv"][0], req["argv"], req["env"])
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    ms = (time.perf_counter() - t0) * 1000
    sys.stdout.write(json.dumps([ms, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]) + "\n")
    sys.stdout.flush()
"""


class Launcher:
    def __init__(self, python: str) -> None:
        self.proc = subprocess.Popen([python, "-I", "-S", "-c", _LAUNCHER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.err = Path(tempfile.mkstemp(prefix="tasklist-bench-", suffix=".stderr")[1])

    def run(self, argv: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
        """(wall ms, peak RSS MiB, exit code, stderr tail) of one process."""
        self.proc.stdin.write(json.dumps({"argv": argv, "env": env, "stderr": str(self.err)}) + "\n")
        self.proc.stdin.flush()
        ms, rss_kib, code = json.loads(self.proc.stdout.readline())
        tail = self.err.read_bytes()[-2000:].decode("utf-8", "replace")
        return ms, rss_kib / 1024, code, tail

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()
        self.err.unlink(missing_ok=True)


LAUNCHER: Launcher | None = None


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    assert LAUNCHER is not None
    return LAUNCHER.run(argv, env)


def measure(label: str, argv: list[str], env: dict[str, str], *, runs: int, warmup: int, before=None,
            note: str = "", ok_codes: tuple[int, ...] = (0,)) -> Timing:
    """Warm-up runs, then timed runs; ``before`` (untimed) runs ahead of every run (e.g. a fresh db)."""
    t = Timing(label, argv, warmup=warmup, note=note)
    for i in range(warmup + runs):
        if before:
            before()
        ms, rss, code, err = run_once(argv, env)
        if code not in ok_codes:
            raise SystemExit(f"error: {label}: exit {code}\n{' '.join(argv)}\n{err}")
        if i >= warmup:
            t.runs.append(ms)
            t.rss.append(rss)
    print(f"  {label:<40} median {t.median:9.1f} ms  [{min(t.runs):.1f}-{max(t.runs):.1f}]  "
          f"peak {t.peak_rss:6.1f} MiB  ({runs} runs)", file=sys.stderr, flush=True)
    return t


# --------------------------------------------------------------------------- datasets


def tasklist_argv(explicit: str | None) -> list[str]:
    if explicit:
        return [explicit]
    beside = Path(sys.executable).parent / "tasklist"
    found = str(beside) if beside.exists() else shutil.which("tasklist")
    if not found:
        raise SystemExit("error: no `tasklist` executable (install the package, or give --tasklist)")
    return [found]


def interpreter_of(script: str) -> str:
    """The Python that runs a console script (its #! line), for the floor measurement."""
    try:
        first = Path(script).read_bytes().split(b"\n", 1)[0].decode()
    except OSError:
        return sys.executable
    if first.startswith("#!") and "python" in first:
        return first[2:].strip().split()[0]
    return sys.executable


PYCACHE: Path | None = None
FROZEN: Path | None = None  # a copy of tasklist/ and data/ at a git commit, put first on PYTHONPATH


def freeze_code(workdir: Path, rev: str) -> dict:
    """Copy tasklist/ and data/ as committed at ``rev`` into the work directory, so that the code
    under test cannot change while the benchmark runs (others may be editing the checkout)."""
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev], capture_output=True, text=True, check=True).stdout.strip()
    dest = workdir / f"code-{commit[:12]}"
    if not (dest / "tasklist" / "__init__.py").exists():
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "tasklist", "data"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "tasklist", "data"],
                           capture_output=True, text=True).stdout.strip()
    subject = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %ci %s", commit],
                             capture_output=True, text=True).stdout.strip()
    return {"commit": commit, "subject": subject, "path": str(dest), "uncommitted_elsewhere": bool(dirty)}


def base_env() -> dict[str, str]:
    """The environment of every timed command: no TASKLIST_* from the caller, Chinese labels, and
    bytecode caching on. An installed wheel ships compiled bytecode; an editable checkout writes
    it on first run, unless PYTHONDONTWRITEBYTECODE is set (as in some sandboxes), and then every
    run recompiles tasklist's modules from source. The cache goes to PYTHONPYCACHEPREFIX under the
    work directory, so nothing is written into the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKLIST_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["TASKLIST_LANG"] = "zh"
    if PYCACHE is not None:
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    if FROZEN is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(FROZEN), os.environ.get("PYTHONPATH")) if p)
    return env


def ensure_dataset(name: str, workdir: Path, regen: bool, seed: int, as_of: str) -> tuple[Path | None, Path]:
    """(registry dir or None for bundled, database path). Generates on first use."""
    if SIZES[name] is None:
        home = workdir / "bundled-home"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        return None, home / "tasklist.db"
    items, agencies, k = SIZES[name]
    reg, db = workdir / name, workdir / f"{name}.db"
    if regen or not db.exists() or not (reg / "tasks.yaml").exists():
        print(f"generating {name} (setup, not timed) ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--items", str(items), "--agencies", str(agencies),
                        "--updates-per-item", str(k), "--seed", str(seed), "--as-of", as_of, "--out", str(reg),
                        "--db", str(db), "--force"], check=True, env=base_env())
    return reg, db


def db_facts(db: Path) -> dict[str, int]:
    c = sqlite3.connect(db)
    try:
        q = lambda sql: c.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "items": q("SELECT count(*) FROM item WHERE archived = 0"),
            "agencies": q("SELECT count(*) FROM agency"),
            "assignments": q("SELECT count(*) FROM assignment WHERE archived = 0"),
            "updates": q("SELECT count(*) FROM status_update"),
            "db_mib": round(db.stat().st_size / 2**20, 1),
        }
    finally:
        c.close()


def pick_update_target(db: Path) -> tuple[str, str]:
    c = sqlite3.connect(db)
    try:
        code, agency = c.execute(
            "SELECT i.code, g.name FROM assignment a JOIN item i ON i.id = a.item_id JOIN agency g ON g.id = a.agency_id "
            "WHERE a.archived = 0 AND i.archived = 0 AND a.role = 'lead' AND a.via_group_id IS NULL "
            "AND (SELECT count(*) FROM assignment b WHERE b.item_id = i.id) > 1 ORDER BY i.position LIMIT 1"
        ).fetchone()
        return code, agency
    finally:
        c.close()


def copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    s, d = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        s.backup(d)
    finally:
        s.close()
        d.close()


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def has_command(tl: list[str], name: str, env: dict[str, str]) -> bool:
    done = subprocess.run([*tl, name, "--help"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return done.returncode == 0


# --------------------------------------------------------------------------- one dataset


def bench_dataset(name: str, args, tl: list[str]) -> dict:
    workdir: Path = args.workdir
    reg, db = ensure_dataset(name, workdir, args.regen, args.seed, args.as_of)
    env = base_env()
    if reg is None:
        env["TASKLIST_HOME"] = str(db.parent)
        first = subprocess.run([*tl, "agencies", "--json"], env=env, stdout=subprocess.DEVNULL)  # creates + loads, untimed
        if first.returncode != 0:
            raise SystemExit("error: could not set up the bundled database")
    else:
        env["TASKLIST_DB"] = str(db)
    facts = db_facts(db)
    facts["loadavg_before"] = Path("/proc/loadavg").read_text().split()[0]
    print(f"\n== {name}: {facts}", file=sys.stderr, flush=True)
    d = ["--as-of", args.as_of]
    runs, warm = (max(args.runs, args.bundled_runs) if reg is None else args.runs), args.warmup
    timings: list[Timing] = []
    timings.append(measure("tasklist --help", [*tl, "--help"], env, runs=runs, warmup=warm))
    timings.append(measure("list --json", [*tl, "list", "--json", *d], env, runs=runs, warmup=warm))
    timings.append(measure("status", [*tl, "status", *d], env, runs=runs, warmup=warm))
    timings.append(measure("status --summary", [*tl, "status", "--summary", *d], env, runs=runs, warmup=warm))
    timings.append(measure("overdue", [*tl, "overdue", *d], env, runs=runs, warmup=warm))
    if has_command(tl, "weekly", env):
        timings.append(measure("weekly", [*tl, "weekly", *d], env, runs=runs, warmup=warm))
    else:
        timings.append(Timing("weekly", [*tl, "weekly", *d], skipped="no `weekly` command in this tasklist"))
        print("  weekly: skipped (no such command)", file=sys.stderr)
    timings += more_commands(name, db, workdir, env, tl, d, runs, warm)

    # update, on a scratch copy (each run appends one row)
    scratch = workdir / f"scratch-{name}.db"
    copy_db(db, scratch)
    code, agency = pick_update_target(db)
    uenv = dict(env, TASKLIST_DB=str(scratch))
    timings.append(measure(f"update {code} --status in_progress --agency …",
                           [*tl, "update", code, "--status", "in_progress", "--agency", agency, "--by", "bench", *d],
                           uenv, runs=runs, warmup=warm, note=f"agency {agency}; scratch copy of the dataset db"))
    remove_db(scratch)

    # load into a fresh, empty database each run
    target = workdir / f"load-{name}.db"
    lenv = dict(env, TASKLIST_DB=str(target))
    lenv.pop("TASKLIST_HOME", None)
    big = name == "100k"
    l_runs = args.big_load_runs if big else runs
    l_warm = 0 if big else warm
    note = ("fewer runs and no warm-up: each run takes long; " if big else "") + "fresh empty database each run"
    timings.append(measure("load" if reg is None else f"load {name}/", [*tl, "load", *([str(reg)] if reg else [])],
                           lenv, runs=l_runs, warmup=l_warm, before=lambda: remove_db(target), note=note))
    remove_db(target)

    facts["loadavg_after"] = Path("/proc/loadavg").read_text().split()[0]
    out = {"name": name, "facts": facts, "timings": [asdict(t) for t in timings], "db": str(db),
           "registry": str(reg) if reg else None, "env": {k: v for k, v in env.items() if k.startswith("TASKLIST_")}}
    if reg is not None and not args.no_taskwarrior and shutil.which("task"):
        out["taskwarrior"] = bench_taskwarrior(name, db, args, tl, env)
    if name in args.pg_sizes:
        out["postgres"] = bench_postgres(name, args, tl, out["timings"])
    return out


def more_commands(name: str, db: Path, workdir: Path, env: dict[str, str], tl: list[str], d: list[str], runs: int,
                  warm: int) -> list[Timing]:
    """Every row printed (`overdue --all`), the streamed JSON of every update (`history --json`), and
    the commands that write files: `export overdue --format xlsx`, `remind --out-dir` and
    `feedback export --all` (the last two record what they wrote, so they run on a scratch copy)."""
    out = [measure("overdue --all", [*tl, "overdue", "--all", *d], env, runs=runs, warmup=warm),
           measure("history --json", [*tl, "history", "--json"], env, runs=runs, warmup=warm)]
    files = workdir / f"out-{name}"
    xlsx = files / "overdue.xlsx"

    def fresh() -> None:
        shutil.rmtree(files, ignore_errors=True)
        files.mkdir(parents=True)

    out.append(measure("export overdue --format xlsx", [*tl, "export", "overdue", "--format", "xlsx", "--out", str(xlsx), *d],
                       env, runs=runs, warmup=warm, before=fresh, note="a new file each run"))
    scratch = workdir / f"scratch-{name}.db"
    copy_db(db, scratch)
    senv = dict(env, TASKLIST_DB=str(scratch))
    out.append(measure("remind --out-dir", [*tl, "remind", "--out-dir", str(files / "eml"), "--force", *d], senv,
                       runs=runs, warmup=warm, before=fresh, note="one .eml per agency into an empty directory; scratch copy of the db"))
    if has_command(tl, "feedback", env):
        out.append(measure("feedback export --all", [*tl, "feedback", "export", "--all", "--out-dir", str(files / "fb"), *d],
                           senv, runs=runs, warmup=warm, before=fresh,
                           note="one workbook per agency into an empty directory; scratch copy of the db"))
    shutil.rmtree(files, ignore_errors=True)
    remove_db(scratch)
    return out


# --------------------------------------------------------------------------- PostgreSQL

PG_COMMANDS = ["list --json", "status", "status --summary", "overdue", "overdue --all", "weekly", "history --json"]


def bench_postgres(name: str, args, tl: list[str], sqlite_timings: list[dict]) -> dict:
    """The read commands on PostgreSQL, on a throwaway cluster started the way the tests start one
    (tests/pgserver.py: initdb, fsync off, a private socket, no TCP), holding the same dataset:
    the registry loaded with `tasklist load`, the status updates copied from the SQLite file."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from pgserver import Server
    except ImportError as exc:
        return {"error": f"tests/pgserver.py: {exc}"}
    reg, db = ensure_dataset(name, args.workdir, False, args.seed, args.as_of)
    try:
        server = Server().start()
    except Exception as exc:  # no PostgreSQL binaries on this machine
        return {"error": str(exc)}
    try:
        url = server.create_database("bench")
        env = dict(base_env(), TASKLIST_DB=url)
        print(f"\n== {name} on PostgreSQL (setup, not timed) ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        subprocess.run([*tl, "load", *([str(reg)] if reg else [])], env=env, check=True, stdout=subprocess.DEVNULL)
        copied = copy_updates_to_postgres(db, server)
        print(f"  loaded + {copied:,} updates copied in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        d = ["--as-of", args.as_of]
        timings = [measure(f"pg {c}", [*tl, *c.split(), *([] if c == "history --json" else d)], env, runs=args.runs,
                           warmup=args.warmup) for c in PG_COMMANDS]
        out = {"timings": [asdict(t) for t in timings], "updates": copied}
        if not args.no_analysis:
            out["query_plan"] = {"dataset": name, **query_plans(url, args.as_of)}
        return out
    finally:
        server.stop()


def copy_updates_to_postgres(db: Path, server) -> int:
    """status_update rows of the SQLite dataset into PostgreSQL, matched by (item code, agency)."""
    import psycopg

    src = sqlite3.connect(db)
    key = "SELECT a.id, i.plan_id || '/' || i.code || '/' || g.name FROM assignment a JOIN item i ON i.id = a.item_id JOIN agency g ON g.id = a.agency_id"
    cols = "status, progress, note, reported_on, recorded_at, recorded_by, source, batch, reverses_id"
    with psycopg.connect(f"host={server.socket_dir} user=postgres dbname=bench") as pg:
        target = {k: aid for aid, k in pg.execute(key).fetchall()}
        source = {aid: target[k] for aid, k in src.execute(key)}
        n = 0
        with pg.cursor() as cur, cur.copy(f"COPY status_update (assignment_id, {cols}) FROM STDIN") as copy:
            for row in src.execute(f"SELECT assignment_id, {cols} FROM status_update ORDER BY id"):
                copy.write_row((source[row[0]], *row[1:]))
                n += 1
    # VACUUM (ANALYZE), not ANALYZE alone: statistics, and the visibility map set as autovacuum sets it
    # in a database in use; without it every index-only scan of the first runs fetched each heap row
    # (Heap Fetches), and the figures settled only as later commands' scans set the pages' hint bits
    with psycopg.connect(f"host={server.socket_dir} user=postgres dbname=bench", autocommit=True) as pg:
        pg.execute("VACUUM (ANALYZE)")
    src.close()
    return n


# --------------------------------------------------------------------------- Taskwarrior


def taskwarrior_export(db: Path, as_of: date, path: Path) -> dict[str, int]:
    """Items as Taskwarrior JSON. Status: completed only when every assignment's latest update (on
    or before as_of) is done, the same rule as tasklist. Due dates are shifted by (today - as_of)
    so that Taskwarrior's +OVERDUE (due before today) selects the items tasklist finds overdue on
    as_of."""
    shift = datetime.now(UTC).date() - as_of  # the task processes run with TZ=UTC
    c = sqlite3.connect(db)
    try:
        rows = c.execute(
            """
            WITH st AS (
              SELECT a.item_id,
                     coalesce((SELECT u.status FROM status_update u WHERE u.assignment_id = a.id AND u.reported_on <= ?
                               ORDER BY u.reported_on DESC, u.recorded_at DESC, u.id DESC LIMIT 1), 'not_started') AS status
              FROM assignment a WHERE a.archived = 0)
            SELECT i.plan_id, i.code, i.title, i.due,
                   (SELECT coalesce(grp.name, g.name) FROM assignment f JOIN agency g ON g.id = f.agency_id
                    LEFT JOIN agency grp ON grp.id = f.via_group_id
                    WHERE f.item_id = i.id AND f.archived = 0 ORDER BY f.position LIMIT 1) AS lead,
                   (SELECT count(*) = sum(st.status = 'done') FROM st WHERE st.item_id = i.id) AS done
            FROM item i WHERE i.archived = 0 ORDER BY i.position
            """,
            (as_of.isoformat(),),
        ).fetchall()
    finally:
        c.close()
    ns = uuid.UUID("6f1c0b4e-7d0a-4c1e-9a55-3b2f6f7c1d10")
    entry = "20210303T000000Z"
    end = (as_of + shift).strftime("%Y%m%dT000000Z")
    tasks, overdue, completed = [], 0, 0
    for plan_id, code, title, due, lead, done in rows:
        t = {"uuid": str(uuid.uuid5(ns, f"{plan_id}/{code}")), "description": f"{code} {title}", "entry": entry,
             "status": "completed" if done else "pending", "project": lead}
        if done:
            t["end"] = end
            completed += 1
        if due:
            t["due"] = (date.fromisoformat(due) + shift).strftime("%Y%m%dT000000Z")
            overdue += (not done) and date.fromisoformat(due) < as_of
        tasks.append(t)
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return {"tasks": len(tasks), "completed": completed, "expected_overdue": overdue}


TW_RC = ["rc.confirmation=off", "rc.verbose=nothing", "rc.hooks=off"]


def bench_taskwarrior(name: str, db: Path, args, tl: list[str], env: dict[str, str]) -> dict:
    print(f"  -- taskwarrior ({name})", file=sys.stderr, flush=True)
    as_of = date.fromisoformat(args.as_of)
    twdir = args.workdir / f"tw-{name}"
    shutil.rmtree(twdir, ignore_errors=True)
    (twdir / "data").mkdir(parents=True)
    rc = twdir / "taskrc"
    rc.write_text(f"data.location={twdir / 'data'}\nconfirmation=off\nverbose=nothing\nhooks=off\nnews.version=99.0.0\n")
    tenv = dict(os.environ, TASKRC=str(rc), TASKDATA=str(twdir / "data"), TZ="UTC")
    exported = twdir / "tasks.json"
    facts = taskwarrior_export(db, as_of, exported)
    version = subprocess.run(["task", "--version"], env=tenv, capture_output=True, text=True).stdout.strip()
    t0 = time.perf_counter()
    try:
        imp = subprocess.run(["task", *TW_RC, "import", str(exported)], env=tenv, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, timeout=args.tw_import_timeout)
        import_s = time.perf_counter() - t0
        if imp.returncode != 0:
            return {"error": f"task import failed: {imp.stderr[-500:]}", **facts}
    except subprocess.TimeoutExpired:
        return {"error": f"task import did not finish in {args.tw_import_timeout} s; not compared", **facts,
                "import_s": None}
    print(f"  task import: {import_s:.1f} s", file=sys.stderr, flush=True)
    count = subprocess.run(["task", *TW_RC, "+OVERDUE", "count"], env=tenv, capture_output=True, text=True).stdout.strip()
    ours = json.loads(subprocess.run([*tl, "overdue", "--json", "--as-of", args.as_of], env=env, capture_output=True,
                                     text=True, check=True).stdout)["summary"]
    runs, warm = args.runs, args.warmup
    rows = [
        measure("task +OVERDUE list", ["task", *TW_RC, "+OVERDUE", "list"], tenv, runs=runs, warmup=warm),
        measure("task +OVERDUE count", ["task", *TW_RC, "+OVERDUE", "count"], tenv, runs=runs, warmup=warm),
        measure("tasklist overdue", [*tl, "overdue", "--as-of", args.as_of], env, runs=runs, warmup=warm),
        measure("tasklist overdue --all", [*tl, "overdue", "--all", "--as-of", args.as_of], env, runs=runs, warmup=warm),
    ]
    return {"version": version, "import_s": round(import_s, 2), "task_overdue_count": int(count or 0),
            "tasklist_overdue": ours, **facts, "timings": [asdict(t) for t in rows],
            "data_mib": round(sum(p.stat().st_size for p in (twdir / "data").iterdir()) / 2**20, 1)}


# --------------------------------------------------------------------------- analysis (untimed)


def query_plans(url: str, as_of: str) -> dict:
    """The statements `overdue`, `status --summary` and `weekly` send, as benchmarks/explain.py
    captures them from real calls of the library functions, each with its plan (EXPLAIN QUERY PLAN
    on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL) and its time re-run alone."""
    sys.path.insert(0, str(FROZEN or ROOT))
    sys.path.insert(0, str(HERE))
    import explain

    try:
        return explain.explain(url, date.fromisoformat(as_of), explain.SCREEN, 3)
    except Exception as exc:  # an older revision without these functions
        return {"engine": "postgresql" if url.startswith("postgresql") else "sqlite", "error": f"{type(exc).__name__}: {exc}"}


def _plan_tree(rows: list[tuple]) -> list[str]:
    depth = {0: -1}
    out = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        out.append("  " * depth[node] + ("|--" if depth[node] else "") + detail)
    return out


_LOAD_PHASES = r"""
import gc, json, sys, time
if sys.argv[1] == "gc-off":
    gc.disable()
from tasklist.storage import schema
from tasklist.storage.connection import connect
from tasklist.registry import read_registry
from tasklist.storage.load import apply_registry
t0 = time.perf_counter()
reg = read_registry([sys.argv[2]])
t1 = time.perf_counter()
conn = connect("sqlite:///" + sys.argv[3])
schema.upgrade(conn)
t2 = time.perf_counter()
apply_registry(conn, reg)
t3 = time.perf_counter()
conn.close()
print(json.dumps({"read_registry_s": round(t1 - t0, 2), "apply_registry_s": round(t3 - t2, 2)}))
"""


def load_phases(reg: Path, workdir: Path, python: str) -> dict:
    """In-process split of `load`: validating the YAML (read_registry) vs writing the database
    (apply_registry), with Python's cyclic garbage collector on (as tasklist runs) and off."""
    out = {}
    for mode in ("gc-on", "gc-off"):
        target = workdir / "phases.db"
        remove_db(target)
        done = subprocess.run([python, "-c", _LOAD_PHASES, mode, str(reg), str(target)], capture_output=True, text=True,
                              cwd=workdir)
        remove_db(target)
        out[mode] = json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr[-500:]}
    return out


#: the Rich modules tasklist's tables need (tasklist.output.terminal imports these)
_RICH_FOR_TABLES = "rich.console, rich.table, rich.text, rich.segment, rich.cells, rich.box"


def startup_instructions(python: str, tl: list[str], home: Path, as_of: str) -> dict:
    """Instructions executed (valgrind's cachegrind: the same count whatever else the machine is doing)
    by the floor, by importing typer alone and with the Rich modules tasklist's tables use, and by each
    bundled command, so the start-up targets (a multiple of the floor) can be read without the noise
    of wall time: what the command-line layer and the table renderer cost before tasklist does anything."""
    if not shutil.which("valgrind"):
        return {"error": "valgrind is not installed"}
    env = dict(base_env(), TASKLIST_HOME=str(home))
    d = ["--as-of", as_of]
    cases = [("floor: python -c 'import sqlite3'", [python, "-c", "import sqlite3"]),
             ("python -c 'import typer'", [python, "-c", "import typer"]),
             ("python -c 'import typer' and Rich's table modules", [python, "-c", f"import typer, {_RICH_FOR_TABLES}"]),
             ("tasklist --help", [*tl, "--help"]),
             *((c, [*tl, *c.split(), *d]) for c in ("list --json", "status", "status --summary", "overdue", "weekly"))]
    out: dict[str, int | None] = {}
    for label, argv in cases:
        done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *argv],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=home)
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        out[label] = int(found[1].replace(",", "")) if found and done.returncode == 0 else None
    return {"instructions": out}


def profiles(db: Path, as_of: str, python: str, tl_env: dict[str, str]) -> dict:
    env = dict(tl_env, TASKLIST_DB=str(db))
    cmd = ["overdue", "--as-of", as_of]
    # cwd: `python -m` puts the current directory first on sys.path; not the checkout, or it would win.
    # The command line's own entry point, not `python -m cProfile -m tasklist`: tasklist.launch ends the
    # process with os._exit once its output is flushed, before cProfile could print anything
    profiled = ("import cProfile, pstats, sys\n"
                "from tasklist.cli import main\n"
                "sys.argv[0] = 'tasklist'\n"
                "profile = cProfile.Profile()\n"
                "try:\n    profile.runcall(main)\nexcept SystemExit:\n    pass\n"
                "sys.stdout.flush()\n"
                "stats = pstats.Stats(profile)\n"
                "print(f'{stats.total_calls} function calls ({stats.prim_calls} primitive calls) in {stats.total_tt:.3f} seconds')\n"
                "stats.sort_stats('cumulative').print_stats(40)\n")
    prof = subprocess.run([python, "-c", profiled, *cmd], env=env, capture_output=True, text=True, cwd=db.parent)
    text = prof.stdout
    start = text.find("   Ordered by: cumulative time")
    top = text[start:].splitlines()[:40] if start >= 0 else [prof.stderr[-2000:]]
    head = next((l for l in text.splitlines() if "function calls" in l), "")
    imp = subprocess.run([python, "-X", "importtime", "-m", "tasklist", *cmd], env=env, capture_output=True, text=True,
                         cwd=db.parent)
    entries = []
    for line in imp.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s*\|\s*(\d+)\s*\|(.*)$", line)
        if m:
            entries.append((int(m[2]), int(m[1]), m[3].rstrip()))
    total_imports = sum(e[1] for e in entries)
    top_imports = [e for e in sorted(entries, reverse=True) if not e[2].startswith("   ")][:15]
    top_any = sorted(entries, reverse=True)[:25]
    return {"cprofile_head": head, "cprofile": top, "import_total_ms": round(total_imports / 1000, 1),
            "imports_top_level": [(round(c / 1000, 1), n.strip()) for c, _, n in top_imports],
            "imports_top": [(round(c / 1000, 1), round(s / 1000, 1), n.rstrip()) for c, s, n in top_any]}


# --------------------------------------------------------------------------- report


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        kb = int(next(l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")))
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "memory": mem, "cpu": cpu, "kernel": platform.release(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def fmt_ms(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 10_000 else f"{ms:.0f} ms" if ms >= 100 else f"{ms:.1f} ms"


def _row(t: dict, floor: float) -> str:
    if t.get("skipped"):
        return f"| `{t['label']}` | — | — | — | — | skipped: {t['skipped']} |"
    runs = t["runs"]
    med = statistics.median(runs)
    return (f"| `{t['label']}` | {fmt_ms(med)} | {fmt_ms(min(runs))} – {fmt_ms(max(runs))} | {med / floor:.1f}× | "
            f"{max(t['rss']):.1f} | {len(runs)} runs, {t['warmup']} warm-up{'; ' + t['note'] if t['note'] else ''} |")


def targets(data: dict) -> list[tuple[str, str, str]]:
    """(target, PASS/MISS/not measured, detail): the targets of issue 14, each from this run's medians
    (ratios are of two medians taken in this same run)."""
    by = {d["name"]: {t["label"]: t for t in d["timings"] if t.get("runs")} for d in data["datasets"]}
    tw = {d["name"]: {t["label"]: t for t in d["taskwarrior"].get("timings", [])} for d in data["datasets"]
          if "taskwarrior" in d}
    pg = {d["name"]: {t["label"][3:]: t for t in d["postgres"].get("timings", [])} for d in data["datasets"]
          if "postgres" in d}
    floor = statistics.median(data["floor"]["runs"])
    out: list[tuple[str, str, str]] = []

    def med(t):
        return statistics.median(t["runs"])

    def check(value, limit, fmt):
        ok = value <= limit
        diff = (value - limit) / limit * 100
        return ok, f"{fmt(value)} vs ≤ {fmt(limit)}: " + (f"{-diff:.0f} % under" if ok else f"{diff:.0f} % over")

    ms = fmt_ms
    mib = lambda v: f"{v:.1f} MiB"  # noqa: E731
    x = lambda v: f"{v:.2f}×"  # noqa: E731

    def add(name, table, label, *, time_ms=None, rss=None, ratio_to=None, ratio=None, floor_x=None):
        t = (table or {}).get(label)
        if not t:
            out.append((name, "not measured", "dataset, command or engine not run"))
            return
        results = []
        if time_ms is not None:
            results.append(check(med(t), time_ms, ms))
        if rss is not None:
            results.append(check(max(t["rss"]), rss, mib))
        if floor_x is not None:
            ok, detail = check(med(t) / floor, floor_x, x)
            results.append((ok, f"{fmt_ms(med(t))} = {detail} the floor"))
        if ratio_to is not None:
            other_table, other_label = ratio_to
            o = (other_table or {}).get(other_label)
            if not o:
                out.append((name, "not measured", f"no `{other_label}` in this run"))
                return
            ok, detail = check(med(t) / med(o), ratio, x)
            results.append((ok, f"{fmt_ms(med(t))} / {fmt_ms(med(o))} = {detail}"))
        out.append((name, "PASS" if all(ok for ok, _ in results) else "MISS", "; ".join(d for _, d in results)))

    b = by.get("bundled")
    for label in ("overdue", "status", "status --summary", "weekly", "list --json"):
        add(f"bundled `{label}` ≤ 6× the floor", b, label, floor_x=6)
    add("bundled `--help` ≤ 4× the floor", b, "tasklist --help", floor_x=4)
    for size in ("10k", "100k"):
        theirs = tw.get(size)
        add(f"{size}: `overdue --all` faster than `task +OVERDUE list`", tw.get(size), "tasklist overdue --all",
            ratio_to=(theirs, "task +OVERDUE list"), ratio=1.0)
    add("10k: `overdue` ≤ 0.8× `task +OVERDUE list`", tw.get("10k"), "tasklist overdue",
        ratio_to=(tw.get("10k"), "task +OVERDUE list"), ratio=0.8)
    h = by.get("100k")
    add("100k: `weekly` ≤ 1.0 s and ≤ 150 MiB", h, "weekly", time_ms=1000, rss=150)
    add("100k: `list --json` ≤ 1.5 s and ≤ 100 MiB", h, "list --json", time_ms=1500, rss=100)
    add("100k: `history --json` ≤ 3 s and ≤ 100 MiB", h, "history --json", time_ms=3000, rss=100)
    add("100k: `export overdue --format xlsx` ≤ 3 s", h, "export overdue --format xlsx", time_ms=3000)
    add("100k: `remind` ≤ 3 s", h, "remind --out-dir", time_ms=3000)
    add("100k: `load` ≤ 8 s and ≤ 400 MiB", h, "load 100k/", time_ms=8000, rss=400)
    for label in ("feedback export --all", "remind --out-dir"):
        add(f"10k: `{label}` ≤ 4 s", by.get("10k"), label, time_ms=4000)
        add(f"`{label}`: 100k within 12× its 10k time", h, label, ratio_to=(by.get("10k"), label), ratio=12)
    p = pg.get("100k")
    for label in ("overdue", "status --summary"):
        add(f"100k PostgreSQL: `{label}` ≤ 1.0 s", p, label, time_ms=1000)
    for label in PG_COMMANDS:
        add(f"100k PostgreSQL: `{label}` ≤ 1.5× its SQLite time", p, label, ratio_to=(h, label), ratio=1.5)
    return out


def query_plan_section(qp: dict) -> list[str]:
    """The statements of `overdue`, `status --summary` and `weekly` with the plans of those taking
    2 ms or more (benchmarks/explain.py gives every plan)."""
    engine = qp.get("engine", "?")
    L = [f"## Query plans: {qp.get('dataset', '?')} on {'PostgreSQL' if engine == 'postgresql' else 'SQLite'}", ""]
    if "error" in qp:
        return [*L, f"Not captured: {qp['error']}", ""]
    L += [f"Captured by `benchmarks/explain.py` from real calls of the library functions the commands call (one "
          f"screenful of {qp['limit']} rows, as of {qp['as_of']}); each statement re-run alone 3 times, median, every "
          f"row fetched into Python. " + ("Plans are `EXPLAIN (ANALYZE, BUFFERS)`." if engine == "postgresql"
                                           else "Plans are `EXPLAIN QUERY PLAN`."), "",
          "| report | in-process | statements |", "|---|---:|---:|"]
    L += [f"| `{r['report']}` | {fmt_ms(r['ms'])} | {r['statements']} |" for r in qp["reports"]]
    L += ["", "| # | report | ms | rows | statement |", "|---:|---|---:|---:|---|"]
    for i, st in enumerate(qp["statements"], 1):
        L.append(f"| {i} | `{st['report']}` | {st['ms']} | {st['rows']:,} | `{' '.join(st['sql'].split())[:70]}…` |")
    L.append("")
    for i, st in enumerate(qp["statements"], 1):
        if st["ms"] < 2:
            continue
        L += [f"### {i}. `{st['report']}`: {st['ms']} ms, {st['rows']:,} rows", "", "```sql", st["sql"].strip(), "```",
              "", "```", *st.get("plan", []), "```", ""]
    return L


def write_report(data: dict, path: Path) -> None:
    m = data["machine"]
    floor = data["floor"]
    fl = statistics.median(floor["runs"])
    L = ["# tasklist benchmark results", "",
         f"Generated by `benchmarks/run.py` ({' '.join(data['argv'])}). Whole processes, wall clock "
         "(fork to reap) and the child's peak RSS (`ru_maxrss` from `os.wait4`); stdout to /dev/null; "
         f"one process at a time. Reports use `--as-of {data['as_of']}`. "
         "Median of the timed runs, with min – max; ×floor is the median divided by the floor's median.", "",
         "Peak RSS is measured from a small launcher process (~10 MiB) that forks, execs and reaps each command "
         "(`os.wait4`), not from run.py: on Linux a child's `ru_maxrss` starts at the RSS of the process it was forked "
         "from, so a big parent would inflate every figure. A figure below ~10 MiB would be shown as ~10 MiB. "
         "Bytecode caching is on (`PYTHONPYCACHEPREFIX` in the work directory; `PYTHONDONTWRITEBYTECODE` removed), as "
         "for an installed package: the warm-up run compiles, the timed runs load bytecode.", "",
         "## Machine", "",
         f"- CPU: {m['cpu']} — {m['nproc']} cores (nproc)", f"- Memory: {m['memory']}", f"- Kernel: Linux {m['kernel']}",
         f"- Python {m['python']}, SQLite {m['sqlite']}",
         f"- tasklist code under test: {data['code']['subject']}"
         + (f" (`git archive` of that commit, first on `PYTHONPATH`; run through `{data['tasklist']}`)" if data['code']['commit'] else "")
         + (". The checkout also had uncommitted changes in tasklist/ or data/, which were not measured." if data['code'].get('uncommitted_elsewhere') else ""),
         f"- Date: {m['date']}", "",
         "## Floor", "",
         f"`{' '.join(floor['argv'])}`: median **{fmt_ms(fl)}** (min {fmt_ms(min(floor['runs']))}, max "
         f"{fmt_ms(max(floor['runs']))}), peak RSS {max(floor['rss']):.1f} MiB, {len(floor['runs'])} runs. "
         "This is the least any Python command can cost on this machine.", ""]
    for d in data["datasets"]:
        f = d["facts"]
        L += [f"## Dataset: {d['name']}", "",
              f"{f['items']:,} items, {f['agencies']} agencies, {f['assignments']:,} assignments, {f['updates']:,} status "
              f"updates; database {f['db_mib']} MiB. 1-minute load average {f['loadavg_before']} before, "
              f"{f['loadavg_after']} after the timings. Environment: "
              + ", ".join(f"`{k}={v}`" for k, v in d["env"].items()) + ".", "",
              "| command | median | min – max | ×floor | peak RSS MiB | runs |", "|---|---:|---:|---:|---:|---|"]
        L += [_row(t, fl) for t in d["timings"]]
        L.append("")
    for d in data["datasets"]:
        if "postgres" not in d:
            continue
        L += [f"## Dataset: {d['name']} on PostgreSQL", ""]
        pgd = d["postgres"]
        if "error" in pgd:
            L += [f"Not run: {pgd['error']}.", ""]
            continue
        lite = {t["label"]: t for t in d["timings"] if t.get("runs")}
        L += [f"The same dataset in a throwaway PostgreSQL cluster started as `tests/pgserver.py` starts it (initdb, "
              f"`fsync=off`, a Unix socket, no TCP), reached through `TASKLIST_DB=postgresql+psycopg://…`: the registry "
              f"loaded with `tasklist load`, then {pgd['updates']:,} status updates copied from the SQLite file, then "
              "`ANALYZE`. The ratio is the PostgreSQL median over the SQLite median of the same command in this run.", "",
              "| command | median | min – max | ×floor | peak RSS MiB | SQLite median | PostgreSQL / SQLite |",
              "|---|---:|---:|---:|---:|---:|---:|"]
        for t in pgd["timings"]:
            med = statistics.median(t["runs"])
            other = lite.get(t["label"][3:])
            om = statistics.median(other["runs"]) if other else float("nan")
            L.append(f"| `{t['label'][3:]}` | {fmt_ms(med)} | {fmt_ms(min(t['runs']))} – {fmt_ms(max(t['runs']))} | "
                     f"{med / fl:.1f}× | {max(t['rss']):.1f} | {fmt_ms(om)} | {med / om:.2f} |")
        L.append("")
    L += ["## Taskwarrior comparison", "",
          "What each pairing compares: `task +OVERDUE list` prints every overdue task, one row each, to a pipe; "
          "its like is `tasklist overdue --all`, which prints every overdue assignment (an item shared by three "
          "agencies is three rows, so tasklist prints more rows than Taskwarrior). `tasklist overdue` prints one "
          "screenful (the terminal's height less 6 rows: 18 rows when stdout is not a terminal) plus every total, so it is "
          "compared with `task +OVERDUE list` only as \"the answer a person reads\", not row for row. `task +OVERDUE "
          "count` prints one number and has no tasklist twin; it shows Taskwarrior's own floor on this data.", ""]
    tws = [(d["name"], d["taskwarrior"]) for d in data["datasets"] if "taskwarrior" in d]
    if not tws:
        L += ["Not run (no `task` on PATH, `--no-taskwarrior`, or only the bundled dataset).", ""]
    for name, tw in tws:
        L += [f"### {name}", ""]
        if "error" in tw:
            L += [f"Not compared: {tw['error']}.", ""]
            continue
        tt = {x["label"]: x for x in tw["timings"]}
        L += [f"{tw['version'] and 'Taskwarrior ' + tw['version']}: {tw['tasks']:,} tasks imported "
              f"({tw['completed']:,} completed) in {tw['import_s']:.1f} s (`task import`, one run); data files "
              f"{tw['data_mib']} MiB. `task +OVERDUE count` = {tw['task_overdue_count']:,}; tasklist finds "
              f"{tw['tasklist_overdue']['items']:,} overdue items ({tw['tasklist_overdue']['assignments']:,} "
              f"assignments) — expected {tw['expected_overdue']:,}"
              f"{' (match)' if tw['task_overdue_count'] == tw['tasklist_overdue']['items'] else ' (MISMATCH)'}.", "",
              "| command | median | min – max | ×floor | ratio to `task +OVERDUE list` | peak RSS MiB |",
              "|---|---:|---:|---:|---:|---:|"]
        theirs = statistics.median(tt["task +OVERDUE list"]["runs"])
        for t in tw["timings"]:
            med = statistics.median(t["runs"])
            L.append(f"| `{t['label']}` | {fmt_ms(med)} | {fmt_ms(min(t['runs']))} – {fmt_ms(max(t['runs']))} | "
                     f"{med / fl:.1f}× | {med / theirs:.2f} | {max(t['rss']):.1f} |")
        L.append("")
    L += ["How the Taskwarrior data is made: one task per item; `description` = id and title; `project` = the lead "
          "agency (the first listed, possibly a group); `status` = `completed` only when every assignment's latest "
          "update on or before the as-of date is `done` (tasklist's item rule), else `pending`; `due` = the item's due "
          "date shifted by (today − as-of) at 00:00 UTC, so that Taskwarrior's `+OVERDUE` (due before today; run with "
          "`TZ=UTC`) selects exactly the items tasklist reports overdue on the as-of date. Items with no due date "
          "(持续推进) get none. Throwaway `TASKRC`/`TASKDATA`, with `rc.confirmation=off rc.verbose=nothing rc.hooks=off`. "
          "`gc` is left at its default (on): the first command after the import runs the garbage collection "
          "(moves completed tasks to completed.data, renumbers), and that cost falls in the warm-up run. "
          "`task list` prints every matching row (stdout is not a terminal); `tasklist overdue` prints one screenful "
          "per agency plus a count of the rows left, `--all` prints them all.", ""]
    L += ["## Targets", "", "| target | result | by how much |", "|---|---|---|"]
    L += [f"| {a} | **{r}** | {d} |" for a, r, d in targets(data)]
    L.append("")
    for qp in (data.get("query_plan"), *(d["postgres"].get("query_plan") for d in data["datasets"] if "postgres" in d)):
        if qp:
            L += query_plan_section(qp)
    lp = data.get("load_phases")
    if lp:
        L += [f"## Where `load` spends its time ({lp['dataset']})", "",
              "In-process, one run each (`read_registry` = read and validate the YAML; `apply_registry` = write the "
              "database), with Python's cyclic garbage collector on (as tasklist runs today) and switched off "
              "(`gc.disable()`), to show how much of the time is the collector walking the YAML node tree:", "",
              "| gc | read_registry | apply_registry |", "|---|---:|---:|"]
        for mode in ("gc-on", "gc-off"):
            v = lp[mode]
            L.append(f"| {mode} | {v.get('read_registry_s', '?')} s | {v.get('apply_registry_s', '?')} s |"
                     if "error" not in v else f"| {mode} | error: {v['error']} | |")
        L.append("")
    si = data.get("startup_instructions")
    if si:
        L += ["## Start-up in instructions (bundled)", ""]
        counts = si.get("instructions") or {}
        base = counts.get("floor: python -c 'import sqlite3'")
        if "error" in si or not base:
            L += [f"Not measured: {si.get('error', 'the floor did not run under valgrind')}.", ""]
        else:
            L += ["Instructions each process executed, counted by valgrind (`--tool=cachegrind --cache-sim=no`), one run "
                  "each with bytecode cached: unlike wall time, the count is the same whatever else the machine is doing. "
                  "Wall time is not proportional to it (the floor spends more of its time in the kernel), but the "
                  "shares are: the rows for typer and Rich are what the command line and the tables cost before "
                  "tasklist's own code runs.", "", "| process | instructions | ×floor |", "|---|---:|---:|"]
            L += [f"| `{label}` | {n:,} | {n / base:.2f}× |" if n else f"| `{label}` | failed | |"
                  for label, n in counts.items()]
            L.append("")
    pr = data.get("profile")
    if pr:
        L += [f"## Profile: `tasklist overdue` on {pr['dataset']}", "",
              f"`cProfile` of `tasklist overdue --as-of {data['as_of']}` (its entry point run under `cProfile.Profile.runcall`) ({pr['cprofile_head'].strip()}), "
              "top of the list:", "", "```", *pr["cprofile"], "```", "",
              f"`python -X importtime -m tasklist overdue …`: imports take {pr['import_total_ms']} ms in all "
              "(self times summed). Largest cumulative imports:", "", "| cumulative ms | self ms | module |", "|---:|---:|---|"]
        L += [f"| {c} | {s} | `{n.strip()}` |" for c, s, n in pr["imports_top"]]
        L.append("")
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time whole tasklist processes; write RESULTS.md.")
    ap.add_argument("--sizes", default="bundled,10k,100k", help="comma-separated: bundled, 10k, 100k")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    ap.add_argument("--bundled-runs", type=int, default=10,
                    help="timed runs per command on the bundled registry, where a run is cheap (default 10)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed warm-up runs per command (default 1)")
    ap.add_argument("--big-load-runs", type=int, default=3, help="runs of the 100k load, without warm-up (default 3)")
    ap.add_argument("--as-of", default=AS_OF)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "tasklist-bench",
                    help="where datasets and scratch files go (default /tmp/tasklist-bench)")
    ap.add_argument("--regen", action="store_true", help="regenerate the synthetic datasets")
    ap.add_argument("--code", default="HEAD", help="git revision of tasklist to measure, copied into the work directory "
                    "first (default HEAD); 'live' measures the installed package as is, even if it changes mid-run")
    ap.add_argument("--tasklist", help="the tasklist executable (default: next to this Python, else on PATH)")
    ap.add_argument("--no-taskwarrior", action="store_true")
    ap.add_argument("--pg-sizes", default="100k", help="datasets whose reads are also timed on PostgreSQL "
                    "(a throwaway cluster as in tests/pgserver.py; default 100k; '' for none)")
    ap.add_argument("--tw-import-timeout", type=int, default=600, help="give up on `task import` after this many s")
    ap.add_argument("--no-analysis", action="store_true", help="skip query plan and profiles")
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = ap.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    args.pg_sizes = [s.strip() for s in args.pg_sizes.split(",") if s.strip()]
    for s in sizes:
        if s not in SIZES:
            ap.error(f"unknown size {s!r} (known: {', '.join(SIZES)})")
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    args.workdir.mkdir(parents=True, exist_ok=True)
    global PYCACHE, FROZEN
    PYCACHE = args.workdir / "pycache"
    code = {"commit": None, "subject": "the installed package, as it was during the run (--code live)", "path": None}
    if args.code != "live":
        code = freeze_code(args.workdir, args.code)
        FROZEN = Path(code["path"])
    print(f"code under test: {code['subject']}", file=sys.stderr, flush=True)
    tl = tasklist_argv(args.tasklist)
    python = interpreter_of(tl[0])
    global LAUNCHER
    LAUNCHER = Launcher(python)

    floor = measure("floor: python -c 'import sqlite3'", [python, "-c", "import sqlite3"], base_env(),
                    runs=max(args.runs, 10), warmup=args.warmup)
    git = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
    data = {"machine": machine(), "as_of": args.as_of, "tasklist": tl[0], "git": git or "?", "code": code,
            "argv": ["benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])],
            "floor": asdict(floor), "datasets": []}
    for name in sizes:
        data["datasets"].append(bench_dataset(name, args, tl))
    big = next((s for s in ("100k", "10k") if s in sizes), None)
    if big and not args.no_analysis:
        db = args.workdir / f"{big}.db"
        print(f"\nanalysis on {big} (untimed) ...", file=sys.stderr, flush=True)
        data["query_plan"] = {"dataset": big, **query_plans(f"sqlite:///{db}", args.as_of)}
        data["profile"] = {"dataset": big, **profiles(db, args.as_of, python, base_env())}
        data["load_phases"] = {"dataset": big, **load_phases(args.workdir / big, args.workdir, python)}
    if "bundled" in sizes and not args.no_analysis:
        print("\nstart-up in instructions (bundled, untimed) ...", file=sys.stderr, flush=True)
        data["startup_instructions"] = startup_instructions(python, tl, args.workdir / "bundled-home", args.as_of)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    (args.out.parent / "results.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    write_report(data, args.out)
    LAUNCHER.close()
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
