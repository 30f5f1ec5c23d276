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
    r.put("id", r.text(at + "id", numbers=False))
    r.put("at", r.iso_time(at + "created_at"))
    r.put("amount", r.decimal_amount(at + "amount", r.currency(at + "currency_iso_code")))
    r.text(at + "status", numbers=False)
    r.text(at + "processor_response_type", numbers=False)
    r.code("response_code", at + "processor_response_code")
    r.message(at + "processor_response_text")
    r.relate("iso8583", "response_code", at + "network_response_code")
    r.text(at + "network_response_text", numbers=False)
    r.relate("mastercard_mac", "merchant_advice_code", at + "merchant_advice_code")
    r.text(at + "merchant_advice_code_text", numbers=False)
    r.text(at + "gateway_rejection_reason", numbers=False)
    card = at + "credit_card."
    if r.obj(at + "credit_card") is not None:
        details = r.card(card + "card_type", card + "last_4", card + "expiration_month",
                         card + "expiration_year")
        debit, prepaid = r.text(card + "debit"), r.text(card + "prepaid")
        method_type = ("prepaid_card" if prepaid == "Yes" else "debit_card" if debit == "Yes"
                       else "credit_card" if debit == prepaid == "No" else None)
        r.method(details, method_type)
    r.assume("kind", "purchase",
             "a Braintree transaction is a purchase unless the context says otherwise")
