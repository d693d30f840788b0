"""Reading a registry without holding its whole YAML tree: each entry of a ``tasks:``/``outcomes:``
list is checked as soon as libyaml has parsed it, then dropped. A 100k-item registry's node tree
took over 1 GB; its items, read this way, take a tenth of that.

It reads the entries in the order :func:`reader._read_registry` does (the plan and the agencies of
every file first, then every ``tasks:`` list in file order, then every ``outcomes:`` list), so it
finds the same problems and warnings. Files of another shape (a plan or agencies written after an
item list, outcomes before tasks in one file), and anything unusual (an alias, a tag that is not
allowed, a YAML error, a second document, a file that cannot be read) raise :class:`NotStreamable`:
the registry is then read whole, which says what is wrong where.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import Problem
from .reader import (
    _SAFE_TAGS,
    ITEM_LISTS,
    Registry,
    _complete,
    _declares,
    _Items,
    _read_agencies,
    _read_plan,
    _Reader,
    _shown,
    registry_files,
)

_TOP_KEYS = ("plan", "agencies", "targets", *ITEM_LISTS)


_PLAIN_TAGS: dict[str, str] = {}  # a plain scalar's text -> the tag YAML's safe resolver gives it
_STR = "tag:yaml.org,2002:str"


class _EveryCharacter:
    def __contains__(self, item: object) -> bool:
        return True


_EVERY_CHARACTER = _EveryCharacter()  # a quoted scalar's, or a block one's (the resolver's default)


class NotStreamable(Exception):
    """This registry is to be read whole (see the module's docstring)."""


def read_streamed(paths: Iterable[str | Path] | None) -> Registry:
    """:func:`reader.read_registry`'s result, reading item lists an entry at a time."""
    import yaml

    try:
        return _read(paths)
    except yaml.YAMLError as exc:
        raise NotStreamable from exc


def _read(paths: Iterable[str | Path] | None) -> Registry:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    plan_nodes: list[tuple[_Reader, Any]] = []
    agency_nodes: list[tuple[_Reader, Any]] = []
    targets: list[list[tuple[_Reader, Any]]] = []  # per file, in file order
    files = registry_files(paths)
    readers: list[_Reader] = []
    streams: list[_Stream] = []
    for path in files:
        reader = _Reader(path, _shown(path), problems, warnings)
        readers.append(reader)
        found: list[tuple[_Reader, Any]] = []
        targets.append(found)
        if not path.exists():
            raise NotStreamable
        if not _declares(path, *ITEM_LISTS):
            _whole_file(reader, plan_nodes, agency_nodes, found)
            continue
        text = reader.read_text()
        if text is None:
            raise NotStreamable
        stream = _Stream(reader, text, found)
        stream.advance(plan_nodes, agency_nodes)
        streams.append(stream)
    if problems:
        raise NotStreamable
    plan = _read_plan(plan_nodes, problems, files)
    agencies = _read_agencies(agency_nodes, problems)
    items = _Items(agencies)
    for key in ITEM_LISTS:  # tasks lists in file order, then outcomes lists
        for stream in streams:
            if stream.at == key:
                stream.entries(key, items)
                stream.advance(None, None)
    if any(stream.at is not None for stream in streams):  # outcomes before tasks in a file
        raise NotStreamable
    target_nodes = [t for found in targets for t in found]
    return _complete(files, readers, problems, warnings, plan, agencies, items.items, target_nodes, bool(agency_nodes))


def _whole_file(reader: _Reader, plan_nodes: list[tuple[_Reader, Any]], agency_nodes: list[tuple[_Reader, Any]],
                targets: list[tuple[_Reader, Any]]) -> None:
    """A file without item lists (the pre-check says so), composed whole as the whole-tree reading does."""
    root = reader.compose()
    if root is None:
        raise NotStreamable
    top = reader.mapping(root, "document", set(), set(_TOP_KEYS))
    if not top or reader.problems or any(key in top for key in ITEM_LISTS):
        raise NotStreamable
    if "plan" in top:
        plan_nodes.append((reader, top["plan"]))
    if "agencies" in top:
        agency_nodes.append((reader, top["agencies"]))
    if "targets" in top:
        targets.append((reader, top["targets"]))


class _Stream:
    """One file's YAML events, composed into nodes (the nodes libyaml's composer makes) one top-level
    value at a time, and an item list one entry at a time."""

    def __init__(self, reader: _Reader, text: str, targets: list[tuple[_Reader, Any]]) -> None:
        import yaml

        self.yaml = yaml
        self.reader = reader
        self.targets = targets
        loader = yaml.CSafeLoader(text)
        self.get: Any = loader.get_event
        self.resolve: Any = loader.resolve
        resolvers = loader.yaml_implicit_resolvers
        # the first characters the safe resolver looks at ("" is the empty value's); every character
        # when some resolver looks at any value
        self.first: Any = resolvers if None not in resolvers else _EVERY_CHARACTER
        # No path resolvers (PyYAML's add_path_resolver): a collection's tag depends on its kind alone,
        # asked of YAML's resolver once, not for each of 200k items and agency lists
        self.plain_paths = not loader.yaml_path_resolvers
        self.collection_tags: dict[Any, str] = {}
        self.keys: set[str] = set()
        self.done: set[str] = set()  # item lists read
        self.at: str | None = None  # the item list the stream stopped before
        e = yaml.events
        if not isinstance(self.get(), e.StreamStartEvent) or not isinstance(self.get(), e.DocumentStartEvent):
            raise NotStreamable
        root = self.get()
        if type(root) is not e.MappingStartEvent or root.anchor is not None or self._tag(root, yaml.MappingNode) \
                != "tag:yaml.org,2002:map":
            raise NotStreamable

    def advance(self, plan_nodes: list[tuple[_Reader, Any]] | None, agency_nodes: list[tuple[_Reader, Any]] | None) -> None:
        """Compose top-level values up to the next item list (``at``), or to the end (``at`` None).
        A plan or agencies after an item list (``plan_nodes`` None) would be read after items."""
        e = self.yaml.events
        self.at = None
        while True:
            event = self.get()
            if type(event) is e.MappingEndEvent:
                if not self.keys or type(self.get()) is not e.DocumentEndEvent or type(self.get()) is not e.StreamEndEvent:
                    raise NotStreamable
                return
            key = self._node(event)
            if not isinstance(key.value, str) or key.value not in _TOP_KEYS or key.value in self.keys:
                raise NotStreamable
            self.keys.add(key.value)
            if key.value in ITEM_LISTS:
                if any(ITEM_LISTS_ORDER[k] > ITEM_LISTS_ORDER[key.value] for k in self.done):
                    raise NotStreamable
                self.at = key.value
                return
            value = self._node(self.get())
            if key.value == "targets":
                self.targets.append((self.reader, value))
            elif plan_nodes is None or agency_nodes is None:
                raise NotStreamable
            else:
                (plan_nodes if key.value == "plan" else agency_nodes).append((self.reader, value))

    def entries(self, key: str, items: _Items) -> None:
        """Read the item list the stream stopped before, an entry at a time."""
        e = self.yaml.events
        start = self.get()
        if type(start) is not e.SequenceStartEvent or start.anchor is not None or \
                self._tag(start, self.yaml.SequenceNode) != "tag:yaml.org,2002:seq":
            raise NotStreamable
        index = 0
        read, get, node = items.read, self.get, self._node
        while True:
            event = get()
            if type(event) is e.SequenceEndEvent:
                break
            read(self.reader, key, index, node(event))
            index += 1
        self.done.add(key)

    def _tag(self, event: Any, kind: Any) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            value: Any = getattr(event, "value", None)
            if kind is self.yaml.ScalarNode and event.implicit[0]:  # plain: the tag depends on the text alone
                tag = _PLAIN_TAGS.get(value)
                if tag is None:
                    tag = self.resolve(kind, value, event.implicit)
                    if len(value) <= 20:  # keys, numbers, dates, short names: asked again and again
                        _PLAIN_TAGS[value] = tag
            elif self.plain_paths:  # a collection: its default tag, unless a path resolver says otherwise
                tag = self.collection_tags.get(kind)
                if tag is None:
                    tag = self.collection_tags[kind] = self.resolve(kind, value, event.implicit)
            else:
                tag = self.resolve(kind, value, event.implicit)
        if tag not in _SAFE_TAGS:
            raise NotStreamable
        return tag

    def _node(self, event: Any) -> Any:
        """The node libyaml's composer makes of the value that starts with ``event``."""
        yaml = self.yaml
        e = yaml.events
        kind = type(event)
        if kind is e.AliasEvent or event.anchor is not None:
            raise NotStreamable
        if kind is e.ScalarEvent:
            return self._scalar(event)
        get, node, scalar, scalar_kind = self.get, self._node, self._scalar, e.ScalarEvent
        # A collection's scalars (1.8 million in 100k items) are made here, not by a call of _node each.
        if kind is e.SequenceStartEvent:
            seq = yaml.SequenceNode(self._tag(event, yaml.SequenceNode), [], event.start_mark, None,
                                    flow_style=event.flow_style)
            append, end = seq.value.append, e.SequenceEndEvent
            while True:
                child = get()
                kind = type(child)
                if kind is end:
                    seq.end_mark = child.end_mark
                    return seq
                append(scalar(child) if kind is scalar_kind and child.anchor is None else node(child))
        if kind is e.MappingStartEvent:
            mapping = yaml.MappingNode(self._tag(event, yaml.MappingNode), [], event.start_mark, None,
                                       flow_style=event.flow_style)
            append, end = mapping.value.append, e.MappingEndEvent
            while True:
                child = get()
                kind = type(child)
                if kind is end:
                    mapping.end_mark = child.end_mark
                    return mapping
                key = scalar(child) if kind is scalar_kind and child.anchor is None else node(child)
                child = get()
                append((key, scalar(child) if type(child) is scalar_kind and child.anchor is None else node(child)))
        raise NotStreamable

    def _scalar(self, event: Any) -> Any:
        """A scalar without an anchor: its event stands in for its node (it has the node's value,
        marks and style, and gets its tag here). Making 1.8 million ScalarNodes took a quarter of
        reading 100k items. (_construct makes a node of it where YAML's constructor insists on one.)"""
        tag = event.tag
        if tag is None or tag == "!":
            if event.implicit[0]:
                value = event.value
                # no implicit resolver starts with this character (a Chinese title): plain text, known
                # without hashing the whole text for _PLAIN_TAGS
                tag = _STR if value and value[0] not in self.first else \
                    _PLAIN_TAGS.get(value) or self._tag(event, self.yaml.ScalarNode)
            else:
                tag = _STR
        elif tag not in _SAFE_TAGS:
            raise NotStreamable
        event.tag = tag
        return event

ITEM_LISTS_ORDER = {key: n for n, key in enumerate(ITEM_LISTS)}
