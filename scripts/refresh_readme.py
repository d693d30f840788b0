"""Rewrite the output in README.md's console blocks with what the commands print now.

Runs every block in order on one fresh database, as tests/test_docs.py does (TASKLIST_LANG=zh,
COLUMNS=80, LINES=24), and replaces each command's shown output. A block that shows only the first
lines of an output (ending in a `…` line) keeps showing as many. Review the diff before committing:
the test checks that the README shows what the commands print, not that what they print is right.

    .venv/bin/python scripts/refresh_readme.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import contextlib  # noqa: E402

import test_docs as docs  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from tasklist.cli import app  # noqa: E402


def main() -> int:
    text = docs.README.read_text(encoding="utf-8")
    runner = CliRunner()
    out: list[str] = []
    pos = 0
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(ROOT):
        home = Path(tmp) / "home"
        env = docs._environment(home, TASKLIST_LANG="zh")
        for match in re.finditer(r"^```console\n(.*?)^```", text, re.S | re.M):
            out.append(text[pos:match.start(1)])
            lines: list[str] = []
            for step in docs.console_blocks(match.group(0) + "\n")[0].steps:
                result = runner.invoke(app, docs._argv(step.command), env=env, prog_name="tasklist")
                if result.exception and not isinstance(result.exception, SystemExit):
                    raise result.exception
                actual = docs._lines(result.output.replace(str(home), "~/.local/share/tasklist"))
                lines.append("$ " + step.command)
                if step.expected and step.expected[-1].strip() == docs.ELISION:
                    keep = len(step.expected) - 1
                    lines.extend(actual[:keep] + [step.expected[-1]])
                else:
                    lines.extend(actual)
            out.append("\n".join(lines) + "\n")
            pos = match.end(1)
    out.append(text[pos:])
    docs.README.write_text("".join(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
