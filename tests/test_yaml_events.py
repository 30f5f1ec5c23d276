"""Pack files read through libyaml's events give what ruamel's own parser gives: the same values,
quoting, positions and problems, for every file the project holds and for random and broken ones."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from payfix import RulePackError, load_pack
from payfix.rules import _yamlevents, _yamlsrc
from payfix.rules._yamlsrc import Reader, Source

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(p for folder in ("rules", "examples", "tests/data")
               for p in (ROOT / folder).rglob("*.yaml"))

pytestmark = pytest.mark.skipif(not _yamlevents.available(), reason="PyYAML without libyaml")


def _tree(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every value with its type (the quoting classes included) and every position ruamel keeps."""
    if isinstance(node, CommentedMap | CommentedSeq):
        out: list[tuple[Any, ...]] = [(path, type(node).__name__, node.lc.line, node.lc.col,
                                       sorted((repr(k), v) for k, v in (node.lc.data or {}).items()))]
        items = node.items() if isinstance(node, CommentedMap) else enumerate(node)
        for key, value in items:  # keys by repr: a tagged key is an object without equality
            out += _tree(value, (*path, repr(key)))
        return out
    return [(path, type(node).__name__, repr(node))]


def _pure(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(data: bytes) -> Any:
        raise _yamlevents._UntranslatedError("the reference")
    monkeypatch.setattr(_yamlsrc, "translate", refuse)


def _read(data: bytes) -> tuple[list[tuple[Any, ...]] | None, list[Any]]:
    reader = Reader()
    node = reader.load(Source("f.yaml", "f.yaml", data, bundled=True))
    return (None if node is None else _tree(node)), reader.problems


def _both(data: bytes) -> tuple[Any, Any]:
    fast = _read(data)
    with pytest.MonkeyPatch.context() as patch:
        _pure(patch)
        pure = _read(data)
    return fast, pure


def test_the_bundled_pack_is_read_through_libyaml_and_an_overlay_by_ruamel(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file of the bundled pack comes through libyaml (else this suite compares a path with
    itself); an operator's files never do, so what a pack may hold does not depend on it."""
    read: list[bytes] = []
    translate = _yamlevents.translate

    def counted(data: bytes) -> Any:
        read.append(data)
        return translate(data)
    monkeypatch.setattr(_yamlsrc, "translate", counted)
    load_pack()
    bundled = [p.read_bytes() for p in (ROOT / "rules").glob("**/*.yaml") if p.parent.name != "tests"]
    assert sorted(read) == sorted(bundled)
    read.clear()
    overlay = ROOT / "examples" / "custom_pack"
    load_pack(overlay)
    assert read
    assert all(data in bundled for data in read)
    assert not {p.read_bytes() for p in overlay.glob("**/*.yaml")} & set(read)


def test_an_operator_file_libyaml_would_take_is_refused_as_ruamel_refuses_it(tmp_path: Path) -> None:
    """libyaml reads ``>-#`` as a block scalar with a comment; ruamel refuses it, and so does the
    loader in an operator's file (here the bundled network rules with that one change), whether or
    not libyaml is installed."""
    text = (ROOT / "rules" / "network.yaml").read_text(encoding="utf-8")
    assert "description: >-\n" in text
    changed = text.replace("description: >-\n", "description: >-#\n", 1)
    assert list(_yamlevents.translate(changed.encode()))  # libyaml takes it
    (tmp_path / "network.yaml").write_text(changed, encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_pack(tmp_path)
    line = text[:text.index("description: >-\n")].count("\n") + 1
    assert [(p.type, p.file, p.line) for p in caught.value.problems] == [
        ("yaml_syntax", str(tmp_path / "network.yaml"), line)]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_of_the_project_reads_the_same_both_ways(path: Path) -> None:
    """Rule sets, code maps, texts (Chinese included: positions count characters), fee schedules,
    rule tests, the operator example and test data: identical trees, types and positions."""
    fast, pure = _both(path.read_bytes())
    assert fast[0] is not None
    assert fast == pure


_SCALARS = st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none(),
                     st.sampled_from(["yes", "no", "on", "0x1F", "012", "1e3", "~", "2026-12-06",
                                      "a: b", "- x", "# c", "'q'", '"d"', "中文 文本", "line\nbreak"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)),
    max_leaves=25)


@settings(max_examples=150, deadline=None)
@given(value=_VALUES, flow=st.sampled_from([False, None]), width=st.sampled_from([20, 80]))
def test_random_documents_read_the_same_both_ways(value: Any, flow: bool | None, width: int) -> None:
    """Documents written by ruamel in block or flow style, with every quoting it chooses."""
    yaml = YAML()
    yaml.default_flow_style = flow
    yaml.width = width
    buffer = io.BytesIO()
    yaml.dump({"doc": value}, buffer)
    fast, pure = _both(buffer.getvalue())
    assert fast == pure


@pytest.mark.parametrize("text", [
    "a: !!str 12\n", "%YAML 1.2\n---\na: 1\n", "a: &x 1\nb: *x\n", "a:\n\t- 1\n", "a: [1, 2\n",
    "a: 1\na: 2\n", "\xef\xbb\xbfa: 1\n", "a: |\n  one\n  two\nb: >\n  three\n  four\n",
])
def test_tags_directives_and_refused_features_read_the_same_both_ways(text: str) -> None:
    """What the fast path leaves to ruamel (a tag, a directive, what libyaml refuses) and what the
    composer refuses on either path (anchors, aliases, duplicate keys) end the same way."""
    fast, pure = _both(text.encode("latin-1") if text.startswith("\xef") else text.encode())
    assert fast == pure
