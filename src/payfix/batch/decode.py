"""Decoding what a batch row holds: text cells that must be UTF-8, and JSON text without lone
surrogates, each failure named as a reject reason.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from payfix.diagnosis.problemtext import localised
from payfix.errors import InvalidReportError, Problem

if TYPE_CHECKING:
    from payfix.rules.pack import RulePack


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
        raise InvalidReportError("report is not valid JSON", [
            Problem("json_invalid", (), "no report", ctx={"key": "empty"})])
    ctx: dict[str, Any] = {}
    try:
        return _loads(raw)
    except UnicodeDecodeError:
        msg, ctx = "not valid JSON: cannot decode as UTF-8", {"key": "utf8"}
    except json.JSONDecodeError as error:
        msg = f"not valid JSON at column {error.colno}: {error.msg}"
        ctx = {"key": "at", "line": error.lineno, "col": error.colno}
    except RecursionError:
        msg, ctx = "JSON nested too deeply", {"key": "deep"}
    except ValueError as error:  # a lone surrogate
        msg = str(error)
    raise InvalidReportError("report is not valid JSON", [Problem("json_invalid", (), msg, ctx=ctx or None)])


def _is_text(kind: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _problems(kind: str, msg: str, loc: tuple[str, ...] = (), **ctx: Any) -> str:
    """A reject's ``problems`` column: one problem as JSON text, with what its message is made of
    (``ctx``, taken out when the rejects file is written, see :func:`written_problems`)."""
    out = Problem(kind, loc, msg).to_dict()
    out["ctx"] = ctx  # the mark of a reader's problem, not yet written in a locale
    return json.dumps([out], ensure_ascii=False)


def written_problems(problems: list[dict[str, Any]], pack: RulePack | None,
                     locale: str | None) -> list[dict[str, Any]]:
    """A reject's problems as the rejects file holds them: the ``msg`` of each problem the reader
    made (those with ``ctx``) in ``locale`` (the pack's ``problem`` texts, see
    :func:`payfix.diagnosis.problemtext.localised`; ``None``: as found), without ``ctx``; a
    problem of a row's diagnosis is already written in it (``diagnose_table``)."""
    out = []
    for item in problems:
        if "ctx" not in item:
            out.append(item)
            continue
        ctx = item.pop("ctx")
        if locale is not None and isinstance(item.get("type"), str):
            problem = Problem(item["type"], tuple(item.get("loc") or ()), str(item.get("msg", "")),
                              ctx=ctx if isinstance(ctx, dict) else None)
            item["msg"] = localised([problem], pack, locale)[0].msg
        out.append(item)
    return out


def _text_columns(table: Any, records: list[int], bad: list[tuple[int, str]], *,
                  binary: bool = True) -> Any:
    """``table`` with its text columns checked as UTF-8 (``binary``: every column, read as bytes;
    else the string columns). A row with bytes that are not UTF-8 moves from ``table`` and
    ``records`` (changed in place) to ``bad`` (``utf8_invalid``, naming the columns)."""
    import pyarrow as pa

    wrong: dict[int, list[str]] = {}
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if not binary and not pa.types.is_string(column.type):
            columns.append(column)
            continue
        try:
            columns.append(column.cast(pa.string()) if binary else column)
            if not binary:
                column.validate(full=True)
            continue
        except pa.ArrowInvalid:
            pass
        raw = (column if binary else column.cast(pa.binary())).to_pylist()
        for i, value in enumerate(raw):
            if value is not None:
                try:
                    value.decode("utf-8")
                except UnicodeDecodeError:
                    wrong.setdefault(i, []).append(name)
        columns.append(column)
    if not wrong:
        return pa.table(dict(zip(table.column_names, columns, strict=True)))
    keep = [i not in wrong for i in range(table.num_rows)]
    for i in sorted(wrong):
        bad.append((records[i], _problems(
            "utf8_invalid", f"not valid UTF-8 text in column {', '.join(wrong[i])}: the record "
            "is skipped", (wrong[i][0],), columns=", ".join(wrong[i]))))
    records[:] = [r for r, k in zip(records, keep, strict=True) if k]
    table = table.filter(pa.array(keep))
    if binary:
        table = pa.table({n: c.cast(pa.string()) for n, c in zip(table.column_names, table.columns,
                                                                  strict=True)})
    return table
