"""list --json and history --json written in two halves by two processes (cli.common.print_json_halves):
the same bytes as one process writes, and every way it can fail ends as one process would.

The commands run as processes of their own (stdout a pipe, as a user's), through a prelude that can
lower the thresholds (TL_HALVES), move the split (TL_AT), record each worker's pid (TL_FORKS), slow
the worker down (TL_SLOW) or make it fail (TL_FAIL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PRELUDE = r"""
import os, sys, time
import tasklist.cli.common as common
import tasklist.reports.facts as facts
import tasklist.reports.views as views

if os.environ.get("TL_HALVES"):
    views.HISTORY_HALVES_FROM = facts.LIST_HALVES_FROM = int(os.environ["TL_HALVES"])
if os.environ.get("TL_DIR"):
    common.HALVES_DIR = os.environ["TL_DIR"]
if os.environ.get("TL_AT"):  # the split moved: "first" (the first half empty) or "last" (the second)
    first = os.environ["TL_AT"] == "first"
    views.history_split = lambda conn: ("0000-01-01" if first else "9999-12-31", 1 << 62)
    whole_list = facts.listing_split

    def moved(conn, as_of, overdue=False):
        halves = whole_list(conn, as_of, overdue=overdue)
        ids = [] if halves is None else halves[0] + halves[1]
        return ([], ids, ("", -1, 0)) if first else (ids, [], ("\U0010ffff", 1 << 60, 0))

    facts.listing_split = moved
parent = os.getpid()
fork = os.fork


def counted():
    pid = fork()
    if pid and os.environ.get("TL_FORKS"):
        with open(os.environ["TL_FORKS"], "a") as out:
            out.write(f"{pid}\n")
    return pid


os.fork = counted
reopen = common._reopen


def worker_reopen(conn):
    if os.getpid() != parent:
        if os.environ.get("TL_SLOW"):
            time.sleep(float(os.environ["TL_SLOW"]))
        if os.environ.get("TL_MEANWHILE") == "update":  # an update recorded after the split, before this half is read
            import subprocess
            subprocess.run([sys.executable, "-m", "tasklist", "update", "T6", "-s", "推进中", "--on", "2026-11-20",
                            "--note", "meanwhile"], check=True, capture_output=True)
        if os.environ.get("TL_MEANWHILE") == "reorder":  # the registry's order turned round (a reload)
            from tasklist.storage.connection import connect
            other = connect()
            with other.transaction():
                other.execute("UPDATE item SET position = 100000 - position")
            other.close()
        if os.environ.get("TL_FAIL") == "gone":
            from tasklist.errors import DatabaseError
            raise DatabaseError("error.db_open_dir", path="/no/such/file.db")
    reopen(conn)


common._reopen = worker_reopen
if os.environ.get("TL_NO_SECOND"):  # the server gives no connection after the fork (a role's CONNECTION LIMIT 1)
    import tasklist.storage.connection as connection
    opened = connection.connect

    def limited(*args, **kw):
        if os.getpid() != parent or os.environ.get("TL_FORKED"):
            from tasklist.errors import DatabaseError
            raise DatabaseError("error.db_open_dir", path="(too many connections)")
        return opened(*args, **kw)

    connection.connect = limited
    forked = os.fork

    def marked():
        pid = forked()
        os.environ["TL_FORKED"] = "1"
        return pid

    os.fork = marked
if os.environ.get("TL_FAIL") in ("row", "any row"):  # a row the database cannot read (in the worker's half)
    import sqlite3
    rows = views.history_values

    def bad_rows(conn, **kw):
        for row in rows(conn, **kw):
            if os.getpid() != parent or os.environ["TL_FAIL"] == "any row":
                raise sqlite3.DatabaseError("database disk image is malformed")
            yield row

    views.history_values = bad_rows
from tasklist.launch import main
sys.argv = ["tasklist", *sys.argv[1:]]
sys.exit(main())
"""


def _env(**more: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(more)
    return env


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-c", PRELUDE, *args], env=_env(**env), capture_output=True, timeout=120)


def _forked(path: Path) -> list[int]:
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _worker_waiting(forks: Path) -> int:
    """The pid of the worker the command started (see TL_FORKS), once it has forked."""
    deadline = time.monotonic() + 60
    while not _forked(forks) and time.monotonic() < deadline:
        time.sleep(0.05)
    (pid,) = _forked(forks)
    return pid


def _gone(pid: int) -> bool:
    """The process no longer runs (or is a zombie its dead parent left to init)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


@pytest.fixture
def history_made(cli):
    """Updates on several days, their notes odd unicode (CJK, emoji, combining marks, U+3000, a long note)."""
    notes = ["推进中　备注", "\U0001f600 emoji \U0001f1e8\U0001f1f3", "e\u0301 combining \u0302\u0303", "长" * 2000,
             'a "quoted" \\ note', "\u3000\u3000全角空格"]
    for day, note in enumerate(notes, start=10):
        cli("update", "T6", "-s", "推进中", "--on", f"2026-11-{day}", "--note", note)
        cli("update", "O17", "-a", "各设区市人民政府", "-s", "推进中", "--on", f"2026-11-{day}", "--note", note)
    cli("done", "--verified", "T1", "--all", "--on", "2026-11-19", "--note", "\U0001f600 done")


LISTINGS = [
    ("history", "--json"),
    ("history", "--json", "--lang", "en"),
    ("list", "--json", "--as-of", "2026-11-20"),
    ("list", "--json", "--as-of", "2026-11-20", "--lang", "en"),
    ("list", "--json", "--as-of", "2025-09-15", "--overdue"),
    ("list", "--json", "--as-of", "2026-11-20", "--agency", "福州市"),
    ("list", "--json", "--as-of", "2026-11-20", "--status", "done"),
]
FILTERED = [  # written by one process whatever the threshold
    ("history", "--json", "--since", "2026-11-12"),
    ("history", "--json", "-a", "福州市"),
    ("history", "--json", "T6"),
]


@pytest.mark.usefixtures("engine", "history_made")
def test_two_halves_are_the_bytes_one_process_writes(tmp_path):
    """Forced to split (threshold 0) the listing is byte for byte what one process writes (the default
    threshold: a small plan is one process), stderr and exit code the same; the split happened."""
    for at, args in enumerate(LISTINGS + FILTERED):
        forks, none = tmp_path / f"forks-{at}", tmp_path / f"none-{at}"
        one, two = _run(*args, TL_FORKS=str(none)), _run(*args, TL_HALVES="0", TL_FORKS=str(forks))
        assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr), args
        assert one.returncode == 0 and one.stdout.startswith(b"[\n  {"), args
        assert len(_forked(forks)) == (0 if args in FILTERED else 1), args
        assert not _forked(none), args  # a small plan, under the thresholds: one process


@pytest.mark.usefixtures("engine", "history_made")
@pytest.mark.parametrize("at", ["first", "last"])
def test_a_half_that_is_empty_leaves_the_text_whole(tmp_path, at):
    """Split before every record (the first half empty: the worker's text opens the list) or after every
    one (the second half empty): the same bytes."""
    for n, args in enumerate(LISTINGS[:3]):
        forks = tmp_path / f"forks-{at}-{n}"
        one, two = _run(*args), _run(*args, TL_HALVES="0", TL_AT=at, TL_FORKS=str(forks))
        assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr), args
        assert len(_forked(forks)) == 1


@pytest.mark.usefixtures("history_made")
def test_an_empty_listing_is_an_empty_list(tmp_path):
    """No record in either half: "[]", as one process writes it."""
    one = _run("list", "--json", "--as-of", "2026-11-20", "--due-before", "2000-01-01")
    two = _run("list", "--json", "--as-of", "2026-11-20", "--due-before", "2000-01-01", TL_HALVES="0",
               TL_FORKS=str(tmp_path / "forks"))
    assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr)
    assert one.stdout == b"[]\n" and len(_forked(tmp_path / "forks")) == 1


@pytest.mark.usefixtures("engine", "history_made")
@pytest.mark.parametrize(("how", "at"), [("gone", ""), ("row", ""), ("gone", "first")])
def test_a_failed_worker_leaves_its_half_to_the_parent(tmp_path, how, at):
    """The worker fails (its database cannot be opened; a value it cannot write, in its half only):
    the parent writes that half itself, and the command prints what one process prints (also where
    the parent's own half was empty: the whole list then comes after it); no worker left running and
    no temporary file left behind."""
    spill, forks = tmp_path / "spill", tmp_path / "forks"
    spill.mkdir()
    one = _run("history", "--json")
    done = _run("history", "--json", TL_HALVES="0", TL_FAIL=how, TL_AT=at, TL_DIR=str(spill), TL_FORKS=str(forks))
    assert (done.returncode, done.stdout, done.stderr) == (0, one.stdout, b""), done.stderr
    (pid,) = _forked(forks)
    assert _gone(pid)
    assert not list(spill.iterdir())


@pytest.mark.usefixtures("engine", "history_made")
def test_a_failure_of_both_halves_is_the_one_line_one_process_prints(tmp_path):
    """A row neither process can read: the parent meets it too, and the command ends as one process
    does (exit 1, the same one line), the worker gone, no temporary file."""
    spill, forks = tmp_path / "spill", tmp_path / "forks"
    spill.mkdir()
    one = _run("history", "--json", TL_FAIL="any row")
    done = _run("history", "--json", TL_HALVES="0", TL_FAIL="any row", TL_DIR=str(spill), TL_FORKS=str(forks))
    assert (done.returncode, done.stderr) == (one.returncode, one.stderr) == (1, one.stderr)
    err = done.stderr.decode()
    assert err.startswith("error: unexpected DatabaseError: database disk image is malformed\n"), err
    assert "Traceback" not in err and err.count("error:") == 1
    (pid,) = _forked(forks)
    assert _gone(pid)
    assert not list(spill.iterdir())


@pytest.mark.usefixtures("history_made")
@pytest.mark.parametrize("group", [True, False])
def test_ctrl_c_ends_both_processes_with_130(tmp_path, group):
    """SIGINT to the process group (Ctrl-C) or to the parent alone, the worker still at work: the
    command ends as it does in one process (killed by SIGINT, 130 in a shell), the worker with it."""
    forks = tmp_path / "forks"
    proc = subprocess.Popen([sys.executable, "-c", PRELUDE, "history", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True,
                            env=_env(TL_HALVES="0", TL_SLOW="30", TL_FORKS=str(forks)))
    try:
        pid = _worker_waiting(forks)
        time.sleep(0.3)  # the parent's half written, waiting for the worker's
        if group:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGINT)
        err = proc.communicate(timeout=20)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode in (130, -signal.SIGINT), err
    assert _gone(pid)


@pytest.mark.usefixtures("history_made")
def test_a_closed_pipe_ends_quietly_and_the_worker_with_it(tmp_path):
    """`| head -1` once head has gone: the command ends as one process does (exit 0, nothing on
    stderr), and the worker (slowed down, still at work) does not outlive it."""
    forks = tmp_path / "forks"
    ends = []
    for halves in (None, "0"):
        read, write = os.pipe()
        os.close(read)  # the reader gone before the first write
        try:
            proc = subprocess.Popen([sys.executable, "-c", PRELUDE, "history", "--json"], stdout=write,
                                    stderr=subprocess.PIPE,
                                    env=_env(TL_SLOW="30", TL_FORKS=str(forks), **({"TL_HALVES": halves} if halves else {})))
        finally:
            os.close(write)
        err = proc.communicate(timeout=20)[1]
        ends.append((proc.returncode, err))
    assert ends[0] == ends[1] == (0, b"")
    (pid,) = _forked(forks)
    assert _gone(pid)


@pytest.mark.usefixtures("history_made")
def test_a_worker_killed_leaves_its_half_to_the_parent(tmp_path):
    """The worker ended by a signal (the OOM killer, say): the parent writes its half, and the bytes
    are one process's."""
    forks = tmp_path / "forks"
    one = _run("history", "--json")
    proc = subprocess.Popen([sys.executable, "-c", PRELUDE, "history", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env(TL_HALVES="0", TL_SLOW="30", TL_FORKS=str(forks)))
    try:
        pid = _worker_waiting(forks)
        os.kill(pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, out, err) == (0, one.stdout, b"")


@pytest.mark.usefixtures("history_made")
def test_no_process_to_be_had_is_one_process(tmp_path):
    """The fork refused (EAGAIN: too many processes): one process writes the whole listing."""
    one = _run("history", "--json")
    refused = PRELUDE.replace("os.fork = counted", "def refused():\n    raise BlockingIOError(11, 'Resource temporarily unavailable')\n\n\nos.fork = refused")
    done = subprocess.run([sys.executable, "-c", refused, "history", "--json"], env=_env(TL_HALVES="0"),
                          capture_output=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, one.stdout, b"")


def test_one_process_where_two_cannot_be(tmp_path, monkeypatch):
    """No temporary file (so no worker) where stdout has no descriptor beneath UTF-8 bytes, another
    thread runs (a fork copies the locks it holds), a transaction is open, or on macOS."""
    import io
    import threading

    from tasklist.cli.common import _halves_spill

    class Conn:
        open = False

        def in_transaction(self):
            return self.open

    real = tmp_path / "out"
    with open(real, "w", encoding="utf-8") as out:
        monkeypatch.setattr("sys.stdout", out)
        conn = Conn()
        spill = _halves_spill(conn)
        assert spill is not None
        spill.close()
        conn.open = True
        assert _halves_spill(conn) is None
        conn.open = False
        monkeypatch.setattr("sys.platform", "darwin")
        assert _halves_spill(conn) is None
        monkeypatch.undo()
        monkeypatch.setattr("sys.stdout", out)
        stop = threading.Event()
        beside = threading.Thread(target=stop.wait)
        beside.start()
        try:
            assert _halves_spill(conn) is None
        finally:
            stop.set()
            beside.join()
    with open(real, "w", encoding="gb18030") as out:
        monkeypatch.setattr("sys.stdout", out)
        assert _halves_spill(Conn()) is None
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    assert _halves_spill(Conn()) is None


@pytest.mark.usefixtures("engine", "history_made")
def test_the_halves_are_of_one_moment(tmp_path):
    """What is recorded or reordered between the split and the worker's reading: the history's halves
    hold only the updates recorded when the split was read (none shown without those before it), and
    each item is listed once (the ids read once, by one statement, then parted)."""
    before = _run("history", "--json")
    during = _run("history", "--json", TL_HALVES="0", TL_MEANWHILE="update")
    assert (during.returncode, during.stdout) == (0, before.stdout), during.stderr
    assert "meanwhile" in _run("history", "--json").stdout.decode()  # recorded, and shown by the next listing
    listed = json.loads(_run("list", "--json", "--as-of", "2026-11-20").stdout)
    during = _run("list", "--json", "--as-of", "2026-11-20", TL_HALVES="0", TL_MEANWHILE="reorder")
    assert during.returncode == 0, during.stderr
    # each item once, none lost (the worker's chunks are read in the order as it then stands, as one
    # process's later chunks would be)
    assert sorted(i["id"] for i in json.loads(during.stdout)) == sorted(i["id"] for i in listed)


@pytest.mark.usefixtures("history_made")
def test_postgres_keeps_its_connection_where_no_second_is_given(engine):
    """PostgreSQL: the parent keeps the connection it had across the fork; where the server gives no
    further one (a role's CONNECTION LIMIT 1, max_connections reached) the worker fails to connect and
    the parent writes its half: the bytes of one process, exit 0."""
    if engine != "postgresql":
        pytest.skip("SQLite has no limit on connections; each process opens its own there")
    for args in (("history", "--json"), ("list", "--json", "--as-of", "2026-11-20")):
        one = _run(*args)
        two = _run(*args, TL_HALVES="0", TL_NO_SECOND="1")
        assert (two.returncode, two.stdout, two.stderr) == (0, one.stdout, b""), (args, two.stderr)


@pytest.mark.usefixtures("history_made")
def test_a_parent_killed_takes_its_worker_with_it(tmp_path):
    """SIGKILL to the parent (no finally of its own runs): the worker does not read on for nobody."""
    forks = tmp_path / "forks"
    # no pipes: the worker would hold them open, and reading them to their end wait for it
    proc = subprocess.Popen([sys.executable, "-c", PRELUDE, "history", "--json"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=_env(TL_HALVES="0", TL_SLOW="20", TL_FORKS=str(forks)))
    try:
        pid = _worker_waiting(forks)
        time.sleep(0.5)  # the worker's death signal set (its first step)
        proc.kill()
        proc.wait(timeout=20)
        deadline = time.monotonic() + 5  # well before its 20 s of sleep are over
        while not _gone(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(pid)
    finally:
        if proc.poll() is None:
            proc.kill()
