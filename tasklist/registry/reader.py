"""Registry files (YAML) -> validated specs. Every problem names its file:line:col and field.

A registry is a set of YAML files holding, between them, one ``plan:`` header, an ``agencies:``
list and item lists (``tasks:``, ``outcomes:``). See docs/registry.md.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from ..dates import due_from_text, valid_timezone
from ..errors import Problem, RegistryError, TasklistError, os_reason
from ..messages import join, t
from ..rules import EVALUATION_WEIGHTS
from ..text import REFUSED, may_refuse, refusal
from ..text import problem as text_problem
from .names import CODE_RE, valid_email

AGENCY_KINDS = (
    "provincial_department",
    "provincial_party_office",
    "central_vertical_agency",
    "central_bank_branch",
    "city_government",
    "administrative_committee",
    "group",
    "other",
)
CADENCES = ("weekly", "monthly", "quarterly")
# Old field name -> (its new name, the message saying why it changed). The old name still loads, with
# one warning per file.
RENAMED_ITEM_FIELDS = {"no": ("seq", "registry.why_no")}
# A plain number with a leading zero: YAML 1.1 reads 010 as octal 8 (and 08 as text), YAML 1.2 as 10.
_DAY_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAYS: dict[str, date] = {}  # a date's text -> the date it writes (see _Reader.day)
_refused_search = REFUSED.search
LEADING_ZERO_RE = re.compile(r"^\+?0[0-9]+$")
# list key in a file -> (item kind, name of its grouping field)
ITEM_LISTS = {"tasks": ("task", "section"), "outcomes": ("outcome", "category")}
PLAN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
MAX_TEXT = 20_000
# ASCII punctuation between two Chinese characters (ideographs, full-width forms, Chinese punctuation
# and quotes): the official text prints the full-width form there (产业化，培育), a copy pasted through
# an ASCII-only tool does not. Letters and digits around it (5G, 2.6, IPv6) are left alone.
_CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\u201c\u201d\u2018\u2019"
# Written from the punctuation mark (the character before it looked at behind), so that the search
# skips to each such mark instead of trying the look-behind at every character: twice as fast.
ASCII_BETWEEN_CJK = re.compile(f"[,;:()](?<=[{_CJK}][,;:()])(?=[{_CJK}])")
FULL_WIDTH = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）"}


def _m(key: str, /, **fields: object) -> str:
    """A registry message in the current language."""
    return t(f"registry.{key}", None, **fields)


def _names(names: Iterable[str]) -> str:
    """Names quoted and listed as the current language writes them."""
    return join(_m("quoted", name=n) for n in names)


def bundled_data_dir() -> Path:
    """The Fujian registry shipped with the package (tasklist/data in a wheel, data/ in a checkout)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "data", here.parent / "data"):
        if (candidate / "tasks.yaml").is_file():
            return candidate
    raise TasklistError("registry.bundled_missing")


_new_tuple = tuple.__new__


class Where(NamedTuple):
    """Where a value is written. A tuple, as 300k are made reading 100k items: a frozen dataclass's
    three object.__setattr__ took half again as long."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class PlanSpec:
    id: str
    title: str
    doc_no: str | None
    issued: date | None
    issuer: str | None
    timezone: str
    reporting: dict[str, Any]
    where: Where
    lang: str = "zh-CN"  # what the plan's office reads: zh-CN (default) or en
    review: bool = True  # an agency's "done" is a claim the office verifies (审核销号)
    evaluation: dict[str, float] | None = None  # the scorecard's weights that differ from the defaults


@dataclass
class AgencySpec:
    name: str
    full_name: str
    kind: str
    aliases: list[str]
    name_en: str | None
    email: list[str]
    members: list[str]
    position: int
    where: Where
    renamed_from: list[str] = field(default_factory=list)  # its earlier names: its history is kept under this one


@dataclass
class ItemSpec:
    code: str
    kind: str
    no: int  # the registry's ``seq``; it keeps the name of the database column (item.no) it fills
    group: str | None
    title: str
    content: str | None
    agencies: list[str]
    due: date | None
    due_text: str
    position: int
    where: Where
    #: False for an item listed before it is assigned (立项 before 交办): ``agencies: []`` with
    #: ``assigned: false``; the office assigns it later with ``tasklist assign``
    assigned: bool = True


@dataclass
class Registry:
    plan: PlanSpec
    agencies: list[AgencySpec]
    items: list[ItemSpec]
    files: list[str] = field(default_factory=list)
    # Things that load but should be fixed (a deprecated field name); the command line prints them.
    warnings: list[Problem] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)  # file as shown -> sha256 of its bytes
    targets: list[Any] = field(default_factory=list)  # TargetSpec (registry.targets): the plan's 指标

    def agency(self, name: str) -> AgencySpec:
        return next(a for a in self.agencies if a.name == name)


# --------------------------------------------------------------------------- YAML with positions

_STR_TAG = "tag:yaml.org,2002:str"
_SAFE_TAGS = {
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
}


class _Reader:
    """Collects problems for one file while walking its YAML node tree."""

    def __init__(self, path: Path, shown: str, problems: list[Problem], warnings: list[Problem]) -> None:
        self.path = path
        self.shown = shown
        self.problems = problems
        self.digest: str | None = None
        self.warnings = warnings
        self._warned: set[str] = set()
        self.source = ""
        self.plain = False  # the file holds no character text.py refuses (see read_text)
        self._ascii: tuple[int, int, str, str] | None = None  # the first ASCII punctuation between CJK
        self._ascii_count = 0

    def add(self, node: Any, fieldname: str, message: str) -> None:
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node is not None else (1, 1)
        self.problems.append(Problem(self.shown, line, col, fieldname, message))

    def warn_once(self, topic: str, node: Any, fieldname: str, message: str) -> None:
        """A warning for the first occurrence of ``topic`` in this file: a file written with the old
        name uses it on every item, and one line per item would bury everything else."""
        if topic in self._warned:
            return
        self._warned.add(topic)
        self.warnings.append(Problem(self.shown, node.start_mark.line + 1, node.start_mark.column + 1, fieldname, message))

    def punctuation(self, node: Any, fieldname: str, value: str | None) -> None:
        """Count ASCII punctuation between Chinese characters in a text field (a warning, see
        :meth:`finish`), remembering where the first one is written in the file."""
        found = ASCII_BETWEEN_CJK.findall(value) if value is not None else None
        if not found:
            return
        self._ascii_count += len(found)
        if self._ascii is None:
            raw = ASCII_BETWEEN_CJK.search(self.source, node.start_mark.index, node.end_mark.index)
            if raw is not None:
                line, col = self._line_col(raw.start())
                self._ascii = (line, col, fieldname, raw.group())
            else:  # written across lines or as an escape: name the value
                self._ascii = (node.start_mark.line + 1, node.start_mark.column + 1, fieldname, found[0])

    def finish(self) -> None:
        """The file's warnings that count over it: one line for all its ASCII punctuation between
        Chinese characters, at the first (a file copied through an ASCII-only tool has it everywhere)."""
        if self._ascii is not None:
            line, col, fieldname, char = self._ascii
            self.warnings.append(Problem(self.shown, line, col, fieldname,
                                         _m("ascii_punctuation", char=char, wide=FULL_WIDTH[char], count=self._ascii_count)))

    def _line_col(self, index: int) -> tuple[int, int]:
        before = self.source[:index]
        return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1

    def refused(self, node: Any, fieldname: str, value: str) -> bool:
        """Record a problem when ``value`` holds a character :mod:`tasklist.text` refuses, at the
        character itself when it is written raw in the file (else at the value's start)."""
        why = text_problem(value)
        if why is None:
            return False
        raw = REFUSED.search(self.source, node.start_mark.index, max(node.end_mark.index, node.start_mark.index + 1))
        if raw is not None and raw.group() == REFUSED.search(value).group():  # type: ignore[union-attr]
            line, col = self._line_col(raw.start())
            self.problems.append(Problem(self.shown, line, col, fieldname, why))
        else:  # written as an escape ("\u202e") in a quoted string
            self.add(node, fieldname, why)
        return True

    def where(self, node: Any) -> Where:
        mark = node.start_mark
        # tuple.__new__ directly: the NamedTuple's own __new__ is a Python function (300k calls for 100k items)
        return _new_tuple(Where, (self.shown, mark.line + 1, mark.column + 1))

    def read_text(self) -> str | None:
        """The file's text (its digest noted), or None after recording why it cannot be read."""
        try:
            raw = self.path.read_bytes()
            self.digest = hashlib.sha256(raw).hexdigest()
        except OSError as exc:
            self.problems.append(Problem(self.shown, 0, 0, "file", _m("cannot_read", reason=os_reason(exc))))
            return None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            before = raw[: exc.start]
            line = before.count(b"\n") + 1
            col = exc.start - (before.rfind(b"\n") + 1) + 1
            self.problems.append(
                Problem(self.shown, line, col, "file", _m("not_utf8", byte=f"{raw[exc.start]:02x}"))
            )
            return None
        self.source = text
        # No character text.py refuses anywhere in the file (one fast scan): none in any value written
        # in it either, but in a double-quoted one, whose escapes ("\u202e") can write any character
        self.plain = not may_refuse(text)
        return text

    def compose(self) -> Any:
        import yaml

        text = self.read_text()
        if text is None:
            return None
        # libyaml's parser when present: same nodes and positions, ~10x faster on a big registry
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            node = yaml.compose(text, Loader=loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            what = _m("yaml_sep").join(_yaml_words(str(x)) for x in (exc.context, exc.problem) if x)
            self.problems.append(Problem(self.shown, line, col, "yaml", _m("yaml_syntax", what=what)))
            return None
        except yaml.reader.ReaderError as exc:
            # a character YAML does not allow in a file (a raw control character): say where it is
            index = exc.position
            if loader is not yaml.SafeLoader:  # libyaml counts bytes of UTF-8
                index = len(text.encode("utf-8", "surrogatepass")[:index].decode("utf-8", "ignore"))
            line, col = self._line_col(index)
            found = text[index] if index < len(text) else ""
            why = refusal(found) if REFUSED.match(found) else _m("yaml_syntax", what=exc.reason)
            self.problems.append(Problem(self.shown, line, col, "yaml", why))
            return None
        except yaml.YAMLError as exc:
            self.problems.append(Problem(self.shown, 0, 0, "yaml", _m("yaml_syntax", what=exc)))
            return None
        if node is None:
            self.problems.append(Problem(self.shown, 1, 1, "file", _m("file_empty")))
            return None
        if not self._tags_safe(node, "document"):
            return None
        return node

    def _tags_safe(self, node: Any, path: str) -> bool:
        if node.tag not in _SAFE_TAGS:
            self.add(node, path, _m("tag_not_allowed", tag=node.tag.replace("tag:yaml.org,2002:", "!!")))
            return False
        ok = True
        if node.tag.endswith(":seq"):
            for child in node.value:
                ok &= self._tags_safe(child, path)
        elif node.tag.endswith(":map"):
            for key, value in node.value:
                ok &= self._tags_safe(key, path) and self._tags_safe(value, path)
        return ok

    # -- typed accessors: each returns the value, or None after recording a problem

    def mapping(self, node: Any, fieldname: str, required: AbstractSet[str], optional: AbstractSet[str],
                renamed: dict[str, tuple[str, str]] | None = None) -> dict[str, Any] | None:
        """The fields of a mapping, keyed as written. ``renamed`` (old -> (new, why)) lists old names
        still accepted: each gives one warning per file, and stands in for the new name, which must
        not be given beside it. Old names are never suggested."""
        if not node.tag.endswith(":map"):
            self.add(node, fieldname, _m("not_mapping", kind=_kind(node)))
            return None
        renamed = renamed or {}
        out: dict[str, Any] = {}
        keys: dict[str, Any] = {}
        for key, value in node.value:
            name = key.value
            # Keys are read as written: YAML 1.1 would turn the key ``no`` into false.
            if not isinstance(name, str):
                self.add(key, fieldname, _m("field_name_plain"))
                continue
            if name in out:
                self.add(key, f"{fieldname}.{name}", _m("field_twice"))
                continue
            if name in renamed:
                new, why = renamed[name]
                self.warn_once(name, key, f"{fieldname}.{name}",
                               _m("field_deprecated", old=name, why=t(why), new=new))
            elif name not in required and name not in optional:  # (no union of the two built per mapping)
                hint = difflib.get_close_matches(name, sorted(required | optional), n=1)
                known = ", ".join(sorted(required | optional))  # the YAML keys, as the file writes them
                self.add(key, f"{fieldname}.{name}",
                         _m("field_unknown_close", close=hint[0]) if hint else _m("field_unknown", known=known))
                continue
            out[name] = value
            keys[name] = key
        for old, (new, _) in renamed.items():
            if old in out and new in out:
                later = max(keys[old], keys[new], key=lambda k: (k.start_mark.line, k.start_mark.column))
                self.add(later, f"{fieldname}.{later.value}", _m("field_same", old=old, new=new))
        if out.keys() >= required:  # every required field given (a mapping almost always has them)
            return out
        # some required field missing; an old name given stands in for its new one
        missing = required - out.keys() - {renamed[old][0] for old in out.keys() & renamed.keys()}
        for name in sorted(missing):
            self.add(node, f"{fieldname}.{name}", _m("field_missing"))
        return out

    def text(self, node: Any, fieldname: str, *, nullable: bool = False, max_len: int = MAX_TEXT) -> str | None:
        if node.tag != _STR_TAG:  # (almost every value is text: one comparison)
            if node.tag.endswith(":null"):
                if not nullable:
                    self.add(node, fieldname, _m("empty"))
                return None
            if not node.tag.endswith(":str"):
                self.add(node, fieldname, _m("not_text", kind=_kind(node), value=node.value))
                return None
        value = node.value
        # REFUSED finds nothing in almost every value: only then is refused() (text.problem) asked why
        if (not self.plain or node.style == '"') and _refused_search(value) is not None and \
                self.refused(node, fieldname, value):
            return None
        value = value.strip()
        if not value:
            self.add(node, fieldname, _m("empty"))
            return None
        if len(value) > max_len:
            self.add(node, fieldname, _m("too_long", length=len(value), limit=max_len))
            return None
        return value

    def integer(self, node: Any, fieldname: str) -> int | None:
        if not node.tag.endswith(":int"):
            self.add(node, fieldname, _m("not_whole_number", kind=_kind(node), value=node.value))
            return None
        value = _construct(node)
        if not isinstance(value, int) or value < 1:
            self.add(node, fieldname, _m("not_positive", value=node.value))
            return None
        return value

    def day(self, node: Any, fieldname: str, *, nullable: bool) -> tuple[bool, date | None]:
        """(ok, value) for a date field; YAML dates and quoted ISO dates are both accepted."""
        if node.tag.endswith(":null"):
            if nullable:
                return True, None
            self.add(node, fieldname, _m("date_needed"))
            return False, None
        text = node.value.strip() if isinstance(node.value, str) else ""
        known = _DAYS.get(text)
        if known is not None:  # a registry writes a few hundred dates 100k times
            return True, known
        m = _DAY_RE.match(text)
        if not m:
            self.add(node, fieldname, _m("date_format", value=node.value))
            return False, None
        month, day = int(m[2]), int(m[3])
        try:
            known = _DAYS[text] = date(int(m[1]), month, day)
            return True, known
        except ValueError:
            why = _m("impossible_month", value=text) if not 1 <= month <= 12 else _m("impossible_day", value=text, month=month, day=day)
            self.add(node, fieldname, why)
            return False, None

    def text_list(self, node: Any, fieldname: str) -> list[tuple[str, Any]] | None:
        if node.tag.endswith(":null"):
            return []
        if not node.tag.endswith(":seq"):
            self.add(node, fieldname, _m("not_list", kind=_kind(node)))
            return None
        out = []
        for i, child in enumerate(node.value):
            value = self.text(child, f"{fieldname}[{i}]")
            if value is not None:
                out.append((value, child))
        return out


def _kind(node: Any) -> str:
    """What a YAML value turned out to be ("a number"), in the current language."""
    name = node.tag.rsplit(":", 1)[-1]
    return _m(f"node_{name}") if name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map") else node.tag


# What libyaml (and PyYAML, where it words it otherwise) says, -> the catalogue's words for it.
_YAML_WORDS = {
    "mapping values are not allowed in this context": "yaml_mapping_values",
    "mapping values are not allowed here": "yaml_mapping_values",
    "could not find expected ':'": "yaml_expected_colon",
    "did not find expected key": "yaml_expected_key",
    "did not find expected '-' indicator": "yaml_expected_dash",
    "found character that cannot start any token": "yaml_bad_token",
    "found character '\\t' that cannot start any token": "yaml_bad_token",
    "found unexpected end of stream": "yaml_end_of_stream",
    "did not find expected node content": "yaml_node_content",
    "did not find expected ',' or ']'": "yaml_flow_seq_end",
    "did not find expected ',' or '}'": "yaml_flow_map_end",
    "found undefined alias": "yaml_undefined_alias",
    "while scanning a simple key": "yaml_in_simple_key",
    "while parsing a block mapping": "yaml_in_block_mapping",
    "while parsing a block collection": "yaml_in_block_collection",
    "while parsing a flow sequence": "yaml_in_flow_sequence",
    "while parsing a flow mapping": "yaml_in_flow_mapping",
    "while parsing a flow node": "yaml_in_flow_node",
    "while scanning a quoted scalar": "yaml_in_quoted",
    "while scanning for the next token": "yaml_in_next_token",
}


def _yaml_words(text: str) -> str:
    """A phrase of a YAML syntax error in the current language; one the catalogue lacks, as YAML wrote it."""
    key = _YAML_WORDS.get(text)
    if key is None and text.startswith("found undefined alias"):
        key = "yaml_undefined_alias"
    return _m(key) if key else text


_CONSTRUCTOR: Any = None


def _construct(node: Any) -> Any:
    """The Python value of a scalar node, as YAML's safe loader makes it. One constructor serves
    every call: a loader made per call (a reader, a scanner, a parser) costs 20 us, and while the
    registry is read (garbage collection off) each stayed in memory with the node it had seen."""
    global _CONSTRUCTOR
    value = node.value
    if node.tag == "tag:yaml.org,2002:int" and value.isascii() and value.isdigit() and value[0] != "0":
        return int(value)  # a plain whole number (a seq), as YAML's int constructor reads it
    from yaml.events import ScalarEvent
    from yaml.nodes import ScalarNode

    if _CONSTRUCTOR is None:
        from yaml.constructor import SafeConstructor

        _CONSTRUCTOR = SafeConstructor()
    if isinstance(node, ScalarEvent):  # a scalar's event stands in for its node (registry.stream)
        event: Any = node
        node = ScalarNode(event.tag, event.value, event.start_mark, event.end_mark, style=event.style)
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    finally:  # what construct_document resets after each document
        _CONSTRUCTOR.constructed_objects = {}
        _CONSTRUCTOR.recursive_objects = {}
        _CONSTRUCTOR.state_generators = []
        _CONSTRUCTOR.deep_construct = False


# --------------------------------------------------------------------------- reading a registry


def registry_files(paths: Iterable[str | Path] | None) -> list[Path]:
    """Expand the paths given to ``load``: directories give their *.yaml files; none gives the bundled registry."""
    chosen = [Path(p) for p in paths] if paths else [bundled_data_dir()]
    files: list[Path] = []
    for path in chosen:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            files.append(path)
    if paths and not any(_declares(f, "agencies") for f in files if f.is_file()):
        # Files given one by one: the agencies file beside them completes the registry.
        beside = files[0].parent / "agencies.yaml" if files else None
        if beside and beside.is_file() and beside not in files:
            files.append(beside)
    return files


def _declares(path: Path, *keys: str) -> bool:
    """Whether a line of the file starts with one of the top-level ``keys`` (one pass over it)."""
    starts = tuple(key.encode() + b":" for key in keys)
    try:
        with path.open("rb") as fh:
            return any(line.startswith(starts) for line in fh)
    except OSError:
        return False


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_registry(paths: Iterable[str | Path] | None = None) -> Registry:
    """Read and validate a registry. Raises RegistryError listing every problem found."""
    # Reading builds millions of small objects that all stay alive until the end: the cyclic
    # garbage collector would walk them again and again for nothing (a 100k-item registry: 19 s
    # with it, 7 s without).
    from ..collector import collector_off
    from .stream import NotStreamable, read_streamed

    with collector_off():
        try:  # a big registry an entry at a time (its whole YAML tree took over 1 GB); else whole
            return read_streamed(paths)
        except NotStreamable:
            return _read_registry(paths)


def _read_registry(paths: Iterable[str | Path] | None) -> Registry:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    plan_nodes: list[tuple[_Reader, Any]] = []
    agency_nodes: list[tuple[_Reader, Any]] = []
    item_nodes: list[tuple[_Reader, str, Any]] = []
    target_nodes: list[tuple[_Reader, Any]] = []
    files = registry_files(paths)
    readers: list[_Reader] = []
    for path in files:
        reader = _Reader(path, _shown(path), problems, warnings)
        readers.append(reader)
        if not path.exists():
            problems.append(Problem(reader.shown, 0, 0, "file", _m("file_missing")))
            continue
        root = reader.compose()
        if root is None:
            continue
        top = reader.mapping(root, "document", set(), {"plan", "agencies", "targets", *ITEM_LISTS})
        if top is None:
            continue
        if not top:
            reader.add(root, "document", _m("document_holds_none", keys=", ".join(["plan", "agencies", *ITEM_LISTS, "targets"])))
        if "plan" in top:
            plan_nodes.append((reader, top["plan"]))
        if "agencies" in top:
            agency_nodes.append((reader, top["agencies"]))
        for key in ITEM_LISTS:
            if key in top:
                item_nodes.append((reader, key, top[key]))
        if "targets" in top:
            target_nodes.append((reader, top["targets"]))

    plan = _read_plan(plan_nodes, problems, files)
    agencies = _read_agencies(agency_nodes, problems)
    # Tasks before outcomes whatever the order of the files; within a kind, by number.
    item_nodes.sort(key=lambda entry: list(ITEM_LISTS).index(entry[1]))
    items = _read_items(item_nodes, agencies, problems)
    return _complete(files, readers, problems, warnings, plan, agencies, items, target_nodes, bool(agency_nodes))


def _complete(files: list[Path], readers: list[_Reader], problems: list[Problem], warnings: list[Problem],
              plan: PlanSpec | None, agencies: list[AgencySpec], items: list[ItemSpec],
              target_nodes: list[tuple[_Reader, Any]], any_agencies: bool) -> Registry:
    """The registry from its items (as read: tasks lists, then outcomes lists), once its targets are
    read too; or RegistryError with every problem found."""
    kinds = [kind for kind, _ in ITEM_LISTS.values()]
    items.sort(key=lambda i: (kinds.index(i.kind), i.no))
    for position, item in enumerate(items):
        item.position = position
    targets = _read_targets(target_nodes, agencies, problems) if target_nodes else []
    if not any_agencies and files and not any(p.field in ("yaml", "file") for p in problems):
        problems.append(Problem(_shown(files[0]), 0, 0, "agencies", _m("no_agencies")))
    if problems or plan is None:
        raise RegistryError(problems)
    for reader in readers:
        reader.finish()
    warnings.sort(key=lambda p: (p.file, p.line, p.column))
    return Registry(plan=plan, agencies=agencies, items=items, files=[_shown(f) for f in files], warnings=warnings,
                    digests={r.shown: r.digest for r in readers if r.digest}, targets=targets)


def _read_targets(nodes: list[tuple[_Reader, Any]], agencies: list[AgencySpec], problems: list[Problem]) -> list[Any]:
    from .targets import read_targets

    owner: dict[str, str] = {}
    for agency in agencies:
        owner[agency.name] = agency.name
        for alias in agency.aliases:
            owner.setdefault(alias, agency.name)
    return read_targets(nodes, owner, problems)


def _read_plan(nodes: list[tuple[_Reader, Any]], problems: list[Problem], files: list[Path]) -> PlanSpec | None:
    if not nodes:
        if files and not problems:
            problems.append(Problem(_shown(files[0]), 0, 0, "plan", _m("no_plan")))
        return None
    for reader, node in nodes[1:]:
        reader.add(node, "plan", _m("second_plan", first=nodes[0][0].where(nodes[0][1])))
    reader, node = nodes[0]
    fields = reader.mapping(node, "plan", {"id", "title"}, {"doc_no", "issued", "issuer", "timezone", "reporting", "lang",
                                                          "review", "evaluation"})
    if fields is None:
        return None
    plan_id = reader.text(fields["id"], "plan.id") if "id" in fields else None
    if plan_id and not PLAN_ID_RE.match(plan_id):
        reader.add(fields["id"], "plan.id", _m("plan_id_shape", value=plan_id))
        plan_id = None
    title = reader.text(fields["title"], "plan.title") if "title" in fields else None
    if title is not None:
        reader.punctuation(fields["title"], "plan.title", title)
    doc_no = reader.text(fields["doc_no"], "plan.doc_no", nullable=True) if "doc_no" in fields else None
    issuer = reader.text(fields["issuer"], "plan.issuer", nullable=True) if "issuer" in fields else None
    issued = reader.day(fields["issued"], "plan.issued", nullable=True)[1] if "issued" in fields else None
    timezone = "Asia/Shanghai"
    if "timezone" in fields:
        tz = reader.text(fields["timezone"], "plan.timezone")
        if tz and not valid_timezone(tz):
            reader.add(fields["timezone"], "plan.timezone", _m("unknown_timezone", value=tz))
        elif tz:
            timezone = tz
    reporting: dict[str, Any] = {"cadence": "quarterly"}
    if "reporting" in fields:
        reporting = _read_reporting(reader, fields["reporting"]) or reporting
    lang = "zh-CN"
    if "lang" in fields:
        given = reader.text(fields["lang"], "plan.lang")
        if given in PLAN_LANGS:
            lang = given
        elif given is not None:
            reader.add(fields["lang"], "plan.lang", _m("plan_lang", value=given))
    review = True
    if "review" in fields:
        if fields["review"].tag.endswith(":bool"):
            review = bool(_construct(fields["review"]))
        else:
            reader.add(fields["review"], "plan.review", _m("not_bool", kind=_kind(fields["review"]),
                                                            value=fields["review"].value))
    evaluation = _read_evaluation(reader, fields["evaluation"]) if "evaluation" in fields else None
    if plan_id is None or title is None:
        return None
    return PlanSpec(plan_id, title, doc_no, issued, issuer, timezone, reporting, reader.where(node), lang, review,
                    evaluation)


def _read_evaluation(reader: _Reader, node: Any) -> dict[str, float] | None:
    """The scorecard's weights (``rules.EVALUATION_WEIGHTS`` names them): each a number."""
    fields = reader.mapping(node, "plan.evaluation", set(), set(EVALUATION_WEIGHTS))
    if fields is None:
        return None
    out: dict[str, float] = {}
    for key, value in fields.items():
        if not (value.tag.endswith(":int") or value.tag.endswith(":float")):
            reader.add(value, f"plan.evaluation.{key}", _m("not_number", kind=_kind(value), value=value.value))
            continue
        number = _construct(value)
        if isinstance(number, bool) or number != number or abs(number) > 1000:  # NaN, or beyond any sane weight
            reader.add(value, f"plan.evaluation.{key}", _m("weight_range", value=value.value))
            continue
        out[key] = number
    return out


PLAN_LANGS = ("zh-CN", "en")


def _read_reporting(reader: _Reader, node: Any) -> dict[str, Any] | None:
    fields = reader.mapping(node, "plan.reporting", {"cadence"}, {"day"})
    if fields is None or "cadence" not in fields:
        return None
    cadence = reader.text(fields["cadence"], "plan.reporting.cadence")
    if cadence not in CADENCES:
        if cadence is not None:
            reader.add(fields["cadence"], "plan.reporting.cadence", _m("one_of", choices=", ".join(CADENCES), value=cadence))
        return None
    out: dict[str, Any] = {"cadence": cadence}
    if "day" in fields:
        if cadence == "quarterly":
            reader.add(fields["day"], "plan.reporting.day", _m("quarterly_no_day"))
            return None
        day = reader.integer(fields["day"], "plan.reporting.day")
        limit = 7 if cadence == "weekly" else 31
        if day is None or day > limit:
            if day is not None:
                reader.add(fields["day"], "plan.reporting.day", _m("day_range", limit=limit, cadence=_m(f"cadence_{cadence}")))
            return None
        out["day"] = day
    return out


def _read_agencies(nodes: list[tuple[_Reader, Any]], problems: list[Problem]) -> list[AgencySpec]:
    agencies: list[AgencySpec] = []
    names: dict[str, Where] = {}
    for reader, node in nodes:
        entries = reader.text_list(node, "agencies") if node.tag.endswith(":null") else None
        if not node.tag.endswith(":seq"):
            if entries is None:
                reader.add(node, "agencies", _m("agencies_not_list", kind=_kind(node)))
            continue
        for index, entry in enumerate(node.value):
            label = f"agencies[{index}]"
            fields = reader.mapping(entry, label, {"name", "full_name", "kind"},
                                    {"aliases", "name_en", "email", "members", "renamed_from"})
            if fields is None:
                continue
            name = reader.text(fields["name"], f"{label}.name", max_len=100) if "name" in fields else None
            if name:
                label = f"agencies[{name}]"
                if name in names:
                    reader.add(fields["name"], f"{label}.name", _m("agency_duplicate", first=names[name]))
                    continue
                names[name] = reader.where(fields["name"])
            full_name = reader.text(fields["full_name"], f"{label}.full_name", max_len=200) if "full_name" in fields else None
            kind = reader.text(fields["kind"], f"{label}.kind") if "kind" in fields else None
            if kind and kind not in AGENCY_KINDS:
                reader.add(fields["kind"], f"{label}.kind", _m("one_of", choices=", ".join(AGENCY_KINDS), value=kind))
                kind = None
            aliases = reader.text_list(fields["aliases"], f"{label}.aliases") if "aliases" in fields else []
            renamed = reader.text_list(fields["renamed_from"], f"{label}.renamed_from") if "renamed_from" in fields else []
            if aliases is not None and renamed:  # an earlier name still finds the agency
                aliases = aliases + [r for r in renamed if r[0] not in {a for a, _ in aliases}]
            members = reader.text_list(fields["members"], f"{label}.members") if "members" in fields else []
            emails = _read_emails(reader, fields.get("email"), f"{label}.email")
            name_en = reader.text(fields["name_en"], f"{label}.name_en", nullable=True) if "name_en" in fields else None
            if members and kind and kind != "group":
                reader.add(fields["members"], f"{label}.members", _m("members_only_group"))
            if name is None or full_name is None or kind is None or aliases is None or members is None or emails is None:
                continue
            spec = AgencySpec(name, full_name, kind, [a for a, _ in aliases], name_en, emails,
                              [m for m, _ in members], len(agencies), reader.where(entry),
                              [r for r, _ in renamed or []])
            spec._alias_nodes = aliases  # type: ignore[attr-defined]
            spec._member_nodes = members  # type: ignore[attr-defined]
            spec._reader = reader  # type: ignore[attr-defined]
            agencies.append(spec)
    _check_agency_names(agencies, names)
    return agencies


def _read_emails(reader: _Reader, node: Any, label: str) -> list[str] | None:
    if node is None:
        return []
    values: Sequence[tuple[str | None, Any]]
    if node.tag.endswith(":str"):
        values = [(reader.text(node, label), node)]
    else:
        values = reader.text_list(node, label) or []
    out = []
    for value, child in values:
        if value is None:
            return None
        if not valid_email(value):
            reader.add(child, label, _m("not_email", value=value))
            return None
        out.append(value)
    return out


def _check_agency_names(agencies: list[AgencySpec], names: dict[str, Where]) -> None:
    owner: dict[str, str] = {a.name: a.name for a in agencies}
    for agency in agencies:
        reader: _Reader = agency._reader  # type: ignore[attr-defined]
        for alias, node in agency._alias_nodes:  # type: ignore[attr-defined]
            other = owner.get(alias)
            if other is not None and other != agency.name:
                reader.add(node, f"agencies[{agency.name}].aliases", _m("alias_taken", alias=alias, other=other))
            owner.setdefault(alias, agency.name)
    kinds = {a.name: a.kind for a in agencies}
    for agency in agencies:
        reader = agency._reader  # type: ignore[attr-defined]
        for member, node in agency._member_nodes:  # type: ignore[attr-defined]
            if member not in kinds:
                reader.add(node, f"agencies[{agency.name}].members", _unknown_agency(member, owner))
            elif kinds[member] == "group":
                reader.add(node, f"agencies[{agency.name}].members", _m("member_is_group", name=member))


def _unknown_agency(name: str, owner: dict[str, str]) -> str:
    """An unknown agency, with the closest names the registry has (as canonical names)."""
    close = difflib.get_close_matches(name, list(owner), n=3, cutoff=0.4)
    canon = list(dict.fromkeys(owner[c] for c in close))
    if canon:
        return _m("agency_unknown_close", name=name, close=_names(canon))
    return _m("agency_unknown_in_registry", name=name)


def _read_items(nodes: list[tuple[_Reader, str, Any]], agencies: list[AgencySpec], problems: list[Problem]) -> list[ItemSpec]:
    state = _Items(agencies)
    for reader, key, node in nodes:
        if not node.tag.endswith(":seq"):
            reader.add(node, key, _m("not_list", kind=_kind(node)))
            continue
        for index, entry in enumerate(node.value):
            state.read(reader, key, index, entry)
    return state.items


_ITEM_REQUIRED = frozenset({"id", "seq", "title", "agencies", "due", "due_text"})
_ITEM_OPTIONAL = {key: frozenset({group_field, "content", "assigned"}) for key, (_, group_field) in ITEM_LISTS.items()}
_ascii_between_cjk = ASCII_BETWEEN_CJK.search


class _Items:
    """The items read so far (in the order they are read: tasks lists, then outcomes lists), and
    what checking the next one needs: the agencies' names, the ids and numbers already taken."""

    def __init__(self, agencies: list[AgencySpec]) -> None:
        self.owner: dict[str, str] = {}
        for agency in agencies:
            self.owner[agency.name] = agency.name
            for alias in agency.aliases:
                self.owner.setdefault(alias, agency.name)
        self.items: list[ItemSpec] = []
        self.codes: dict[str, Where] = {}
        self.numbers: dict[tuple[str, int], Where] = {}
        # due_text -> what it says: a registry writes a few dozen due texts 100k times
        self.due_meanings: dict[str, tuple[bool, date | None]] = {}

    def read(self, reader: _Reader, key: str, index: int, entry: Any) -> None:
        """Check one entry of a ``tasks:``/``outcomes:`` list; a valid one is added to ``items``."""
        kind, group_field = ITEM_LISTS[key]
        owner, items, codes, numbers = self.owner, self.items, self.codes, self.numbers
        label = f"{key}[{_peek_id(entry) or index}]"
        fields = reader.mapping(entry, label, _ITEM_REQUIRED, _ITEM_OPTIONAL[key], RENAMED_ITEM_FIELDS)
        if fields is None:
            return
        code = entry_id(reader, fields, label, codes)
        if code is not None:
            label = f"{key}[{code}]"
        no = _item_seq(reader, fields, label, code, key, kind, numbers)
        title = reader.text(fields["title"], f"{label}.title", max_len=1000) if "title" in fields else None
        group = reader.text(fields[group_field], f"{label}.{group_field}", nullable=True) if group_field in fields else None
        content = reader.text(fields["content"], f"{label}.content", nullable=True) if "content" in fields else None
        for name, value in (("title", title), (group_field, group), ("content", content)):
            if value is not None and _ascii_between_cjk(value) is not None:  # else punctuation() has nothing to count
                reader.punctuation(fields[name], f"{label}.{name}", value)
        assigned = _item_assigned(reader, fields.get("assigned"), f"{label}.assigned")
        names = _item_agencies(reader, fields.get("agencies"), f"{label}.agencies", owner, assigned)
        due_ok, due = reader.day(fields["due"], f"{label}.due", nullable=True) if "due" in fields else (False, None)
        due_text = reader.text(fields["due_text"], f"{label}.due_text", max_len=100) if "due_text" in fields else None
        if due_ok and due_text is not None:
            meaning = self.due_meanings.get(due_text)
            if meaning is None:
                meaning = self.due_meanings[due_text] = due_from_text(due_text)
            understood, meant = meaning
            if understood and meant != due:
                said = meant.isoformat() if meant else _m("due_ongoing")
                got = due.isoformat() if due else "null"
                reader.add(fields["due"], f"{label}.due", _m("due_contradicts", got=got, text=due_text, meant=said))
                due_ok = False
        if (code is None or no is None or title is None or names is None or due_text is None or not due_ok
                or assigned is None):
            return
        items.append(ItemSpec(code, kind, no, group, title, content, names, due, due_text, len(items), reader.where(entry),
                              assigned))


def _item_seq(reader: _Reader, fields: dict[str, Any], label: str, code: str | None, key: str, kind: str,
              numbers: dict[tuple[str, int], Where]) -> int | None:
    """The item's ``seq`` (or its old name ``no``): a plain positive number, the one in its id, unique in its kind."""
    name = "seq" if "seq" in fields or "no" not in fields else "no"
    if name not in fields:
        return None  # reported as a missing field
    node, fieldname = fields[name], f"{label}.{name}"
    # Only a plain scalar can be misread; its style is None (pure-Python parser) or "" (libyaml).
    raw = node.value if node.tag.endswith((":int", ":str")) and not node.style else None
    if raw is not None and LEADING_ZERO_RE.match(raw) and int(raw) > 0:
        reader.add(node, fieldname, _m("seq_leading_zero", n=int(raw), raw=raw))
        return None
    seq = reader.integer(node, fieldname)
    if seq is None:
        return None
    # The id carries the number too (T5 is 序号 5); were they to differ, the item would sort by one
    # and be known by the other.
    m = CODE_RE.match(code) if code is not None else None
    if m and int(m[2]) != seq:
        reader.add(node, fieldname, _m("seq_not_id", seq=seq, code=code, name=name, want=m[2]))
        return None
    if (kind, seq) in numbers:
        reader.add(node, fieldname, _m("seq_duplicate", name=name, seq=seq, key=key, first=numbers[(kind, seq)]))
        return None
    numbers[(kind, seq)] = reader.where(node)
    return seq


def _peek_id(entry: Any) -> str | None:
    """The entry's id as written, to name it in messages before it is validated."""
    if entry.tag.endswith(":map"):
        for key, value in entry.value:
            if key.value == "id" and isinstance(value.value, str) and CODE_RE.match(value.value):
                return value.value
    return None


def _item_assigned(reader: _Reader, node: Any, label: str) -> bool | None:
    """The item's ``assigned`` flag: true when not given; None after recording a problem."""
    if node is None:
        return True
    if not node.tag.endswith(":bool"):
        reader.add(node, label, _m("not_bool", kind=_kind(node), value=node.value))
        return None
    return bool(_construct(node))


def _item_agencies(reader: _Reader, node: Any, label: str, owner: dict[str, str], assigned: bool | None) -> list[str] | None:
    """The item's agencies. An empty list must be declared with ``assigned: false`` (an item not yet
    assigned), so a list emptied by mistake never loads; ``assigned: false`` takes no agencies."""
    if node is None:
        return None
    values = reader.text_list(node, label)
    if values is None:
        return None
    if assigned is None and not values:
        return None  # the flag itself is wrong, and said so: the empty list is not a second problem
    if assigned is False:
        if values:
            reader.add(node, label, _m("agencies_when_unassigned"))
            return None
        return []
    if not values:
        reader.add(node, label, _m("agencies_none"))
        return None
    return agency_names(reader, values, label, owner)


def entry_id(reader: _Reader, fields: dict[str, Any], label: str, codes: dict[str, Where]) -> str | None:
    """An entry's ``id`` (an item's, a target's): of the shape ids have, and not one ``codes`` already
    holds (the entry is then added to it); None after saying what is wrong."""
    code = reader.text(fields["id"], f"{label}.id", max_len=40) if "id" in fields else None
    if code is None:
        return None
    if not CODE_RE.match(code):
        reader.add(fields["id"], f"{label}.id", _m("id_shape", value=code))
        return None
    if code in codes:
        reader.add(fields["id"], f"{label}.id", _m("id_duplicate", code=code, first=codes[code]))
        return None
    codes[code] = reader.where(fields["id"])
    return code


def agency_names(reader: _Reader, values: list[tuple[str, Any]], label: str, owner: dict[str, str]) -> list[str] | None:
    """The agencies a list names (by name or alias), each once, or None after saying what is wrong
    with each entry (an unknown agency, one named twice). Items and targets name agencies alike."""
    out: list[str] = []
    ok = True
    for value, child in values:
        name = owner.get(value)
        if name is None:
            reader.add(child, label, _unknown_agency(value, owner))
            ok = False
        elif name in out:
            reader.add(child, label, _m("agency_twice", name=name))
            ok = False
        else:
            out.append(name)
    return out if ok else None
