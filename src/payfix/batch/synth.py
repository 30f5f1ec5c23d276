"""Synthetic failed-payment reports for load tests and replay demos, deterministic from a seed.

Every row is drawn from one ``random.Random(seed)`` (never the global generator), so the same
``rows``, ``seed`` and ``corrupt_share`` always give the same reports, byte for byte. Reports mix
payment kinds, methods, currencies (EUR, USD, CNY, JPY, GBP), device states, balances, escalation
cases (funds debited, unknown outcome, repeated failures, locked accounts, high values) and
processor answers whose scheme and code are drawn from the code maps of the bundled rule pack.

With ``corrupt_share > 0`` exactly ``floor(rows * corrupt_share)`` rows, spread evenly, are
malformed in one of the ways in :data:`CORRUPTIONS`. A ``not_json`` row is a cut-off line in JSON
Lines form; as a dict (where it cannot be non-JSON) it carries the unknown top-level field
``truncated_line`` instead, so it is invalid in both forms.

:func:`write_reports` writes JSON Lines, CSV or Parquet by the file's suffix. CSV and Parquet use
the flat columns (:data:`~payfix.batch.columns.FLAT_COLUMNS`, every value as text) plus one column
``extra`` that is not in the mapping; :attr:`SynthRow.record` is a row in that form. There a
corrupted row stays invalid: ``unknown_field`` fills ``extra``, ``not_json`` cuts off the JSON
text of ``metadata``, and a field of the wrong shape (``amount`` or ``method`` given as a string)
leaves its columns empty.

Example:
    >>> reports = list(synth_reports(3, seed=7))
    >>> [r["attempt"]["id"] for r in reports]
    ['syn7-00000001', 'syn7-00000002', 'syn7-00000003']
    >>> reports == list(synth_reports(3, seed=7))
    True
    >>> [row.kind for row in synth_rows(4, seed=7, corrupt_share=0.5)]
    [None, 'wrong_type', None, 'not_json']
    >>> next(synth_rows(1, seed=7)).record["attempt_amount"]
    '240.65'
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from payfix.errors import Problem, SynthError
from payfix.vocab import KINDS

__all__ = ["CORRUPTIONS", "FLAT_EXTRA", "SynthRow", "synth_reports", "synth_rows"]

#: The ways a corrupted row is malformed.
CORRUPTIONS: tuple[str, ...] = (
    "missing_field",
    "wrong_type",
    "bad_currency",
    "too_many_decimals",
    "unknown_field",
    "not_json",
)

_CURRENCIES = (("EUR", 30), ("USD", 25), ("GBP", 20), ("CNY", 15), ("JPY", 10))
_COUNTRY = {"EUR": ("DE", "FR", "NL", "ES"), "USD": ("US",), "GBP": ("GB",), "CNY": ("CN",),
            "JPY": ("JP",)}
_TZ = {"CNY": "+08:00", "JPY": "+09:00"}
_METHODS = (("wallet_balance", 35), ("debit_card", 25), ("credit_card", 25), ("prepaid_card", 5),
            ("bank_account", 10))
_BRANDS = ("visa", "mastercard", "amex", "unionpay", "jcb")
_MERCHANTS = ("Streamly", "Bakery Blum", "City Power", "Metro Transit", "Cloud Books", "Kaffeehaus")
_IBANS = ("DE89370400440532013001", "GB82WEST12345698765432", "FR1420041010050500013M02606",
          "NL91ABNA0417164300")
_BASE = datetime(2026, 1, 1, tzinfo=UTC)

#: The column synthetic flat files carry beyond the mapping (filled only in ``unknown_field`` rows).
FLAT_EXTRA = "extra"


@dataclass(frozen=True, slots=True)
class SynthRow:
    """One synthetic row: 1-based ``row`` number, ``kind`` of corruption (``None`` if valid), the
    report as a dict, and :attr:`line`, its JSON Lines text (without the newline)."""

    row: int
    kind: str | None
    report: dict[str, Any]
    cut: int = 0
    #: the processor's own object the row is written as (``--native``), else ``None``
    native: dict[str, Any] | None = None

    @property
    def line(self) -> str:
        """The row as one line of JSON (cut off after ``cut`` characters for ``not_json`` rows;
        the processor's object for a native row)."""
        if self.native is not None:
            return _dumps(self.native)
        if self.kind == "not_json":
            report = {k: v for k, v in self.report.items() if k != "truncated_line"}
            return _dumps(report)[: self.cut]
        return _dumps(self.report)

    @property
    def record(self) -> dict[str, str | None]:
        """The row as one flat record (CSV/Parquet form): every value as text, ``None`` if absent."""
        from payfix.batch.columns import report_to_record

        record: dict[str, str | None] = {name: _text(value)
                                         for name, value in report_to_record(self.report).items()}
        record[FLAT_EXTRA] = None
        if self.kind == "unknown_field":
            record[FLAT_EXTRA] = "1"
        elif self.kind == "not_json":
            record["metadata"] = '{"source":"syn'
        return record


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@lru_cache(maxsize=1)
def _codes() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(scheme, deciding field, sorted codes) for every code map of the bundled pack."""
    from payfix.rules.bundled import bundled_pack

    pack = bundled_pack()
    return tuple((scheme, cmap.fields[0], tuple(sorted(cmap.codes)))
                 for scheme, cmap in sorted(pack.codemaps.items()))


def _weighted(rng: random.Random, options: Sequence[tuple[str, int]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _money(value: Decimal, currency: str) -> dict[str, str]:
    return {"value": str(value), "currency": currency}


def _amount(rng: random.Random, currency: str) -> Decimal:
    high = rng.random() < 0.04
    if currency == "JPY":
        return Decimal(rng.randint(500_000, 2_000_000) if high else rng.randint(100, 60_000))
    cents = rng.randint(500_000, 2_000_000) if high else rng.randint(100, 40_000)
    return Decimal(cents).scaleb(-2)


def _scaled(amount: Decimal, factor: float, currency: str) -> Decimal:
    exp = Decimal(1) if currency == "JPY" else Decimal("0.01")
    return (amount * Decimal(str(factor))).quantize(exp)


def _processor(rng: random.Random, method: str, currency: str, brand: str | None) -> dict[str, Any]:
    maps = {scheme: (field, codes) for scheme, field, codes in _codes()}
    if currency == "CNY" and method == "wallet_balance":
        candidates = ["alipay", "wechatpay"]
    elif brand == "mastercard":
        candidates = ["mastercard_mac", "iso8583", "stripe"]
    elif method in ("debit_card", "credit_card", "prepaid_card"):
        candidates = ["iso8583", "stripe", "paypal", "adyen", "checkout", "braintree",
                      "hyperswitch"]
    else:
        candidates = ["iso8583", "stripe", "paypal", "alipay", "wechatpay", "adyen", "braintree",
                      "antom", "razorpay", "razorpayx"]
    scheme = rng.choice([c for c in candidates if c in maps] or sorted(maps))
    field, codes = maps[scheme]
    out: dict[str, Any] = {"scheme": scheme, "codes": {field: rng.choice(codes)}}
    if scheme == "mastercard_mac":
        out["brand"] = "mastercard"
        out["codes"]["response_code"] = rng.choice(("05", "51", "54", "14"))
    elif brand is not None and rng.random() < 0.5:
        out["brand"] = brand
    out["stage"] = rng.choice(("authorisation", "authorisation", "risk", "authentication", "network"))
    if rng.random() < 0.05:
        out["answered"] = False
    return out


def _device(rng: random.Random, country: str) -> dict[str, Any]:
    state = rng.random()
    if state < 0.10:
        return {"online": False, "connection": "none", "signal_level": 0}
    device: dict[str, Any] = {"online": True, "connection": rng.choice(("wifi", "cellular", "wifi")),
                              "latency_ms": rng.randint(20, 400)}
    if state < 0.16:
        device.update(connection="wifi", public_wifi=True, captive_portal=True)
    elif state < 0.22:
        device.update(latency_ms=rng.randint(2_000, 30_000), packet_loss_pct=str(rng.randint(5, 60)))
    elif state < 0.26:
        device.update(vpn=True, network_country=rng.choice(("NL", "SG", "US", "BR")))
    elif state < 0.30:
        device.update(connection="cellular", roaming=True, network_country="FR" if country != "FR" else "IT")
    elif state < 0.33:
        device["clock_skew_s"] = rng.choice((-1, 1)) * rng.randint(600, 86_400)
    elif state < 0.37:
        device.update(app_version="3.1.0", app_min_version="4.0.0", app_latest_version="4.6.2")
    if rng.random() < 0.5:
        device["two_factor_enabled"] = rng.random() < 0.7
    if rng.random() < 0.02:
        device["rooted"] = True
    return device


def _report(rng: random.Random, seed: int, row: int) -> dict[str, Any]:
    currency = _weighted(rng, _CURRENCIES)
    country = rng.choice(_COUNTRY[currency])
    at = _BASE + timedelta(seconds=rng.randint(0, 180 * 86_400))
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S") + _TZ.get(currency, "Z")
    if currency in _TZ:  # the local wall clock of the offset, same instant
        hours = int(_TZ[currency][1:3])
        stamp = (at + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S") + _TZ[currency]
    kind = rng.choice(KINDS)
    method_type = _weighted(rng, _METHODS)
    amount = _amount(rng, currency)
    method: dict[str, Any] = {"type": method_type}
    brand: str | None = None
    if method_type.endswith("_card"):
        brand = "unionpay" if currency == "CNY" else "jcb" if currency == "JPY" and rng.random() < 0.5 \
            else rng.choice(_BRANDS[:3])
        expired = rng.random() < 0.08
        method["credential"] = rng.choice(("pan", "network_token", "wallet_token"))
        method["card"] = {
            "brand": brand, "funding": method_type.split("_")[0],
            "last4": f"{rng.randint(0, 9999):04d}", "expiry_month": rng.randint(1, 12),
            "expiry_year": rng.randint(2023, 2025) if expired else rng.randint(2027, 2032),
        }
    elif method_type == "bank_account":
        method["credential"] = "bank_credentials"
    if rng.random() < 0.03:
        method["status"] = rng.choice(("suspended", "removed"))
    attempt: dict[str, Any] = {"id": f"syn{seed}-{row:08d}", "at": stamp, "kind": kind,
                               "amount": _money(amount, currency), "method": method}
    if kind in ("purchase", "bill_payment"):
        attempt["payee"] = {"type": "merchant", "name": rng.choice(_MERCHANTS)}
    elif kind == "withdrawal" or (kind == "p2p_transfer" and rng.random() < 0.3):
        attempt["payee"] = {"type": "bank_account", "identifier": rng.choice(_IBANS), "name": "Chris Doe"}
        if rng.random() < 0.2:
            attempt["payee"]["name_check"] = rng.choice(("match", "partial_match", "no_match"))
    elif kind == "p2p_transfer":
        attempt["payee"] = {"type": "wallet_user", "name": rng.choice(("Ana", "Li Wei", "Sam"))}
    if kind == "p2p_transfer" and rng.random() < 0.5:
        attempt["fee"] = _money(Decimal(150) if currency == "JPY" else Decimal("1.50"), currency)
    if method_type == "wallet_balance" or rng.random() < 0.2:
        factor = rng.choice((0.2, 0.9, 1.0, 1.5, 3.0, 10.0))
        attempt["balance"] = {"available": _money(_scaled(amount, factor, currency), currency)}
        if rng.random() < 0.1:
            attempt["balance"]["pending_holds"] = _money(_scaled(amount, 0.5, currency), currency)
    if rng.random() < 0.85:
        attempt["processor"] = _processor(rng, method_type, currency, brand)
    if kind == "bill_payment" and rng.random() < 0.4:
        attempt["initiator"] = "merchant"
        attempt["payer_present"] = False
    escalation = rng.random()
    if escalation < 0.03:
        attempt["funds_debited"] = True
    elif escalation < 0.06:
        attempt["outcome"] = "unknown"
    report: dict[str, Any] = {"schema_version": "1", "attempt": attempt, "device": _device(rng, country)}
    status = "active" if rng.random() < 0.93 else rng.choice(("locked", "frozen", "closed"))
    report["account"] = {"status": status, "country": country, "kyc_level": rng.randint(0, 3)}
    if 0.06 <= escalation < 0.11 and "processor" in attempt:
        proc = attempt["processor"]
        code = next(iter(proc["codes"].values()))
        report["history"] = [
            {"at": (at - timedelta(minutes=15 * (n + 1))).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "outcome": "failed", "scheme": proc["scheme"], "code": code, "method_type": method_type}
            for n in reversed(range(rng.randint(1, 4)))
        ]
    if rng.random() < 0.3:
        report["metadata"] = {"source": "synth", "seed": str(seed)}
    return report


def _corrupt(rng: random.Random, report: dict[str, Any], kind: str) -> None:
    attempt = report["attempt"]
    if kind == "missing_field":
        del attempt[rng.choice(("id", "at", "kind", "amount", "method"))]
    elif kind == "wrong_type":
        target = rng.randrange(4)
        if target == 0:
            attempt["amount"] = attempt["amount"]["value"]
        elif target == 1:
            attempt["kind"] = 7
        elif target == 2:
            report["device"]["latency_ms"] = "fast"
        else:
            attempt["method"] = "card"
    elif kind == "bad_currency":
        attempt["amount"]["currency"] = rng.choice(("EURO", "XAU", "ZZZ", "E"))
        attempt.pop("fee", None)
    elif kind == "too_many_decimals":
        currency = attempt["amount"]["currency"]
        attempt["amount"]["value"] += ".5" if currency == "JPY" else "5"
    elif kind == "unknown_field":
        where = rng.randrange(3)
        if where == 0:
            attempt["tip"] = {"value": "1.00", "currency": attempt["amount"]["currency"]}
        elif where == 1:
            report["device"]["battery_pct"] = 12
        else:
            report["merchant_ref"] = "M-1"
    else:  # not_json: the line is cut off; as a dict, an unknown top-level field
        report["truncated_line"] = True


def synth_rows(rows: int, seed: int, corrupt_share: float = 0.0,
               profile: str | Path | None = None, native: bool = False) -> Iterator[SynthRow]:
    """Yield ``rows`` synthetic rows (1-based ``row``), ``floor(rows * corrupt_share)`` corrupted;
    with ``profile`` (a name of :data:`~payfix.batch.synthprofile.PROFILES` or a profile file)
    the failures follow its mix (:mod:`payfix.batch.synthprofile`), and with ``native`` each
    row is written as its processor's own object (:mod:`payfix.batch.synthnative`).

    Raises:
        ValueError: ``rows`` is negative, ``corrupt_share`` is outside 0..1, the profile is
            unknown or invalid, or ``native`` is asked without a profile, with corrupted rows,
            or for a profile whose reasons those processors' codes do not all carry.
    """
    if rows < 0:
        raise SynthError([Problem("synth", ("rows",), "rows must be >= 0", ctx={"key": "rows"})])
    if not 0.0 <= corrupt_share <= 1.0:
        raise SynthError([Problem("synth", ("corrupt_share",), "corrupt_share must be between 0 "
                                  "and 1", ctx={"key": "corrupt_share"})])
    if native and (profile is None or corrupt_share):
        raise SynthError([Problem("synth", ("native",), "native rows need a profile, and are "
                                  "written as the processors document them (no corrupted rows)",
                                  ctx={"key": "native"})])
    draw = _report
    if profile is not None:
        from payfix.batch.synthnative import native_object
        from payfix.batch.synthprofile import Drawer, load_profile

        draw = Drawer(load_profile(profile), native).report
    rng = random.Random(seed)
    for index in range(rows):
        report = draw(rng, seed, index + 1)
        if native:
            yield SynthRow(index + 1, None, report, native=native_object(report))
            continue
        kind: str | None = None
        cut = 0
        if int((index + 1) * corrupt_share) > int(index * corrupt_share):
            kind = rng.choice(CORRUPTIONS)
            _corrupt(rng, report, kind)
            if kind == "not_json":
                cut = rng.randint(10, len(_dumps(report)) - 40)
        yield SynthRow(index + 1, kind, report, cut)


def synth_reports(rows: int, seed: int, corrupt_share: float = 0.0,
                  profile: str | Path | None = None) -> Iterator[dict[str, Any]]:
    """Yield ``rows`` synthetic failed-payment reports as dicts (see the module docs)."""
    for row in synth_rows(rows, seed, corrupt_share, profile):
        yield row.report


