"""Where tasklist may write a file, and writing it so that a reader (or a crash) never sees half of one.

Every command that writes a file (``export``/``weekly``/``feedback export`` ``--out``, ``remind``
and ``feedback export --all`` ``--out-dir``, ``db backup``) goes through here:

- :func:`target` checks the path the user gave *before* any work is done and returns it: never the
  database in use (its file or its ``-wal``/``-shm``/``-journal`` companions; for PostgreSQL, its
  data directory when the server tells us), never an existing file without ``--force``, never a
  directory or a device; an unusable path is one line naming the path as the user typed it (exit 2).
- :func:`write_atomic` (or :func:`replacing`, for writers that need a file name, such as SQLite's
  backup or pg_dump) writes a temporary file beside the target, fsyncs it, and renames it into
  place: the target is then the whole new file, or the old one untouched. Without ``force`` the
  final step refuses to replace a file that appeared in the meantime. Missing parent directories
  are created; the file gets the user's umask (0644 normally), like any file a program creates.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput, TasklistError, os_reason
from ..messages import t

# Errors of the machine, not of the path the user typed: exit 1, like other operational failures.
_OPERATIONAL = {errno.ENOSPC, errno.EIO, getattr(errno, "EDQUOT", errno.ENOSPC)}
_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Target:
    """A checked place to write: ``path`` to use, ``shown`` as the user gave it (for messages)."""

    path: Path
    shown: str
    force: bool = False
    force_option: str | None = "--force"

    def __str__(self) -> str:
        return self.shown


@dataclass(frozen=True)
class Protected:
    """The files of the database in use: never written over, whatever the options."""

    files: tuple[Path, ...] = ()
    trees: tuple[Path, ...] = ()  # directories whose every file is the database's (PostgreSQL's data directory)

    def holds(self, path: Path) -> bool:
        """Would writing ``path`` (and making its missing directories) touch the database?"""
        resolved = _resolve(path)
        chain = [resolved, *resolved.parents]
        for f in self.files:
            if _same(path, f) or _resolve(f) in chain:
                return True
        for tree in self.trees:
            if _resolve(tree) in chain:
                return True
        return False


NOTHING = Protected()


def database_files(database: Any) -> Protected:
    """The files of a database, given as an open :class:`~tasklist.storage.connection.Connection`, a
    URL, or None (the database the CLI would open: ``$TASKLIST_DB`` or the embedded SQLite file)."""
    from ..storage.connection import resolve_url, sqlite_path

    if isinstance(database, Protected):
        return database
    url = database.url if hasattr(database, "url") else resolve_url(database)
    path = sqlite_path(url)
    if path is not None:
        bases = {path.expanduser()}
        bases.add(_resolve(path.expanduser()))  # SQLite names its companions after the real file
        return Protected(files=tuple(Path(str(b) + s) for b in bases for s in ("", *_SQLITE_COMPANIONS)))
    if getattr(database, "dialect", None) == "postgresql":
        return Protected(trees=tuple(_postgres_data_directory(database)))
    return NOTHING


def _postgres_data_directory(conn: Any) -> list[Path]:
    """The server's data directory, when the server shows it to us; otherwise nothing: a remote
    server's files are not ours to write over."""
    from ..storage.lookup import server_data_directory

    where = server_data_directory(conn)
    return [Path(where)] if where else []


def target(given: str | os.PathLike[str], *, force: bool = False, database: Any = None, option: str = "--out",
           force_option: str | None = "--force") -> Target:
    """Check a file path the user gave and return it as a :class:`Target`, or raise BadInput (one
    line, naming the path as given). Nothing is created here: a missing parent directory is made
    when the file is written. ``database`` as in :func:`database_files`."""
    shown = os.fspath(given)
    if not shown:
        raise BadInput("error.out_empty", option=option)
    path = Path(shown).expanduser()
    protected = database_files(database)
    if protected.holds(path):
        raise BadInput("error.write_database", path=shown)
    try:
        st = path.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _path_error(shown, path, exc) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise BadInput("error.write_directory", path=shown)
        if not force:
            raise _exists(shown, force_option)
        if not stat.S_ISREG(st.st_mode):
            raise BadInput("error.write_not_regular", path=shown)
    elif shown.endswith(("/", os.sep)):
        raise BadInput("error.write_trailing", path=shown, char=shown[-1])
    else:
        _check_parents(shown, path)
    if len(os.fsencode(path.name)) > _name_max(path):
        raise BadInput("error.path_write", path=shown, reason=t("error.reason_too_long"))
    return Target(path, shown, force, force_option)


def directory(given: str | os.PathLike[str], *, database: Any = None, option: str = "--out-dir") -> Target:
    """Check an output directory the user gave: an existing directory, or one that can be made, and
    not the database's (``database`` as in :func:`database_files`)."""
    shown = os.fspath(given)
    if not shown:
        raise BadInput("error.outdir_empty", option=option)
    path = Path(shown).expanduser()
    protected = database_files(database)
    if protected.holds(path):
        raise BadInput("error.outdir_database", path=shown)
    try:
        if not path.is_dir():
            if path.exists():
                raise BadInput("error.outdir_not_dir", option=option, path=shown)
            _check_parents(shown, path)
            if len(os.fsencode(path.name)) > _name_max(path):
                raise BadInput("error.path_create", path=shown, reason=t("error.reason_too_long"))
    except OSError as exc:
        raise _path_error(shown, path, exc) from None
    return Target(path, shown)


def inside(folder: Target, name: str, *, force: bool = False, database: Any = None,
           force_option: str | None = "--force") -> Target:
    """A file named ``name`` in a checked output directory, checked like any --out target."""
    return target(os.path.join(folder.shown, name), force=force, database=database, force_option=force_option)


def make_directory(folder: Target) -> None:
    """Create a checked output directory (and its parents) if it is missing."""
    try:
        folder.path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _path_error(folder.shown, folder.path, exc, verb="create") from None


def _exists(shown: str, force_option: str | None) -> BadInput:
    if force_option:
        return BadInput("error.write_exists_force", path=shown, option=force_option)
    return BadInput("error.write_exists", path=shown)


def _check_parents(shown: str, path: Path) -> None:
    """The nearest existing ancestor must be a directory (the rest will be created)."""
    for parent in path.parents:
        try:
            if parent.is_dir():
                return
            if parent.exists():
                raise BadInput("error.path_write", path=shown, reason=t("error.reason_not_dir", path=_as_given(shown, path, parent)))
        except OSError as exc:
            raise _path_error(shown, path, exc) from None


def _as_given(shown: str, path: Path, parent: Path) -> str:
    """``parent`` spelled as in the path the user gave (when it is a prefix of it)."""
    depth = len(path.parts) - len(parent.parts)
    given = Path(shown)
    return str(given.parents[depth - 1]) if 0 < depth <= len(given.parents) else str(parent)


def _name_max(path: Path) -> int:
    folder = next((p for p in path.parents if p.is_dir()), None)
    if folder is not None and hasattr(os, "pathconf"):
        try:
            return os.pathconf(folder, "PC_NAME_MAX")
        except (OSError, ValueError):
            pass
    return 255


def _path_error(shown: str, path: Path, exc: OSError, *, verb: str = "write") -> TasklistError:
    reason = os_reason(exc)
    if exc.errno == errno.ENOTDIR:
        culprit = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if culprit is not None:
            reason = t("error.reason_not_dir", path=_as_given(shown, path, culprit))
    cls = TasklistError if exc.errno in _OPERATIONAL else BadInput
    return cls("error.path_create" if verb == "create" else "error.path_write", path=shown, reason=reason)



def _resolve(path: Path) -> Path:
    try:
        return Path(os.path.normcase(path.expanduser().resolve(strict=False)))
    except (OSError, RuntimeError):
        return Path(os.path.normcase(os.path.abspath(path)))


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _umask_mode() -> int:
    """0666 less the process umask: what open() would give a new file. (Reading the umask means
    setting it for an instant; this runs in a single-threaded command.)"""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_directory(folder: Path) -> None:
    """Make a rename durable. POSIX only; some file systems refuse, which costs durability, not data."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def replacing(where: Target, *, sync_directory: bool = True) -> Iterator[Path]:
    """Yield a temporary file beside ``where`` for the caller to fill; then fsync it and rename it
    into place (refusing, without ``force``, to replace a file that appeared meanwhile). On any
    failure the temporary file is removed and ``where`` is as it was. ``sync_directory`` False: the
    rename is made durable by the caller (:func:`sync_directories`, once for many files)."""
    path = where.path
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _path_error(where.shown, path, exc) from None
    stem = os.fsencode(path.name)[:80].decode(errors="ignore")  # the temporary name stays under NAME_MAX
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{stem}.", suffix=".tmp")
    except OSError as exc:
        raise _path_error(where.shown, path, exc) from None
    tmp = Path(name)
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes 0600; a written file should be readable as any other
            os.fchmod(fd, _umask_mode())
        os.close(fd)
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        _put_in_place(tmp, where)
        if sync_directory:
            _fsync_directory(folder)
    except OSError as exc:
        raise _path_error(where.shown, path, exc) from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def _put_in_place(tmp: Path, where: Target) -> None:
    if where.force:
        os.replace(tmp, where.path)
        return
    try:
        os.link(tmp, where.path)  # fails if the target exists: no check-then-replace race
        return
    except FileExistsError:
        raise _exists(where.shown, where.force_option) from None
    except (OSError, NotImplementedError, AttributeError):  # no hard links here (FAT, some network shares)
        pass
    if where.path.exists():
        raise _exists(where.shown, where.force_option) from None
    os.replace(tmp, where.path)


def write_atomic(where: Target | Path, data: bytes, *, sync_directory: bool = True) -> None:
    """Write ``data`` to a checked target: the whole new file, or nothing (and the old file intact).
    A bare Path is written without checks and replaces what is there (for callers inside the library).
    ``sync_directory`` as for :func:`replacing`."""
    if not isinstance(where, Target):
        where = Target(Path(where), str(where), force=True)
    with replacing(where, sync_directory=sync_directory) as tmp, open(tmp, "wb") as fh:
        fh.write(data)


def sync_directories(paths: Iterable[Path]) -> None:
    """Make the renames of files written with ``sync_directory=False`` durable: each of their
    directories fsynced once (one a file took as long again as writing a reminder's .eml)."""
    for folder in dict.fromkeys(path.parent for path in paths):
        _fsync_directory(folder)


def safe_filename(name: str) -> str:
    """A file name from any agency name: letters (CJK included), digits, '-' and '_' only."""
    cleaned = re.sub(r"[^\w-]+", "_", name, flags=re.UNICODE).strip("._") or "agency"
    return cleaned[:60]


def distinct_names(wanted: Sequence[tuple[str, str]]) -> list[str]:
    """File names for one run, none the same as another: ``wanted`` is (file name, key) pairs, the key
    being what the file is for (an agency's name). Where names clash — equal, or equal to a file
    system that ignores letter case or Unicode normalisation, such as ``省农业_农村厅`` and
    ``省农业/农村厅`` once cleaned — each gets a short suffix derived from its own key, so the same
    agency gets the same name on every run."""
    names = [name for name, _ in wanted]
    width = 6
    while True:
        groups: dict[str, list[int]] = {}
        for i, name in enumerate(names):
            groups.setdefault(unicodedata.normalize("NFC", name).casefold(), []).append(i)
        clashes = [group for group in groups.values() if len(group) > 1]
        if not clashes:
            return names
        if width > 64:  # only equal keys get here
            raise ValueError(f"cannot make distinct file names for {[wanted[i][1] for i in clashes[0]]}")
        for group in clashes:
            for i in group:
                name, key = wanted[i]
                stem, dot, ext = name.rpartition(".")
                if not dot:
                    stem, ext = name, ""
                names[i] = f"{stem}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:width]}{dot}{ext}"
        width += 2
