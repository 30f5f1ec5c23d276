"""Decoding what a batch row holds: text cells that must be UTF-8, and JSON text without lone
surrogates, each failure named as a reject reason.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from payfix.errors import InvalidReportError, Problem

if TYPE_CHECKING:
    pass


def _decodable(column: Any) -> tuple[Any, bool]:
    """``(column, False)``, or for a text column holding bytes that are not UTF-8 (Spark passes a
    line's bytes as they are) ``(the column as binary, True)``, so each cell can be checked."""
    import pyarrow as pa

    if not _is_text(column.type):
        return column, False
    try:
        column.validate(full=True)
    except pa.ArrowInvalid:
        return column.cast(pa.binary()), True
    return column, False


def _texts(column: Any) -> list[Any]:
    """The column's values; a text cell that is not UTF-8 is ``None``."""
    column, undecodable = _decodable(column)
    if not undecodable:
        return list(column.to_pylist())
    return [_utf8_or_none(v) for v in column.to_pylist()]


def _utf8_or_none(value: bytes | None) -> str | None:
    try:
        return None if value is None else value.decode("utf-8")
    except UnicodeDecodeError:
        return None


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


_SURROGATE = re.compile("[\ud800-\udfff]")


_LONE_SURROGATE = ("not valid JSON: a lone surrogate escape (\\ud800 to \\udfff) is not a "
                   "character; text must be valid Unicode")


def _has_surrogate(data: Any) -> bool:
    """Whether any string in ``data`` (parsed JSON) holds a lone surrogate."""
    if isinstance(data, str):
        return _SURROGATE.search(data) is not None
    if isinstance(data, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_has_surrogate(v) for v in data)
    return False


def _loads(raw: str | bytes) -> Any:
    """``json.loads``, refusing text whose escapes decode to a lone surrogate (``ValueError``):
    such a string cannot be written as UTF-8, so it must not reach the output."""
    data = json.loads(raw)
    probe = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    if _SURROGATE_ESCAPE.search(probe) is not None and _has_surrogate(data):
        raise ValueError(_LONE_SURROGATE)
    return data


def _safe_text(text: str) -> str:
    """``text`` unchanged, or with any lone surrogate written as an escape, so it encodes."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _load_json(raw: Any) -> Any:
    """A nested report from JSON text; ``InvalidReportError`` (``json_invalid``) if it is not JSON."""
    if raw is None:
        raise InvalidReportError("report is not valid JSON", [Problem("json_invalid", (), "no report")])
    try:
        return _loads(raw)
    except UnicodeDecodeError:
        msg = "not valid JSON: cannot decode as UTF-8"
    except json.JSONDecodeError as error:
        msg = f"not valid JSON at column {error.colno}: {error.msg}"
    except RecursionError:
        msg = "JSON nested too deeply"
    except ValueError as error:  # a lone surrogate
        msg = str(error)
    raise InvalidReportError("report is not valid JSON", [Problem("json_invalid", (), msg)])


def _is_text(kind: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))
