"""What the office saves from the agencies' replies: workbooks, CSV files, or whole e-mails (.eml, as
Outlook, Foxmail and Thunderbird save a message) carrying a filled workbook. Each becomes one file to
import, named as the agency named it."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path

from .workbook import MAX_FILE_BYTES, FeedbackError, Said, size_within

TAKEN = (".xlsx", ".csv")
MAX_EML_BYTES = 4 * MAX_FILE_BYTES


@dataclass(frozen=True)
class Reply:
    """One file to import: where it is read from, and how it is shown (``reply.eml: 反馈表.xlsx``,
    worded when shown)."""

    path: Path
    shown: str | Said


def collect(paths: list[str | Path], workdir: Path) -> list[Reply]:
    """The files to import from what the office gave: files, folders (their .xlsx, .csv and .eml
    files, by name) and .eml messages (their .xlsx and .csv attachments, saved into ``workdir``)."""
    out: list[Reply] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (*TAKEN, ".eml"))
            if not inside:
                raise FeedbackError("feedback.folder_empty", folder=str(path))
            for p in inside:
                out += _one(p, workdir)
        else:
            out += _one(path, workdir)
    return out


def _one(path: Path, workdir: Path) -> list[Reply]:
    if path.suffix.lower() != ".eml":
        return [Reply(path, path.name)]
    size_within(path, MAX_EML_BYTES, "feedback.what_message")
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    replies = []
    for n, part in enumerate(message.iter_attachments(), start=1):
        name = Path(part.get_filename() or "").name
        if Path(name).suffix.lower() not in TAKEN:
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        folder = workdir / f"{path.stem}-{n}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        target.write_bytes(data)
        replies.append(Reply(target, Said("feedback.where_attachment", message=path.name, file=name)))
    if not replies:
        raise FeedbackError("feedback.no_attachment", file=path.name)
    return replies
