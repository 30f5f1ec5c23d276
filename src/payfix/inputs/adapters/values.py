"""Reading a processor's object value by value: each value taken as the type its source documents
(text, a whole number, a flag, an object), counted as read where :attr:`Adapted.unplaced
<payfix.inputs.adapters.Adapted.unplaced>` needs it, and a value of another type recorded as a
problem at its path in the source's object.

:class:`Values` is the half of :class:`~payfix.inputs.adapters.base.Reading` that reads; the other
half places what was read in the report. A value is read from the object that holds it
(``text_in(holder, "a.b[0].", "c")``), the form the adapters use: a diagnosis reads every payload
once, and resolving a dotted path per value cost as much as the rest of the reading (a PayPal
error: 3.8 µs by path, 1.9 µs from its objects). A few values are read by their path
(``text("a.b[0].c")``, :meth:`Values.raw`), each object on a path looked up once.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from payfix.errors import Problem
from payfix.inputs.intake import OBJECT
from payfix.masking import shown

__all__ = ["OBJECT", "Values", "inner", "kind_of", "leaf_paths", "one_of"]

_UNSEEN = object()
_OBJECT = {"key": "object"}  # what "expected an object" is made of (see payfix.problemtext)
_MAX_LEAVES = 2000  # a payload's values listed as unplaced at most (the rest are counted)


def one_of(value: Any, options: Collection[str]) -> bool:
    """``value`` is text and one of ``options`` (safe for any JSON value: a list or an object is
    not hashable, so a plain ``in`` on a set would raise)."""
    return isinstance(value, str) and value in options


def leaf_paths(value: Any, prefix: str = "", out: list[str] | None = None) -> list[str]:
    """Dotted paths of the scalar values in ``value`` (list items as ``[i]``), at most 2,000."""
    out = [] if out is None else out
    if len(out) >= _MAX_LEAVES:
        return out
    if isinstance(value, dict):
        for key, item in value.items():
            leaf_paths(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            leaf_paths(item, f"{prefix}[{i}]", out)
    elif value is not None and value != "":
        out.append(prefix)
    return out


class Values:
    """The values one adapter read from one payload, and the problems found reading them.

    ``read`` holds the payload paths read, counted only when ``track`` (what
    :attr:`Adapted.unplaced <payfix.inputs.adapters.Adapted.unplaced>` needs; a diagnosis does not
    ask); ``problems`` the values of another type than documented.
    """

    def __init__(self, source: str, payload: dict[str, Any], *, track: bool = True) -> None:
        self.source = source
        self.payload = payload
        self.track = track
        self.read: set[str] = set()
        self.problems: list[Problem] = []
        self._objects: dict[str, Any] = {}  # dotted path -> the value there (objects on paths)

    def _loc(self, path: str) -> tuple[str | int, ...]:
        return (self.source, *_steps(path)) if path else (self.source,)

    def raw(self, path: str) -> Any:
        """The value at ``path`` (``"a.b[0].c"``; ``None`` when a step is missing or of another
        kind). Each object on a path is looked up once per reading."""
        if path and path[-1] == "]":  # a list item: "a.b[0]"
            head, _, index = path[:-1].rpartition("[")
            items = self._holder(head)
            step = int(index)
            return items[step] if isinstance(items, list) and step < len(items) else None
        parent, _, leaf = path.rpartition(".")
        if not parent:
            return self.payload.get(leaf)
        # _holder's lookup, inlined: this branch runs for nearly every field an adapter reads
        holder = self._objects.get(parent, _UNSEEN)
        if holder is _UNSEEN:
            holder = self._objects[parent] = self.raw(parent)
        return holder.get(leaf) if isinstance(holder, dict) else None

    def object_at(self, path: str) -> Mapping[str, Any]:
        """The object at ``path``, or an empty one when there is none there (nothing is read
        from it then): the holder :meth:`text_in` and the like read from."""
        value = self.raw(path)
        return value if type(value) is dict else {}

    def _holder(self, path: str) -> Any:
        """The value at ``path`` ("" is the payload itself), remembered for this reading."""
        if not path:
            return self.payload
        holder = self._objects.get(path, _UNSEEN)
        if holder is _UNSEEN:
            holder = self._objects[path] = self.raw(path)
        return holder

    def problem(self, path: str, type_: str, msg: str, value: Any = None,
                ctx: dict[str, Any] | None = None) -> None:
        """Record a problem at ``path`` of the payload (``ctx``: what ``msg`` is made of)."""
        self.problems.append(Problem(type_, self._loc(path), msg, input=value, ctx=ctx))

    def obj(self, path: str) -> Mapping[str, Any] | None:
        """The object at ``path``, or ``None``; anything else there is a problem."""
        value = self.raw(path)
        if value is None or isinstance(value, dict):
            return value
        self.problem(path, "source_type", f"expected an object, got {kind_of(value)}", value,
                     _OBJECT)
        if self.track:
            self.read.add(path)
        return None

    def obj_in(self, holder: Mapping[str, Any], at: str, key: str) -> dict[str, Any] | None:
        """:meth:`obj` of ``holder[key]`` (see :meth:`text_in`)."""
        value = holder.get(key)
        if value is None or type(value) is dict:
            return value
        self.problem(at + key, "source_type", f"expected an object, got {kind_of(value)}", value,
                     _OBJECT)
        if self.track:
            self.read.add(at + key)
        return None

    def text(self, path: str, *, numbers: bool = True) -> str | None:
        """The text at ``path`` (a number is taken as its digits when ``numbers``), marked read;
        empty text is absent; anything else is a problem."""
        value = self.raw(path)
        return None if value is None else self._text(value, path, numbers)

    def text_in(self, holder: Mapping[str, Any], at: str, key: str, *,
                numbers: bool = True) -> str | None:
        """:meth:`text` of ``holder[key]``, the object at path ``at`` (``""``, or ending in
        ``.``): the same answer without looking the path up (what the readers of large objects
        use)."""
        value = holder.get(key)
        if value is None:
            return None
        path = at + key
        if self.track:
            self.read.add(path)
        if type(value) is str:  # _text's first case, inlined: nearly every value is text
            value = value.strip()
            return value or None
        return self._not_str(value, path, numbers)

    def texts_in(self, holder: Mapping[str, Any], at: str, keys: tuple[str, ...], *,
                 numbers: bool = False) -> None:
        """:meth:`text_in` of each of ``keys``, for documented values payfix has no field for:
        each is checked to be text and counted as read (one call for many)."""
        track, read = self.track, self.read
        for key in keys:
            value = holder.get(key)
            if value is not None:
                if track:
                    read.add(at + key)
                if type(value) is not str:
                    self._not_str(value, at + key, numbers)

    def _text(self, value: Any, path: str, numbers: bool) -> str | None:
        if self.track:
            self.read.add(path)
        if type(value) is str:
            value = value.strip()
            return value or None
        return self._not_str(value, path, numbers)

    def _not_str(self, value: Any, path: str, numbers: bool) -> str | None:
        """:meth:`_text` of a value that is not of type ``str``."""
        if isinstance(value, str):
            value = value.strip()
            return value or None
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        self.problem(path, "source_type", f"expected text, got {kind_of(value)}", value,
                     {"key": "text"})
        return None

    def flag_in(self, holder: Mapping[str, Any], at: str, key: str) -> bool | None:
        """A JSON boolean (or ``"true"``/``"false"`` text, as notifications send it) at
        ``holder[key]`` (see :meth:`text_in`)."""
        value = holder.get(key)
        if value is None:
            return None
        path = at + key
        if self.track:
            self.read.add(path)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        self.problem(path, "source_type", f"expected true or false, got {kind_of(value)}", value,
                     {"key": "flag"})
        return None

    def integer_in(self, holder: Mapping[str, Any], at: str, key: str) -> int | None:
        """A whole number (JSON integer, or digits as text) at ``holder[key]`` (see
        :meth:`text_in`)."""
        value = holder.get(key)
        if value is None:
            return None
        path = at + key
        if self.track:
            self.read.add(path)
        if type(value) is int:
            return value
        if isinstance(value, str):
            digits = value.strip()
            if digits.isascii() and digits.isdigit():
                value = int(digits) if len(digits) <= 20 else value
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        self.problem(path, "source_type", f"expected a whole number, got {kind_of(value)}", value,
                     {"key": "integer"})
        return None


def inner(holder: Mapping[str, Any] | None, key: str) -> dict[str, Any] | None:
    """``holder[key]`` when it is an object, else ``None``: what a path through ``key`` reaches
    (a path through anything but an object holds nothing, and is no problem by itself)."""
    value = holder.get(key) if holder is not None else None
    return value if type(value) is dict else None


_STEP = re.compile(r"([^.\[]+)|\[(\d+)\]")


def _steps(path: str) -> tuple[str | int, ...]:
    """``"a.b[0].c"`` as ``("a", "b", 0, "c")``."""
    return tuple(int(index) if index else name for name, index in _STEP.findall(path))


def kind_of(value: Any) -> str:
    """What ``value`` is, as a problem says it: ``"a number"``, ``"text 'abc'"``, ``"a list"``."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f"text {shown(value, 24)!r}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
