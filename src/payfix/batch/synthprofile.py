"""Synthetic failures shaped like real ones: ``payfix synth --profile NAME``.

A profile (``src/payfix/batch/profiles/<name>.yaml``, or a file of the same form) says what
share of failures has each payfix reason, each share with what it rests on (a published figure
in the profile's ``sources``, or an assumption named as such); which currencies, payment methods
and kinds are failing; which processors' codes carry the reasons (each row's code is drawn from
the code maps of ``schemes`` that map it to the row's reason, so a replay reads back the mix);
the share of codes no map knows; how often a failure needs a person; and when failures happen:
volume by weekday and hour in the payer's local time, and how much likelier a payment is to fail
at night. Rows are drawn from the caller's ``random.Random``, so a seed gives the same file.

Example:
    >>> profile = load_profile("card-online")
    >>> profile.title, sum(r.share for r in profile.reasons)
    ('Failed card payments, card not present', 100.0)
    >>> sorted(PROFILES)
    ['card-online', 'wallet-upi']
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from ruamel.yaml import YAML

from payfix.errors import Problem, ReportValueError, SynthError
from payfix.inputs.intake import problem_ctx
from payfix.vocab import KINDS, METHOD_TYPES

__all__ = ["OFFLINE", "PROFILES", "Drawer", "Profile", "load_profile", "profile_report"]


#: The profiles payfix ships, by name.
PROFILES = ("card-online", "wallet-upi")
#: The reason of a payment that never reached the processor (the device was offline).
OFFLINE = "offline"
#: Where a currency's payers are: countries, and the UTC offset their times are written in.
_PLACES: Mapping[str, tuple[tuple[str, ...], str]] = {
    "EUR": (("DE", "FR", "NL", "ES"), "+01:00"), "USD": (("US",), "-05:00"),
    "GBP": (("GB",), "Z"), "CNY": (("CN",), "+08:00"), "JPY": (("JP",), "+09:00"),
    "INR": (("IN",), "+05:30")}
_MERCHANTS = ("Streamly", "Bakery Blum", "City Power", "Metro Transit", "Cloud Books", "Kaffeehaus")
_NAMES = ("Ana", "Li Wei", "Sam", "Priya", "Ravi")
#: Where in the processor's flow a reason stops a payment.
_STAGES = {"suspected_fraud": "risk", "authentication_failed": "authentication",
           "authentication_required": "authentication", "issuer_unavailable": "network",
           "processing_error": "network"}


class Source(BaseModel):
    """A published figure a profile rests on."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    title: str
    url: str
    says: str


#: A relative weight (of a currency, a method, a weekday ...): finite, not negative.
Weight = Annotated[float, Field(ge=0, allow_inf_nan=False)]
#: A share in percent.
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class Share(BaseModel):
    """One reason's share of failures, in percent, and what it rests on."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    reason: str
    share: float = Field(gt=0, le=100, allow_inf_nan=False)
    sources: tuple[str, ...] = ()
    basis: str


class Night(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    start: int = Field(alias="from", ge=0, le=23)
    end: int = Field(alias="to", ge=1, le=24)
    factor: float = Field(gt=0, le=10, allow_inf_nan=False)


class Profile(BaseModel):
    """A failure mix (see the module docs); every share and weight is checked when loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    sources: tuple[Source, ...]
    currencies: dict[str, Weight] = Field(min_length=1)
    methods: dict[str, Weight] = Field(min_length=1)
    kinds: dict[str, Weight] = Field(min_length=1)
    schemes: tuple[str, ...] = Field(min_length=1)
    reasons: tuple[Share, ...] = Field(min_length=1)
    unmapped: Percent
    escalation: dict[str, Percent]
    weekdays: tuple[Weight, ...] = Field(min_length=7, max_length=7)
    hours: tuple[Weight, ...] = Field(min_length=24, max_length=24)
    night: Night
    time_sources: tuple[str, ...] = ()
    #: the first day of the time axis (a card's expiry is drawn up to five years after a row)
    start: date = Field(ge=date(2001, 1, 1), le=date(2090, 12, 31))
    weeks: int = Field(ge=1, le=260)

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        from payfix.rules.bundled import bundled_pack

        pack = bundled_pack()
        cited = {source.id for source in self.sources}
        problems: list[tuple[str, str, dict[str, Any]]] = []  # (key, message, what it names)
        if abs(sum(r.share for r in self.reasons) - 100) > 1e-9:
            problems.append(("shares", "reason shares must add up to 100", {}))
        for share in self.reasons:
            if share.reason != OFFLINE and share.reason not in pack.settings.reasons:
                problems.append(("reason", f"{share.reason!r} is not a reason of the rule pack",
                                 {"reason": share.reason}))
            if share.reason == "approved":
                problems.append(("approved", "'approved' is not a failure", {}))
        unknown = {s for r in self.reasons for s in r.sources} | set(self.time_sources)
        if unknown - cited:
            problems.append(("sources", f"sources not listed: {sorted(unknown - cited)}",
                             {"names": ", ".join(sorted(unknown - cited))}))
        if set(self.schemes) - set(pack.codemaps):
            names = sorted(set(self.schemes) - set(pack.codemaps))
            problems.append(("schemes", f"schemes without a code map: {names}",
                             {"names": ", ".join(names)}))
        if set(self.currencies) - set(_PLACES):
            names = sorted(set(self.currencies) - set(_PLACES))
            problems.append(("currencies", f"currencies without a place: {names}",
                             {"names": ", ".join(names)}))
        if set(self.methods) - set(METHOD_TYPES) or set(self.kinds) - set(KINDS):
            problems.append(("method_kind", "unknown payment method or kind", {}))
        if set(self.escalation) - {"funds_debited", "outcome_unknown", "repeated_failures",
                                   "account_locked"}:
            problems.append(("escalation", "escalation names funds_debited, outcome_unknown, "
                             "repeated_failures, account_locked", {}))
        codes = _codes_by_reason()
        lacking = sorted({r.reason for r in self.reasons if r.reason != OFFLINE} - set(codes))
        if lacking:
            problems.append(("no_code", f"no code map carries {', '.join(lacking)}",
                             {"names": ", ".join(lacking)}))
        for name, weights in (("currencies", self.currencies.values()),
                              ("methods", self.methods.values()), ("kinds", self.kinds.values()),
                              ("weekdays", self.weekdays), ("hours", self.hours)):
            if not any(weights):
                problems.append(("weight", f"{name}: at least one weight must be above 0",
                                 {"name": name}))
        if self.night.start >= self.night.end:
            problems.append(("night", "night: 'from' must be before 'to'", {}))
        if problems:
            raise ReportValueError("profile", "; ".join(msg for _, msg, _ in problems),
                                   checks=problems)
        return self


def load_profile(name_or_path: str | Path) -> Profile:
    """A profile payfix ships (:data:`PROFILES`), or one read from a YAML file.

    Raises:
        ValueError: no such profile, or the file is not a valid profile (what is wrong said).
    """
    if str(name_or_path) in PROFILES:
        return _bundled(str(name_or_path))
    path = Path(name_or_path)
    if not path.is_file():
        name = str(name_or_path)[:80]
        raise SynthError([Problem("synth", (), f"no profile {name!r}: name one of "
                                  f"{', '.join(PROFILES)} or a profile file (.yaml)",
                                  ctx={"key": "no_profile", "name": name,
                                       "profiles": ", ".join(PROFILES)})])
    return _parse(path.read_text(encoding="utf-8"), path.name)


@cache
def _bundled(name: str) -> Profile:
    text = resources.files("payfix.batch").joinpath(f"profiles/{name}.yaml").read_text(
        encoding="utf-8")
    return _parse(text, f"{name}.yaml")


def _parse(text: str, where: str) -> Profile:
    try:
        return Profile.model_validate(YAML(typ="safe").load(text))
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        at = ".".join(str(part) for part in first["loc"]) or "<root>"
        found = first.get("ctx", {}).get("error")
        if isinstance(found, ReportValueError) and found.key == "profile":
            raise SynthError([
                Problem("synth", (), f"{where}: {at}: {msg}" if i == 0 else msg,
                        ctx={"key": f"profile_{key}", "file": f"{where}: {at}: " if i == 0 else "",
                             **params})
                for i, (key, msg, params) in enumerate(found.params["checks"])]) from None
        raise SynthError([Problem(f"profile.{first['type']}", tuple(first["loc"]),
                                  f"{where}: {at}: {first['msg']}",
                                  ctx={"path": f"{where}: {at}",
                                       **(problem_ctx(first.get("ctx")) or {})})]) from None
    except Exception as error:  # YAML syntax
        raise SynthError([Problem("synth", (), f"{where}: not a profile: {type(error).__name__}",
                                  ctx={"key": "not_profile", "file": where,
                                       "detail": type(error).__name__})]) from None


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _cumulative(profile: Profile) -> tuple[float, ...]:
    """Cumulative weights of the 168 hours of a week (Monday 00:00 first)."""
    night = profile.night
    total = 0.0
    out = []
    for day in range(7):
        for hour in range(24):
            total += profile.weekdays[day] * profile.hours[hour] * (
                night.factor if night.start <= hour < night.end else 1.0)
            out.append(total)
    return tuple(out)


@lru_cache(maxsize=1)
def _codes_by_reason() -> Mapping[str, Mapping[str, tuple[tuple[str, str], ...]]]:
    """reason -> scheme -> ``(deciding field, code)`` of every plain code (no brand prefix, no
    date limits) the bundled pack maps to that reason. A code the merchant must fix (its own
    risk rules, its integration) is kept only for a reason no other code carries: the profiles
    describe what payers meet, not a merchant's set-up."""
    from payfix.rules.bundled import bundled_pack

    out: dict[str, dict[str, list[tuple[str, str]]]] = {}
    merchant: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for scheme, cmap in sorted(bundled_pack().codemaps.items()):
        for code, entry in sorted(cmap.codes.items()):
            if ":" in code or entry.valid_from or entry.valid_until:
                continue
            into = merchant if entry.fix_by == "merchant" else out
            into.setdefault(entry.reason, {}).setdefault(scheme, []).append((cmap.fields[0], code))
    for reason, by in merchant.items():
        out.setdefault(reason, by)
    return {reason: {scheme: tuple(codes) for scheme, codes in by.items()}
            for reason, by in out.items()}


def _code(rng: random.Random, profile: Profile, reason: str) -> tuple[str, str, str]:
    """``(scheme, field, code)`` carrying ``reason``, from the profile's schemes where they
    carry it (else from any scheme that does)."""
    by_scheme = _codes_by_reason()[reason]
    schemes = [s for s in profile.schemes if s in by_scheme] or sorted(by_scheme)
    scheme = rng.choice(schemes)
    field, code = rng.choice(by_scheme[scheme])
    return scheme, field, code


def _unmapped(rng: random.Random, profile: Profile) -> tuple[str, str, str]:
    from payfix.rules.bundled import bundled_pack

    scheme = rng.choice(profile.schemes)
    cmap = bundled_pack().codemaps[scheme]
    while True:
        code = (f"{rng.choice('QWXYZ')}{rng.randint(0, 9)}" if scheme == "iso8583"
                else f"unlisted_error_{rng.randint(1, 40)}")
        if code not in cmap.codes:
            return scheme, cmap.fields[0], code


def _amount(rng: random.Random, currency: str) -> Decimal:
    if currency == "JPY":
        return Decimal(rng.randint(100, 60_000))
    return Decimal(rng.randint(100, 40_000)).scaleb(-2)


def _stamp(moment: datetime, offset: str) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + offset


class Drawer:
    """Draws failed payments from one profile (its week of weights worked out once); with
    ``native``, only with codes of processors whose own objects payfix writes
    (:data:`~payfix.batch.synthnative.NATIVE_SCHEMES`).

    Raises:
        ValueError: ``native`` and the profile has a reason no such processor's code carries.
    """

    def __init__(self, profile: Profile, native: bool = False) -> None:
        if native:
            from payfix.batch.synthnative import NATIVE_SCHEMES

            schemes = tuple(s for s in profile.schemes if s in NATIVE_SCHEMES) or NATIVE_SCHEMES
            lacking = [r.reason for r in profile.reasons if r.reason == OFFLINE
                       or not set(_codes_by_reason().get(r.reason, {})) & set(schemes)]
            if lacking:
                raise SynthError([Problem(
                    "synth", (), f"--native writes Stripe, Checkout.com and Braintree objects; "
                    f"none of them carries {', '.join(lacking)} of this profile",
                    ctx={"key": "native_lacks", "names": ", ".join(lacking)})])
            profile = profile.model_copy(update={"schemes": schemes})
        self.profile = profile
        self.cumulative = _cumulative(profile)

    def report(self, rng: random.Random, seed: int, row: int) -> dict[str, Any]:
        """One failed payment drawn from the profile (a payfix report as a dict)."""
        return profile_report(rng, seed, row, self.profile, self.cumulative)


def profile_report(rng: random.Random, seed: int, row: int, profile: Profile,
                   cumulative: Sequence[float] | None = None) -> dict[str, Any]:
    """One failed payment drawn from ``profile`` (a payfix report as a dict); ``cumulative``
    is the profile's week of weights when the caller has worked it out (:class:`Drawer`)."""
    reason = rng.choices([r.reason for r in profile.reasons],
                         weights=[r.share for r in profile.reasons])[0]
    currency = _weighted(rng, profile.currencies)
    countries, offset = _PLACES[currency]
    slot = rng.choices(range(168), cum_weights=cumulative or _cumulative(profile))[0]
    local = datetime(profile.start.year, profile.start.month, profile.start.day) + timedelta(
        days=7 * rng.randrange(profile.weeks) + slot // 24, hours=slot % 24,
        seconds=rng.randrange(3600))
    kind = _weighted(rng, profile.kinds)
    method_type = _weighted(rng, profile.methods)
    amount = _amount(rng, currency)
    method: dict[str, Any] = {"type": method_type}
    if method_type.endswith("_card"):
        year = local.year + (-1 if reason == "expired_card" else rng.randint(1, 5))
        method["card"] = {"brand": rng.choice(("visa", "mastercard", "amex")),
                          "funding": method_type.split("_")[0],
                          "last4": f"{rng.randint(0, 9999):04d}",
                          "expiry_month": rng.randint(1, 12), "expiry_year": year}
    money = {"value": str(amount), "currency": currency}
    attempt: dict[str, Any] = {"id": f"syn{seed}-{row:08d}", "at": _stamp(local, offset),
                               "kind": kind, "amount": money, "method": method}
    attempt["payee"] = ({"type": "wallet_user", "name": rng.choice(_NAMES)} if kind == "p2p_transfer"
                        else {"type": "merchant", "name": rng.choice(_MERCHANTS)})
    if method_type == "wallet_balance":
        factor = rng.choice((0.2, 0.5, 0.9)) if reason == "insufficient_funds" \
            else rng.choice((1.5, 3.0, 10.0))
        attempt["balance"] = {"available": {"value": str((amount * Decimal(str(factor))).quantize(
            Decimal(1) if currency == "JPY" else Decimal("0.01"))), "currency": currency}}
    device: dict[str, Any] = {"online": True, "connection": rng.choice(("wifi", "cellular")),
                              "latency_ms": rng.randint(20, 400)}
    if reason == OFFLINE:
        device = {"online": False, "connection": "none", "signal_level": 0}
    else:
        scheme, field, code = (_unmapped(rng, profile) if rng.random() * 100 < profile.unmapped
                               else _code(rng, profile, reason))
        attempt["processor"] = {"scheme": scheme, "codes": {field: code},
                                "stage": _STAGES.get(reason, "authorisation")}
    report: dict[str, Any] = {"schema_version": "1", "attempt": attempt, "device": device,
                              "account": {"status": "active", "country": rng.choice(countries)}}
    _escalations(rng, profile, report, local, offset)
    return report


def _escalations(rng: random.Random, profile: Profile, report: dict[str, Any], local: datetime,
                 offset: str) -> None:
    """The profile's share of failures that need a person, each kind drawn on its own."""
    attempt = report["attempt"]
    chance = profile.escalation
    if rng.random() * 100 < chance.get("funds_debited", 0):
        attempt["funds_debited"] = True
    elif rng.random() * 100 < chance.get("outcome_unknown", 0):
        attempt["outcome"] = "unknown"
    if rng.random() * 100 < chance.get("account_locked", 0):
        report["account"]["status"] = "locked"
    processor = attempt.get("processor")
    if processor is not None and rng.random() * 100 < chance.get("repeated_failures", 0):
        code = next(iter(processor["codes"].values()))
        report["history"] = [
            {"at": _stamp(local - timedelta(minutes=10 * (n + 1)), offset), "outcome": "failed",
             "scheme": processor["scheme"], "code": code,
             "method_type": attempt["method"]["type"]}
            for n in reversed(range(rng.randint(2, 4)))]
