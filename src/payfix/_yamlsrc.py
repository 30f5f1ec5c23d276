"""Reading YAML files of a rule pack with positions: the shared machinery of every pack loader.

``Source`` is one file's bytes with the name shown in problems; ``Reader`` parses files and turns
structural (pydantic) errors into :class:`~payfix.errors.Problem` objects carrying file, line and
column; ``position`` and ``text_position`` find where a value sits in a file.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from payfix.errors import Problem

M = TypeVar("M", bound=BaseModel)


def bundled_rules_dir() -> Path:
    """Where the bundled rule pack lives: inside the installed package, or the checkout's ``rules/``."""
    packaged = resources.files("payfix") / "_rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "rules"


@dataclass
class Source:
    rel: str
    shown: str
    data: bytes


class Reader:
    """Parses files and turns structural and semantic errors into positioned problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.yaml = YAML(typ="rt")
        self.yaml.preserve_quotes = True

    def add(self, type_: str, msg: str, src: Source, pos: tuple[int, int] | None,
            loc: tuple[str | int, ...] = ()) -> None:
        line, col = (pos[0] + 1, pos[1] + 1) if pos else (None, None)
        self.problems.append(Problem(type_, loc, msg, src.shown, line, col))

    def load(self, src: Source) -> Any:
        try:
            return self.yaml.load(io.BytesIO(src.data))
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            pos = (mark.line, mark.column) if mark is not None else None
            self.add("yaml_syntax", f"YAML syntax error: {error.problem or error}", src, pos)
        except Exception as error:  # decoding errors and the like
            self.add("yaml_syntax", f"cannot read YAML: {error}", src, None)
        return None

    def model(self, model: type[M], node: Any, src: Source,
              prefix: tuple[str | int, ...] = ()) -> M | None:
        try:
            return model.model_validate(plain(node))
        except ValidationError as error:
            for item in error.errors(include_url=False):
                loc = prefix + tuple(item["loc"])
                msg = _message(item)
                self.add(f"pack.{item['type']}", f"{_dotted(loc)}: {msg}", src,
                         position(node, tuple(item["loc"]), item["type"] == "extra_forbidden"), loc)
        return None


def plain(node: Any) -> Any:
    if isinstance(node, CommentedMap):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "<file>"


def _message(item: Mapping[str, Any]) -> str:
    if item["type"] == "extra_forbidden":
        return "unknown key (not part of this file's format)"
    if item["type"] == "missing":
        return "required key is missing"
    return str(item["msg"])


def position(node: Any, loc: tuple[Any, ...], at_key: bool = False) -> tuple[int, int] | None:
    """Line and column (0-based) of the value at ``loc`` (or its key), else the nearest node."""
    best: tuple[int, int] | None = (node.lc.line, node.lc.col) if hasattr(node, "lc") else None
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            nested = isinstance(node[part], CommentedMap | CommentedSeq)
            best = node.lc.key(part) if at_key or nested else node.lc.value(part)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            best = node.lc.item(part)
            node = node[part]
        else:
            break
    return best


def text_position(src: Source, mapping: CommentedMap, key: str, offset: int) -> tuple[int, int]:
    """File position (0-based) of character ``offset`` inside the scalar at ``mapping[key]``.

    Handles single-line, quoted, plain multi-line and block (``|``, ``>``) scalars by walking the
    raw lines the scalar was folded from (each line break became one character of the value).
    """
    line, col = mapping.lc.value(key)
    value = mapping[key]
    if isinstance(value, DoubleQuotedScalarString | SingleQuotedScalarString):
        return line, col + 1 + offset
    raw = src.data.decode("utf-8", "replace").splitlines()
    key_col = mapping.lc.key(key)[1]
    segments: list[tuple[int, int, str]] = []
    if isinstance(value, LiteralScalarString | FoldedScalarString):
        first, indent = line + 1, None
    else:
        segments.append((line, col, raw[line][col:].rstrip()))
        first, indent = line + 1, None
    for number in range(first, len(raw)):
        text = raw[number]
        if not text.strip():
            if segments and not isinstance(value, LiteralScalarString | FoldedScalarString):
                break
            segments.append((number, 0, ""))
            continue
        current = len(text) - len(text.lstrip(" "))
        if current <= key_col or (indent is not None and current < indent):
            break
        indent = current if indent is None else indent
        segments.append((number, current, text[current:].rstrip()))
    seen = 0
    for number, start, text in segments:
        if offset <= seen + len(text):
            return number, start + (offset - seen)
        seen += len(text) + 1
    number, start, text = segments[-1] if segments else (line, col, "")
    return number, start + len(text)
