#!/usr/bin/env python3
"""The query plans of the overdue, status and weekly reports, on SQLite or PostgreSQL.

    python benchmarks/plans.py --db /tmp/tasklist-bench/100k.db [--as-of 2025-09-15]
    python benchmarks/plans.py --db 'postgresql+psycopg://postgres@/bench?host=/tmp/…'

It runs the reports as the commands do (overdue_view with one screenful, status_view --summary,
weekly_report), records every statement they send with its parameters, and prints, for each
statement that took 20 ms or more, its time in the report and its plan: `EXPLAIN QUERY PLAN` on
SQLite, `EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL (which runs the statement once more).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="SQLite path or PostgreSQL URL")
    ap.add_argument("--as-of", default="2025-09-15")
    ap.add_argument("--min-ms", type=float, default=20)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from tasklist.reports.views import overdue_view, status_view
    from tasklist.reports.weekly import weekly_report
    from tasklist.storage import connection
    from tasklist.storage.schema import open_db

    seen: list[tuple[str, str, tuple, float]] = []
    original = connection.Connection._fetch
    report = ["?"]

    def traced(self, sql, params, fetch):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return original(self, sql, params, fetch)
        finally:
            seen.append((report[0], sql, tuple(params), (time.perf_counter() - t0) * 1000))

    connection.Connection._fetch = traced
    url = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    conn = open_db(url, setup=False)
    as_of = date.fromisoformat(args.as_of)
    runs = {"overdue": lambda: overdue_view(conn, as_of, limit=18),
            "status --summary": lambda: status_view(conn, as_of, limit=18, summary_only=True),
            "weekly": lambda: weekly_report(conn, as_of)}
    out = []
    for name, run in runs.items():
        report[0] = name
        t0 = time.perf_counter()
        run()
        out.append({"report": name, "ms": round((time.perf_counter() - t0) * 1000, 1)})
    connection.Connection._fetch = original
    plans = []
    for name, sql, params, ms in seen:
        if ms < args.min_ms:
            continue
        if conn.dialect == "postgresql":
            rows = conn.all("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [r[0] for r in rows]
        else:
            rows = conn.raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
            depth = {0: -1}
            plan = []
            for node, parent, _, detail in rows:
                depth[node] = depth.get(parent, -1) + 1
                plan.append("  " * depth[node] + ("|--" if depth[node] else "") + detail)
        plans.append({"report": name, "ms": round(ms, 1), "sql": sql, "plan": plan})
    conn.close()
    if args.json:
        print(json.dumps({"engine": conn.dialect, "reports": out, "plans": plans}, ensure_ascii=False, indent=1))
        return 0
    print(f"engine: {conn.dialect}; " + ", ".join(f"{r['report']} {r['ms']} ms" for r in out))
    for p in plans:
        print(f"\n### {p['report']}: {p['ms']} ms\n\n```sql\n{p['sql']}\n```\n\n```")
        print("\n".join(p["plan"]))
        print("```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
