"""The parts of a flat row the columnar replay (:mod:`payfix.batch.columnar`) takes apart.

:data:`FACETS` are the parts that decide separately (the attempt, its flags, the method, the card,
the processor's answer, the network, the device's place, the app, the account, the payee, the
metadata); each distinct value of a part is validated and turned into facts once (:func:`parts`),
by the report model and :func:`~payfix.diagnosis.facts.derive_facts` themselves, on a report made
of that part alone, and remembered by the diagnoser. :data:`FINE_COLUMNS` differ from row to row
and are read as columns (:mod:`payfix.batch.rowfigures`); a row with a value in one of
:data:`ROW_BY_ROW_COLUMNS` is diagnosed by itself. The processor's answer is taken with the day's
class (:func:`day_classes`): days alike in every code meaning and retry limit of the pack.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from payfix._memo import remember
from payfix.batch.columns import FLAT_COLUMNS, record_to_report
from payfix.diagnosis.facts import Facts
from payfix.errors import InvalidReportError
from payfix.rules.pack import RulePack
from payfix.vocab import FACTS

if TYPE_CHECKING:
    from payfix.diagnosis.diagnoser import Diagnoser

__all__ = ["FACETS", "FINE_COLUMNS", "ROW_BY_ROW_COLUMNS", "Part", "day_classes", "memo_of", "row_parts"]

MEMO_SIZE = 8192  # parts and retry advice a diagnoser remembers (cleared whole beyond)

#: Columns whose value differs from row to row, read as columns: checked by a pattern stricter
#: than the report model, their facts computed per row.
FINE_COLUMNS: tuple[str, ...] = (
    "attempt_id", "attempt_at", "attempt_amount", "card_last4", "card_expiry_month",
    "card_expiry_year", "device_latency_ms", "device_clock_skew_s", "device_packet_loss_pct",
    "balance_available", "balance_pending_holds")
#: Columns a row with a value in is diagnosed by the per-row path (lists, fee schedules and
#: conversions, limits, history).
ROW_BY_ROW_COLUMNS: frozenset[str] = frozenset({
    "history", "payee_previous_amounts", "attempt_remedies_tried", "account_methods",
    "attempt_fee_schedule", "fee_free_transfers_used", "fee_free_amount_used", "fx_rate",
    "fx_currency", "conversion_rate", "conversion_currency", "limit_per_transaction",
    "limit_daily_remaining", "limit_monthly_remaining"})
#: The parts of a row, each validated and turned into facts once per distinct value, with the
#: facts it decides; the processor's answer with the day's class (:func:`day_classes`: days
#: alike in every code meaning and retry limit of the pack). No part's facts or validity depend
#: on another's, so each is taken on its own.
_ANSWER = ("processor_message", "processor_stage", "processor_answered")
FACETS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "attempt": (("schema_version", "attempt_kind", "attempt_currency", "attempt_fee", "method_type"),
                frozenset({"attempt.kind", "attempt.currency", "method.type", "balance.applies",
                           "balance.fee_minor", "history.remedies_tried",
                           "history.credentials_reset_tried", "history.failures_24h"})),
    "flags": (("attempt_initiator", "attempt_payer_present", "attempt_funds_debited",
               "attempt_outcome"),
              frozenset({"attempt.initiator", "attempt.payer_present", "attempt.funds_debited",
                         "attempt.outcome"})),
    "method": (("method_credential", "method_status"),
               frozenset({"method.credential", "method.status"})),
    "card": (("card_brand", "card_funding", "card_bin"), frozenset()),
    "processor": (tuple(name for name in FLAT_COLUMNS if name.startswith("processor_")
                        and name not in _ANSWER),
                  frozenset({name for name in FACTS if name.startswith("failure.")}
                            - {"failure.stage", "failure.answered"}
                            | {"history.auth_failures_24h", "history.same_code_failures"})),
    # where it failed and the message, with a scheme of the pack's (see :func:`_part`)
    "answer": (_ANSWER, frozenset({"failure.stage", "failure.answered"})),
    "network": (("device_online", "device_connection", "device_public_wifi",
                 "device_captive_portal", "device_signal_level", "device_vpn", "device_roaming"),
                frozenset({"device.online", "device.connection", "device.public_wifi",
                           "device.captive_portal", "device.signal_level", "device.vpn",
                           "device.roaming"})),
    "place": (("device_network_country", "account_country"),
              frozenset({"device.country_mismatch"})),
    "app": (("device_os", "device_app_version", "device_app_min_version",
             "device_app_latest_version", "device_two_factor_enabled", "device_rooted"),
            frozenset({"device.app_outdated", "device.two_factor_enabled", "device.rooted"})),
    "account": (("account_status", "account_country", "account_kyc_level", "account_email",
                 "account_phone"), frozenset({"account.status"})),
    "payee": (("payee_type", "payee_identifier", "payee_name", "payee_country", "payee_name_check",
               "account_email", "account_phone"),
              frozenset(name for name in FACTS if name.startswith("payee.")
                        and name != "payee.amount_ratio_bp")),
    "metadata": (("metadata",), frozenset()),
}
_DATED = frozenset({"processor"})
# facts of the row-to-row columns
_FINE_FACTS = frozenset({
    "attempt.amount_minor", "attempt.high_value", "balance.required_minor",
    "balance.currency_matches", "balance.available_minor", "balance.shortfall_minor",
    "balance.fee_causes_shortfall", "balance.pending_holds_minor", "balance.short_because_of_holds",
    "device.latency_ms", "device.clock_skew_s", "device.packet_loss_bp", "method.card_expired"})
# facts only a row with a row-by-row column has (limits, a fee quote, earlier amounts)
_ROW_BY_ROW_FACTS = frozenset({
    "balance.max_sendable_minor", "balance.over_daily_limit", "balance.over_monthly_limit",
    "balance.over_transaction_limit", "payee.amount_ratio_bp"})
# what a part's report holds besides the part: the required fields, with values no part reads
_BASE = {"attempt_id": "x", "attempt_amount": "0", "attempt_kind": "purchase",
         "attempt_currency": "EUR", "method_type": "wallet_balance"}
_NO_DAY = "2026-01-01"
_FACET_COLUMNS = frozenset(name for columns, _ in FACETS.values() for name in columns)




def dense(arrays: Sequence[Any]) -> tuple[Any, int]:
    """Each row's number among the distinct combinations of ``arrays`` (0, 1, ... by first
    appearance), and how many there are."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids: Any = None
    count = 1
    for array in arrays:
        encoded = pc.dictionary_encode(array, null_encoding="encode")
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        size = max(len(encoded.dictionary), 1)
        indices = encoded.indices.cast(pa.int64())
        if ids is None:
            ids, count = indices, size
            continue
        combined = pc.add(pc.multiply(ids, size), indices)
        again = pc.dictionary_encode(combined)
        ids, count = again.indices.cast(pa.int64()), len(again.dictionary)
    if ids is None:
        return pa.array([], pa.int64()), 0
    return ids, count


def first_rows(ids: Any, count: int) -> list[int]:
    """The first row of each id (ids numbered by first appearance)."""
    import numpy as np

    _, first = np.unique(ids.to_numpy(zero_copy_only=False), return_index=True)
    assert len(first) == count
    return [int(i) for i in first]


class Part:
    """One distinct value of a part: its report's parse, code look-up and the facts it decides."""

    __slots__ = ("alike", "day", "facts", "found", "parsed", "present", "values")

    def __init__(self, values: dict[str, Any], parsed: Any, found: Any, facts: Facts,
                 day: str, alike: int, present: bool) -> None:
        self.values, self.parsed, self.found, self.facts = values, parsed, found, facts
        self.day, self.alike = day, alike
        #: whether the part makes its object (a processor's answer) exist in the report
        self.present = present


def _part(diagnoser: Diagnoser, facet: str, values: dict[str, Any], day: str,
          alike: int) -> Part | None:
    """``values`` (one part's columns) in a report of their own dated ``day``, evaluated as a
    row would be (remembered by the diagnoser for days of class ``alike``); ``None`` when the
    report model refuses them."""
    key = (facet, tuple(values.items()), alike)
    memo = memo_of(diagnoser, "parts")
    if key in memo:
        return memo[key]  # type: ignore[no-any-return]
    base = _BASE if facet != "attempt" else {"attempt_id": "x", "attempt_amount": "0"}
    record = {**base, "attempt_at": f"{day}T00:00:00+00:00", **values}
    present = True
    try:
        report = record_to_report(record)
        if facet == "answer":  # the scheme is the processor part's: any one makes the answer valid
            present = "processor" in report["attempt"]
            report = record_to_report({**record, "processor_scheme": next(
                iter(diagnoser.pack.codemaps), "x")}) if present else report
        parsed, _priced, found, facts, _fired = diagnoser._evaluate(report)
    except InvalidReportError:
        made = None
    else:
        owned = FACETS[facet][1]
        present = present and parsed.attempt.processor is not None
        made = Part(values, parsed, found, {k: v for k, v in facts.items() if k in owned}, day,
                    alike, present)
    remember(memo, key, made, MEMO_SIZE)
    return made


def memo_of(diagnoser: Diagnoser, name: str) -> dict[Any, Any]:
    """The diagnoser's memo ``name`` of the columnar replay (each cleared whole at
    :data:`MEMO_SIZE` entries)."""
    memo: dict[Any, Any] = diagnoser._memos.columnar.setdefault(name, {})
    return memo


def day_classes(pack: RulePack) -> tuple[str, ...]:
    """The days (ISO text, ascending) on which some code meaning or retry limit of ``pack``
    starts or stops holding: two days with as many of them on or before are alike to the pack."""
    edges: set[date] = set()
    spans = [(entry.valid_from, entry.valid_until) for codemap in pack.codemaps.values()
             for entries in codemap.dated.values() for entry in entries]
    spans += [(limit.valid_from, limit.valid_until) for limit in pack.settings.retry_limits]
    for since, until in spans:
        if since is not None:
            edges.add(since)
        if until is not None:
            edges.add(until + timedelta(days=1))
    return tuple(sorted(day.isoformat() for day in edges))


def _day_class(days: Any, edges: tuple[str, ...]) -> Any:
    """Each day's class: how many of ``edges`` are on or before it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    count = pa.array([0] * len(days), pa.int64())
    for edge in edges:
        count = pc.add(count, pc.greater_equal(days, edge).cast(pa.int64()))
    return count


def row_parts(diagnoser: Diagnoser, sub: Any) -> dict[str, tuple[Any, list[Any]]]:
    """Per part: each row's number among the part's distinct values (a NumPy array), and each
    value's :class:`Part` (``None``: invalid)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    names = set(sub.schema.names)
    out: dict[str, tuple[Any, list[Any]]] = {}
    days = pc.utf8_slice_codeunits(sub.column("attempt_at"), 0, 10)
    classes = _day_class(days, day_classes(diagnoser.pack))
    for facet, (columns, _) in FACETS.items():
        present = [c for c in columns if c in names]
        arrays = [sub.column(c) for c in present] + ([classes] if facet in _DATED else [])
        if not arrays:
            out[facet] = (np.zeros(sub.num_rows, np.int64), [_part(diagnoser, facet, {}, _NO_DAY, 0)])
            continue
        ids, count = dense(arrays)
        firsts = first_rows(ids, count)
        picked = sub.take(pa.array(firsts, pa.int64())).select(present).to_pylist()
        dated = facet in _DATED
        taken = pa.array(firsts, pa.int64())
        first_days = days.take(taken).to_pylist() if dated else [_NO_DAY] * len(firsts)
        first_classes = classes.take(taken).to_pylist() if dated else [0] * len(firsts)
        made = [_part(diagnoser, facet, {k: v for k, v in values.items() if v is not None}, day, alike)
                for values, day, alike in zip(picked, first_days, first_classes, strict=True)]
        out[facet] = (ids.to_numpy(), made)
    return out


def retry_reads(attempt: Part | None, flags: Part | None) -> tuple[Any, ...]:
    """What retry advice reads of the attempt (besides the processor's answer and the day): its
    method's type and its flags."""
    if attempt is None or flags is None:
        return ()
    return (attempt.parsed.attempt.method.type, *flags.values.items())


def decides(part: Part | None) -> tuple[Any, ...]:
    """What of a processor part the outline reads: the deciding code and its map entry (not the
    other codes kept as evidence), and what retry advice reads of the answer; with its day's class."""
    if part is None:
        return ()
    processor, found = part.parsed.attempt.processor, part.found
    if processor is None or found is None:
        return (part.alike,)
    codes = processor.codes
    return (part.alike, found.scheme, found.field, found.code, id(found.entry), processor.scheme,
            processor.brand, codes.advice_code, codes.merchant_advice_code,
            tuple((item.scheme, item.code) for item in processor.related))


