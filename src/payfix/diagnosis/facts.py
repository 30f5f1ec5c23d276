"""Enrichment: the flat, typed fact set rules read, derived purely from a report and a rule pack.

Facts are integers (money in minor units, durations, basis points), booleans and short strings. A
fact that cannot be known from the report is *absent* (see :mod:`payfix.rules.conditions` for what rules
make of absent facts). No raw personal data ever becomes a fact: payee identifiers are reduced to
"valid?" and "what is wrong".

The facts rules may read, with their types and meanings, are :data:`payfix.vocab.FACTS`.

Example:
    >>> from payfix.rules.loader import load_pack
    >>> from payfix.inputs.intake import parse_report
    >>> from pathlib import Path
    >>> report = parse_report(Path("examples/reports/network_offline.json").read_text(encoding="utf-8"))
    >>> derive_facts(report, load_pack())["device.online"]
    False
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from payfix._memo import remember
from payfix.diagnosis.feefacts import Priced, price
from payfix.diagnosis.payee import check_identifier, check_wallet_id
from payfix.knowledge.lookup import FailureLookup, lookup_failure
from payfix.models.report import AttemptReport
from payfix.money import to_minor
from payfix.rules.pack import RulePack
from payfix.vocab import Scalar

__all__ = ["CHECKED_SIZE", "Checked", "Facts", "derive_facts", "facts_view"]

Facts = dict[str, Scalar]


_AUTH_REASONS = frozenset({"authentication_failed", "incorrect_pin", "pin_tries_exceeded"})
_RESET = "security.reset_credentials"  # the remedy that clears a lock after failed passwords


#: A memo of identifier checks, ``(payee type, identifier, country)`` → problem (see
#: :func:`derive_facts`).
Checked = dict[tuple[str, str, str | None], str | None]
#: Entries at which a :data:`Checked` memo is cleared.
CHECKED_SIZE = 4096


def _payee_facts(report: AttemptReport, pack: RulePack, facts: Facts,
                 checked: Checked | None) -> None:
    payee = report.attempt.payee
    if payee is None:
        return
    facts["payee.type"] = payee.type
    _copy_present(payee, _PAYEE_COPIED, facts)
    if payee.identifier is not None:
        key = (payee.type, payee.identifier, payee.country)
        pattern = pack.settings.wallet_id_pattern
        if payee.type == "wallet_user" and pattern is not None:
            problem = check_wallet_id(pattern, payee.identifier)
        elif checked is None:
            problem = check_identifier(*key)
        elif key in checked:
            problem = checked[key]
        else:
            problem = check_identifier(*key)
            remember(checked, key, problem, CHECKED_SIZE)
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
    """Balance facts in the currency the payer is charged in (after a card-abroad conversion,
    as priced, else rounded half-even)."""
    attempt = report.attempt
    if priced is not None and attempt.conversion is not None:
        charged, currency = priced.quote.amount, priced.quote.currency
    else:
        charged, currency = attempt.charged()
    amount_minor = to_minor(charged, currency)
    facts["balance.applies"] = attempt.method.type == "wallet_balance"
    if attempt.fee is not None:  # what the processor charged wins over the schedule
        fee = attempt.fee.minor
        required = amount_minor + fee
    elif priced is not None:
        fee = to_minor(priced.quote.fee, currency)
        required = to_minor(priced.quote.debited, currency)
    else:
        fee, required = 0, amount_minor
    facts["balance.fee_minor"] = fee
    facts["balance.required_minor"] = required
    balance = attempt.balance
    if balance is None:
        return
    matches = balance.available.currency == currency
    facts["balance.currency_matches"] = matches
    if not matches:
        return
    available = balance.available.minor
    facts["balance.available_minor"] = available
    facts["balance.shortfall_minor"] = max(0, required - available)
    facts["balance.fee_causes_shortfall"] = amount_minor <= available < required
    if priced is not None and priced.max_sendable is not None:
        facts["balance.max_sendable_minor"] = to_minor(priced.max_sendable, currency)
    limits = balance.limits
    if limits is not None:
        for name, limit in (("balance.over_transaction_limit", limits.per_transaction),
                            ("balance.over_daily_limit", limits.daily_remaining),
                            ("balance.over_monthly_limit", limits.monthly_remaining)):
            if limit is not None and limit.currency == currency:
                facts[name] = amount_minor > limit.minor
    holds = balance.pending_holds
    if holds is not None and holds.currency == currency:
        facts["balance.pending_holds_minor"] = holds.minor
        facts["balance.short_because_of_holds"] = available < required <= available + holds.minor


def _failure_facts(report: AttemptReport, pack: RulePack, facts: Facts,
                   found: FailureLookup | None, day: date | None) -> None:
    processor = report.attempt.processor
    if processor is None:
        return
    _copy_present(processor, _PROCESSOR_COPIED, facts)
    if found is None:
        found = lookup_failure(processor, pack, day or report.attempt.at.date())
    facts["failure.scheme"] = found.scheme  # a related code of another scheme may have decided
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
        entry = codemap.entry(prior.code, day or prior.at.date()) if codemap is not None else None
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
                 found: FailureLookup | None = None, checked: Checked | None = None,
                 day: date | None = None) -> Facts:
    """The fact set for ``report`` under ``pack`` (code maps, fee schedules): a pure function
    (compare fact sets as mappings; the keys come in no promised order). ``priced`` is the
    report's fee quote when the caller already has it (``None``: no schedule prices it);
    ``"auto"`` prices the report here. ``found`` is
    ``lookup_failure(report.attempt.processor, pack)`` when the caller already has it.
    ``day`` is the day whose code meanings and fee schedules apply (``None``: each attempt's
    own). ``checked`` remembers payee identifier checks (an IBAN or phone check costs about 20 µs) for
    the caller that owns it, such as one :class:`~payfix.Diagnoser`; nothing is remembered
    between calls without it.

    Raises:
        InvalidReportError: the report names a fee schedule the pack cannot use.
    """
    if priced == "auto":
        priced = price(report, pack, day=day)
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
    _payee_facts(report, pack, facts, checked)
    if report.account is not None:
        facts["account.status"] = report.account.status
    limits = pack.settings.high_value_minor
    limit = limits.get(attempt.amount.currency, limits.get("default"))
    if limit is not None:
        facts["attempt.high_value"] = attempt.amount.minor >= limit
    facts["history.remedies_tried"] = len(set(attempt.remedies_tried))
    facts["history.credentials_reset_tried"] = _RESET in attempt.remedies_tried
    failures = 0
    if report.history:
        window = attempt.at - timedelta(hours=24)
        failures = sum(1 for p in report.history if p.outcome == "failed" and p.at >= window)
    facts["history.failures_24h"] = failures
    _device_facts(report, facts)
    _balance_facts(report, priced, facts)
    _failure_facts(report, pack, facts, found, day)
    return facts


def facts_view(facts: Mapping[str, Scalar], names: tuple[str, ...]) -> dict[str, Scalar | None]:
    """The values of ``names`` in ``facts`` (``None`` for missing), in the order given."""
    return {name: facts.get(name) for name in names}
