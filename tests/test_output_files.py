"""Output files never destroy data (issue 12): every command that writes a file refuses the database
in use, an existing file without --force, and unusable paths, with one line naming the path as the
user gave it and exit 2; creates missing directories; writes whole files with the user's umask; and
gives each agency its own file name within a run."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

import pytest
from conftest import query

AS_OF = ("--as-of", "2026-11-23")
NOTE = "写入前的进展"

# Every command that writes files, as (arguments before the path, option, arguments after).
COMMANDS = {
    "export": (("export", "overdue"), "--out", AS_OF),
    "export-xlsx": (("export", "status", "--format", "xlsx"), "--out", AS_OF),
    "weekly": (("weekly", "--format", "md"), "--out", AS_OF),
    "feedback": (("feedback", "export", "--agency", "省农业农村厅"), "--out", AS_OF),
    "feedback-all": (("feedback", "export", "--all"), "--out-dir", AS_OF),
    "remind": (("remind",), "--out-dir", AS_OF),
    "backup": (("db", "backup"), None, ()),
}
TO_A_FILE = [c for c, (_, option, _) in COMMANDS.items() if option != "--out-dir"]
TO_A_DIR = [c for c, (_, option, _) in COMMANDS.items() if option == "--out-dir"]


def command(name: str, path: object, *extra: str) -> list[str]:
    before, option, after = COMMANDS[name]
    return [*before, *([option] if option else []), str(path), *after, *extra]


def record(cli) -> None:
    cli("update", "T6", "--status", "in_progress", "--note", NOTE, *AS_OF)


@pytest.fixture
def recorded(cli):
    """An update made before any file is written: it must survive every refusal below."""
    record(cli)


def database_still_works(cli) -> None:
    assert [h["note"] for h in cli.json("history")] == [NOTE]
    cli("update", "T6", "--status", "in_progress", "--note", "之后", *AS_OF)
    assert [h["note"] for h in cli.json("history")] == [NOTE, "之后"]


def refused(cli, args: list[str], shown: str, *fragments: str) -> str:
    result = cli(*args, code=2)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and shown in lines[0], lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "unexpected" not in lines[0] and ".tmp" not in lines[0]
    return lines[0]


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- the database in use


@pytest.mark.parametrize("name", [*TO_A_FILE, *TO_A_DIR])
def test_the_database_in_use_is_never_written_over(cli, name, engine, isolated_home):
    record(cli)  # here, not as a fixture: on the engine under test
    if engine == "sqlite":
        db = isolated_home / "tasklist.db"
        targets = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")]
    else:  # the server's own files, when it says where they are (a superuser connection here)
        data = Path(query("SELECT current_setting('data_directory')")[0][0])
        targets = [data / "PG_VERSION", data / "global" / "pg_control"]
        if name in TO_A_DIR:
            targets = [data, data / "base"]
    for target in targets:
        before = target.read_bytes() if target.is_file() else None
        args = command(name, target, *([] if name == "backup" else ["--force"]))
        refused(cli, args, str(target), "is the database in use")
        if before is not None and not target.name.endswith(("-wal", "-shm")):
            assert target.read_bytes() == before
    database_still_works(cli)


@pytest.mark.usefixtures("recorded")
def test_a_link_to_the_database_is_the_database(cli, isolated_home, tmp_path):
    db = isolated_home / "tasklist.db"
    (tmp_path / "link.db").symlink_to(db)
    os.link(db, tmp_path / "hard.db")
    for alias in (tmp_path / "link.db", tmp_path / "hard.db", isolated_home / ".." / "home" / "tasklist.db"):
        refused(cli, command("export", alias, "--force"), str(alias), "is the database in use")
    # a directory made in place of a companion SQLite has not created yet would break the database
    for name, path in (("export", isolated_home / "tasklist.db-journal" / "x.csv"), ("remind", isolated_home / "tasklist.db-journal"),
                       ("feedback-all", isolated_home / "tasklist.db-shm" / "sub")):
        refused(cli, command(name, path), str(path), "is the database in use")
    assert not (isolated_home / "tasklist.db-journal").is_dir() and not (isolated_home / "tasklist.db-shm").is_dir()
    database_still_works(cli)


# --------------------------------------------------------------------------- bad paths, every command


def _bad_file_paths(tmp_path: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """family -> (path as the user types it, what the one line says)"""
    (tmp_path / "a-file").write_text("not a directory\n")
    (tmp_path / "a-dir").mkdir()
    return {
        "directory": (str(tmp_path / "a-dir"), ("is a directory",)),
        "empty": ("", ("'' is not a file name",)),
        "under a file": (str(tmp_path / "a-file" / "x.out"), (f"{tmp_path / 'a-file'} is not a directory",)),
        "under a file, deeper": (str(tmp_path / "a-file" / "d" / "x.out"), (f"{tmp_path / 'a-file'} is not a directory",)),
        "name too long": (str(tmp_path / ("长" * 90 + ".out")), ("file name too long",)),
        "under /proc": ("/proc/tasklist-test/x.out", ("cannot write",)),
        "a device": ("/dev/null", ("already exists",)),
    }


def _bad_dir_paths(tmp_path: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    (tmp_path / "a-file").write_text("not a directory\n")
    return {
        "a file": (str(tmp_path / "a-file"), ("is not a directory",)),
        "empty": ("", ("--out-dir '' is not a directory name",)),
        "under a file": (str(tmp_path / "a-file" / "sub"), (f"{tmp_path / 'a-file'} is not a directory",)),
        "name too long": (str(tmp_path / ("长" * 90)), ("file name too long",)),
        "under /proc": ("/proc/tasklist-test", ("cannot",)),
    }


FILE_FAMILIES = ["directory", "empty", "under a file", "under a file, deeper", "name too long", "under /proc", "a device"]
DIR_FAMILIES = ["a file", "empty", "under a file", "name too long", "under /proc"]


@pytest.mark.usefixtures("recorded")
@pytest.mark.parametrize("family", FILE_FAMILIES)
@pytest.mark.parametrize("name", TO_A_FILE)
def test_a_bad_out_path_is_one_line_naming_it_and_exit_2(cli, name, family, tmp_path):
    shown, fragments = _bad_file_paths(tmp_path)[family]
    before = (tmp_path / "a-file").read_bytes()
    if name == "backup" and family == "empty":
        fragments = ("FILE '' is not a file name",)
    refused(cli, command(name, shown), shown, *fragments)
    assert (tmp_path / "a-file").read_bytes() == before
    assert not [p for p in tmp_path.rglob("*.tmp")]
    database_still_works(cli)


@pytest.mark.usefixtures("recorded")
@pytest.mark.parametrize("family", DIR_FAMILIES)
@pytest.mark.parametrize("name", TO_A_DIR)
def test_a_bad_out_dir_is_one_line_naming_it_and_exit_2(cli, name, family, tmp_path):
    shown, fragments = _bad_dir_paths(tmp_path)[family]
    refused(cli, command(name, shown), shown, *fragments)
    assert (tmp_path / "a-file").read_text() == "not a directory\n"
    database_still_works(cli)


@pytest.mark.usefixtures("recorded")
@pytest.mark.parametrize("name", TO_A_FILE)
def test_an_existing_file_is_kept_without_force_and_replaced_with_it(cli, name, tmp_path):
    target = tmp_path / "existing.out"
    target.write_bytes(b"precious\n")
    line = refused(cli, command(name, target), str(target), "already exists")
    assert target.read_bytes() == b"precious\n"
    if name == "backup":  # a backup never replaces anything: there is no --force
        assert "choose a new file name" in line
    else:
        assert "--force" in line
        cli(*command(name, target, "--force"))
        assert target.read_bytes() != b"precious\n" and target.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["existing.out"]  # no temporary left
    database_still_works(cli)


@pytest.mark.usefixtures("recorded")
@pytest.mark.parametrize("name", TO_A_DIR)
def test_existing_files_in_an_out_dir_are_kept_without_force(cli, name, tmp_path):
    folder = tmp_path / "out"
    cli(*command(name, folder))
    before = files_in(folder)
    assert before
    line = refused(cli, command(name, folder), str(folder), "already exists", "--force")
    assert Path(line.split("cannot write ", 1)[1].split(": it already exists")[0]).name in before
    assert files_in(folder) == before  # none written: every file is checked before the first is
    cli(*command(name, folder, "--force"))
    assert files_in(folder).keys() == before.keys()
    database_still_works(cli)


@pytest.mark.usefixtures("recorded")
@pytest.mark.parametrize("name", [*TO_A_FILE, *TO_A_DIR])
def test_missing_directories_are_created(cli, name, tmp_path):
    deep = tmp_path / "new" / "deeper"
    target = deep / "x.out" if name in TO_A_FILE else deep
    result = cli(*command(name, target))
    assert deep.is_dir()
    written = files_in(deep)
    assert written and all(written.values())
    if name in TO_A_FILE:
        assert list(written) == ["x.out"]
        assert str(target) in result.stderr
    database_still_works(cli)


def test_relative_paths_are_named_as_given(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cli("list")  # the database exists
    (tmp_path / "o.csv").write_text("old\n")
    result = cli("export", "overdue", "--out", "./o.csv", *AS_OF, code=2)
    assert result.stderr == "error: cannot write ./o.csv: it already exists (--force replaces it)\n"
    result = cli("export", "overdue", "--out", "sub/o.csv", *AS_OF)
    assert result.stderr == "wrote sub/o.csv\n" and (tmp_path / "sub" / "o.csv").exists()


def test_the_database_given_with_db_is_protected_too(cli, tmp_path):
    other = tmp_path / "elsewhere.db"
    cli("--db", other, "load")
    cli("--db", other, "update", "T6", "--status", "in_progress", "--note", NOTE, *AS_OF)
    line = refused(cli, ["--db", str(other), *command("export", other, "--force")], str(other), "is the database in use")
    assert line.endswith("choose another file")
    assert [h["note"] for h in cli.json("--db", other, "history")] == [NOTE]


# --------------------------------------------------------------------------- whole or nothing


@pytest.mark.usefixtures("recorded")
def test_a_failed_write_leaves_the_old_file_and_no_temporary(cli, tmp_path, monkeypatch):
    target = tmp_path / "o.csv"
    target.write_bytes(b"old\n")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = cli("export", "overdue", "--out", target, "--force", *AS_OF, code=1)
    assert result.stderr == f"error: cannot write {target}: no space left on device\n"
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "o.csv"]


def test_a_file_that_appears_after_the_check_is_not_replaced(tmp_path):
    from tasklist.errors import BadInput
    from tasklist.output import files

    path = tmp_path / "race.csv"
    where = files.target(path)
    path.write_bytes(b"someone else's\n")
    with pytest.raises(BadInput, match="already exists"):
        files.write_atomic(where, b"ours\n")
    assert path.read_bytes() == b"someone else's\n"
    assert [p.name for p in tmp_path.iterdir()] == ["race.csv"]
    files.write_atomic(files.target(path, force=True), b"ours\n")
    assert path.read_bytes() == b"ours\n"


def test_a_reminder_run_makes_its_directory_durable_once(cli, tmp_path, monkeypatch):
    from tasklist.output import files

    synced = []
    real = files._fsync_directory
    monkeypatch.setattr(files, "_fsync_directory", lambda folder: (synced.append(folder), real(folder)))
    out = tmp_path / "eml"
    cli("remind", "--out-dir", out, *AS_OF)
    assert len(list(out.iterdir())) > 1  # every .eml written, each whole (its own fsync), then the directory once
    assert synced == [out]


# --------------------------------------------------------------------------- modes


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("umask_022", "recorded")
def test_written_files_follow_the_umask(cli, tmp_path):
    cli("export", "overdue", "--out", tmp_path / "o.csv", *AS_OF)
    cli("export", "status", "--format", "xlsx", "--out", tmp_path / "s.xlsx", *AS_OF)
    cli("weekly", "--format", "html", "--out", tmp_path / "w.html", *AS_OF)
    cli("feedback", "export", "--agency", "省农业农村厅", "--out", tmp_path / "f.xlsx", *AS_OF)
    cli("feedback", "export", "--all", "--out-dir", tmp_path / "all", *AS_OF)
    cli("remind", "--out-dir", tmp_path / "eml", *AS_OF)
    cli("db", "backup", tmp_path / "b.db")
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "home" not in p.parts]
    assert {p.suffix for p in written} == {".csv", ".xlsx", ".html", ".eml", ".db"}
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in written} == {p.name: "0o644" for p in written}


@pytest.mark.usefixtures("umask_022")
def test_a_read_only_file_replaced_with_force_gets_the_umask_mode(cli, tmp_path):
    target = tmp_path / "o.csv"
    target.write_text("old\n")
    target.chmod(0o444)
    cli("export", "overdue", "--out", target, "--force", *AS_OF)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and target.read_text(encoding="utf-8-sig") != "old\n"


def test_a_stricter_umask_is_honoured(cli, tmp_path):
    old = os.umask(0o077)
    try:
        cli("export", "overdue", "--out", tmp_path / "o.csv", *AS_OF)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "o.csv").stat().st_mode) == 0o600


# --------------------------------------------------------------------------- one file per agency


def _two_agencies_that_clean_alike(registry_copy: Path) -> None:
    agencies = registry_copy / "agencies.yaml"
    text = agencies.read_text(encoding="utf-8")
    extra = "".join(f"  - name: {name}\n    full_name: 福建{name}\n    kind: provincial_department\n"
                    for name in ("省农业/农村厅", "省农业_农村厅"))
    agencies.write_text(text.replace("agencies:\n", "agencies:\n" + extra, 1), encoding="utf-8")
    tasks = registry_copy / "tasks.yaml"
    text = tasks.read_text(encoding="utf-8")
    old = "agencies: [省农业农村厅]\n    due: 2022-12-31"
    assert old in text
    tasks.write_text(text.replace(old, "agencies: [省农业农村厅, 省农业/农村厅, 省农业_农村厅]\n    due: 2022-12-31", 1),
                     encoding="utf-8")


def test_agencies_whose_names_clean_alike_get_a_file_each(cli, registry_copy, tmp_path):
    _two_agencies_that_clean_alike(registry_copy)
    cli("load", registry_copy)
    result = cli("feedback", "export", "--all", "--out-dir", tmp_path / "fb", *AS_OF)
    wrote = [line.removeprefix("wrote ") for line in result.stderr.splitlines() if line.startswith("wrote ")]
    assert len(wrote) == len(set(wrote))
    names = sorted(p.name for p in (tmp_path / "fb").iterdir())
    assert len(names) == len(wrote)
    clashing = [n for n in names if n.startswith("2026-11-23_省农业_农村厅")]
    assert len(clashing) == 2 and all(re.fullmatch(r"2026-11-23_省农业_农村厅-[0-9a-f]{6}_反馈表\.xlsx", n) for n in clashing)
    assert {_owner(tmp_path / "fb" / n) for n in clashing} == {"省农业/农村厅", "省农业_农村厅"}
    # the same names on the next run: a suffix comes from the agency's own name, not the order
    again = cli("feedback", "export", "--all", "--out-dir", tmp_path / "fb2", *AS_OF)
    assert sorted(p.name for p in (tmp_path / "fb2").iterdir()) == names and again.stderr.count("wrote") == len(names)

    reminders = cli.json("remind", "--out-dir", tmp_path / "eml", *AS_OF)["messages"]
    files = [m["file"] for m in reminders]
    assert len(files) == len(set(files)) == len(list((tmp_path / "eml").iterdir()))
    assert {m["agency"] for m in reminders} >= {"省农业/农村厅", "省农业_农村厅"}


def _owner(path: Path) -> str:
    from tasklist.feedback.workbook import read_xlsx

    return read_xlsx(path, lambda prov: prov.codes)[0].agency


def test_distinct_names_add_a_stable_suffix_only_where_names_clash():
    from tasklist.output.files import distinct_names

    wanted = [("d_省农业_农村厅_表.xlsx", "省农业/农村厅"), ("d_省农业_农村厅_表.xlsx", "省农业_农村厅"), ("d_省科技厅_表.xlsx", "省科技厅"),
              ("R_A.eml", "a"), ("r_a.eml", "b")]
    names = distinct_names(wanted)
    assert len({n.casefold() for n in names}) == len(names)
    assert names[2] == "d_省科技厅_表.xlsx"
    assert names[0].startswith("d_省农业_农村厅_表-") and names[0].endswith(".xlsx")
    assert distinct_names(list(reversed(wanted))) == list(reversed(names))
