"""The flat columns: how a row of a CSV, a Parquet file or a Spark DataFrame maps to a nested
report, and back.

* :data:`FLAT_COLUMNS` maps each flat column to its place in the nested report;
  :func:`record_to_report` applies it to one row, :func:`report_to_record` goes the other way,
  and ``_flat_reports`` turns a whole Arrow table into reports column by column.
* :func:`mask_id` is how a row's attempt id is written (masked unless a plain id).

Diagnosing the rows is :mod:`payfix.batch.table`; decoding cells, :mod:`payfix.batch.decode`.

Example:
    >>> record_to_report({"attempt_id": "a1", "attempt_amount": "9.50", "attempt_currency": "EUR",
    ...                   "device_online": "false", "card_last4": ""})["attempt"]
    {'id': 'a1', 'amount': {'value': '9.50', 'currency': 'EUR'}}
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from payfix import masking
from payfix.batch.decode import (
    _LONE_SURROGATE,
    _decodable,
    _is_text,
    _loads,
)
from payfix.errors import InvalidReportError, Problem

__all__ = [
    "FLAT_COLUMNS",
    "JSON_COLUMNS",
    "mask_id",
    "record_to_report",
    "report_to_record",
]

_MONEY = "attempt.amount"

#: Flat column name -> dotted path in the report. Money columns hold the decimal ``value`` and
#: take the attempt's currency (``attempt_currency``); columns in :data:`JSON_COLUMNS` hold JSON
#: text (or, in Parquet, a list/struct value) of a nested list or object.
FLAT_COLUMNS: dict[str, str] = {
    "schema_version": "schema_version",
    "attempt_id": "attempt.id",
    "attempt_at": "attempt.at",
    "attempt_kind": "attempt.kind",
    "attempt_amount": "attempt.amount.value",
    "attempt_currency": "attempt.amount.currency",
    "attempt_fee": "attempt.fee.value",
    "attempt_initiator": "attempt.initiator",
    "attempt_payer_present": "attempt.payer_present",
    "attempt_funds_debited": "attempt.funds_debited",
    "attempt_outcome": "attempt.outcome",
    "attempt_fee_schedule": "attempt.fee_schedule",
    "attempt_remedies_tried": "attempt.remedies_tried",
    "method_type": "attempt.method.type",
    "method_credential": "attempt.method.credential",
    "method_status": "attempt.method.status",
    "card_brand": "attempt.method.card.brand",
    "card_funding": "attempt.method.card.funding",
    "card_bin": "attempt.method.card.bin",
    "card_last4": "attempt.method.card.last4",
    "card_expiry_month": "attempt.method.card.expiry_month",
    "card_expiry_year": "attempt.method.card.expiry_year",
    "payee_type": "attempt.payee.type",
    "payee_identifier": "attempt.payee.identifier",
    "payee_name": "attempt.payee.name",
    "payee_country": "attempt.payee.country",
    "payee_name_check": "attempt.payee.name_check",
    "payee_previous_amounts": "attempt.payee.previous_amounts",
    "processor_scheme": "attempt.processor.scheme",
    "processor_brand": "attempt.processor.brand",
    "processor_decline_code": "attempt.processor.codes.decline_code",
    "processor_advice_code": "attempt.processor.codes.advice_code",
    "processor_network_code": "attempt.processor.codes.network_code",
    "processor_merchant_advice_code": "attempt.processor.codes.merchant_advice_code",
    "processor_sub_code": "attempt.processor.codes.sub_code",
    "processor_response_code": "attempt.processor.codes.response_code",
    "processor_message": "attempt.processor.message",
    "processor_stage": "attempt.processor.stage",
    "processor_answered": "attempt.processor.answered",
    "balance_available": "attempt.balance.available.value",
    "balance_pending_holds": "attempt.balance.pending_holds.value",
    "limit_per_transaction": "attempt.balance.limits.per_transaction.value",
    "limit_daily_remaining": "attempt.balance.limits.daily_remaining.value",
    "limit_monthly_remaining": "attempt.balance.limits.monthly_remaining.value",
    "fee_free_transfers_used": "attempt.fee_usage.free_transfers_used",
    "fee_free_amount_used": "attempt.fee_usage.free_amount_used.value",
    "fx_rate": "attempt.fx.rate",
    "fx_currency": "attempt.fx.currency",
    "conversion_rate": "attempt.conversion.rate",
    "conversion_currency": "attempt.conversion.currency",
    "device_online": "device.online",
    "device_connection": "device.connection",
    "device_public_wifi": "device.public_wifi",
    "device_captive_portal": "device.captive_portal",
    "device_network_country": "device.network_country",
    "device_latency_ms": "device.latency_ms",
    "device_packet_loss_pct": "device.packet_loss_pct",
    "device_signal_level": "device.signal_level",
    "device_vpn": "device.vpn",
    "device_roaming": "device.roaming",
    "device_clock_skew_s": "device.clock_skew_s",
    "device_os": "device.os",
    "device_app_version": "device.app_version",
    "device_app_min_version": "device.app_min_version",
    "device_app_latest_version": "device.app_latest_version",
    "device_two_factor_enabled": "device.two_factor_enabled",
    "device_rooted": "device.rooted",
    "account_status": "account.status",
    "account_country": "account.country",
    "account_kyc_level": "account.kyc_level",
    "account_email": "account.email",
    "account_phone": "account.phone",
    "account_methods": "account.methods",
    "history": "history",
    "metadata": "metadata",
}

#: Flat columns whose value is JSON text of a list or object (a list or struct in Parquet is
#: taken as is).
JSON_COLUMNS: frozenset[str] = frozenset({
    "attempt_remedies_tried", "payee_previous_amounts", "account_methods", "history", "metadata"})

_PATHS: dict[str, tuple[str, ...]] = {name: tuple(path.split(".")) for name, path in FLAT_COLUMNS.items()}
_PARENTS: dict[str, tuple[str, ...]] = {name: path[:-1] for name, path in _PATHS.items()}
# money objects whose value has a column but whose currency has none: the attempt's currency
_MONEY_OBJECTS: tuple[tuple[str, ...], ...] = tuple(
    p[:-1] for p in _PATHS.values() if p[-1] == "value" and p[:-1] != tuple(_MONEY.split(".")))
_MONEY_PARENTS: frozenset[tuple[str, ...]] = frozenset(_MONEY_OBJECTS)
_CURRENCY_COLUMN = "attempt_currency"
# with a conversion (card spending abroad) the other money is in the currency the payer is charged in
_CHARGED_COLUMN = "conversion_currency"
# every money value column, the attempt's amount included
_MONEY_VALUES: frozenset[str] = frozenset(n for n, p in _PATHS.items() if p[-1] == "value")


def mask_id(value: Any) -> str | None:
    """An attempt id safe to write out, masked as a diagnosis masks it
    (:func:`payfix.masking.mask_id`: e-mails, IBANs, card and phone numbers masked, plain ids kept),
    at most 128 characters; ``None`` for no usable id.

    Example:
        >>> mask_id("pay_20260501_0101"), mask_id("jane.doe@example.com"), mask_id(7)
        ('pay_20260501_0101', 'j***@example.com', None)
    """
    if not isinstance(value, str) or not value.strip():
        return None
    return masking.mask_id(value.strip()[:128])


def _absent(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, float):  # shortest repr: 12.35, not 12.3499999...
        return str(value) if math.isfinite(value) else value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    return value


_ABSENT = object()  # a cell that holds no value


def _money_float(value: float) -> str:
    """A float money value as exact decimal text, from its shortest repr (never float arithmetic):
    a whole number loses its ``.0`` (``1200.0`` -> ``1200``, so whole amounts of a currency without
    minor units are accepted); any other value keeps its digits (``12.345``), and the report model
    then refuses more decimal places than the currency has."""
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _cell(name: str, value: Any, known: bool, is_json: bool,
          money: bool = False) -> tuple[Any, Problem | None]:
    """One flat cell as the report takes it: ``(_ABSENT, None)`` for no value (``None``, empty
    or blank text, NaN), ``(_ABSENT, problem)`` for a value the mapping cannot take (an unknown
    column, a JSON column that is not JSON), else ``(value, None)``: JSON text parsed, other
    non-text values through :func:`_scalar`."""
    if value is None:
        return _ABSENT, None
    if value.__class__ is str:
        if not value or value.isspace():
            return _ABSENT, None
    elif _absent(value):
        return _ABSENT, None
    if not known:
        return _ABSENT, Problem("extra_forbidden", (name,), "unknown column; see FLAT_COLUMNS in "
                                "docs/batch.md for the accepted columns")
    if is_json and isinstance(value, str | bytes):
        try:
            return _loads(value), None
        except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError too
            where = f" at column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
            why = ": a lone surrogate escape is not a character" if str(error) == _LONE_SURROGATE else ""
            return _ABSENT, Problem("json_invalid", (name,), f"column is not valid JSON{where}{why}")
    if value.__class__ is not str:
        if money and isinstance(value, float) and math.isfinite(value):
            return _money_float(value), None
        value = _scalar(value)
    return value, None


def record_to_report(record: Mapping[str, Any]) -> dict[str, Any]:
    """One flat row (column name -> value) as a nested report dict, per :data:`FLAT_COLUMNS`.

    ``None``, empty or blank strings and NaN mean the field is absent. Values are passed on as
    they are (strings included: ``"true"``, ``"12"``, ``"9.50"`` are validated and converted by
    the report model); floats become their shortest decimal text so money stays exact. Money
    columns other than ``attempt_amount`` take ``attempt_currency``.

    Raises:
        InvalidReportError: a column that is not in the mapping has a value (``extra_forbidden``),
            or a JSON column is not valid JSON (``json_invalid``); every such column is listed.

    Example:
        >>> r = record_to_report({"attempt_id": "a1", "attempt_amount": 12.5,
        ...                       "attempt_currency": "EUR", "balance_available": "3.00",
        ...                       "attempt_remedies_tried": '["network.reconnect"]'})
        >>> r["attempt"]["balance"], r["attempt"]["remedies_tried"]
        ({'available': {'value': '3.00', 'currency': 'EUR'}}, ['network.reconnect'])
        >>> try:
        ...     record_to_report({"tip": "1.00"})
        ... except InvalidReportError as error:
        ...     [(p.type, p.loc) for p in error.problems]
        [('extra_forbidden', ('tip',))]
    """
    report: dict[str, Any] = {}
    nodes: dict[tuple[str, ...], dict[str, Any]] = {(): report}
    problems: list[Problem] = []
    for name, raw in record.items():
        value, problem = _cell(name, raw, name in _PATHS, name in JSON_COLUMNS, name in _MONEY_VALUES)
        if problem is not None:
            problems.append(problem)
        if value is _ABSENT:
            continue
        parent = _PARENTS[name]
        node = nodes.get(parent)
        if node is None:
            node = report
            for depth, key in enumerate(parent):
                child = node.get(key)
                if not isinstance(child, dict):
                    child = node[key] = {}
                    nodes[parent[:depth + 1]] = child
                node = child
        node[_PATHS[name][-1]] = value
    if problems:
        raise InvalidReportError("report is invalid", problems)
    return _fill_currency(report)


def _fill_currency(report: dict[str, Any]) -> dict[str, Any]:
    """Give money objects built from a flat value column the currency the payer is charged in (the
    attempt's, or its conversion's)."""
    attempt = report.get("attempt")
    currency = attempt.get("amount", {}).get("currency") if isinstance(attempt, dict) else None
    conversion = attempt.get("conversion") if isinstance(attempt, dict) else None
    if isinstance(conversion, dict) and isinstance(conversion.get("currency"), str):
        currency = conversion["currency"]
    if currency is not None:
        for path in _MONEY_OBJECTS:
            node = report
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None  # type: ignore[assignment]
                if node is None:
                    break
            if isinstance(node, dict) and "currency" not in node:
                node["currency"] = currency
    return report


def _flat_reports(table: Any) -> list[dict[str, Any] | list[Problem]]:
    """:func:`record_to_report` for a whole Arrow table, column by column: a report dict per row,
    or that row's problems. Each cell with a value is looked at once; the null cells of a column
    that is mostly null are skipped by Arrow (a column of nulls costs nothing). The attempt's
    currency is read first, so a money column takes it as its value is placed."""
    import pyarrow.compute as pc

    rows = table.num_rows
    reports: list[dict[str, Any]] = [{} for _ in range(rows)]
    problems: dict[int, list[Problem]] = {}
    currencies: list[Any] = [None] * rows
    # per path of a nested object, each row's dict at that path once made
    levels: dict[tuple[str, ...], list[Any]] = {(): reports}
    named = sorted(zip(table.schema.names, table.columns, strict=True),
                   key=lambda pair: (pair[0] != _CURRENCY_COLUMN, pair[0] != _CHARGED_COLUMN))
    for name, column in named:
        nulls = column.null_count
        if nulls == rows:
            continue
        column, undecodable = _decodable(column)
        cells: Iterable[tuple[int, Any]]
        if nulls * 2 > rows:
            where = pc.indices_nonzero(column.is_valid())
            cells = zip(where.to_pylist(), column.take(where).to_pylist(), strict=True)
        else:
            cells = enumerate(column.to_pylist())
        path = _PATHS.get(name)
        head, leaf = (path[:-1], path[-1]) if path is not None else ((), "")
        for depth in range(1, len(head) + 1):
            if head[:depth] not in levels:
                levels[head[:depth]] = [None] * rows
        level = levels[head]
        is_json = name in JSON_COLUMNS
        is_money = head in _MONEY_PARENTS
        is_currency = name in (_CURRENCY_COLUMN, _CHARGED_COLUMN)
        if path is not None and not (is_json or is_money or is_currency) and _is_text(column.type):
            # the common case, a text column placed as it is: only blank cells to leave out
            for i, value in cells:
                if value and not value.isspace():
                    node = level[i]
                    if node is None:
                        node = _node_at(levels, i, head)
                    node[leaf] = value
            continue
        for i, raw in cells:
            if undecodable and isinstance(raw, bytes):
                try:
                    raw = raw.decode("utf-8")
                except UnicodeDecodeError:
                    problems.setdefault(i, []).append(Problem(
                        "utf8_invalid", (name,), f"not valid UTF-8 text in column {name}"))
                    continue
            value, problem = _cell(name, raw, path is not None, is_json, name in _MONEY_VALUES)
            if problem is not None:
                problems.setdefault(i, []).append(problem)
            if value is _ABSENT:
                continue
            node = level[i]
            if node is None:
                node = _node_at(levels, i, head)
            node[leaf] = value
            if is_currency:
                currencies[i] = value
            elif is_money and currencies[i] is not None:
                node["currency"] = currencies[i]
    return [problems.get(i, report) for i, report in enumerate(reports)]


def _node_at(levels: dict[tuple[str, ...], list[Any]], i: int, head: tuple[str, ...]) -> dict[str, Any]:
    """Row ``i``'s new dict at path ``head``, attached to its parent (made first if missing)."""
    parent = levels[head[:-1]][i]
    if parent is None:
        parent = _node_at(levels, i, head[:-1])
    node: dict[str, Any] = {}
    parent[head[-1]] = levels[head][i] = node
    return node


def report_to_record(report: Mapping[str, Any]) -> dict[str, Any]:
    """A nested report dict as one flat row, the inverse of :func:`record_to_report`: every
    :data:`FLAT_COLUMNS` column, ``None`` where the report has no value, JSON columns as JSON
    text, other values as they are. Fields the mapping has no column for are left out (a money
    object's own currency, when it differs from the attempt's, included).

    Example:
        >>> rec = report_to_record({"attempt": {"id": "a1", "amount": {"value": "1.00", "currency": "EUR"}}})
        >>> rec["attempt_id"], rec["attempt_amount"], rec["device_online"]
        ('a1', '1.00', None)
    """
    out: dict[str, Any] = {}
    for name, path in _PATHS.items():
        node: Any = report
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
            if node is None:
                break
        if node is not None and name in JSON_COLUMNS:
            node = json.dumps(node, separators=(",", ":"), ensure_ascii=False, default=str)
        out[name] = node
    return out


