"""Read commands and `update` stay fast: nothing heavy is imported on their path (a test that
measures nothing but fails the moment someone adds such an import)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

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



BUILT = (
    "import atexit, sys, typer.main\n"
    "built = []\n"
    "def counted(callback, _real=typer.main.get_params_from_function):\n"
    "    params = _real(callback)\n"
    "    if params:\n"
    "        built.append(callback.__name__)\n"
    "    return params\n"
    "typer.main.get_params_from_function = counted\n"
    "atexit.register(lambda: sys.stderr.write('BUILT ' + ' '.join(built) + '\\n'))\n"
    "how, sys.argv = sys.argv[1], ['tasklist'] + sys.argv[2:]\n"
    "import tasklist.cli\n"
    "tasklist.cli.main() if how == 'main' else tasklist.cli.app()\n"
)


def run(how: str, *args: str) -> tuple[int, str, str, list[str]]:
    """(exit code, stdout, stderr, the functions whose parameters typer read) of ``tasklist ARGS``
    run through ``main`` (how="main") or through the whole tree (how="app")."""
    done = subprocess.run([sys.executable, "-c", BUILT, how, *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "80"})
    *stderr, built = done.stderr.splitlines(keepends=True)
    assert built.startswith("BUILT "), done.stderr
    return done.returncode, done.stdout, "".join(stderr), built.split()[1:]


@pytest.mark.parametrize("args", [["--help"], ["--lang", "en", "--help"], [], ["--lang", "en"], ["--version"],
                                  ["--db", "x.db"], ["--bogus"], ["--lang", "fr"]])
def test_the_root_alone_builds_no_commands_parameters_and_says_the_same(args):
    """With no command on the line, `main` builds each command's name and help, not its options
    (most of `tasklist --help`'s time); what it prints is what the whole tree prints."""
    *said, built = run("main", *args)
    *whole, built_whole = run("app", *args)
    assert said == whole
    assert set(built) == {"_root", "_version"}  # the root's own options (and --version's callback), no command's
    assert len(set(built_whole)) > 20


def test_a_command_builds_its_own_parameters_only():
    """Not those of the other commands its module registers (overdue's with status, export's with weekly)."""
    code, _, _, built = run("main", "status", "--help")
    assert code == 0 and set(built) == {"_root", "_version", "status"}
    code, _, _, built = run("main", "agencies", "set-email", "--help")  # a group: its callback and its commands
    assert code == 0 and set(built) == {"_root", "_version", "agencies", "set_email"}


@pytest.mark.parametrize("args", [["status", "--help"], ["weekly", "--bogus"], ["agencies", "--help"],
                                  ["agencies", "set-email", "--help"], ["update"], ["statu"], ["db", "upgrade", "--help"]])
def test_a_command_alone_says_what_the_whole_tree_says(args):
    *said, _ = run("main", *args)
    *whole, _ = run("app", *args)
    assert said == whole


@pytest.mark.parametrize("args", [["overdue", "--as-of", "2026-11-23"], ["status", "--summary", "--as-of", "2026-11-23"],
                                  ["list", "--json", "--as-of", "2026-11-23"]])
def test_a_report_on_a_given_date_loads_no_time_zones(cli, args):
    """zoneinfo is for "today in the plan's zone": a report told its date never needs it."""
    cli("list")
    assert "zoneinfo" not in imported(*args)
    assert "zoneinfo" in imported(*args[:-2])  # and without --as-of it does: this test can fail


@pytest.mark.parametrize("args", [["overdue", "--as-of", "2026-11-23"], ["overdue", "--all", "--as-of", "2026-11-23"]])
def test_overdue_on_a_pipe_loads_no_rich_console(cli, args):
    """`overdue` printed to a pipe or a file, where Rich would print no styles, is written by
    tasklist.output.plain without Rich's console, table or text (a sixth of the 10k screenful's
    instructions to import); with colours forced, Rich lays it out, and says the same but for them."""
    cli("list")
    code = (PROBE.replace("m.split('.')[0] for m in sys.modules", "m for m in sys.modules if m.startswith('rich')")
            .replace("'MODULES '", "'RICH '"))
    rich = {}
    for force in ("", "1"):
        env = {**{k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}, "COLUMNS": "100",
               **({"FORCE_COLOR": force} if force else {})}
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        line = next(x for x in done.stderr.splitlines() if x.startswith("RICH "))
        rich[force] = (set(json.loads(line[len("RICH "):])), re.sub(r"\x1b\[[0-9;]*m", "", done.stdout))
    assert not {"rich.console", "rich.table", "rich.text"} & rich[""][0] and rich[""][1].count("\n") > 5
    assert {"rich.console", "rich.table", "rich.text"} <= rich["1"][0]
    assert rich[""][1] == rich["1"][1]


def test_the_roots_help_loads_no_openssl():
    """hashlib loads OpenSSL: ~3 % of `tasklist --help`, which only lists the commands."""
    assert not {"hashlib", "_hashlib"} & imported("--help")


LAUNCHED = (
    "import atexit, gc, sys\n"
    "during = []\n"
    "def watch(phase, info):  # a pass of the collector while the command line is imported\n"
    "    if (phase == 'start' and 'tasklist.cli' in sys.modules\n"
    "            and not hasattr(sys.modules.get('tasklist.launch'), '_cli_main')):\n"
    "        during.append(info['generation'])\n"
    "gc.callbacks.append(watch)\n"
    "import tasklist.launch\n"
    "gc.callbacks.remove(watch)\n"
    "loaded_off = gc.isenabled() and not during and {'typer', 'click'} <= set(sys.modules)\n"
    "import tasklist.cli.common as common\n"
    "seen = []\n"
    "def probe(run, _real=common.report_errors):\n"
    "    seen.append((gc.isenabled(), gc.get_freeze_count() > 10_000, gc.get_threshold()[0]))\n"
    "    return _real(run)\n"
    "common.report_errors = probe\n"
    "atexit.register(lambda: sys.stderr.write(f'SEEN {loaded_off} {seen}\\n'))\n"
    "sys.argv = ['tasklist'] + sys.argv[1:]\n"
    "tasklist.launch.main()\n"
)


def test_the_program_loads_with_the_collector_off_and_runs_the_command_with_it_on(cli):
    """The program (the console script and ``python -m tasklist``) imports typer, click and Rich with
    the cycle collector off and freezes them; the command then runs with the collector on, as any
    caller of ``tasklist.cli.main`` has it (a long command's cycles are freed as before), started every
    50,000 new objects."""
    cli("list")
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert 'tasklist = "tasklist.launch:main"' in pyproject
    assert "tasklist.launch" in (Path(__file__).resolve().parent.parent / "tasklist" / "__main__.py").read_text()
    done = subprocess.run([sys.executable, "-c", LAUNCHED, "status", "--summary", "--as-of", "2026-11-23"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == "SEEN True [(True, True, 50000)]"


def test_the_program_ends_as_python_would_without_the_teardown(cli):
    """The program leaves with os._exit once the command is over: what it wrote is all there
    (flushed first, into a pipe here), the exit handlers ran (the probe above prints from one), and
    the exit code is the command's."""
    cli("list")
    listed = subprocess.run([sys.executable, "-m", "tasklist", "list", "--json"], capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == cli("list", "--json").stdout and len(json.loads(listed.stdout)) == 54
    missing = subprocess.run([sys.executable, "-m", "tasklist", "show", "T999"], capture_output=True, text=True)
    assert missing.returncode != 0 and missing.stderr.startswith("error: ") and missing.stdout == ""
    assert missing.returncode == cli("show", "T999", code=missing.returncode).exit_code


def test_leaving_flushes_what_is_written_and_runs_the_exit_handlers():
    """What a command writes and leaves in the buffer (no command does today) is written before the
    process ends, after the exit handlers, whose output is flushed too; the code is the one given.
    (Run buffered, as a program usually is: PYTHONUNBUFFERED would write everything at once.)"""
    probe = ("import atexit, sys\n"
             "import tasklist.launch\n"
             "atexit.register(lambda: sys.stdout.write(' and the handler'))\n"
             "sys.stdout.write('written')\n"
             "sys.stderr.write('said')\n"
             "tasklist.launch._leave(3)\n"
             "sys.stdout.write(' and never this')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert (done.returncode, done.stdout, done.stderr) == (3, "written and the handler", "said")


def test_the_records_of_the_reports_start_up_are_not_compiled_from_strings():
    """The NamedTuples every report imports are defined with their annotations as types, not strings
    (``from __future__ import annotations``): typing.NamedTuple compiles each string annotation at
    import, ~0.1 ms a record."""
    import importlib
    import typing

    modules = ("tasklist.storage.lookup", "tasklist.reports.views", "tasklist.errors", "tasklist.reports.weekly",
               "tasklist.reports.claims", "tasklist.reports.targets", "tasklist.targets")
    records = [value for name in modules for value in vars(importlib.import_module(name)).values()
               if isinstance(value, type) and issubclass(value, tuple) and hasattr(value, "_fields")
               and value.__module__ == name]
    assert len(records) >= 18
    assert [r.__name__ for r in records if any(isinstance(t, typing.ForwardRef) for t in r.__annotations__.values())] == []


def test_importing_the_launcher_leaves_the_collector_as_it_was():
    """Only running the program changes the collector: a test or a script that imports
    :mod:`tasklist.launch` (or :mod:`tasklist.cli`) keeps collecting cycles."""
    probe = "import gc\nimport tasklist.launch\nprint(gc.isenabled(), gc.get_threshold()[0], gc.get_freeze_count() == 0)\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "700", "True"]


def test_a_report_compiles_no_pattern_it_does_not_use():
    """tasklist.text's REFUSED and the registry's name patterns are compiled on first use (each a
    million instructions or more of every command's start-up), all by text._compiled: importing them,
    as every report does, compiles none (its cache is empty); asking for one compiles it, and it finds what it found before."""
    code = ("import re, sys, tasklist.cli.common, tasklist.registry.names as names, tasklist.text as text;"
            "print(sorted(n for n in ('REFUSED', 'CODE_RE', 'EMAIL_RE', '_BY_NUMBER_RE') if n in vars(text) or n in vars(names)),"
            " text._compiled.cache_info().currsize, text.visible('中文 🚀 T1'), text._compiled.cache_info().currsize);"
            "print(text.visible('a\\x1bb'), names.valid_email('a@b.cn'), names.valid_email('a\\u202e@b.cn'), names.item_by_number('第3项成果'),"
            "names.CODE_RE.match('T12').groups(), isinstance(text.REFUSED, re.Pattern), text.problem('ok'), 'REFUSED' in vars(text))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["[] 0 中文 🚀 T1 0", "a\\x1bb True False ('outcome', 3) ('T', '12') True None True"]
    with pytest.raises(AttributeError):
        import tasklist.text

        tasklist.text.NOT_THERE  # noqa: B018
