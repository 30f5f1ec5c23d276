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
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    StringConstraints,
    model_validator,
)

from payfix.errors import ReportValueError
from payfix.masking import shown
from payfix.models._base import ShortText, Slug, _Model
from payfix.models.amount import Conversion, CountryCode, FxConversion, Money
from payfix.models.processor import ProcessorCodes, ProcessorResponse, RelatedCode
from payfix.money import MAX_MINOR, minor_unit_exponent, to_minor
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
    "Conversion",
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

_SCHEMA_RE = re.compile(r"^1(\.\d{1,3})?$")


def _check_schema_version(value: str) -> str:
    if value != SCHEMA_VERSION and not _SCHEMA_RE.match(value):
        raise ReportValueError(  # the value is echoed bounded and masked: it may be of any size
            "schema_version",
            f"unsupported schema_version {shown(value, 16)!r}; this payfix reads '1' and '1.x'",
            value=shown(value, 16))
    return value


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
    conversion: Conversion | None = None
    remedies_tried: Annotated[
        tuple[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")], ...],
        Field(max_length=50),
    ] = ()

    @model_validator(mode="after")
    def _fee_in_amount_currency(self) -> Attempt:
        charged = self.conversion.currency if self.conversion is not None else self.amount.currency
        if self.conversion is not None:
            if self.conversion.currency == self.amount.currency:
                raise ReportValueError("conversion_same_currency",
                                   "conversion.currency must differ from amount.currency")
            if self.fx is not None:
                raise ReportValueError("fx_and_conversion", "give fx (the payee receives another "
                                   "currency) or conversion (the payer is charged in another "
                                   "currency), not both")
            value, currency = self.charged()
            if to_minor(value, currency) > MAX_MINOR:
                raise ReportValueError("converted_too_large", f"the converted amount is above the "
                                   f"largest accepted amount ({MAX_MINOR} minor units)",
                                   max=MAX_MINOR)
        if self.fee is not None and self.fee.currency != charged:
            raise ReportValueError("fee_currency", "fee.currency must equal the currency the payer is "
                               "charged in (amount.currency, or conversion.currency)")
        used = self.fee_usage.free_amount_used if self.fee_usage is not None else None
        if used is not None and used.currency != charged:
            raise ReportValueError("free_amount_currency", "fee_usage.free_amount_used.currency must "
                               "equal the currency the payer is charged in")
        return self

    def charged(self, rounding: str = ROUND_HALF_EVEN) -> tuple[Decimal, str]:
        """What the payer is charged before fees, and in which currency: ``amount``, or with a
        ``conversion`` the amount converted, rounded to the minor unit with ``rounding``.

        Example:
            >>> a = Attempt.model_validate({"id": "a", "at": "2026-03-01T10:00:00Z",
            ...     "kind": "purchase", "amount": {"value": "100.00", "currency": "USD"},
            ...     "method": {"type": "debit_card"},
            ...     "conversion": {"rate": "0.9215", "currency": "EUR"}})
            >>> a.charged()
            (Decimal('92.15'), 'EUR')
        """
        if self.conversion is None:
            return self.amount.value, self.amount.currency
        currency = self.conversion.currency
        exponent = minor_unit_exponent(currency) or 0
        with localcontext() as exact:  # amount and rate are bounded: 80 digits hold the product
            exact.prec = 80
            value = (self.amount.value * self.conversion.rate).quantize(
                Decimal(1).scaleb(-exponent), rounding=rounding)
        return value, currency


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
                raise ReportValueError(
                    "history_order",
                    f"history[{i}].at is after attempt.at; history lists earlier tries only",
                    index=i)
        return self

