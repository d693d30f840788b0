"""The documentation cannot drift from the code.

1. Every command and every option of every command is named in README.md or docs/, and every
   --option in a documented `tasklist ...` command line is one its command really has.
2. docs/commands.md is exactly what scripts/gen_docs.py writes (every command's --help).
3. The README's ```console blocks are what the commands print, run in order on a fresh database.
4. docs/json.md: every ```json sample is what its command prints (the commands are in an HTML
   comment above the sample), with exactly the same keys at every level; the export key lists
   are the real ones.
5. The README's Python example runs, and the files its layout section names exist.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest
from typer.testing import CliRunner

from tasklist.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
JSON_MD = DOCS / "json.md"


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_docs = _load_generator()
TREE = gen_docs.command_tree()


def doc_files() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


@pytest.fixture(scope="module")
def doc_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in doc_files())


def _lineno(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _environment(home: Path, **extra: str | None) -> dict[str, str | None]:
    """A fixed environment for one documented run (None removes a variable)."""
    return {
        "TASKLIST_HOME": str(home),
        "TASKLIST_DB": None,
        "TASKLIST_AS_OF": None,
        "TASKLIST_FROM": None,
        "TASKLIST_DEBUG": None,
        "COLUMNS": "80",
        "LINES": "24",  # "one screenful" is measured from this
        "NO_COLOR": "1",
        "FORCE_COLOR": None,
        "PY_COLORS": None,
        "TTY_COMPATIBLE": None,
        **extra,
    }


# --- 1. every command and option is documented --------------------------------------------------

COMMANDS = [" ".join(path) for path, _ in TREE if path]
OPTIONS = [
    (" ".join(("tasklist", *path)), name)
    for path, command in TREE
    for param in command.params
    if isinstance(param, click.Option) and not param.hidden
    for name in [*param.opts, *param.secondary_opts]
    if name.startswith("--")
]


def test_the_walk_finds_the_subcommands():
    # A walk that missed the groups would make every test below pass vacuously.
    assert {"feedback import", "db check", "agencies set-email", "overdue"} <= set(COMMANDS)
    assert ("tasklist remind", "--smtp-host") in OPTIONS and ("tasklist", "--db") in OPTIONS


def mentions_command(text: str, command: str) -> bool:
    words = r"\s+".join(re.escape(word) for word in command.split())
    return re.search(rf"(?<![\w-])tasklist\s+{words}(?![\w-])", text) is not None


def mentions_option(text: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def test_mentions_are_whole_names():
    assert mentions_command("`tasklist feedback  import FILE`", "feedback import")
    assert mentions_command("tasklist feedback", "feedback")
    assert not mentions_option("--out-dir DIR", "--out") and not mentions_option("--outline", "--out")
    assert mentions_option("[--out FILE]", "--out") and mentions_option("`--as-of`,", "--as-of")


@pytest.mark.parametrize("command", COMMANDS, ids=[f"tasklist {c}" for c in COMMANDS])
def test_command_is_documented(command, doc_text):
    assert mentions_command(doc_text, command), (
        f"`tasklist {command}` appears nowhere in README.md or docs/; "
        f"document it (and run `{gen_docs.REGENERATE}` to add its --help to docs/commands.md)"
    )


@pytest.mark.parametrize("command, option", OPTIONS, ids=[f"{c} {o}" for c, o in OPTIONS])
def test_option_is_documented(command, option, doc_text):
    assert mentions_option(doc_text, option), (
        f"{option} (of `{command}`) appears nowhere in README.md or docs/; "
        f"document it (and run `{gen_docs.REGENERATE}` to add it to docs/commands.md)"
    )


def command_lines(text: str) -> list[tuple[int, str]]:
    """Every place a page shows a tasklist command line: `tasklist ...` code spans, and lines of
    fenced blocks that start with `tasklist ` or `$ tasklist ` (shell comments dropped)."""
    found = []
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            fence = None if fence else line
            continue
        if fence:
            stripped = line.removeprefix("$ ")
            if stripped.startswith("tasklist "):
                found.append((number, stripped.split(" #", 1)[0]))
        else:
            found += [(number, span) for span in re.findall(r"`(tasklist [^`]+)`", line)]
    return found


def unknown_options(line: str) -> list[str]:
    """The --options in a documented command line that its command does not have."""
    command = TREE[0][1]
    words = line.replace("\\|", " ").split()[1:]
    problems, i = [], 0
    while i < len(words) and isinstance(command, click.Group):
        word = words[i].strip("[]()|,")
        if word.startswith("--"):
            option = next((p for p in command.params if word in p.opts), None)
            if option is None:
                problems.append(f"{command.name} has no option {word}")
            elif not option.is_flag:
                i += 1  # its value
        elif word in command.commands:
            command = command.commands[word]
        else:
            break
        i += 1
    known = {name for p in command.params for name in p.opts + p.secondary_opts} | {"--help"}
    rest = " ".join(words[i:])
    problems += [f"`{command.name}` has no option {o}" for o in re.findall(r"(?<![\w-])--[a-z][\w-]*", rest)
                 if o not in known]
    return problems


def test_unknown_options_are_found():
    assert unknown_options("tasklist update T1 --status done --agency A") == []
    assert unknown_options("tasklist --lang en overdue [--agency A \\| --summary]") == ["`overdue` has no option --summary"]
    assert unknown_options("tasklist feedback import FILE --out x") == ["`import` has no option --out"]
    assert unknown_options("tasklist --color status") == ["tasklist has no option --color"]


@pytest.mark.parametrize("page", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_documented_command_lines_use_real_options(page):
    problems = [f"{page.relative_to(ROOT)}:{number}: {line}: {problem}"
                for number, line in command_lines(page.read_text(encoding="utf-8"))
                for problem in unknown_options(line)]
    assert not problems, "documented options that the commands do not have:\n" + "\n".join(problems)


# --- 2. the generated command reference is current ----------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_commands_md_is_current(lang):
    target = gen_docs.TARGETS[lang]
    expected = gen_docs.render(lang)
    actual = target.read_text(encoding="utf-8") if target.exists() else ""
    if actual != expected:
        import difflib

        diff = "".join(list(difflib.unified_diff(actual.splitlines(True), expected.splitlines(True),
                                                 f"{target.name} (committed)", f"{target.name} (generated)"))[:60])
        pytest.fail(f"docs/{target.name} is out of date: run `{gen_docs.REGENERATE}` and commit it\n{diff}")


# --- 3. the README's console blocks are real ----------------------------------------------------

ELISION = "…"


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


@dataclass
class ConsoleBlock:
    line: int
    steps: list[Step]

    @property
    def id(self) -> str:
        return f"README.md:{self.line} {_short(self.steps[0].command)}"


def _short(command: str) -> str:
    """A test id from a command line: its leading ASCII words (pytest escapes the rest)."""
    words = []
    for word in command.split()[1:]:
        if not word.isascii() or len(" ".join(words + [word])) > 40:
            break
        words.append(word)
    return " ".join(words)


def console_blocks(text: str) -> list[ConsoleBlock]:
    blocks = []
    for match in re.finditer(r"^```console\n(.*?)^```", text, re.S | re.M):
        steps: list[Step] = []
        for raw in match.group(1).splitlines():
            line = raw.rstrip()
            if line.startswith("$ "):
                steps.append(Step(line[2:]))
            else:
                assert steps, f"README.md:{_lineno(text, match.start())}: output before the first `$ ` command"
                steps[-1].expected.append(line)
        blocks.append(ConsoleBlock(_lineno(text, match.start()), steps))
    return blocks


BLOCKS = console_blocks(README.read_text(encoding="utf-8"))


def _argv(command: str, tmp: Path | None = None) -> list[str]:
    """A documented command line as arguments; `{tmp}` stands for a scratch directory."""
    words = shlex.split(command, comments=True)
    assert words and words[0] == "tasklist", f"not a tasklist command: {command}"
    return [word.replace("{tmp}", str(tmp)) if tmp else word for word in words[1:]]


def _lines(output: str) -> list[str]:
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _compare_output(command: str, expected: list[str], actual: list[str]) -> str | None:
    """None if ``actual`` is what the block shows; a trailing `…` line stands for more lines."""
    if expected and expected[-1].strip() == ELISION:
        shown = expected[:-1]
        ok = actual[:len(shown)] == shown and len(actual) > len(shown)
    else:
        ok = actual == expected
    if ok:
        return None
    return ("$ " + command + "\n--- README shows:\n" + "\n".join(expected)
            + "\n--- the command prints:\n" + "\n".join(actual))


@pytest.fixture(scope="module")
def tour(tmp_path_factory) -> dict[int, list[tuple[Step, int, list[str]]]]:
    """Every README console command, in order, on one fresh database (later blocks build on earlier)."""
    home = tmp_path_factory.mktemp("tour")
    runner = CliRunner()
    env = _environment(home / "home", TASKLIST_LANG="zh")
    runs = {}
    with contextlib.chdir(ROOT):
        for block in BLOCKS:
            runs[block.line] = []
            for step in block.steps:
                result = runner.invoke(app, _argv(step.command), env=env, prog_name="tasklist")
                if result.exception and not isinstance(result.exception, SystemExit):
                    raise result.exception
                # the tour's home is shown where a user's would be
                output = result.output.replace(str(home / "home"), "~/.local/share/tasklist")
                runs[block.line].append((step, result.exit_code, _lines(output)))
    return runs


def test_the_readme_has_console_blocks():
    assert len(BLOCKS) >= 3 and all(block.steps for block in BLOCKS)


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_readme_console_block(block, tour):
    problems = []
    for step, code, actual in tour[block.line]:
        shows_error = any(line.startswith(("error:", "错误：")) for line in step.expected)
        if code != 0 and not shows_error:
            problems.append(f"$ {step.command}\nexited {code}:\n" + "\n".join(actual))
            continue
        problem = _compare_output(step.command, step.expected, actual)
        if problem:
            problems.append(problem)
    assert not problems, (f"README.md:{block.line}: the console block differs from what the commands print "
                          "(TASKLIST_LANG=zh, COLUMNS=80, LINES=24, a fresh database, the blocks run in order):\n\n"
                          + "\n\n".join(problems))


# --- 4. docs/json.md's samples are real --------------------------------------------------------

# Values that differ on every run: compared by form, not by value.
TIMESTAMP_KEYS = {"recorded_at", "generated_at", "sent_at", "imported_at"}
HEX_ID_KEYS = {"batch"}
DIGITS_VARY_KEYS = {"message_id"}
FILE_NAME_KEYS = {"file"}
# who recorded a row: the operating-system user running the docs (or the database's login)
LOGIN_KEYS = {"recorded_by", "sent_by", "imported_by", "loaded_by", "actor", "created_by"}


@dataclass
class JsonSample:
    line: int
    commands: list[str]
    cut: frozenset[str]
    text: str

    @property
    def id(self) -> str:
        return f"json.md:{self.line} {_short(self.commands[-1])}"


def json_samples(text: str) -> list[JsonSample | int]:
    """Each ```json block with the `<!-- example ... -->` comment just above it, which names the
    commands that print it (`$ tasklist ...` lines, run in order on a fresh database; the last one
    prints the sample) and, after `cut:` on its first line, the arrays the sample shortens
    (`$.agencies[*].items`). A block without that comment is returned as its line number."""
    samples: list[JsonSample | int] = []
    for match in re.finditer(r"^```json\n(.*?)^```", text, re.S | re.M):
        before = text[:match.start()].rstrip()
        comment = re.search(r"<!-- example(?P<head>[^\n]*)\n(?P<body>(?:(?!-->).)*?)-->\Z", before, re.S)
        if not comment:
            samples.append(_lineno(text, match.start()))
            continue
        head = comment["head"].strip()
        cut = frozenset(head.removeprefix("cut:").split()) if head.startswith("cut:") else frozenset()
        assert head == "" or head.startswith("cut:"), f"docs/json.md:{_lineno(text, match.start())}: {head!r}"
        commands = [line.strip()[2:] for line in comment["body"].splitlines() if line.strip().startswith("$ ")]
        samples.append(JsonSample(_lineno(text, match.start()), commands, cut, match.group(1)))
    return samples


SAMPLES = json_samples(JSON_MD.read_text(encoding="utf-8"))


def _form(value: str) -> str:
    return re.sub(r"\d", "0", value)


def compare_json(doc: Any, real: Any, where: str = "$", cut: frozenset[str] = frozenset()) -> list[str]:
    """What differs between a documented sample and the real output.

    Objects must have exactly the same keys, at every level. Arrays are equal element by element,
    except that an array ending with "…" stands for a longer one that starts with the elements
    shown, and an array named in ``cut`` (`$.agencies[*].items`) may leave elements out: those shown
    must appear in the real array, in that order. Values that change on every run (timestamps,
    batch ids, message ids, where a file was written) are compared by form."""
    key = where.rsplit(".", 1)[-1]
    if isinstance(doc, dict) and isinstance(real, dict):
        problems = []
        if missing := [k for k in real if k not in doc]:
            problems.append(f"{where}: the command also prints {missing}; the sample lacks them")
        if extra := [k for k in doc if k not in real]:
            problems.append(f"{where}: the sample has {extra}; the command does not print them")
        for k in doc:
            if k in real:
                problems += compare_json(doc[k], real[k], f"{where}.{k}", cut)
        return problems
    if isinstance(doc, list) and isinstance(real, list):
        if doc and doc[-1] == ELISION:
            shown = doc[:-1]
            if len(real) <= len(shown):
                return [f"{where}: the sample ends with … but the command prints only {len(real)} elements"]
            return [p for i, d in enumerate(shown) for p in compare_json(d, real[i], f"{where}[{i}]", cut)]
        pattern = re.sub(r"\[\d+\]", "[*]", where)
        if pattern not in cut:
            if len(doc) != len(real):
                return [f"{where}: the sample has {len(doc)} elements, the command prints {len(real)} "
                        f"(if the sample shortens it on purpose, add `cut: {pattern}` to its example comment)"]
            return [p for i, (d, r) in enumerate(zip(doc, real)) for p in compare_json(d, r, f"{where}[{i}]", cut)]
        problems, start = [], 0
        for i, d in enumerate(doc):
            for j in range(start, len(real)):
                if not compare_json(d, real[j], f"{where}[{j}]", cut):
                    start = j + 1
                    break
            else:
                if not real:
                    problems.append(f"{where}: the sample shows elements, the command prints none")
                    break
                # Report against the closest element still available (the fewest differences).
                candidates = range(start, len(real)) if start < len(real) else range(len(real))
                j = min(candidates, key=lambda j: len(compare_json(d, real[j], f"{where}[{j}]", cut)))
                problems.append(f"{where}[{i}] of the sample matches no element of the real array from [{start}] on; "
                                f"the closest is [{j}]: " + "; ".join(compare_json(d, real[j], f"{where}[{j}]", cut)))
                break
        return problems
    if isinstance(doc, str) and isinstance(real, str):
        if key in TIMESTAMP_KEYS:
            return [] if _form(doc) == _form(real) else [f"{where}: timestamp {doc!r} is not of the form of {real!r}"]
        if key in HEX_ID_KEYS:
            ok = all(re.fullmatch(r"[0-9a-f]{32}", v) for v in (doc, real))
            return [] if ok else [f"{where}: {doc!r} is not of the form of {real!r}"]
        if key in DIGITS_VARY_KEYS:
            same = re.sub(r"\d+", "0", doc) == re.sub(r"\d+", "0", real)
            return [] if same else [f"{where}: {doc!r} is not of the form of {real!r}"]
        if key in FILE_NAME_KEYS:
            return [] if Path(doc).name == Path(real).name else [f"{where}: file name {doc!r} != {real!r}"]
        if key in LOGIN_KEYS:
            return [] if doc and real else [f"{where}: a login name was expected, the command prints {real!r}"]
    if type(doc) is not type(real) or doc != real:
        return [f"{where}: the sample says {json.dumps(doc, ensure_ascii=False)}, "
                f"the command prints {json.dumps(real, ensure_ascii=False)}"]
    return []


def _run_sample_commands(commands: list[str], tmp_path: Path) -> str:
    runner = CliRunner()
    env = _environment(tmp_path / "home", TASKLIST_LANG="en")
    out = ""
    with contextlib.chdir(ROOT):
        for command in commands:
            result = runner.invoke(app, _argv(command, tmp_path), env=env, prog_name="tasklist")
            assert result.exit_code == 0, f"$ {command}\nexited {result.exit_code}:\n{result.output}"
            out = result.stdout
    return out


def test_json_md_has_samples():
    assert len(SAMPLES) >= 10


@pytest.mark.parametrize("sample", SAMPLES, ids=[s if isinstance(s, int) else s.id for s in SAMPLES])
def test_json_sample(sample, tmp_path):
    assert not isinstance(sample, int), (
        f"docs/json.md:{sample}: a ```json sample without an `<!-- example` comment above it naming the "
        "commands that print it (`$ tasklist ...` lines, run in order on a fresh database)")
    assert sample.commands, f"docs/json.md:{sample.line}: the example comment names no `$ tasklist` command"
    try:
        doc = json.loads(sample.text)
    except json.JSONDecodeError as exc:
        pytest.fail(f"docs/json.md:{sample.line}: the sample is not valid JSON: {exc}")
    output = _run_sample_commands(sample.commands, tmp_path)
    real = json.loads(output)
    problems = compare_json(doc, real, cut=sample.cut)
    assert not problems, (f"docs/json.md:{sample.line}: the sample differs from what `{sample.commands[-1]}` prints:\n"
                          + "\n".join(problems))


def test_export_json_keys(tmp_path):
    text = JSON_MD.read_text(encoding="utf-8")
    section = text.split("## `export REPORT --format json`", 1)[1].split("\n## ", 1)[0]
    documented = {report: [k.strip() for k in keys.split(",")]
                  for report, keys in re.findall(r"^- `(\w+)`: `([^`]+)`$", section, re.M)}
    assert set(documented) == {"overdue", "status", "items", "history"}
    for report, keys in documented.items():
        setup = ["tasklist update T1 --agency 省科技厅 -s in_progress --as-of 2023-01-10 --by 王磊"]
        rows = json.loads(_run_sample_commands([*setup, f"tasklist export {report} --format json --as-of 2023-01-10"],
                                               tmp_path / report))
        assert rows, report
        assert [list(row) for row in rows[:1]] == [keys], f"docs/json.md: the keys of `export {report}`"


# --- 5. the Python example and the layout ------------------------------------------------------

def _readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    (code,) = re.findall(r"```python\n(.*?)```", _readme_section("From Python"), re.S)
    monkeypatch.setenv("TASKLIST_HOME", str(tmp_path / "home"))
    exec(compile(code, "README.md (From Python)", "exec"), {})
    assert "省发改委" in capsys.readouterr().out


def test_readme_layout_names_real_files():
    section = _readme_section("Layout")
    names = re.findall(r"`([\w./]+(?:\.py|/))`", section)
    assert names
    missing = [n for n in names if not (ROOT / n).exists() and not (ROOT / "tasklist" / n).exists()]
    assert not missing, f"README.md's Layout names files that do not exist: {missing}"
