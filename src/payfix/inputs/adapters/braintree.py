"""Braintree: a transaction (as the server SDKs and the transaction search return it, snake case)
whose ``status`` is ``processor_declined`` or ``gateway_rejected``.

Codes, as Braintree documents them
(https://developer.paypal.com/braintree/docs/reference/general/processor-responses/authorization-responses,
https://developer.paypal.com/braintree/docs/reference/response/transaction): the four-digit
``processor_response_code`` (2000-class declines, 3000-class network problems) is a code of the
``braintree`` map; ``network_response_code`` is the card network's raw ``iso8583`` code and
``merchant_advice_code`` a Mastercard advice code (``mastercard_mac``). Amounts are decimal
strings (``"10.00"``) in ``currency_iso_code``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payfix.inputs.adapters.base import Reading

NAME = "braintree"
TITLE = "Braintree"
KINDS = ("transaction",)


def detect(payload: Mapping[str, Any]) -> str | None:
    """``"transaction"``; ``None`` for no Braintree object."""
    inner = payload.get("transaction")
    if isinstance(inner, Mapping) and "processor_response_code" in inner:
        return "transaction"
    if "processor_response_code" in payload:
        return "transaction"
    return None


def read(r: Reading, kind: str) -> None:
    """Fill ``r`` from a Braintree transaction."""
    at = "transaction." if isinstance(r.raw("transaction"), Mapping) else ""
    ident = r.text(at + "id", numbers=False)
    if ident is not None:
        r.attempt["id"] = ident
    when = r.iso_time(at + "created_at")
    if when is not None:
        r.attempt["at"] = when
    currency = r.currency(at + "currency_iso_code")
    amount = r.decimal_amount(at + "amount", currency)
    if amount is not None:
        r.attempt["amount"] = amount
    r.text(at + "status", numbers=False)
    r.text(at + "processor_response_type", numbers=False)
    r.code("response_code", at + "processor_response_code")
    text = r.text(at + "processor_response_text", numbers=False)
    if text is not None:
        r.processor["message"] = text[:500]
    r.relate("iso8583", "response_code", at + "network_response_code")
    r.text(at + "network_response_text", numbers=False)
    r.relate("mastercard_mac", "merchant_advice_code", at + "merchant_advice_code")
    r.text(at + "merchant_advice_code_text", numbers=False)
    r.text(at + "gateway_rejection_reason", numbers=False)
    card = at + "credit_card."
    if r.obj(at + "credit_card") is not None:
        r.brand(card + "card_type")
        details: dict[str, Any] = {}
        if r.processor.get("brand") is not None:
            details["brand"] = r.processor["brand"]
        last4 = r.text(card + "last_4")
        if last4 is not None:
            details["last4"] = last4
        r.expiry(card + "expiration_month", card + "expiration_year", details)
        method: dict[str, Any] = {"card": details}
        debit, prepaid = r.text(card + "debit"), r.text(card + "prepaid")
        if prepaid == "Yes":
            method["type"] = "prepaid_card"
        elif debit == "Yes":
            method["type"] = "debit_card"
        elif debit == "No" and prepaid == "No":
            method["type"] = "credit_card"
        r.attempt.setdefault("method", method)
    r.assume("kind", "purchase",
             "a Braintree transaction is a purchase unless the context says otherwise")
