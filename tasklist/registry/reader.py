"""Registry files (YAML) -> validated specs. Every problem names its file:line:col and field.

A registry is a set of YAML files holding, between them, one ``plan:`` header, an ``agencies:``
list and item lists (``tasks:``, ``outcomes:``). See docs/registry.md.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..dates import due_from_text, valid_timezone
from ..errors import Problem, RegistryError
from ..text import REFUSED, refusal
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
# Old field name -> (its new name, why it changed). The old name still loads, with one warning per file.
RENAMED_ITEM_FIELDS = {"no": ("seq", "YAML 1.1 tools read it as false")}
# A plain number with a leading zero: YAML 1.1 reads 010 as octal 8 (and 08 as text), YAML 1.2 as 10.
LEADING_ZERO_RE = re.compile(r"^\+?0[0-9]+$")
# list key in a file -> (item kind, name of its grouping field)
ITEM_LISTS = {"tasks": ("task", "section"), "outcomes": ("outcome", "category")}
PLAN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
MAX_TEXT = 20_000


def bundled_data_dir() -> Path:
    """The Fujian registry shipped with the package (tasklist/data in a wheel, data/ in a checkout)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "data", here.parent / "data"):
        if (candidate / "tasks.yaml").is_file():
            return candidate
    raise FileNotFoundError("the bundled registry is missing from this installation")


@dataclass(frozen=True)
class Where:
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


@dataclass
class Registry:
    plan: PlanSpec
    agencies: list[AgencySpec]
    items: list[ItemSpec]
    files: list[str] = field(default_factory=list)
    # Things that load but should be fixed (a deprecated field name); the command line prints them.
    warnings: list[Problem] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)  # file as shown -> sha256 of its bytes

    def agency(self, name: str) -> AgencySpec:
        return next(a for a in self.agencies if a.name == name)


# --------------------------------------------------------------------------- YAML with positions

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
        return Where(self.shown, node.start_mark.line + 1, node.start_mark.column + 1)

    def compose(self) -> Any:
        import yaml

        try:
            raw = self.path.read_bytes()
            self.digest = hashlib.sha256(raw).hexdigest()
        except OSError as exc:
            self.problems.append(Problem(self.shown, 0, 0, "file", f"cannot read: {exc.strerror or exc}"))
            return None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            before = raw[: exc.start]
            line = before.count(b"\n") + 1
            col = exc.start - (before.rfind(b"\n") + 1) + 1
            self.problems.append(
                Problem(self.shown, line, col, "file", f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")
            )
            return None
        self.source = text
        # libyaml's parser when present: same nodes and positions, ~10x faster on a big registry
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            node = yaml.compose(text, Loader=loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
            self.problems.append(Problem(self.shown, line, col, "yaml", f"syntax error: {what}"))
            return None
        except yaml.reader.ReaderError as exc:
            # a character YAML does not allow in a file (a raw control character): say where it is
            index = exc.position
            if loader is not yaml.SafeLoader:  # libyaml counts bytes of UTF-8
                index = len(text.encode("utf-8", "surrogatepass")[:index].decode("utf-8", "ignore"))
            line, col = self._line_col(index)
            found = text[index] if index < len(text) else ""
            why = refusal(found) if REFUSED.match(found) else f"syntax error: {exc.reason}"
            self.problems.append(Problem(self.shown, line, col, "yaml", why))
            return None
        except yaml.YAMLError as exc:
            self.problems.append(Problem(self.shown, 0, 0, "yaml", f"syntax error: {exc}"))
            return None
        if node is None:
            self.problems.append(Problem(self.shown, 1, 1, "file", "is empty"))
            return None
        if not self._tags_safe(node, "document"):
            return None
        return node

    def _tags_safe(self, node: Any, path: str) -> bool:
        if node.tag not in _SAFE_TAGS:
            self.add(node, path, f"tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed (plain YAML values only)")
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

    def mapping(self, node: Any, fieldname: str, required: set[str], optional: set[str],
                renamed: dict[str, tuple[str, str]] | None = None) -> dict[str, Any] | None:
        """The fields of a mapping, keyed as written. ``renamed`` (old -> (new, why)) lists old names
        still accepted: each gives one warning per file, and stands in for the new name, which must
        not be given beside it. Old names are never suggested."""
        if not node.tag.endswith(":map"):
            self.add(node, fieldname, f"must be a mapping of fields, not {_kind(node)}")
            return None
        renamed = renamed or {}
        out: dict[str, Any] = {}
        keys: dict[str, Any] = {}
        for key, value in node.value:
            # Keys are read as written: YAML 1.1 would turn the key ``no`` into false.
            if not isinstance(key.value, str):
                self.add(key, fieldname, "field names must be plain words")
                continue
            if key.value in out:
                self.add(key, f"{fieldname}.{key.value}", "field given twice")
                continue
            if key.value in renamed:
                new, why = renamed[key.value]
                self.warn_once(key.value, key, f"{fieldname}.{key.value}", f"{key.value!r} is deprecated ({why}); write {new!r}")
            elif key.value not in required | optional:
                hint = difflib.get_close_matches(key.value, sorted(required | optional), n=1)
                more = f" (did you mean {hint[0]!r}?)" if hint else f" (known: {', '.join(sorted(required | optional))})"
                self.add(key, f"{fieldname}.{key.value}", f"unknown field{more}")
                continue
            out[key.value] = value
            keys[key.value] = key
        for old, (new, _) in renamed.items():
            if old in out and new in out:
                later = max(keys[old], keys[new], key=lambda k: (k.start_mark.line, k.start_mark.column))
                self.add(later, f"{fieldname}.{later.value}",
                         f"{old!r} and {new!r} are the same field ({old!r} is its old name); keep {new!r} only")
        given = out.keys() | {renamed[old][0] for old in out.keys() & renamed.keys()}
        for name in sorted(required - given):
            self.add(node, f"{fieldname}.{name}", "missing required field")
        return out

    def text(self, node: Any, fieldname: str, *, nullable: bool = False, max_len: int = MAX_TEXT) -> str | None:
        if node.tag.endswith(":null"):
            if not nullable:
                self.add(node, fieldname, "must not be empty")
            return None
        if not node.tag.endswith(":str"):
            self.add(node, fieldname, f"must be text, not {_kind(node)} {node.value!r} (quote it)")
            return None
        if self.refused(node, fieldname, node.value):
            return None
        value = node.value.strip()
        if not value:
            self.add(node, fieldname, "must not be empty")
            return None
        if len(value) > max_len:
            self.add(node, fieldname, f"is too long ({len(value)} characters, at most {max_len})")
            return None
        return value

    def integer(self, node: Any, fieldname: str) -> int | None:
        if not node.tag.endswith(":int"):
            self.add(node, fieldname, f"must be a whole number, not {_kind(node)} {node.value!r}")
            return None
        value = _construct(node)
        if not isinstance(value, int) or value < 1:
            self.add(node, fieldname, f"must be a positive whole number, not {node.value!r}")
            return None
        return value

    def day(self, node: Any, fieldname: str, *, nullable: bool) -> tuple[bool, date | None]:
        """(ok, value) for a date field; YAML dates and quoted ISO dates are both accepted."""
        if node.tag.endswith(":null"):
            if nullable:
                return True, None
            self.add(node, fieldname, "must be a date (YYYY-MM-DD)")
            return False, None
        text = node.value.strip() if isinstance(node.value, str) else ""
        m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", text)
        if not m:
            self.add(node, fieldname, f"must be a date written YYYY-MM-DD, not {node.value!r}")
            return False, None
        try:
            return True, date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as exc:
            self.add(node, fieldname, f"impossible date {text!r}: {exc}")
            return False, None

    def text_list(self, node: Any, fieldname: str) -> list[tuple[str, Any]] | None:
        if node.tag.endswith(":null"):
            return []
        if not node.tag.endswith(":seq"):
            self.add(node, fieldname, f"must be a list, not {_kind(node)}")
            return None
        out = []
        for i, child in enumerate(node.value):
            value = self.text(child, f"{fieldname}[{i}]")
            if value is not None:
                out.append((value, child))
        return out


def _kind(node: Any) -> str:
    return {
        "str": "text", "int": "a number", "float": "a number", "bool": "true/false", "null": "nothing",
        "timestamp": "a date", "seq": "a list", "map": "a mapping",
    }.get(node.tag.rsplit(":", 1)[-1], node.tag)


def _construct(node: Any) -> Any:
    import yaml

    return yaml.SafeLoader("").construct_object(node, deep=True)


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


def _declares(path: Path, key: str) -> bool:
    try:
        with path.open("rb") as fh:
            return any(line.startswith(key.encode() + b":") for line in fh)
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
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read_registry(paths)
    finally:
        if enabled:
            gc.enable()


def _read_registry(paths: Iterable[str | Path] | None) -> Registry:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    plan_nodes: list[tuple[_Reader, Any]] = []
    agency_nodes: list[tuple[_Reader, Any]] = []
    item_nodes: list[tuple[_Reader, str, Any]] = []
    files = registry_files(paths)
    readers: list[_Reader] = []
    for path in files:
        reader = _Reader(path, _shown(path), problems, warnings)
        readers.append(reader)
        if not path.exists():
            problems.append(Problem(reader.shown, 0, 0, "file", "does not exist"))
            continue
        root = reader.compose()
        if root is None:
            continue
        top = reader.mapping(root, "document", set(), {"plan", "agencies", *ITEM_LISTS})
        if top is None:
            continue
        if not top:
            reader.add(root, "document", f"holds none of: plan, agencies, {', '.join(ITEM_LISTS)}")
        if "plan" in top:
            plan_nodes.append((reader, top["plan"]))
        if "agencies" in top:
            agency_nodes.append((reader, top["agencies"]))
        for key in ITEM_LISTS:
            if key in top:
                item_nodes.append((reader, key, top[key]))

    plan = _read_plan(plan_nodes, problems, files)
    agencies = _read_agencies(agency_nodes, problems)
    # Tasks before outcomes whatever the order of the files; within a kind, by number.
    item_nodes.sort(key=lambda entry: list(ITEM_LISTS).index(entry[1]))
    items = _read_items(item_nodes, agencies, problems)
    kinds = [kind for kind, _ in ITEM_LISTS.values()]
    items.sort(key=lambda i: (kinds.index(i.kind), i.no))
    for position, item in enumerate(items):
        item.position = position
    if not agency_nodes and files and not any(p.field in ("yaml", "file") for p in problems):
        problems.append(Problem(_shown(files[0]), 0, 0, "agencies", "no agencies list in the registry (add agencies.yaml)"))
    if problems or plan is None:
        raise RegistryError(problems)
    warnings.sort(key=lambda p: (p.file, p.line, p.column))
    return Registry(plan=plan, agencies=agencies, items=items, files=[_shown(f) for f in files], warnings=warnings,
                    digests={r.shown: r.digest for r in readers if r.digest})


def _read_plan(nodes: list[tuple[_Reader, Any]], problems: list[Problem], files: list[Path]) -> PlanSpec | None:
    if not nodes:
        if files and not problems:
            problems.append(Problem(_shown(files[0]), 0, 0, "plan", "no plan header in the registry (add plan: to tasks.yaml)"))
        return None
    for reader, node in nodes[1:]:
        reader.add(node, "plan", f"a second plan header (the first is at {nodes[0][0].where(nodes[0][1])})")
    reader, node = nodes[0]
    fields = reader.mapping(node, "plan", {"id", "title"}, {"doc_no", "issued", "issuer", "timezone", "reporting"})
    if fields is None:
        return None
    plan_id = reader.text(fields["id"], "plan.id") if "id" in fields else None
    if plan_id and not PLAN_ID_RE.match(plan_id):
        reader.add(fields["id"], "plan.id", f"{plan_id!r} must be lower-case letters, digits, '.', '_' or '-'")
        plan_id = None
    title = reader.text(fields["title"], "plan.title") if "title" in fields else None
    doc_no = reader.text(fields["doc_no"], "plan.doc_no", nullable=True) if "doc_no" in fields else None
    issuer = reader.text(fields["issuer"], "plan.issuer", nullable=True) if "issuer" in fields else None
    issued = reader.day(fields["issued"], "plan.issued", nullable=True)[1] if "issued" in fields else None
    timezone = "Asia/Shanghai"
    if "timezone" in fields:
        tz = reader.text(fields["timezone"], "plan.timezone")
        if tz and not valid_timezone(tz):
            reader.add(fields["timezone"], "plan.timezone", f"unknown time zone {tz!r} (e.g. Asia/Shanghai)")
        elif tz:
            timezone = tz
    reporting: dict[str, Any] = {"cadence": "quarterly"}
    if "reporting" in fields:
        reporting = _read_reporting(reader, fields["reporting"]) or reporting
    if plan_id is None or title is None:
        return None
    return PlanSpec(plan_id, title, doc_no, issued, issuer, timezone, reporting, reader.where(node))


def _read_reporting(reader: _Reader, node: Any) -> dict[str, Any] | None:
    fields = reader.mapping(node, "plan.reporting", {"cadence"}, {"day"})
    if fields is None or "cadence" not in fields:
        return None
    cadence = reader.text(fields["cadence"], "plan.reporting.cadence")
    if cadence not in CADENCES:
        if cadence is not None:
            reader.add(fields["cadence"], "plan.reporting.cadence", f"must be one of {', '.join(CADENCES)}, not {cadence!r}")
        return None
    out: dict[str, Any] = {"cadence": cadence}
    if "day" in fields:
        if cadence == "quarterly":
            reader.add(fields["day"], "plan.reporting.day", "quarterly reporting takes no day (reports fall due at quarter end)")
            return None
        day = reader.integer(fields["day"], "plan.reporting.day")
        limit = 7 if cadence == "weekly" else 31
        if day is None or day > limit:
            if day is not None:
                reader.add(fields["day"], "plan.reporting.day", f"must be 1 to {limit} for {cadence} reporting")
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
                reader.add(node, "agencies", f"must be a list of agencies, not {_kind(node)}")
            continue
        for index, entry in enumerate(node.value):
            label = f"agencies[{index}]"
            fields = reader.mapping(entry, label, {"name", "full_name", "kind"}, {"aliases", "name_en", "email", "members"})
            if fields is None:
                continue
            name = reader.text(fields["name"], f"{label}.name", max_len=100) if "name" in fields else None
            if name:
                label = f"agencies[{name}]"
                if name in names:
                    reader.add(fields["name"], f"{label}.name", f"duplicate agency (first defined at {names[name]})")
                    continue
                names[name] = reader.where(fields["name"])
            full_name = reader.text(fields["full_name"], f"{label}.full_name", max_len=200) if "full_name" in fields else None
            kind = reader.text(fields["kind"], f"{label}.kind") if "kind" in fields else None
            if kind and kind not in AGENCY_KINDS:
                reader.add(fields["kind"], f"{label}.kind", f"must be one of {', '.join(AGENCY_KINDS)}, not {kind!r}")
                kind = None
            aliases = reader.text_list(fields["aliases"], f"{label}.aliases") if "aliases" in fields else []
            members = reader.text_list(fields["members"], f"{label}.members") if "members" in fields else []
            emails = _read_emails(reader, fields.get("email"), f"{label}.email")
            name_en = reader.text(fields["name_en"], f"{label}.name_en", nullable=True) if "name_en" in fields else None
            if members and kind and kind != "group":
                reader.add(fields["members"], f"{label}.members", "only an agency of kind 'group' has members")
            if name is None or full_name is None or kind is None or aliases is None or members is None or emails is None:
                continue
            spec = AgencySpec(name, full_name, kind, [a for a, _ in aliases], name_en, emails,
                              [m for m, _ in members], len(agencies), reader.where(entry))
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
            reader.add(child, label, f"{value!r} is not an email address")
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
                reader.add(node, f"agencies[{agency.name}].aliases", f"alias {alias!r} already names {other!r}")
            owner.setdefault(alias, agency.name)
    kinds = {a.name: a.kind for a in agencies}
    for agency in agencies:
        reader = agency._reader  # type: ignore[attr-defined]
        for member, node in agency._member_nodes:  # type: ignore[attr-defined]
            if member not in kinds:
                reader.add(node, f"agencies[{agency.name}].members", f"unknown agency {member!r}{_did_you_mean(member, owner)}")
            elif kinds[member] == "group":
                reader.add(node, f"agencies[{agency.name}].members", f"{member!r} is itself a group")


def _did_you_mean(name: str, owner: dict[str, str]) -> str:
    close = difflib.get_close_matches(name, list(owner), n=3, cutoff=0.4)
    canon = list(dict.fromkeys(owner[c] for c in close))
    return f" (did you mean {', '.join(repr(c) for c in canon)}?)" if canon else ""


def _read_items(nodes: list[tuple[_Reader, str, Any]], agencies: list[AgencySpec], problems: list[Problem]) -> list[ItemSpec]:
    owner: dict[str, str] = {}
    for agency in agencies:
        owner[agency.name] = agency.name
        for alias in agency.aliases:
            owner.setdefault(alias, agency.name)
    items: list[ItemSpec] = []
    codes: dict[str, Where] = {}
    numbers: dict[tuple[str, int], Where] = {}
    for reader, key, node in nodes:
        kind, group_field = ITEM_LISTS[key]
        if not node.tag.endswith(":seq"):
            reader.add(node, key, f"must be a list, not {_kind(node)}")
            continue
        for index, entry in enumerate(node.value):
            label = f"{key}[{_peek_id(entry) or index}]"
            required = {"id", "seq", "title", "agencies", "due", "due_text"}
            fields = reader.mapping(entry, label, required, {group_field, "content"}, RENAMED_ITEM_FIELDS)
            if fields is None:
                continue
            code = reader.text(fields["id"], f"{label}.id", max_len=40) if "id" in fields else None
            if code is not None:
                if not CODE_RE.match(code):
                    reader.add(fields["id"], f"{label}.id", f"{code!r} must be capital letters then a number without leading zeros, e.g. T1")
                    code = None
                elif code in codes:
                    reader.add(fields["id"], f"{label}.id", f"duplicate id {code} (first defined at {codes[code]})")
                    code = None
                else:
                    codes[code] = reader.where(fields["id"])
                    label = f"{key}[{code}]"
            no = _item_seq(reader, fields, label, code, key, kind, numbers)
            title = reader.text(fields["title"], f"{label}.title", max_len=1000) if "title" in fields else None
            group = reader.text(fields[group_field], f"{label}.{group_field}", nullable=True) if group_field in fields else None
            content = reader.text(fields["content"], f"{label}.content", nullable=True) if "content" in fields else None
            names = _item_agencies(reader, fields.get("agencies"), f"{label}.agencies", owner)
            due_ok, due = reader.day(fields["due"], f"{label}.due", nullable=True) if "due" in fields else (False, None)
            due_text = reader.text(fields["due_text"], f"{label}.due_text", max_len=100) if "due_text" in fields else None
            if due_ok and due_text is not None:
                understood, meant = due_from_text(due_text)
                if understood and meant != due:
                    said = meant.isoformat() if meant else "no due date (ongoing)"
                    got = due.isoformat() if due else "null"
                    reader.add(fields["due"], f"{label}.due", f"{got} contradicts due_text {due_text!r}, which means {said}")
                    due_ok = False
            if code is None or no is None or title is None or names is None or due_text is None or not due_ok:
                continue
            items.append(ItemSpec(code, kind, no, group, title, content, names, due, due_text, len(items), reader.where(entry)))
    return items


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
        reader.add(node, fieldname, f"write {int(raw)}, not {raw} (a leading zero reads as an octal number in YAML 1.1)")
        return None
    seq = reader.integer(node, fieldname)
    if seq is None:
        return None
    # The id carries the number too (T5 is 序号 5); were they to differ, the item would sort by one
    # and be known by the other.
    m = CODE_RE.match(code) if code is not None else None
    if m and int(m[2]) != seq:
        reader.add(node, fieldname, f"{seq} does not match the id {code} ({code} needs {name} {m[2]})")
        return None
    if (kind, seq) in numbers:
        reader.add(node, fieldname, f"duplicate {name} {seq} among {key} (first at {numbers[(kind, seq)]})")
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


def _item_agencies(reader: _Reader, node: Any, label: str, owner: dict[str, str]) -> list[str] | None:
    if node is None:
        return None
    values = reader.text_list(node, label)
    if values is None:
        return None
    if not values:
        reader.add(node, label, "must name at least one responsible agency")
        return None
    out: list[str] = []
    ok = True
    for value, child in values:
        name = owner.get(value)
        if name is None:
            reader.add(child, label, f"unknown agency {value!r}{_did_you_mean(value, owner)}")
            ok = False
        elif name in out:
            reader.add(child, label, f"agency {name!r} is listed twice")
            ok = False
        else:
            out.append(name)
    return out if ok else None
