"""Turning outside input (model, mapping, JSON text or bytes) into a validated report.

Every failure is an :class:`~payfix.errors.InvalidReportError` listing all problems in the
``{type, loc, msg, input}`` shape; offending values are masked before they are echoed, so an invalid
card number is never printed back in full.

Example:
    >>> try:
    ...     parse_report('{"attempt": {}}')
    ... except InvalidReportError as error:
    ...     sorted(p.loc[-1] for p in error.problems)[:2]
    ['amount', 'at']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from pydantic import ValidationError

from payfix.errors import InvalidReportError, Problem
from payfix.masking import mask_text
from payfix.models.report import AttemptReport

__all__ = ["ReportInput", "parse_report"]

ReportInput = AttemptReport | Mapping[str, Any] | str | bytes


def _safe_input(value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, str):
        return mask_text(value[:200])
    return None  # objects and lists are not echoed: the loc already points at them


def problems_from(error: ValidationError) -> tuple[Problem, ...]:
    """pydantic errors as payfix problems (stable ``type`` slugs, masked ``input``)."""
    out = []
    for item in error.errors(include_url=False):
        msg = str(item["msg"])
        if item["type"] == "extra_forbidden":
            msg = "unknown field; see `payfix schema` for the accepted fields"
        out.append(Problem(item["type"], tuple(item["loc"]), mask_text(msg), input=_safe_input(
            item.get("input"))))
    return tuple(out)


def parse_report(data: ReportInput) -> AttemptReport:
    """Validate ``data`` as an :class:`AttemptReport`.

    Raises:
        InvalidReportError: the JSON is malformed or any field is invalid (all problems listed).

    Example:
        >>> report = parse_report('{"attempt": {"id": "a1", "at": "2026-03-01T10:00:00Z", '
        ...                       '"kind": "purchase", "amount": {"value": "9.99", "currency": "USD"}, '
        ...                       '"method": {"type": "debit_card"}}}')
        >>> report.attempt.amount.minor, report.attempt.method.type
        (999, 'debit_card')
    """
    if isinstance(data, AttemptReport):
        return data
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            where = f" at line {error.lineno}, column {error.colno}" if isinstance(
                error, json.JSONDecodeError) else ""
            raise InvalidReportError("report is not valid JSON", [
                Problem("json_invalid", (), f"not valid JSON{where}: "
                        f"{getattr(error, 'msg', 'cannot decode as UTF-8')}")]) from None
        except RecursionError:
            raise InvalidReportError("report is not valid JSON", [
                Problem("json_invalid", (), "JSON nested too deeply")]) from None
    if not isinstance(data, Mapping):
        raise InvalidReportError("report must be a JSON object", [
            Problem("model_type", (), f"a report is a JSON object, got {type(data).__name__}")])
    try:  # the model's core validator directly: model_validate adds only argument checks
        return cast(AttemptReport, AttemptReport.__pydantic_validator__.validate_python(data))
    except ValidationError as error:
        raise InvalidReportError("report is invalid", problems_from(error)) from None
