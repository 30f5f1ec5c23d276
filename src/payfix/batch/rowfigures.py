"""The row-to-row columns of the columnar replay (:mod:`payfix.batch.columnar`): each checked by
a pattern stricter than the report model (a value it cannot prove valid sends its row down the
per-row path), then read as numbers and turned into facts, column by column (NumPy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from payfix import masking
from payfix.batch.columns import FLAT_COLUMNS
from payfix.batch.decode import _decodable, _is_text
from payfix.batch.rowparts import _FACET_COLUMNS, FINE_COLUMNS, ROW_BY_ROW_COLUMNS
from payfix.diagnosis.feefacts import unpriced
from payfix.money import MAX_MINOR, minor_unit_exponent

if TYPE_CHECKING:
    from payfix.diagnosis.diagnoser import Diagnoser

__all__ = ["PLAIN_ID", "Figures", "attempt_ids", "covered_rows", "row_figures"]

_PATTERNS = {
    "attempt_id": r"^[A-Za-z0-9_.:\-]{1,128}$",
    "attempt_at": (r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3])"
                   r":[0-5][0-9]:[0-5][0-9](Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"),
    "card_last4": r"^[0-9]{4}$",
    "device_latency_ms": r"^(0|[1-9][0-9]{0,5})$",
    "device_clock_skew_s": r"^-?(0|[1-9][0-9]{0,8})$",
    "card_expiry_month": r"^([1-9]|1[0-2])$",
    "card_expiry_year": r"^(20[0-9]{2}|2100)$",
    "device_packet_loss_pct": r"^(100(\.0{1,2})?|[1-9]?[0-9](\.[0-9]{1,2})?)$",
}
_MONEY_PATTERN = r"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,3})?$"
# an id mask_id leaves as it is (with no card-length run of digits): none of the characters its
# patterns start from, or lower-case letters, digits and underscores then one dash and at most 8
# digits, with at most 12 digits around the dash (fewer than a card number's 13)
PLAIN_ID = r"^([^@+A-Z ().\-]*|[a-z0-9_]*[a-z_][0-9]{0,4}-[0-9]{1,8})$"
_CARD_DIGITS = r"[0-9]{13}"


def covered_rows(table: Any) -> Any:
    """A boolean mask: rows the columnar path may take (no value in a row-by-row or unknown column,
    and every row-to-row column proven valid where it has a value), or ``None`` when it takes none
    (a row-to-row column that is not text, a part's column that is not text, bytes, a number or
    a boolean, or text that is not UTF-8). ``table`` has no column of nulls only."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = set(table.schema.names)
    ok = pa.array([True] * table.num_rows)
    for name in names:
        column = table.column(name)
        kind = column.type
        if name in ROW_BY_ROW_COLUMNS or name not in FLAT_COLUMNS:
            ok = pc.and_(ok, column.is_null())
        elif _decodable(column)[1] or not (_is_text(kind) or (name in _FACET_COLUMNS and (
                pa.types.is_binary(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind)
                or pa.types.is_boolean(kind)))):
            return None
    for name in ("attempt_id", "attempt_at", "attempt_amount"):
        if name not in names:
            return None
    for name in FINE_COLUMNS:
        if name in names:
            good = pc.match_substring_regex(table.column(name), _PATTERNS.get(name, _MONEY_PATTERN))
            ok = pc.and_(ok, pc.fill_null(good, name not in FINE_COLUMNS[:3]))
    if "balance_pending_holds" in names:  # holds need the available balance beside them
        holds = table.column("balance_pending_holds").is_valid()
        available = (table.column("balance_available").is_valid() if "balance_available" in names
                     else pa.array([False] * table.num_rows))
        ok = pc.and_(ok, pc.or_(pc.invert(holds), available))
    return ok


class Figures:
    """The rows the columnar path keeps (their positions), their times as written out, and the
    facts of their row-to-row columns (Arrow arrays, null where a row lacks the fact)."""

    def __init__(self, keep: Any, at: Any, facts: dict[str, Any]) -> None:
        self.keep, self.at, self.facts = keep, at, facts


def _numbers(sub: Any, name: str, exponent: Any) -> tuple[Any, Any, Any]:
    """A decimal column (its pattern checked) in integer units of ``10**-exponent`` (per row):
    ``(values, present, valid)`` as NumPy arrays; a value with more decimal places than its
    exponent, or above :data:`~payfix.money.MAX_MINOR`, is not valid."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = sub.num_rows
    if name not in sub.schema.names:
        return np.zeros(n, np.int64), np.zeros(n, bool), np.ones(n, bool)
    column = sub.column(name)
    present = column.is_valid().to_numpy(zero_copy_only=False)
    text = pc.fill_null(column, "0")
    dot = pc.find_substring(text, ".").to_numpy(zero_copy_only=False)
    length = pc.utf8_length(text).to_numpy(zero_copy_only=False)
    places = np.where(dot < 0, 0, length - dot - 1)
    digits = pc.cast(pc.replace_substring(text, ".", ""), pa.int64()).to_numpy(zero_copy_only=False)
    scale = exponent - places
    values = digits * np.power(10, np.clip(scale, 0, 18), dtype=np.int64)
    valid = ~present | ((scale >= 0) & (values <= MAX_MINOR))
    return values, present, valid


def row_figures(diagnoser: Diagnoser, sub: Any, parts: dict[str, tuple[Any, list[Any]]]) -> Figures:
    """Rows whose every part is valid, whose attempt no schedule prices, and whose row-to-row
    values are valid for its currency (decimal places, size, a real day), with their facts."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = sub.num_rows
    pack = diagnoser.pack
    limits = pack.settings.high_value_minor
    a_ids, a_made = parts["attempt"]
    # attempt parts no schedule prices (the others go row by row)
    taken = [part is not None and unpriced(part.parsed.attempt, pack) for part in a_made]
    usable = np.ones(n, bool)
    for facet, (ids, made) in parts.items():
        flags = np.array(taken if facet == "attempt" else [part is not None for part in made], bool)
        usable &= flags[ids]
    # an answer (stage, message) needs a processor's scheme beside it
    answered, schemed = (np.array([part is not None and part.present for part in parts[facet][1]], bool)[
        parts[facet][0]] for facet in ("answer", "processor"))
    usable &= schemed | ~answered
    figures = [(0, 0, -1) if not fit else (
        minor_unit_exponent(part.parsed.attempt.amount.currency) or 0,
        int(part.facts["balance.fee_minor"]),
        _limit(limits, part.parsed.attempt.amount.currency)) for part, fit in zip(a_made, taken, strict=True)]
    exponent, fee, limit = (np.array(column, np.int64)[a_ids] for column in zip(*figures, strict=True))
    amount, _, amount_ok = _numbers(sub, "attempt_amount", exponent)
    available, has, available_ok = _numbers(sub, "balance_available", exponent)
    holds, held, holds_ok = _numbers(sub, "balance_pending_holds", exponent)
    loss, lossy, _ = _numbers(sub, "device_packet_loss_pct", np.full(n, 2, np.int64))
    at = sub.column("attempt_at")

    def piece(start: int, stop: int) -> Any:
        return pc.cast(pc.utf8_slice_codeunits(at, start, stop), pa.int64()).to_numpy(zero_copy_only=False)

    at_year, at_month, at_day = piece(0, 4), piece(5, 7), piece(8, 10)
    leap = (at_year % 4 == 0) & ((at_year % 100 != 0) | (at_year % 400 == 0))
    real_day = at_day <= np.array(_MONTH_DAYS)[at_month] + (leap & (at_month == 2))
    latency, timed = _whole(sub, "device_latency_ms")
    keep = np.flatnonzero(usable & amount_ok & available_ok & holds_ok & real_day
                          & (latency <= _MAX_LATENCY_MS))

    def fact(values: Any, present: Any) -> Any:
        return pa.array(values[keep], mask=~present[keep])

    skew, skewed = _whole(sub, "device_clock_skew_s")
    month, has_month = _whole(sub, "card_expiry_month")
    year, has_year = _whole(sub, "card_expiry_year")
    required = amount + fee
    everyone = np.ones(n, bool)
    facts = {
        "attempt.amount_minor": fact(amount, everyone),
        "attempt.high_value": fact(amount >= limit, limit >= 0),
        "balance.required_minor": fact(required, everyone),
        "balance.currency_matches": fact(everyone, has),
        "balance.available_minor": fact(available, has),
        "balance.shortfall_minor": fact(np.maximum(0, required - available), has),
        "balance.fee_causes_shortfall": fact((amount <= available) & (available < required), has),
        "balance.pending_holds_minor": fact(holds, has & held),
        "balance.short_because_of_holds": fact(
            (available < required) & (required <= available + holds), has & held),
        "device.latency_ms": fact(latency, timed),
        "device.clock_skew_s": fact(np.abs(skew), skewed),
        "device.packet_loss_bp": fact(loss, lossy),
        # a card is valid through the last day of its expiry month
        "method.card_expired": fact((at_year > year) | ((at_year == year) & (at_month > month)),
                                    has_month & has_year),
    }
    written = pc.replace_substring_regex(at.take(pa.array(keep)), "(Z|-00:00)$", "+00:00")
    return Figures(keep, written, facts)


def _whole(sub: Any, name: str) -> tuple[Any, Any]:
    """A column of whole numbers (its pattern checked): ``(values, present)`` as NumPy arrays."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if name not in sub.schema.names:
        return np.zeros(sub.num_rows, np.int64), np.zeros(sub.num_rows, bool)
    column = sub.column(name)
    return (pc.cast(pc.fill_null(column, "0"), pa.int64()).to_numpy(zero_copy_only=False),
            column.is_valid().to_numpy(zero_copy_only=False))


_MAX_LATENCY_MS = 600_000  # the report model's bound
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # by month number; February 29 aside


def _limit(limits: Any, currency: str) -> int:
    """The pack's high-value limit for ``currency`` in minor units, ``-1`` for none."""
    limit = limits.get(currency, limits.get("default"))
    return -1 if limit is None else int(limit)


def attempt_ids(column: Any) -> list[str | None]:
    """Each attempt id as the per-row path writes it (masked; most ids need no look)."""
    import pyarrow.compute as pc

    from payfix.batch.columns import mask_id

    plain = pc.and_(pc.match_substring_regex(column, PLAIN_ID),
                    pc.invert(pc.match_substring_regex(column, _CARD_DIGITS))).to_pylist()
    return [text if keep else mask_id(masking.mask_id(text))
            for text, keep in zip(column.to_pylist(), plain, strict=True)]


