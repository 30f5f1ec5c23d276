"""Request bodies in, problem documents out: the service's JSON at the door, checked on its own.

:func:`load_body` parses a request body and refuses, as typed problems rather than a crash,
what Python's parser chokes on or lets through: nesting deeper than :data:`MAX_DEPTH`, integers
over Python's digit limit, text that is not UTF-8, and strings holding a lone surrogate escape
(``"\\ud800"``: valid JSON escape, not a character; it cannot be written out as UTF-8).
:func:`value_problems` finds the last two in an already parsed value (one report of a batch).

:func:`dumps_json` is how every problem document is written: non-finite numbers (``NaN``,
``1e999999999`` parsed as infinity) become the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``,
lone surrogates become U+FFFD, and the text is encoded with ``allow_nan=False``, so an error
answer is always valid JSON a browser can read.

Example:
    >>> load_body(b'{"a": [1, 2]}')
    {'a': [1, 2]}
    >>> [p.type for p in value_problems({"name": "\\ud800"})]
    ['string_unicode']
    >>> dumps_json({"input": float("nan"), "msg": "x\\ud800"}) == '{"input":"NaN","msg":"x\\ufffd"}'
    True
"""

from __future__ import annotations

import json
import math
from typing import Any

from payfix.errors import BodyError, Problem

__all__ = ["MAX_DEPTH", "BodyError", "dumps_json", "json_safe", "load_body", "value_problems"]

#: Deepest nesting of arrays and objects accepted in a body (a report needs five).
MAX_DEPTH = 64


def load_body(body: bytes, loc: tuple[str | int, ...] = ("body",), *,
              check_values: bool = True) -> Any:
    """The parsed JSON of ``body``.

    Raises:
        BodyError: not UTF-8, not JSON, too deep, a number too long, or (with ``check_values``)
            a lone surrogate in a string.
    """
    if _too_deep(body):
        raise BodyError(Problem("json_invalid", loc,
                                f"JSON nested too deeply: at most {MAX_DEPTH} levels",
                                ctx={"key": "deep"}))
    try:
        data = json.loads(body)
    except UnicodeDecodeError:
        raise BodyError(Problem("json_invalid", loc, "the body is not UTF-8 text",
                                ctx={"key": "utf8"})) from None
    except json.JSONDecodeError as error:
        raise BodyError(Problem("json_invalid", loc, f"not valid JSON at line {error.lineno}, "
                                                     f"column {error.colno}: {error.msg}", ctx={
                                    "key": "at", "line": error.lineno, "col": error.colno})) from None
    except RecursionError:
        raise BodyError(Problem("json_invalid", loc, "JSON nested too deeply",
                                ctx={"key": "deep"})) from None
    except ValueError:  # an integer of more digits than Python converts
        raise BodyError(Problem("json_invalid", loc, "a number in the body has too many digits: "
                                                     "send amounts as decimal strings",
                                ctx={"key": "digits"})) from None
    if check_values:
        problems = value_problems(data, loc)
        if problems:
            raise BodyError(*problems)
    return data


def _too_deep(body: bytes) -> bool:
    """Whether brackets outside strings nest deeper than :data:`MAX_DEPTH` (a cheap pre-check,
    so the parser never recurses that far)."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return False
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def value_problems(value: Any, loc: tuple[str | int, ...] = ()) -> list[Problem]:
    """Every string (key or value) in ``value`` holding a lone surrogate, as problems (walked
    without recursion; nesting deeper than :data:`MAX_DEPTH` is one problem too)."""
    problems: list[Problem] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, loc)]
    while stack:
        item, where = stack.pop()
        if len(where) - len(loc) > MAX_DEPTH:
            problems.append(Problem("json_invalid", loc, f"nested deeper than {MAX_DEPTH} levels",
                                    ctx={"key": "deep"}))
            break
        if isinstance(item, str):
            if not _is_text(item):
                problems.append(Problem("string_unicode", where, "a string holds a lone "
                                        "surrogate escape (\\ud800-\\udfff): not a character"))
        elif isinstance(item, dict):
            for key, inner in item.items():
                if not _is_text(key):
                    problems.append(Problem("string_unicode", where, "a field name holds a lone "
                                            "surrogate escape (\\ud800-\\udfff): not a character"))
                    continue
                stack.append((inner, (*where, key)))
        elif isinstance(item, list):
            stack.extend((inner, (*where, i)) for i, inner in enumerate(item))
    problems.reverse()
    return problems


def _is_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_safe(value: Any, depth: int = 0) -> Any:
    """``value`` with non-finite floats as strings and lone surrogates replaced (see module)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str):
        return value if _is_text(value) else "".join(
            "\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
    if depth > MAX_DEPTH:
        return "..."
    if isinstance(value, dict):
        return {json_safe(str(k), depth + 1): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v, depth + 1) for v in value]
    return value


def dumps_json(value: Any) -> str:
    """``value`` as compact JSON that is always valid and always encodable as UTF-8."""
    return json.dumps(json_safe(value), ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False, default=str)
