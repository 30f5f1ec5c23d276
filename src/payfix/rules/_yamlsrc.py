"""Reading YAML files of a rule pack with positions: the shared machinery of every pack loader.

``Source`` is one file's bytes with the name shown in problems; ``read_files`` reads a pack folder's
files safely (inside the folder, regular files, at most ``MAX_FILE_BYTES``); ``Reader`` parses
files (no anchors or aliases, at most ``MAX_NODES`` values nested at most ``MAX_DEPTH`` deep) and
turns structural (pydantic) errors into :class:`~payfix.errors.Problem` objects carrying file, line
and column; ``position`` and ``text_position`` find where a value sits in a file.
"""

from __future__ import annotations

import difflib
import io
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.parser import Parser
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.scanner import Scanner

from payfix.errors import Problem
from payfix.inputs.intake import problem_ctx
from payfix.rules._yamlevents import EventParser, _UntranslatedError, translate

M = TypeVar("M", bound=BaseModel)

#: Largest pack file read, in bytes (1 MiB; the largest bundled file is 22 KB). The size is checked
#: before the file is read; a larger file is refused unread.
MAX_FILE_BYTES = 1 << 20
#: Most values (scalars, mappings and lists) in one pack file (the bundled files have at most 1,508).
MAX_NODES = 50_000
#: Deepest nesting of values in one pack file (the bundled files nest at most 9 deep).
MAX_DEPTH = 32


def bundled_rules_dir() -> Path:
    """Where the bundled rule pack lives: inside the installed package, or the checkout's ``rules/``."""
    packaged = resources.files("payfix") / "_rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "rules"


@dataclass
class Source:
    """One pack file: its path relative to the pack folder, the name shown in problems, its bytes.

    ``refused`` marks a file that was not read (outside the folder, too large ...): its problem is
    already listed, and parsing it gives ``None`` without a further problem. ``bundled`` marks a
    file of the pack payfix ships, which libyaml may parse (see :mod:`payfix.rules._yamlevents`)."""

    rel: str
    shown: str
    data: bytes
    refused: bool = False
    bundled: bool = False


def read_files(root: Path, pattern: str, label: str | None,
               problems: list[Problem]) -> dict[str, Source]:
    """The files matching ``pattern`` (a glob relative to ``root``) by relative path, read safely.

    A file is shown as ``label/<rel>`` (or its path when ``label`` is None). A file that resolves
    outside ``root`` (a symbolic link or a link to a folder pointing elsewhere), that is not a
    regular file, or that is larger than :data:`MAX_FILE_BYTES` is not read: it is returned as a
    ``refused`` source and its problem (without any of its content) is added to ``problems``.
    """
    inside = root.resolve()
    bundled = inside.is_relative_to(bundled_rules_dir().resolve())
    out: dict[str, Source] = {}
    for path in sorted(root.glob(pattern)):
        rel = path.relative_to(root).as_posix()
        shown = f"{label}/{rel}" if label else str(path)
        problem = _unsafe(path, inside, shown)
        if problem is None:
            try:
                with path.resolve().open("rb") as handle:
                    data = handle.read(MAX_FILE_BYTES + 1)
            except OSError as error:
                reason = error.strerror or type(error).__name__
                problem = Problem("pack.unreadable", (), f"the file cannot be read: {reason}", shown,
                                  ctx={"detail": reason})
            else:
                if len(data) > MAX_FILE_BYTES:  # grew after it was measured
                    problem = _too_large(shown, len(data))
                else:
                    out[rel] = Source(rel, shown, data, bundled=bundled)
                    continue
        problems.append(problem)
        out[rel] = Source(rel, shown, b"", refused=True)
    return out


def _unsafe(path: Path, inside: Path, shown: str) -> Problem | None:
    """Why ``path`` must not be read (checked without opening it), or None when it may be."""
    try:
        real = path.resolve(strict=True)
        info = os.stat(real)
    except (OSError, RuntimeError) as error:  # a dangling link, a loop of links
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "a broken link"
        return Problem("pack.unreadable", (), f"the file cannot be read: {reason}", shown,
                       ctx={"detail": reason})
    if not real.is_relative_to(inside):
        return Problem("pack.outside_folder", (), "the file leads outside the pack folder (through a "
                       "symbolic link or '..'); pack files must lie inside their folder, so it was "
                       "not read", shown)
    if not stat.S_ISREG(info.st_mode):
        return Problem("pack.not_a_file", (), "not a regular file; pack files must be "
                       "regular files", shown)
    if info.st_size > MAX_FILE_BYTES:
        return _too_large(shown, info.st_size)
    return None


def _too_large(shown: str, size: int) -> Problem:
    return Problem("pack.file_too_large", (), f"the file is {size:,} bytes; a pack file may be at most "
                   f"{MAX_FILE_BYTES:,} bytes (1 MiB), so it was not read", shown,
                   ctx={"size": f"{size:,}", "max": f"{MAX_FILE_BYTES:,}"})


class _RefusedError(MarkedYAMLError):
    """A YAML feature pack files may not use, with the slug of its problem."""

    def __init__(self, slug: str, message: str, mark: Any, **ctx: Any) -> None:
        super().__init__(problem=message, problem_mark=mark)
        self.slug = slug
        self.ctx = ctx


class _PackComposer(Composer):
    """Composes a pack file's values, refusing anchors and aliases and more than ``MAX_NODES``.

    An alias repeats a value without repeating its text: a few lines of nested aliases stand for
    billions of values. Pack files are hand-written review data, so they may not use them."""

    nodes = 0

    def compose_document(self) -> Any:
        self.nodes = self.depth = 0  # the composer outlives a file that failed half-way
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent) or event.anchor is not None:
            what = f"alias '*{event.anchor}'" if isinstance(event, AliasEvent) else \
                f"anchor '&{event.anchor}'"
            raise _RefusedError("pack.yaml_alias", f"YAML {what}: pack files may not use anchors (&), "
                           "aliases (*) or merge keys (<<); write the value out in full",
                           event.start_mark, what=f"*{event.anchor}" if isinstance(event, AliasEvent)
                           else f"&{event.anchor}")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _RefusedError("pack.yaml_too_many_values", f"more than {MAX_NODES:,} values in one "
                           "file; split it into several files", event.start_mark, max=MAX_NODES)
        return super().compose_node(parent, index)


class Reader:
    """Parses files and turns structural and semantic errors into positioned problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.yaml = YAML(typ="rt")
        self.yaml.preserve_quotes = True
        # the plain scanner and parser: positions and quoting as the round-trip ones give them,
        # without gathering comments, which no pack reader uses (a third of a pack's load time)
        self.yaml.Scanner = Scanner
        self.yaml.Parser = Parser
        self.yaml.Composer = _PackComposer
        self.yaml.max_depth = MAX_DEPTH
        # the same composer and constructor over libyaml's events (see _yamlevents)
        self.fast = YAML(typ="rt")
        self.fast.preserve_quotes = True
        self.fast.Parser = EventParser
        self.fast.Composer = _PackComposer
        self.fast.max_depth = MAX_DEPTH

    def add(self, type_: str, msg: str, src: Source, pos: tuple[int, int] | None,
            loc: tuple[str | int, ...] = (), **ctx: Any) -> None:
        """A problem of ``src`` at ``pos``; ``ctx``: what ``msg`` is made of (its text in another
        locale is written from them, see :mod:`payfix.diagnosis.problemtext`)."""
        line, col = (pos[0] + 1, pos[1] + 1) if pos else (None, None)
        self.problems.append(Problem(type_, loc, msg, src.shown, line, col, ctx=ctx or None))

    def load(self, src: Source) -> Any:
        """The parsed file, or None with its problem noted (a refused file's is already listed)."""
        if src.refused:
            return None
        try:
            return self._parse(src.data, src.bundled)
        except _RefusedError as error:
            mark = error.problem_mark
            self.add(error.slug, str(error.problem), src, (mark.line, mark.column), **error.ctx)
        except MaxDepthExceededError as error:
            mark = error.problem_mark
            self.add("pack.yaml_too_deep", f"values nested more than {MAX_DEPTH} deep; pack files "
                     f"may nest at most {MAX_DEPTH} deep", src,
                     (mark.line, mark.column) if mark is not None else None, max=MAX_DEPTH)
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            pos = (mark.line, mark.column) if mark is not None else None
            detail = str(error.problem or error)
            self.add("yaml_syntax", f"YAML syntax error: {detail}", src, pos, detail=detail)
        except Exception as error:  # decoding errors and the like
            self.add("yaml_syntax", f"cannot read YAML: {error}", src, None, key="unreadable",
                     detail=str(error))
        return None

    def _parse(self, data: bytes, bundled: bool) -> Any:
        """``data`` composed and constructed: a bundled file from libyaml's events where they
        translate, any other by ruamel's own parser."""
        if not bundled:
            return self.yaml.load(io.BytesIO(data))
        try:
            parser: EventParser = self.fast.parser
            parser.feed(translate(data))
            return self.fast.load(io.BytesIO(b""))
        except _UntranslatedError:
            return self.yaml.load(io.BytesIO(data))

    def model(self, model: type[M], node: Any, src: Source,
              prefix: tuple[str | int, ...] = ()) -> M | None:
        try:
            return model.model_validate(plain(node))
        except ValidationError as error:
            for item in error.errors(include_url=False):
                loc = prefix + tuple(item["loc"])
                msg = _message(item)
                self.add(f"pack.{item['type']}", f"{_dotted(loc)}: {msg}", src,
                         position(node, tuple(item["loc"]), item["type"] == "extra_forbidden"), loc,
                         path=_dotted(loc), **(problem_ctx(item.get("ctx")) or {}))
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


def suggest(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options`` to a misspelt ``word``, or ``""``."""
    match = closest(word, options)
    return f" (did you mean {match!r}?)" if match else ""


def closest(word: str, options: Iterable[str]) -> str:
    """The closest of ``options`` to a misspelt ``word``, or ``""`` (a problem's ``hint``)."""
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return match[0] if match else ""

