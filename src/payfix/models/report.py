"""The report: what a wallet knows when a payment fails (wire format, schema version 1).

A report is an :class:`AttemptReport`: the failed ``attempt``, the ``device`` it was made on, the
``account`` it was made from, and the ``history`` of earlier tries of the same payment. Everything
but the attempt is optional; rules that need a missing fact simply do not fire.

Contract (documented in ``docs/report-format.md``):

* ``schema_version`` is ``"1"`` or ``"1.<minor>"``; minor versions only add optional fields, so
  this reader accepts any ``1.x`` report that uses only the fields it knows, and names any newer
  field it does not know as an unknown field.
* Unknown fields are rejected, at every level, with a message naming the field. Operator data that
  payfix must carry but never read goes under ``metadata`` (string values only).
* Money is a decimal string or number with at most the currency's ISO 4217 minor digits.
* Times are ISO 8601 with a UTC offset.

Example:
    >>> r = AttemptReport.model_validate({
    ...     "schema_version": "1",
    ...     "attempt": {"id": "a1", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
    ...                 "amount": {"value": "12.50", "currency": "EUR"},
    ...                 "method": {"type": "wallet_balance"}}})
    >>> r.attempt.amount.minor
    1250
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from payfix.masking import shown
from payfix.models._base import ShortText, Slug, _Model
from payfix.models.processor import ProcessorCodes, ProcessorResponse, RelatedCode
from payfix.money import MAX_MINOR, from_minor, is_currency, minor_unit_exponent, to_minor
from payfix.vocab import (
    AccountStatus,
    AttemptOutcome,
    CardBrand,
    Connection,
    Credential,
    Initiator,
    MethodStatus,
    MethodType,
    NameCheck,
    PayeeType,
    PaymentKind,
)

__all__ = [
    "SCHEMA_VERSION",
    "Account",
    "Attempt",
    "AttemptReport",
    "Balance",
    "Card",
    "DeviceContext",
    "FeeUsage",
    "FxConversion",
    "Limits",
    "Money",
    "Payee",
    "PaymentMethod",
    "PriorAttempt",
    "ProcessorCodes",
    "ProcessorResponse",
    "RelatedCode",
]

#: The report schema version this library writes and reads (it reads every ``1.x``).
SCHEMA_VERSION = "1"

_MAX_MINOR_DIGITS = len(str(MAX_MINOR)) - 1  # a larger power of ten is above MAX_MINOR
_SCHEMA_RE = re.compile(r"^1(\.\d{1,3})?$")


def _check_currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError(
            "must be an active ISO 4217 alphabetic code with a minor unit, e.g. 'EUR', 'USD', 'JPY'"
        )
    return code


def _check_schema_version(value: str) -> str:
    if value != SCHEMA_VERSION and not _SCHEMA_RE.match(value):
        raise ValueError(  # the value is echoed bounded and masked: it may be of any size
            f"unsupported schema_version {shown(value, 16)!r}; this payfix reads '1' and '1.x'"
        )
    return value


Currency = Annotated[
    str, StringConstraints(min_length=3, max_length=3), AfterValidator(_check_currency)
]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


def _not_an_integer(value: object) -> object:
    """Refuse a JSON integer as a money value: processors send amounts as integers of minor units
    (Stripe's 2500 is 25.00 USD), so an integer here is ambiguous and is never guessed at."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f"an integer amount ({shown(str(value), 24)}) is ambiguous: processors send integers "
            "of minor units (2500 for 25.00 USD); write the amount as a decimal string such as "
            "'25.00', or give integer minor units as 'minor' instead of 'value'"
        )
    return value


def _money_schema(schema: dict[str, Any]) -> None:
    """The JSON Schema of :class:`Money` with its second form, integer ``minor`` units."""
    schema["properties"]["minor"] = {
        "type": "integer", "minimum": 0, "maximum": MAX_MINOR, "title": "Minor",
        "description": "the amount in integer minor units of the currency (its ISO 4217 "
                       "exponent); given instead of value"}
    schema["required"] = ["currency"]
    schema["oneOf"] = [{"required": ["value"]}, {"required": ["minor"]}]


class Money(_Model):
    """An amount in a currency; ``value`` is exact (Decimal) with at most the minor-unit digits.

    Two forms are accepted: ``{"value": "25.00", "currency": "USD"}`` (a decimal string, or a
    number with a decimal point) and ``{"minor": 2500, "currency": "USD"}`` (integer minor units
    by the currency's ISO 4217 exponent). A JSON integer as ``value`` is refused: it is the form
    processors use for minor units, so reading it either way would be a guess.
    """

    model_config = ConfigDict(json_schema_extra=lambda schema: _money_schema(schema))

    value: Annotated[Decimal, Field(ge=0, allow_inf_nan=False), BeforeValidator(_not_an_integer)]
    currency: Currency

    @model_validator(mode="before")
    @classmethod
    def _from_minor_units(cls, data: object) -> object:
        """``{"minor": 2500, "currency": "USD"}`` as ``{"value": "25.00", ...}``."""
        if not isinstance(data, dict) or "minor" not in data:
            return data
        if "value" in data:
            raise ValueError("give the amount once: 'value' (a decimal) or 'minor' (integer "
                             "minor units), not both")
        minor, currency = data["minor"], data.get("currency")
        if isinstance(minor, str) and minor.isascii() and minor.isdigit() and len(minor) <= 20:
            minor = int(minor)
        if not isinstance(minor, int) or isinstance(minor, bool) or not 0 <= minor <= MAX_MINOR:
            raise ValueError(f"minor must be a whole number of minor units from 0 to {MAX_MINOR}, "
                             f"got {shown(str(minor), 24)}")
        rest = {key: item for key, item in data.items() if key != "minor"}
        if isinstance(currency, str) and is_currency(currency):
            return {**rest, "value": from_minor(minor, currency)}
        return {**rest, "value": str(minor)}  # the currency's own problem is reported

    @model_validator(mode="after")
    def _fits_minor_unit(self) -> Money:
        exponent = minor_unit_exponent(self.currency)
        assert exponent is not None  # guaranteed by the currency validator
        if self.value.as_tuple().exponent < -exponent:  # type: ignore[operator]
            raise ValueError(
                f"value {self.value} has more than {exponent} decimal places for {self.currency}"
            )
        # the digit count first: 1E+999999 must fail here, not build a million-digit integer
        value = self.value
        minor = MAX_MINOR + 1
        if value.adjusted() + exponent <= _MAX_MINOR_DIGITS or value.is_zero():
            numerator, denominator = value.as_integer_ratio()  # exact: whole minor units (above)
            minor = numerator * 10**exponent // denominator
        if minor > MAX_MINOR:
            raise ValueError(f"value is above the largest accepted amount, "
                             f"{from_minor(MAX_MINOR, self.currency):,} {self.currency}")
        self.__dict__["minor"] = minor  # what ``minor`` would compute; filled once, here
        return self

    @cached_property
    def minor(self) -> int:
        """The amount in integer minor units (cents, fen, yen ...); computed once per amount."""
        return to_minor(self.value, self.currency)


class Card(_Model):
    """Card facts. Only masked data: BIN (first 6-8 digits) and last four, never a full PAN."""

    brand: CardBrand | None = None
    funding: Literal["debit", "credit", "prepaid"] | None = None
    bin: Annotated[str, StringConstraints(pattern=r"^\d{6,8}$")] | None = None
    last4: Annotated[str, StringConstraints(pattern=r"^\d{4}$")] | None = None
    expiry_month: Annotated[int, Field(ge=1, le=12)] | None = None
    expiry_year: Annotated[int, Field(ge=2000, le=2100)] | None = None


class PaymentMethod(_Model):
    """How the payer tried to pay, and the credential presented."""

    type: MethodType
    card: Card | None = None
    credential: Credential | None = None
    status: MethodStatus | None = None


class Payee(_Model):
    """Who was being paid. ``identifier`` is validated for its ``type`` and masked in every output."""

    type: PayeeType
    identifier: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    country: CountryCode | None = None
    name_check: NameCheck | None = None
    previous_amounts: Annotated[tuple[Money, ...], Field(max_length=50)] = ()


class Limits(_Model):
    """Limits on the payer's account at attempt time (each optional; same currency as the amount)."""

    per_transaction: Money | None = None
    daily_remaining: Money | None = None
    monthly_remaining: Money | None = None


class Balance(_Model):
    """The wallet balance at attempt time (``available`` excludes ``pending_holds``)."""

    available: Money
    pending_holds: Money | None = None
    limits: Limits | None = None


class FeeUsage(_Model):
    """Free allowances the payer has already used (for fee quotes): free transfers this month and
    the free amount used so far in the allowance's period, in the amount's currency."""

    free_transfers_used: Annotated[int, Field(ge=0, le=10_000)] = 0
    free_amount_used: Money | None = None


class FxConversion(_Model):
    """A cross-currency payment: the payee receives ``currency`` at ``rate`` units per unit paid."""

    rate: Annotated[Decimal, Field(gt=0, le=10**9, allow_inf_nan=False)]
    currency: Currency


class Attempt(_Model):
    """The failed payment attempt itself."""

    id: ShortText
    at: AwareDatetime
    kind: PaymentKind
    amount: Money
    fee: Money | None = None
    method: PaymentMethod
    payee: Payee | None = None
    processor: ProcessorResponse | None = None
    balance: Balance | None = None
    initiator: Initiator = "customer"
    payer_present: bool | None = None
    funds_debited: bool | None = None
    outcome: AttemptOutcome = "failed"
    fee_schedule: Slug | None = None
    fee_usage: FeeUsage | None = None
    fx: FxConversion | None = None
    remedies_tried: Annotated[
        tuple[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")], ...],
        Field(max_length=50),
    ] = ()

    @model_validator(mode="after")
    def _fee_in_amount_currency(self) -> Attempt:
        if self.fee is not None and self.fee.currency != self.amount.currency:
            raise ValueError("fee.currency must equal amount.currency")
        used = self.fee_usage.free_amount_used if self.fee_usage is not None else None
        if used is not None and used.currency != self.amount.currency:
            raise ValueError("fee_usage.free_amount_used.currency must equal amount.currency")
        return self


class DeviceContext(_Model):
    """The device and connection the attempt was made from."""

    online: bool | None = None
    connection: Connection | None = None
    public_wifi: bool | None = None
    captive_portal: bool | None = None
    network_country: CountryCode | None = None
    latency_ms: Annotated[int, Field(ge=0, le=600_000)] | None = None
    packet_loss_pct: Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    signal_level: Annotated[int, Field(ge=0, le=4)] | None = None
    vpn: bool | None = None
    roaming: bool | None = None
    clock_skew_s: Annotated[int, Field(ge=-10**9, le=10**9)] | None = None
    os: ShortText | None = None
    app_version: Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,3}$")] | None = None
    app_min_version: Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,3}$")] | None = None
    app_latest_version: Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,3}$")] | None = None
    two_factor_enabled: bool | None = None
    rooted: bool | None = None


class Account(_Model):
    """The payer's account."""

    status: AccountStatus = "active"
    country: CountryCode | None = None
    kyc_level: Annotated[int, Field(ge=0, le=9)] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(max_length=32)] | None = None
    methods: Annotated[
        tuple[MethodType, ...],
        Field(max_length=10),
    ] = ()


class PriorAttempt(_Model):
    """An earlier try of the same payment (the attempt chain), oldest first."""

    id: ShortText | None = None
    at: AwareDatetime
    outcome: Literal["failed", "succeeded", "unknown"]
    method_type: (
        MethodType | None
    ) = None
    credential: Credential | None = None
    initiator: Initiator = "customer"
    scheme: Slug | None = None
    code: ShortText | None = None


class AttemptReport(_Model):
    """A failed payment attempt with its device context, account and attempt chain.

    Example:
        >>> report = AttemptReport.model_validate({
        ...     "attempt": {"id": "a1", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
        ...                 "amount": {"value": "25.00", "currency": "EUR"},
        ...                 "method": {"type": "wallet_balance"}},
        ...     "device": {"online": False}})
        >>> report.attempt.amount.minor, report.device.online
        (2500, False)
    """

    schema_version: Annotated[str, AfterValidator(_check_schema_version)] = SCHEMA_VERSION
    attempt: Attempt
    device: DeviceContext | None = None
    account: Account | None = None
    history: Annotated[tuple[PriorAttempt, ...], Field(max_length=1000)] = ()
    metadata: Annotated[dict[str, Annotated[str, StringConstraints(max_length=500)]], Field(
        max_length=50
    )] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _history_before_attempt(self) -> AttemptReport:
        for i, prior in enumerate(self.history):
            if prior.at > self.attempt.at:
                raise ValueError(
                    f"history[{i}].at is after attempt.at; history lists earlier tries only"
                )
        return self

