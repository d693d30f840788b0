"""A registry's item lists are read an entry at a time (registry.stream) and give exactly what
reading the files whole gives: the same specs, the same problems at the same file:line:col, the
same warnings; files of another shape are read whole."""

from __future__ import annotations

import pickle

import pytest

from tasklist.errors import RegistryError
from tasklist.registry import read_registry
from tasklist.registry import reader as registry_reader
from tasklist.registry.stream import NotStreamable, read_streamed


def _plain(registry):
    """The registry as comparable bytes (agencies carry the reader's nodes while reading)."""
    for agency in registry.agencies:
        for name in ("_alias_nodes", "_member_nodes", "_reader"):
            agency.__dict__.pop(name, None)
    return pickle.dumps(registry)


def _whole(path):
    return registry_reader._read_registry([path])


def test_bundled_registry_streamed_is_the_registry_read_whole(registry_copy):
    assert _plain(read_streamed([registry_copy])) == _plain(_whole(registry_copy))


def test_streamed_problems_and_warnings_are_those_of_the_whole_reading(registry_copy):
    tasks = registry_copy / "tasks.yaml"
    text = tasks.read_text(encoding="utf-8")
    # a renamed field (a warning), ASCII punctuation between Chinese characters (a warning) ...
    text = text.replace("    seq: 2\n", "    no: 2\n", 1).replace("title: ", "title: 数字,经济", 1)
    tasks.write_text(text, encoding="utf-8")
    streamed, whole = read_streamed([registry_copy]), _whole(registry_copy)
    assert [str(w) for w in streamed.warnings] == [str(w) for w in whole.warnings]
    assert len(streamed.warnings) == 2
    # ... and an unknown agency and a date that is no date (problems)
    text = text.replace("agencies: [", "agencies: [没有这个单位, ", 1).replace("due: 20", "due: 99", 1)
    tasks.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError) as streamed_error:
        read_streamed([registry_copy])
    with pytest.raises(RegistryError) as whole_error:
        _whole(registry_copy)
    assert [str(p) for p in streamed_error.value.problems] == [str(p) for p in whole_error.value.problems]
    assert len(streamed_error.value.problems) == 2


@pytest.mark.parametrize("change", ["plan after tasks", "alias", "yaml error"])
def test_other_shapes_are_read_whole(registry_copy, change):
    tasks = registry_copy / "tasks.yaml"
    text = tasks.read_text(encoding="utf-8")
    if change == "plan after tasks":
        head, rest = text.split("tasks:\n", 1)
        plan_start = head.index("plan:")
        text = head[:plan_start] + "tasks:\n" + rest + head[plan_start:]
    elif change == "alias":
        text = text.replace("    due_text: ", "    due_text: &first ", 1)
    else:
        text = text.replace("    seq: 3\n", "    seq: [3\n", 1)
    tasks.write_text(text, encoding="utf-8")
    with pytest.raises(NotStreamable):
        read_streamed([registry_copy])
    if change == "yaml error":
        with pytest.raises(RegistryError) as exc:
            read_registry([registry_copy])
        assert exc.value.problems[0].field == "yaml"
    else:
        assert _plain(read_registry([registry_copy])) == _plain(_whole(registry_copy))


def test_load_leaves_what_it_read_out_of_later_collections_and_no_garbage_with_it(registry_copy, cli):
    """`tasklist load` freezes what it read (the collector would walk 300k objects of a 100k registry
    once a generation after reading), having first collected what was already unreachable; the
    library's read_registry freezes nothing (its caller's process is not its own to decide for)."""
    import gc
    import weakref

    class Cycle:
        pass

    def cycle():
        """A cycle made unreachable in the oldest generation: only a full collection frees it."""
        garbage = Cycle()
        garbage.me = garbage  # type: ignore[attr-defined]
        gc.collect()  # alive: moved to the oldest generation
        return weakref.ref(garbage)

    gc.unfreeze()
    try:
        gone = cycle()
        registry = read_registry([registry_copy])
        assert gc.isenabled() and gc.get_freeze_count() == 0
        gc.collect()
        assert gone() is None
        gone = cycle()
        cli("load", registry_copy, "--check")
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(registry.items) > 0
        assert gone() is None  # collected before the freeze, not kept in it
    finally:
        gc.unfreeze()
