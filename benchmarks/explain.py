#!/usr/bin/env python3
"""The query plans of `tasklist overdue`, `status --summary` and `weekly`, on SQLite or PostgreSQL.

    python benchmarks/explain.py --db /tmp/tasklist-bench/10k.db --as-of 2025-09-15
    python benchmarks/explain.py --db 'postgresql+psycopg://postgres@/bench?host=/tmp/…' --as-of 2025-09-15
    python benchmarks/explain.py --pg-from /tmp/tasklist-bench/10k.db --registry /tmp/tasklist-bench/10k

It calls the library functions the three commands call, with the arguments they pass
(`overdue_view` with one screenful, `status_view(summary_only=True)`, `weekly_report` with one
screenful and no trend), and records every statement they send by wrapping
`Connection.execute` (and, on PostgreSQL, `Connection.stream`, which reads through a named cursor
of its own). Nothing is copied by hand: the SQL printed is the SQL the code sends today.

For each statement it prints its time (the median of --runs re-runs of the statement alone, every
row fetched into Python) and its plan: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN (ANALYZE, BUFFERS)`
on PostgreSQL (which runs it once more; the connection has jit=off, as every tasklist connection).

`--pg-from FILE --registry DIR` starts a throwaway PostgreSQL cluster the way the tests do
(tests/pgserver.py), loads DIR with `tasklist load`, copies the status updates of the SQLite FILE
(matched by item and agency, as run.py does), runs VACUUM (ANALYZE), prints the plans and removes the cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCREEN = 18  # screen_limit() on a 24-line terminal


def capture(conn: Any, as_of: date, limit: int) -> tuple[list[dict], list[dict]]:
    """Run the three reports as the CLI does; the statements each one sent, in order."""
    from tasklist.reports.views import overdue_view, status_view
    from tasklist.reports.weekly import weekly_report
    from tasklist.storage.connection import Connection

    seen: list[dict] = []
    report = ["?"]
    execute, stream = Connection.execute, Connection.stream

    def traced_execute(self, sql, params=()):  # type: ignore[no-untyped-def]
        seen.append({"report": report[0], "sql": sql, "params": list(params)})
        return execute(self, sql, params)

    def traced_stream(self, sql, params=(), *, batch=1000):  # type: ignore[no-untyped-def]
        if self.dialect == "postgresql":  # SQLite's stream goes through execute, recorded there
            seen.append({"report": report[0], "sql": sql, "params": list(params)})
        return stream(self, sql, params, batch=batch)

    runs = {
        "overdue": lambda: overdue_view(conn, as_of, limit=limit),
        "status --summary": lambda: status_view(conn, as_of, limit=limit, summary_only=True),
        "weekly": lambda: weekly_report(conn, as_of, days=7, limit=limit, trend=False),
    }
    reports = []
    Connection.execute, Connection.stream = traced_execute, traced_stream  # type: ignore[method-assign]
    try:
        for name, run in runs.items():
            report[0] = name
            t0 = time.perf_counter()
            run()
            conn.end_read()
            reports.append({"report": name, "ms": round((time.perf_counter() - t0) * 1000, 1),
                            "statements": sum(s["report"] == name for s in seen)})
    finally:
        Connection.execute, Connection.stream = execute, stream  # type: ignore[method-assign]
    return reports, seen


def plan_of(conn: Any, sql: str, params: list) -> tuple[list[str], float | None]:
    """The plan lines, and PostgreSQL's own execution time (ms). A write (weekly's INSERT into its
    temp table) is explained inside a savepoint rolled back after: its re-run then finds the table as
    the report left it."""
    if conn.dialect == "postgresql":
        writes = not _reads(sql)
        if writes:
            conn.execute("SAVEPOINT explain")
        lines = [r[0] for r in conn.all("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)]
        if writes:
            conn.execute("ROLLBACK TO SAVEPOINT explain")
        took = next((float(x.split(":")[1].split()[0]) for x in lines if x.startswith("Execution Time")), None)
        return lines, took
    rows = conn.raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    depth = {0: -1}
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + ("|--" if depth[node] else "") + detail)
    return lines, None


def _reads(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH"))


def explain(url: str, as_of: date, limit: int, runs: int) -> dict:
    from tasklist.storage.schema import open_db

    conn = open_db(url, setup=False, create=False)
    try:
        reports, seen = capture(conn, as_of, limit)
        # Each report's statements are replayed in the order it sent them, ``runs`` times, each run
        # in one read transaction: the weekly report makes a temp table that its later statements
        # read and its last drops (on PostgreSQL, ending the transaction would take the table with it).
        for name in dict.fromkeys(s["report"] for s in seen):
            sent = [s for s in seen if s["report"] == name]
            times: list[list[float]] = [[] for _ in sent]
            for run in range(runs):
                for s, took in zip(sent, times):
                    ddl = s["sql"].lstrip().upper().startswith(("CREATE", "DROP", "ANALYZE", "ALTER", "RESET", "SET "))
                    if run == runs - 1:
                        s["plan"], s["server_ms"] = ([], None) if ddl else plan_of(conn, s["sql"], s["params"])
                    t0 = time.perf_counter()
                    if _reads(s["sql"]):
                        s["rows"] = len(conn.all(s["sql"], s["params"]))
                    else:
                        s["rows"] = max(conn.execute(s["sql"], s["params"]).rowcount, 0)
                    took.append((time.perf_counter() - t0) * 1000)
                conn.end_read()
            for s, took in zip(sent, times):
                s["ms"] = round(statistics.median(took), 2)
        return {"engine": conn.dialect, "as_of": as_of.isoformat(), "limit": limit, "reports": reports,
                "statements": seen}
    finally:
        conn.close()


def with_postgres(sqlite_file: Path, registry: Path, fn: Any) -> dict:
    """A throwaway cluster (tests/pgserver.py) holding the SQLite dataset; fn(url) runs on it."""
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(HERE))
    from pgserver import Server
    from run import copy_updates_to_postgres

    server = Server().start()
    try:
        url = server.create_database("bench")  # copy_updates_to_postgres writes to "bench"
        t0 = time.perf_counter()
        tl = [str(Path(sys.executable).parent / "tasklist")]
        subprocess.run([*tl, "--db", url, "load", str(registry)], check=True, stdout=subprocess.DEVNULL,
                       env=dict(os.environ, TASKLIST_LANG="en"))
        copied = copy_updates_to_postgres(sqlite_file, server)
        print(f"PostgreSQL: loaded {registry} and copied {copied:,} updates in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
        return fn(url)
    finally:
        server.stop()


def show(data: dict, min_ms: float) -> None:
    print(f"engine: {data['engine']}; as of {data['as_of']}; one screenful = {data['limit']} rows")
    for r in data["reports"]:
        print(f"  {r['report']}: {r['ms']} ms in-process, {r['statements']} statements")
    print("\n| # | report | ms | rows | statement |\n|---|---|---|---|---|")
    for i, s in enumerate(data["statements"], 1):
        print(f"| {i} | {s['report']} | {s['ms']} | {s['rows']} | `{' '.join(s['sql'].split())[:60]}…` |")
    for i, s in enumerate(data["statements"], 1):
        if s["ms"] < min_ms:
            continue
        server = f", server {s['server_ms']} ms" if s["server_ms"] is not None else ""
        print(f"\n### {i}. {s['report']}: {s['ms']} ms ({s['rows']} rows{server})\n")
        print(f"```sql\n{s['sql'].strip()}\n```\nparams: {s['params']}\n\n```")
        print("\n".join(s["plan"]))
        print("```")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="SQLite path or PostgreSQL URL holding a loaded dataset")
    ap.add_argument("--pg-from", type=Path, metavar="SQLITE_FILE",
                    help="build a throwaway PostgreSQL copy of this SQLite dataset (needs --registry)")
    ap.add_argument("--registry", type=Path, metavar="DIR", help="the dataset's registry directory (generate.py --out)")
    ap.add_argument("--as-of", default="2025-09-15")
    ap.add_argument("--limit", type=int, default=SCREEN, help=f"rows of one screenful (default {SCREEN})")
    ap.add_argument("--runs", type=int, default=3, help="timed re-runs of each statement (default 3; median)")
    ap.add_argument("--min-ms", type=float, default=0,
                    help="print the SQL and plan only of statements taking this long (default 0: all)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if bool(args.db) == bool(args.pg_from) or (args.pg_from and not args.registry):
        ap.error("give --db, or --pg-from with --registry")
    as_of = date.fromisoformat(args.as_of)

    def run(url: str) -> dict:
        return explain(url, as_of, args.limit, args.runs)

    from tasklist.errors import TasklistError

    try:
        if args.pg_from:
            data = with_postgres(args.pg_from.resolve(), args.registry.resolve(), run)
        else:
            data = run(args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}")
    except TasklistError as exc:  # no such database, not a tasklist database...
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1, default=str))
    else:
        show(data, args.min_ms)
    return 0


if __name__ == "__main__":
    sys.exit(main())
