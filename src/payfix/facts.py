"""Enrichment: the flat, typed fact set rules read, derived purely from a report and a rule pack.

Facts are integers (money in minor units, durations, basis points), booleans and short strings. A
fact that cannot be known from the report is *absent* (see :mod:`payfix.conditions` for what rules
make of absent facts). No raw personal data ever becomes a fact: payee identifiers are reduced to
"valid?" and "what is wrong".

Example:
    >>> sorted(FACTS)[:3]
    ['account.status', 'attempt.amount_minor', 'attempt.currency']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from payfix.conditions import Scalar
from payfix.feefacts import Priced, price
from payfix.models.report import AttemptReport, ProcessorResponse
from payfix.money import to_minor
from payfix.pack import CodeEntry, RulePack
from payfix.payee import PROBLEMS, check_identifier

__all__ = ["FACTS", "FactSpec", "Facts", "FailureLookup", "derive_facts", "lookup_failure"]

Facts = dict[str, Scalar]


@dataclass(frozen=True, slots=True)
class FactSpec:
    """A fact's type (``int``, ``bool`` or ``str``), meaning, and allowed strings (if closed).

    ``domain == ("<reasons>",)`` means the pack's closed vocabulary of failure reasons.
    """

    type: str
    doc: str
    domain: tuple[str, ...] | None = None


_KINDS = ("purchase", "p2p_transfer", "bill_payment", "withdrawal", "top_up")
_METHODS = ("wallet_balance", "debit_card", "credit_card", "prepaid_card", "bank_account")
_PAYEES = ("merchant", "wallet_user", "bank_account", "card", "phone", "email")
REASONS_DOMAIN = ("<reasons>",)

#: Every fact a rule may read. Names are stable once released; add, never rename.
FACTS: dict[str, FactSpec] = {
    "account.status": FactSpec("str", "payer account status", ("active", "locked", "frozen", "closed")),
    "attempt.amount_minor": FactSpec("int", "attempted amount in minor units"),
    "attempt.currency": FactSpec("str", "ISO 4217 code of the amount"),
    "attempt.funds_debited": FactSpec("bool", "the payer's funds were debited although it failed"),
    "attempt.high_value": FactSpec("bool", "amount at or above the pack's high_value_minor"),
    "attempt.initiator": FactSpec("str", "who initiated the payment", ("customer", "merchant")),
    "attempt.kind": FactSpec("str", "kind of payment", _KINDS),
    "attempt.outcome": FactSpec("str", "failed, or outcome not known yet", ("failed", "unknown")),
    "attempt.payer_present": FactSpec("bool", "the payer was present (on-session)"),
    "balance.applies": FactSpec("bool", "the wallet balance funds this payment"),
    "balance.available_minor": FactSpec("int", "available balance in minor units (same currency)"),
    "balance.currency_matches": FactSpec("bool", "balance currency equals the amount currency"),
    "balance.fee_causes_shortfall": FactSpec(
        "bool", "the amount alone fits the balance, the amount plus its fee does not"
    ),
    "balance.fee_minor": FactSpec(
        "int", "fee for this attempt (the report's, else the schedule's quote), minor units"
    ),
    "balance.max_sendable_minor": FactSpec(
        "int", "largest amount whose amount plus fee fits the available balance, minor units"
    ),
    "balance.over_daily_limit": FactSpec("bool", "amount above what remains of the daily limit"),
    "balance.over_monthly_limit": FactSpec("bool", "amount above what remains of the monthly limit"),
    "balance.over_transaction_limit": FactSpec("bool", "amount above the per-payment limit"),
    "balance.pending_holds_minor": FactSpec("int", "pending holds on the balance, minor units"),
    "balance.required_minor": FactSpec("int", "amount plus known fee, minor units"),
    "balance.short_because_of_holds": FactSpec(
        "bool", "short now, but available plus pending holds would cover it"
    ),
    "balance.shortfall_minor": FactSpec("int", "required minus available when positive, else 0"),
    "device.app_outdated": FactSpec("bool", "app version below the minimum supported"),
    "device.captive_portal": FactSpec("bool", "Wi-Fi asks for a sign-in page before traffic passes"),
    "device.clock_skew_s": FactSpec("int", "absolute device clock error in seconds"),
    "device.country_mismatch": FactSpec(
        "bool", "the connection appears to come from another country than the account's"
    ),
    "device.connection": FactSpec(
        "str", "connection type", ("wifi", "cellular", "ethernet", "none", "unknown")
    ),
    "device.latency_ms": FactSpec("int", "measured round-trip latency in ms"),
    "device.online": FactSpec("bool", "the device had a network connection"),
    "device.packet_loss_bp": FactSpec("int", "packet loss in basis points (100 = 1%)"),
    "device.public_wifi": FactSpec("bool", "connected through public Wi-Fi"),
    "device.roaming": FactSpec("bool", "mobile data roaming"),
    "device.rooted": FactSpec("bool", "the device is rooted or jailbroken"),
    "device.signal_level": FactSpec("int", "signal strength 0 (none) to 4 (full)"),
    "device.two_factor_enabled": FactSpec("bool", "two-factor authentication is on"),
    "device.vpn": FactSpec("bool", "a VPN was active"),
    "failure.answered": FactSpec("bool", "the processor answered before the connection failed"),
    "failure.code": FactSpec("str", "the processor code that decided the reason"),
    "failure.customer_safe": FactSpec("bool", "the reason may be shown to the payer"),
    "failure.escalate": FactSpec("bool", "the code map says this code alone needs a human"),
    "failure.field": FactSpec(
        "str",
        "which processor code field decided",
        (
            "decline_code",
            "advice_code",
            "network_code",
            "merchant_advice_code",
            "sub_code",
            "response_code",
        ),
    ),
    "failure.fix_by": FactSpec(
        "str", "who can fix it", ("customer", "issuer", "merchant", "support", "none")
    ),
    "failure.known": FactSpec("bool", "the processor code is in the pack's code map"),
    "failure.reason": FactSpec("str", "unified failure reason", REASONS_DOMAIN),
    "failure.retry": FactSpec("str", "retry class of the code", ("now", "later", "never")),
    "failure.scheme": FactSpec("str", "code scheme of the processor answer"),
    "failure.stage": FactSpec(
        "str",
        "where the attempt failed",
        ("validation", "risk", "authentication", "authorisation", "capture", "network"),
    ),
    "history.auth_failures_24h": FactSpec(
        "int", "earlier tries in the 24 h before that failed authentication or PIN checks"
    ),
    "history.failures_24h": FactSpec("int", "earlier failed tries in the 24 h before"),
    "history.remedies_tried": FactSpec("int", "distinct remedies the payer already tried"),
    "history.same_code_failures": FactSpec("int", "earlier failed tries with the same code"),
    "method.card_expired": FactSpec("bool", "card expiry month ended before the attempt"),
    "method.credential": FactSpec(
        "str", "credential presented", ("pan", "network_token", "wallet_token", "bank_credentials")
    ),
    "method.status": FactSpec("str", "payment method status", ("active", "suspended", "removed")),
    "method.type": FactSpec("str", "payment method type", _METHODS),
    "payee.identifier_problem": FactSpec("str", "what is wrong with the identifier", PROBLEMS),
    "payee.amount_ratio_bp": FactSpec(
        "int", "amount over the median of earlier payments to this payee, basis points"
    ),
    "payee.identifier_valid": FactSpec("bool", "identifier passes its format and checksum"),
    "payee.is_payer": FactSpec("bool", "the payee identifier is the payer's own e-mail or phone"),
    "payee.name_check": FactSpec(
        "str", "recipient name check result", ("match", "partial_match", "no_match", "unavailable")
    ),
    "payee.type": FactSpec("str", "kind of payee", _PAYEES),
}


@dataclass(frozen=True, slots=True)
class FailureLookup:
    """The code map's verdict on a processor answer, and which field decided it."""

    scheme: str
    field: str | None
    code: str | None
    entry: CodeEntry | None


def lookup_failure(processor: ProcessorResponse, pack: RulePack) -> FailureLookup:
    """Pick the most specific code field the pack maps for this scheme.

    The map's ``fields`` give the precedence; a brand-specific entry (``"visa:70"``) wins over the
    plain code. With no mapped field, the first field that is present decides, as unknown.
    """
    codes = processor.codes
    codemap = pack.codemaps.get(processor.scheme)
    order = codemap.fields if codemap else tuple(type(codes).model_fields)
    first_present: tuple[str, str] | None = None
    for name in order:
        value = getattr(codes, name, None)
        if value is None:
            continue
        if first_present is None:
            first_present = (name, value)
        if codemap is not None:
            keys = (f"{processor.brand}:{value}", value) if processor.brand else (value,)
            for key in keys:
                if key in codemap.codes:
                    return FailureLookup(processor.scheme, name, value, codemap.codes[key])
    if first_present is None:
        return FailureLookup(processor.scheme, None, None, None)
    return FailureLookup(processor.scheme, first_present[0], first_present[1], None)


_AUTH_REASONS = frozenset({"authentication_failed", "incorrect_pin", "pin_tries_exceeded"})


def _payee_facts(report: AttemptReport, pack: RulePack, facts: Facts) -> None:
    payee = report.attempt.payee
    if payee is None:
        return
    facts["payee.type"] = payee.type
    _copy_present(payee, _PAYEE_COPIED, facts)
    if payee.identifier is not None:
        problem = check_identifier(payee.type, payee.identifier, payee.country)
        pattern = pack.settings.wallet_id_pattern
        if payee.type == "wallet_user" and pattern is not None:
            problem = None if re.fullmatch(pattern, payee.identifier) else "format"
        facts["payee.identifier_valid"] = problem is None
        if problem is not None:
            facts["payee.identifier_problem"] = problem
        account = report.account
        if account is not None and payee.type in ("email", "phone"):
            own = account.email if payee.type == "email" else account.phone
            if own is not None:
                facts["payee.is_payer"] = _same_contact(payee.type, payee.identifier, own)
    if not payee.previous_amounts:
        return
    amount = report.attempt.amount
    earlier = sorted(m.minor for m in payee.previous_amounts if m.currency == amount.currency)
    median = earlier[(len(earlier) - 1) // 2] if earlier else 0  # the lower median: an integer
    if median > 0:
        facts["payee.amount_ratio_bp"] = amount.minor * 10000 // median


def _same_contact(kind: str, left: str, right: str) -> bool:
    if kind == "email":
        return left.strip().lower() == right.strip().lower()
    digits = ["".join(ch for ch in text if ch.isdigit()) for text in (left, right)]
    return len(digits[0]) >= 7 and digits[0][-10:] == digits[1][-10:]


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (4 - len(parts)))


def _card_expired(month: int, year: int, at: datetime) -> bool:
    # A card is valid through the last day of its expiry month.
    return (at.year, at.month) > (year, month)


#: Optional fields copied into the facts as they are when present: (model field, fact name).
_ATTEMPT_COPIED = (("funds_debited", "attempt.funds_debited"), ("payer_present", "attempt.payer_present"))
_METHOD_COPIED = (("credential", "method.credential"), ("status", "method.status"))
_PAYEE_COPIED = (("name_check", "payee.name_check"),)
_PROCESSOR_COPIED = (("stage", "failure.stage"), ("answered", "failure.answered"))
_DEVICE_COPIED = (
    ("online", "device.online"), ("connection", "device.connection"),
    ("public_wifi", "device.public_wifi"), ("captive_portal", "device.captive_portal"),
    ("rooted", "device.rooted"), ("latency_ms", "device.latency_ms"),
    ("signal_level", "device.signal_level"), ("vpn", "device.vpn"), ("roaming", "device.roaming"),
    ("two_factor_enabled", "device.two_factor_enabled"),
)


def _copy_present(model: BaseModel, fields: tuple[tuple[str, str], ...], facts: Facts) -> None:
    """Copy each of ``fields`` of ``model`` that is present (not ``None``) to its fact, reading
    the model's field values directly (a pydantic attribute read costs several dict lookups)."""
    values = model.__dict__
    for field, fact in fields:
        value = values[field]
        if value is not None:
            facts[fact] = value


def _device_facts(report: AttemptReport, facts: Facts) -> None:
    device = report.device
    if device is None:
        return
    _copy_present(device, _DEVICE_COPIED, facts)
    account_country = report.account.country if report.account is not None else None
    if device.network_country is not None and account_country is not None:
        facts["device.country_mismatch"] = device.network_country != account_country
    if device.packet_loss_pct is not None:
        numerator, denominator = device.packet_loss_pct.as_integer_ratio()  # exact, any context
        facts["device.packet_loss_bp"] = numerator * 100 // denominator
    if device.clock_skew_s is not None:
        facts["device.clock_skew_s"] = abs(device.clock_skew_s)
    if device.app_version is not None and device.app_min_version is not None:
        outdated = _version_tuple(device.app_version) < _version_tuple(device.app_min_version)
        facts["device.app_outdated"] = outdated


def _balance_facts(report: AttemptReport, priced: Priced | None, facts: Facts) -> None:
    attempt = report.attempt
    currency = attempt.amount.currency
    facts["balance.applies"] = attempt.method.type == "wallet_balance"
    if attempt.fee is not None:  # what the processor charged wins over the schedule
        fee = attempt.fee.minor
        required = attempt.amount.minor + fee
    elif priced is not None:
        fee = to_minor(priced.quote.fee, currency)
        required = to_minor(priced.quote.debited, currency)
    else:
        fee, required = 0, attempt.amount.minor
    facts["balance.fee_minor"] = fee
    facts["balance.required_minor"] = required
    balance = attempt.balance
    if balance is None:
        return
    matches = balance.available.currency == attempt.amount.currency
    facts["balance.currency_matches"] = matches
    if not matches:
        return
    available = balance.available.minor
    facts["balance.available_minor"] = available
    facts["balance.shortfall_minor"] = max(0, required - available)
    facts["balance.fee_causes_shortfall"] = attempt.amount.minor <= available < required
    if priced is not None and priced.max_sendable is not None:
        facts["balance.max_sendable_minor"] = to_minor(priced.max_sendable, currency)
    limits = balance.limits
    if limits is not None:
        for name, limit in (("balance.over_transaction_limit", limits.per_transaction),
                            ("balance.over_daily_limit", limits.daily_remaining),
                            ("balance.over_monthly_limit", limits.monthly_remaining)):
            if limit is not None and limit.currency == attempt.amount.currency:
                facts[name] = attempt.amount.minor > limit.minor
    holds = balance.pending_holds
    if holds is not None and holds.currency == attempt.amount.currency:
        facts["balance.pending_holds_minor"] = holds.minor
        facts["balance.short_because_of_holds"] = available < required <= available + holds.minor


def _failure_facts(report: AttemptReport, pack: RulePack, facts: Facts,
                   found: FailureLookup | None) -> None:
    processor = report.attempt.processor
    if processor is None:
        return
    facts["failure.scheme"] = processor.scheme
    _copy_present(processor, _PROCESSOR_COPIED, facts)
    if found is None:
        found = lookup_failure(processor, pack)
    if found.field is not None:
        facts["failure.field"] = found.field
    if found.code is not None:
        facts["failure.code"] = found.code
    if found.code is None:
        return
    facts["failure.known"] = found.entry is not None
    if found.entry is not None:
        facts["failure.reason"] = found.entry.reason
        facts["failure.retry"] = found.entry.retry
        facts["failure.customer_safe"] = found.entry.customer_safe
        facts["failure.fix_by"] = found.entry.fix_by
        facts["failure.escalate"] = found.entry.escalate
    if not report.history:
        facts["history.auth_failures_24h"] = facts["history.same_code_failures"] = 0
        return
    codemap = pack.codemaps.get(processor.scheme)
    window = report.attempt.at - timedelta(hours=24)
    auth_failures = 0
    for prior in report.history:
        if prior.outcome != "failed" or prior.at < window or prior.code is None:
            continue
        entry = codemap.codes.get(prior.code) if codemap is not None else None
        if entry is not None and prior.scheme in (None, processor.scheme):
            auth_failures += entry.reason in _AUTH_REASONS
    facts["history.auth_failures_24h"] = auth_failures
    facts["history.same_code_failures"] = sum(
        1
        for p in report.history
        if p.outcome == "failed" and p.code == found.code and p.scheme in (None, processor.scheme)
    )


def derive_facts(report: AttemptReport, pack: RulePack,
                 priced: Priced | Literal["auto"] | None = "auto",
                 found: FailureLookup | None = None) -> Facts:
    """The fact set for ``report`` under ``pack`` (code maps, fee schedules): a pure function
    (compare fact sets as mappings; the keys come in no promised order). ``priced`` is the
    report's fee quote when the caller already has it (``None``: no schedule prices it);
    ``"auto"`` prices the report here. ``found`` is
    ``lookup_failure(report.attempt.processor, pack)`` when the caller already has it.

    Raises:
        InvalidReportError: the report names a fee schedule the pack cannot use.
    """
    if priced == "auto":
        priced = price(report, pack)
    attempt = report.attempt
    facts: Facts = {
        "attempt.kind": attempt.kind,
        "attempt.amount_minor": attempt.amount.minor,
        "attempt.currency": attempt.amount.currency,
        "attempt.initiator": attempt.initiator,
        "attempt.outcome": attempt.outcome,
        "method.type": attempt.method.type,
    }
    _copy_present(attempt, _ATTEMPT_COPIED, facts)
    _copy_present(attempt.method, _METHOD_COPIED, facts)
    card = attempt.method.card
    if card is not None and card.expiry_month is not None and card.expiry_year is not None:
        facts["method.card_expired"] = _card_expired(card.expiry_month, card.expiry_year, attempt.at)
    _payee_facts(report, pack, facts)
    if report.account is not None:
        facts["account.status"] = report.account.status
    limits = pack.settings.high_value_minor
    limit = limits.get(attempt.amount.currency, limits.get("default"))
    if limit is not None:
        facts["attempt.high_value"] = attempt.amount.minor >= limit
    facts["history.remedies_tried"] = len(set(attempt.remedies_tried))
    failures = 0
    if report.history:
        window = attempt.at - timedelta(hours=24)
        failures = sum(1 for p in report.history if p.outcome == "failed" and p.at >= window)
    facts["history.failures_24h"] = failures
    _device_facts(report, facts)
    _balance_facts(report, priced, facts)
    _failure_facts(report, pack, facts, found)
    return facts


def fact_domain(name: str, pack_reasons: tuple[str, ...]) -> tuple[str, ...] | None:
    """Allowed string values of fact ``name`` (the pack's reasons for ``failure.reason``)."""
    spec = FACTS[name]
    return pack_reasons if spec.domain == REASONS_DOMAIN else spec.domain


def facts_view(facts: Mapping[str, Scalar], names: tuple[str, ...]) -> dict[str, Scalar | None]:
    """The values of ``names`` in ``facts`` (``None`` for missing), in the order given."""
    return {name: facts.get(name) for name in names}
