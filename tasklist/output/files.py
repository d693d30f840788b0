"""Writing files so that a reader (or a crash) never sees half of one."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it: the file is whole or absent."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_filename(name: str) -> str:
    """A file name from any agency name: letters (CJK included), digits, '-' and '_' only."""
    cleaned = re.sub(r"[^\w-]+", "_", name, flags=re.UNICODE).strip("._") or "agency"
    return cleaned[:60]
