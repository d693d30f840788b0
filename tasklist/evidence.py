"""Evidence (佐证材料): the files an agency submits with a completion claim, checked where they enter.

A file is taken only when its content is what its name says: a PDF, a PNG or JPEG image, a Word
(.docx) or Excel (.xlsx) document, each recognised by its own bytes, never by the name alone. Sizes
are bounded (one file, and all the files of one claim), so that a shared database cannot be filled
by mistake. Nothing here touches the database: :mod:`tasklist.storage.writes` stores what this returns.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

from . import text
from .errors import BadInput, os_reason

MAX_FILE = 20 * 1024 * 1024  # bytes in one file
MAX_CLAIM = 50 * 1024 * 1024  # bytes in all the files of one claim
MAX_FILES = 10  # files with one claim
MAX_NAME = 200  # characters in a file's name

#: what may be submitted: the name's ending -> the media type its content must show
TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_OOXML_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    media_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def sniff(suffix: str, content: bytes) -> bool:
    """Whether ``content`` is a file of the kind its name's ``suffix`` says."""
    if suffix == ".pdf":
        return content.startswith(b"%PDF-")
    if suffix == ".png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix in (".jpg", ".jpeg"):
        return content.startswith(b"\xff\xd8\xff")
    if suffix in _OOXML_PART:
        if not content.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
        return "[Content_Types].xml" in names and _OOXML_PART[suffix] in names
    return False


def checked(name: str, content: bytes) -> EvidenceFile:
    """One file as submitted under ``name``, or BadInput saying what is wrong with it."""
    text.check(name, "evidence")
    base = PurePath(name).name.strip()
    if not base or len(base) > MAX_NAME:
        raise BadInput("error.evidence_name", name=name, limit=MAX_NAME)
    suffix = PurePath(base).suffix.lower()
    media_type = TYPES.get(suffix)
    if media_type is None:
        raise BadInput("error.evidence_type", hint="error.evidence_type_hint", name=base)
    if not content:
        raise BadInput("error.evidence_empty", name=base)
    if len(content) > MAX_FILE:
        raise BadInput("error.evidence_too_large", name=base, size=_mib(len(content)), limit=_mib(MAX_FILE))
    if not sniff(suffix, content):
        raise BadInput("error.evidence_content", name=base, suffix=suffix)
    return EvidenceFile(base, media_type, content, hashlib.sha256(content).hexdigest())


def read_files(paths: Iterable[str | Path]) -> list[EvidenceFile]:
    """The files given with ``--evidence``, each checked, and their sum bounded."""
    files = []
    for given in paths:
        path = Path(given)
        try:
            if not path.is_file():
                raise BadInput("error.evidence_missing", path=str(given))
            if path.stat().st_size > MAX_FILE:  # refused before it is read into memory
                raise BadInput("error.evidence_too_large", name=path.name, size=_mib(path.stat().st_size),
                               limit=_mib(MAX_FILE))
            content = path.read_bytes()
        except OSError as exc:
            raise BadInput("error.evidence_unreadable", path=str(given), reason=os_reason(exc)) from None
        files.append(checked(path.name, content))
    return bounded(files)


def bounded(files: list[EvidenceFile]) -> list[EvidenceFile]:
    """The files of one claim, refused when too many or too large together."""
    if len(files) > MAX_FILES:
        raise BadInput("error.evidence_count", count=len(files), limit=MAX_FILES)
    total = sum(f.size for f in files)
    if total > MAX_CLAIM:
        raise BadInput("error.evidence_total", size=_mib(total), limit=_mib(MAX_CLAIM))
    return files


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"
