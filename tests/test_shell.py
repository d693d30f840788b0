"""The command line around the commands: the language (--lang anywhere), --help from the catalogue,
usage errors as one line, help wrapped by display width. Run as the shell runs it: a real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tasklist.cli.shell import wrap

# What a Chinese line of help or of an error may hold in ASCII: option names, placeholders, ids,
# file names, env vars and the like; anything else is an English word that slipped through.
ALLOWED = re.compile(r"\b(?:sqlite|postgresql\+psycopg|psycopg|pg_dump|SQLite|PostgreSQL|SMTP|CSV|XLSX|JSON|"
                     r"Markdown|HTML|BOM|utf-8|gb18030|md|html|xlsx|csv|json|docs|eml|duban|example|org|tasklist|localhost|localdomain|"
                     r"zh|en|all|not_started|in_progress|done|blocked|task|outcome|stauts|abc|fr|load|list|show|agencies|update|"
                     r"undo|extend|history|status|overdue|weekly|export|remind|reminders|feedback|db|users|audit|target|targets|deadlines|ics)\b|"
                     r"--?[\w-]+|[A-Z][A-Z0-9_]*\b|\d[\w.-]*|[\w.-]+\.(?:md|eml|xlsx|csv|db)\b")


def run(*args: str, env: dict[str, str] | None = None, home=None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TASKLIST_")}
    environment.update({"COLUMNS": "80", "TASKLIST_HOME": str(home)} if home else {"COLUMNS": "80"})
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "tasklist", *args], capture_output=True, text=True, env=environment,
                          timeout=60)


def english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_'-]*", ALLOWED.sub(" ", text))]


@pytest.mark.parametrize("args, zh, en", [
    (["stauts"], "错误：没有“stauts”这个命令；是否要输入：status、targets？",
         "error: no such command 'stauts'; did you mean status, targets?"),
    (["status", "--foo"], "错误：没有 --foo 这个选项", "error: no such option --foo"),
    (["update"], "错误：缺少参数 ID", "error: missing argument ID"),
    (["undo", "abc"], "错误：UPDATE_ID 的值有误：“abc”不是整数", "error: invalid value for UPDATE_ID: 'abc' is not a whole number"),
    (["status", "--lang", "fr"], "错误：--lang 只能是 zh 或 en，不能是“fr”", "error: --lang must be zh or en, not 'fr'"),
])
def test_usage_errors_are_one_line_and_a_hint_in_the_readers_language(tmp_path, args, zh, en):
    for lang, expected in (("zh", zh), ("en", en)):
        result = run(*args, env={"TASKLIST_LANG": lang}, home=tmp_path)
        assert result.returncode == 2
        lines = result.stderr.splitlines()
        assert lines[0] == expected and len(lines) == 2 and lines[1].startswith(("  hint: ", "  提示：")), result.stderr
        assert result.stderr.count("status？") + result.stderr.count("status?") <= 1  # suggested once
        assert result.stdout == ""
        if lang == "zh":
            assert not english_words(result.stderr), result.stderr


def test_lang_may_follow_the_command(tmp_path):
    run("load", home=tmp_path)
    after = run("status", "--summary", "--lang", "en", "--as-of", "2026-11-23", home=tmp_path)
    before = run("--lang", "en", "status", "--summary", "--as-of", "2026-11-23", home=tmp_path)
    assert after.returncode == 0 and after.stdout == before.stdout
    assert after.stdout.startswith("Status by agency")
    zh = run("status", "--summary", "--as-of", "2026-11-23", env={"TASKLIST_LANG": "en"}, home=tmp_path)
    assert zh.stdout.startswith("Status by agency")
    assert run("status", "--summary", "--lang", "zh", env={"TASKLIST_LANG": "en"}, home=tmp_path).stdout.startswith("各单位进展")


def _every_command() -> list[list[str]]:
    import click
    import typer

    from tasklist.cli import app

    found: list[list[str]] = []

    def walk(command: click.Command, path: list[str]) -> None:
        found.append(path)
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


@pytest.mark.parametrize("path", _every_command(), ids=lambda p: " ".join(p) or "tasklist")
def test_help_is_chinese_by_default_and_english_on_request(path):
    from typer.testing import CliRunner

    from tasklist.cli import app

    runner = CliRunner()
    zh = runner.invoke(app, [*path, "--help"], env={"TASKLIST_LANG": None, "COLUMNS": "80"})
    en = runner.invoke(app, [*path, "--help", "--lang", "en"] if path else ["--lang", "en", "--help"],
                       env={"TASKLIST_LANG": None, "COLUMNS": "80"})
    assert zh.exit_code == 0 and en.exit_code == 0
    assert zh.output.startswith("用法：") and en.output.startswith("Usage: ")
    # usage lines and option lists hold syntax (TEXT, [OPTIONS]); the words around them must be Chinese
    # (the first word of a row in a list is a command's or option's name, as typed)
    prose = "\n".join(re.sub(r"^  (\S+)", "  ", line) for line in zh.output.splitlines() if not line.startswith("用法："))
    prose = re.sub(r"\[OPTIONS\]|\[ARGS\]|\.\.\.|\bTEXT\b|\bINTEGER\b|\bRANGE\b|\[\w+\]|\bx[<>]=?\d+", " ", prose)
    assert not english_words(prose), zh.output
    # a line is never wider than the terminal, counting a CJK character as two columns
    from tasklist.cli.shell import _width

    assert max(_width(line) for line in zh.output.splitlines()) <= 80, zh.output


def test_a_groups_help_lists_each_commands_first_sentence_whole_in_chinese():
    """Click cuts a long line of the listing at a space and ends it in "...": Chinese has no spaces,
    so export's and scorecard's were cut to one clause and three ASCII dots."""
    from typer.testing import CliRunner

    from tasklist.cli import app
    from tasklist.messages import set_lang, t

    out = CliRunner().invoke(app, ["--help"], env={"TASKLIST_LANG": None, "COLUMNS": "80"}).output
    listing = out.split("命令：", 1)[1]
    assert "..." not in listing, listing
    joined = re.sub(r"\s*\n\s+", " ", listing)  # a wrapped line rejoined (a CJK break adds a space)
    set_lang("zh")
    for command in ("export", "scorecard", "weekly", "load"):
        sentence = t(f"help.cmd.{command}").split("。")[0] + "。"
        assert re.sub(r"\s+", "", sentence) in re.sub(r"\s+", "", joined), (command, listing)
    english = CliRunner().invoke(app, ["--lang", "en", "--help"], env={"TASKLIST_LANG": None, "COLUMNS": "80"}).output
    assert "  export     Export a report as CSV" in english and english.count("...") >= 2  # click's own cut, at a word


def test_wrap_counts_display_width_and_breaks_at_punctuation_not_inside_words():
    text = "记录某单位在某事项上的进展（追加记录，不覆盖以前的记录），已完成的部分不再提醒，未启动的部分照常提醒。"
    lines = wrap(text, 40).splitlines()
    assert all(sum(2 if ord(c) > 0x2e7f else 1 for c in line) <= 40 for line in lines)
    assert "".join(lines) == text
    assert all(line.endswith(("，", "。", "）", "（")) or line is lines[-1] for line in lines), lines
    english = "Record a status update for one agency's part of an item (appended; nothing is overwritten)."
    assert all(" ".join(wrap(english, 30).split()) == english for _ in [0])
    assert all(len(line) <= 30 for line in wrap(english, 30).splitlines())
    assert "overwritten)." in wrap(english, 30).splitlines()[-1]


def test_an_unusable_home_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("status", env={"TASKLIST_HOME": str(blocker / "sub")})
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 2, result.stderr
    assert result.stderr.startswith("错误：数据目录") and "unexpected" not in result.stderr
    result = run("status", env={"TASKLIST_HOME": str(blocker)})
    assert result.returncode == 1 and result.stderr.startswith("错误：数据目录"), result.stderr


def test_the_plan_chooses_the_language_unless_the_user_does(tmp_path, registry_copy):
    tasks = registry_copy / "tasks.yaml"
    tasks.write_text(tasks.read_text(encoding="utf-8").replace("lang: zh-CN", "lang: en"), encoding="utf-8")
    assert run("load", str(registry_copy), home=tmp_path).returncode == 0
    assert run("status", "--summary", home=tmp_path).stdout.startswith("Status by agency")
    assert run("status", "--summary", "--lang", "zh", home=tmp_path).stdout.startswith("各单位进展")
    assert run("status", "--summary", env={"TASKLIST_LANG": "zh"}, home=tmp_path).stdout.startswith("各单位进展")
    refused = run("show", "T99", home=tmp_path)
    assert refused.returncode == 2 and refused.stderr.startswith("error: ")
    tasks.write_text(tasks.read_text(encoding="utf-8").replace("lang: en", "lang: fr"), encoding="utf-8")
    bad = run("load", str(registry_copy), home=tmp_path)
    assert bad.returncode == 2 and "plan.lang" in bad.stderr and "“fr”" in bad.stderr, bad.stderr
