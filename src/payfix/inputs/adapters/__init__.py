"""Input adapters: a processor's own object (a Stripe error, an Adyen notification, a PayPal error
body ...) as a payfix report, with where each code was read and what could not be placed.

Every source is a module with the same interface (:mod:`payfix.inputs.adapters.base`); this
package picks one by name or by detection and merges what it read with the caller's ``context``:
a partial payfix report with what the processor's object does not carry (a PayPal error body has
no amount, a Stripe error no device). A field both give must agree; nothing is guessed, and a
report field the object lacks and the context does not give is a problem that says so.

Example:
    >>> adapted = adapt({"error": {"type": "card_error", "code": "card_declined",
    ...                            "decline_code": "insufficient_funds"}}, "stripe",
    ...                 context={"attempt": {"id": "a1", "at": "2026-03-01T10:00:00Z",
    ...                          "amount": {"value": "25.00", "currency": "USD"},
    ...                          "method": {"type": "debit_card"}}})
    >>> adapted.kind, adapted.report.attempt.processor.codes.decline_code
    ('error', 'insufficient_funds')
    >>> adapted.report.attempt.processor.paths
    {'decline_code': 'error.decline_code'}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any

from payfix.errors import InvalidPayloadError, InvalidReportError, Problem
from payfix.inputs.adapters import (
    adyen,
    alipay,
    braintree,
    checkout,
    hyperswitch,
    iso8583,
    paypal,
    stripe,
    wechatpay,
)
from payfix.inputs.adapters.base import OBJECT, Reading, leaf_paths
from payfix.inputs.intake import load_json, parse_report
from payfix.models.report import AttemptReport

__all__ = ["SOURCES", "Adapted", "adapt", "adapted_report", "detect", "source_names"]

#: Every source, by name, in detection order (the most distinctive shapes first).
SOURCES: Mapping[str, ModuleType] = {
    module.NAME: module
    for module in (stripe, adyen, paypal, checkout, braintree, hyperswitch, alipay, wechatpay,
                   iso8583)
}


def source_names() -> tuple[str, ...]:
    """The names ``adapt`` accepts as ``source`` (``"auto"`` too)."""
    return tuple(SOURCES)


@dataclass(frozen=True, slots=True)
class Adapted:
    """A processor's object read as a payfix report.

    Attributes:
        source: the source's name (``"stripe"``).
        kind: which of the source's objects it was (``"error"``, ``"charge"`` ...).
        detected: the source was detected (``source="auto"``), not named.
        report: the validated report (the context merged in).
        unplaced: paths of the object's values no report field holds.
        assumed: report fields set by a documented default, each with why.

    Example:
        >>> adapted = adapt({"code": "NOT_ENOUGH", "message": "用户余额不足"}, "auto",
        ...                 context={"attempt": {"id": "o1", "at": "2026-03-01T10:00:00+08:00",
        ...                          "kind": "purchase", "amount": {"value": "30.00", "currency": "CNY"},
        ...                          "method": {"type": "wallet_balance"}}})
        >>> adapted.source, adapted.kind, adapted.detected, adapted.unplaced
        ('wechatpay', 'v3_error', True, ())
    """

    source: str
    kind: str
    detected: bool
    report: AttemptReport
    assumed: tuple[str, ...]
    _payload: dict[str, Any]
    _read: frozenset[str]

    @property
    def unplaced(self) -> tuple[str, ...]:
        """Paths of the object's values no report field holds (computed when asked: a caller
        that only diagnoses never pays for it)."""
        read = self._read
        prefixes = tuple(f"{path}." for path in read)
        return tuple(path for path in leaf_paths(self._payload)
                     if path not in read and not path.startswith(prefixes))


def detect(payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(source, kind)`` of the first source that recognises ``payload``, or ``None``."""
    for name, module in SOURCES.items():
        kind = module.detect(payload)
        if kind is not None:
            return name, kind
    return None


def _accepted() -> str:
    return "; ".join(f"{name} ({', '.join(module.KINDS)})" for name, module in SOURCES.items())


def _as_object(data: Any, what: str, loc: tuple[str, ...]) -> dict[str, Any]:
    """``data`` as the plain JSON object the readers walk (JSON text parsed; another mapping, with
    the mappings and sequences inside it, copied into dicts and lists).

    Raises:
        InvalidPayloadError: text that is not JSON, or not an object (``loc`` starts each
            problem's place).
    """
    if isinstance(data, bytes | str):
        try:
            data = load_json(data)
        except InvalidReportError as error:  # load_json speaks of a report; this is what it read
            raise InvalidPayloadError(f"{what} is not valid JSON text", [
                replace(problem, loc=(*loc, *problem.loc)) for problem in error.problems]) from None
    if not isinstance(data, OBJECT):
        raise InvalidPayloadError(f"{what} must be a JSON object", [
            Problem("model_type", loc, f"{what} is a JSON object, got {type(data).__name__}")])
    plain: dict[str, Any] = data if type(data) is dict else _plain(data)
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, OBJECT):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _merge(base: dict[str, Any], extra: Mapping[str, Any], at: tuple[str, ...],
           problems: list[Problem], title: str) -> None:
    """Deep-merge the context's ``extra`` into what the payload gave; a leaf both give must agree."""
    for key, value in extra.items():
        mine = base.get(key)
        if key not in base:
            base[key] = value
        elif isinstance(mine, dict) and isinstance(value, OBJECT):
            _merge(mine, value, (*at, key), problems, title)
        elif mine != value and not _same_money(key, mine, value):
            problems.append(Problem(
                "context_conflict", (*at, key),
                f"the context gives {json.dumps(value, default=str)[:60]} but the {title} "
                f"payload gives {json.dumps(mine, default=str)[:60]}; leave it out of the context "
                "or correct it", input=value, ctx={"source": title}))


def _prefer_context(report: dict[str, Any], context: Mapping[str, Any], source: str) -> None:
    """The wallet's own attempt id and time win over the processor's: they name the same
    attempt from two sides. The processor's id is kept as ``metadata["<source>_id"]``."""
    attempt, given = report["attempt"], context.get("attempt")
    if not isinstance(given, OBJECT):
        return
    if "id" in given and "id" in attempt and given["id"] != attempt["id"]:
        report.setdefault("metadata", {})[f"{source}_id"] = attempt.pop("id")
    if "at" in given:
        attempt.pop("at", None)


def _same_money(key: str, mine: Any, value: Any) -> bool:
    """``"25.00"`` and ``"25.0"`` are the same amount."""
    if key != "value" or not isinstance(mine, str) or not isinstance(value, str | int | float):
        return False
    try:
        return Decimal(mine) == Decimal(str(value))
    except InvalidOperation:
        return False


def adapt(payload: Mapping[str, Any] | str | bytes, source: str = "auto", *,
          context: Mapping[str, Any] | str | bytes | None = None) -> Adapted:
    """Read ``payload``, an object of ``source`` (or the one :func:`detect` finds for ``"auto"``),
    as a payfix report, merged with ``context``.

    Raises:
        InvalidPayloadError: ``payload`` is not JSON, not an object ``source`` documents, no
            source recognises it, or a value is not of its documented type (``loc`` in the
            source's object).
        InvalidReportError: the report is invalid, e.g. a field the object does not carry and
            the context does not give (each problem says which), or the context and the object
            disagree (``context_conflict``). The wallet's own attempt id and time, given in the
            context, win over the processor's; the processor's id is kept as
            ``metadata["<source>_id"]``.

    Example:
        >>> adapt({"name": "UNPROCESSABLE_ENTITY", "debug_id": "b2c7",
        ...        "details": [{"issue": "INSTRUMENT_DECLINED"}]}, "paypal",
        ...       context={"attempt": {"id": "w-17", "at": "2026-03-01T10:00:00Z",
        ...                "amount": {"value": "12.00", "currency": "EUR"},
        ...                "method": {"type": "credit_card"}}}).report.metadata
        {'paypal_id': 'b2c7'}
    """
    data, source, kind, detected, reading, parsed = _read_report(payload, source, context, True)
    return Adapted(source, kind, detected, parsed, tuple(reading.assumed), data,
                   frozenset(reading.read))


def adapted_report(payload: Mapping[str, Any] | str | bytes, source: str = "auto", *,
                   context: Mapping[str, Any] | str | bytes | None = None) -> AttemptReport:
    """``adapt(payload, source, context=context).report``, without what only an
    :class:`Adapted` keeps (what a diagnosis needs; the same errors)."""
    return _read_report(payload, source, context, False)[5]


def _read_report(payload: Mapping[str, Any] | str | bytes, source: str,
                 context: Mapping[str, Any] | str | bytes | None, track: bool,
                 ) -> tuple[dict[str, Any], str, str, bool, Reading, AttemptReport]:
    """The steps of :func:`adapt`: the payload as an object, the source and kind read, the
    reading (``track``: counting the paths read, for :attr:`Adapted.unplaced`), and the
    validated report."""
    data = _as_object(payload, "a processor payload", ())
    detected = source == "auto"
    if detected:
        found = detect(data)
        if found is None:
            raise InvalidPayloadError("no source recognises the payload", [Problem(
                "unknown_source", (), f"not an object payfix reads; it reads {_accepted()}; "
                "name the source if detection fails", ctx={"accepted": _accepted()})])
        source, kind = found
    else:
        module = SOURCES.get(source)
        if module is None:
            raise InvalidPayloadError(f"unknown source {source[:40]!r}", [Problem(
                "unknown_source", ("from",), f"unknown source; accepted: auto, "
                f"{', '.join(SOURCES)}", input=source,
                ctx={"key": "name", "accepted": f"auto, {', '.join(SOURCES)}"})])
        found_kind = module.detect(data)
        if found_kind is None:
            raise InvalidPayloadError(f"not a {module.TITLE} object", [Problem(
                "source_kind", (source,), f"not a {module.TITLE} object payfix reads (one of: "
                f"{', '.join(module.KINDS)}); see docs/inputs.md",
                ctx={"source": module.TITLE, "kinds": ", ".join(module.KINDS)})])
        kind = found_kind
    module = SOURCES[source]
    reading = Reading(source, data, track=track)
    module.read(reading, kind)
    reading.fail()
    report = _report(reading)
    problems: list[Problem] = []
    if context is not None:
        extra = _as_object(context, "the context", ("context",))
        _prefer_context(report, extra, source)
        _merge(report, extra, (), problems, module.TITLE)
    if problems:
        raise InvalidReportError("the context disagrees with the payload", problems)
    try:
        parsed = parse_report(report)
    except InvalidReportError as error:
        raise InvalidReportError("report is invalid", [_explained(p, module.TITLE, kind)
                                              for p in error.problems]) from None
    return data, source, kind, detected, reading, parsed


def _report(r: Reading) -> dict[str, Any]:
    """The report ``r`` read (its containers become the report's: a reading is used once)."""
    processor = r.processor
    processor["scheme"] = processor["origin"] = r.source
    if r.codes:
        processor["codes"] = r.codes
        processor["paths"] = r.paths
    if r.related:
        processor["related"] = r.related
        processor.setdefault("paths", {})
    r.attempt["processor"] = processor
    return {"attempt": r.attempt}


def _explained(problem: Problem, title: str, kind: str) -> Problem:
    """A missing report field: say that the object lacks it and where to give it."""
    if problem.type != "missing":
        return problem
    return Problem("missing", problem.loc, f"Field required: a {title} {kind.replace('_', ' ')} "
                   "does not carry it; give it in the context (a partial payfix report)",
                   ctx={"key": "context", "source": title, "kind": kind})
