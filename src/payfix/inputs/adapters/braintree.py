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

from payfix.inputs.adapters.base import OBJECT, Reading

NAME = "braintree"
TITLE = "Braintree"
KINDS = ("transaction",)
#: Documented texts payfix has no field for (each checked and counted as read).
_TEXTS = ("status", "processor_response_type", "network_response_text",
          "merchant_advice_code_text", "gateway_rejection_reason")


def detect(payload: Mapping[str, Any]) -> str | None:
    """``"transaction"``; ``None`` for no Braintree object."""
    inner = payload.get("transaction")
    if isinstance(inner, OBJECT) and "processor_response_code" in inner:
        return "transaction"
    if "processor_response_code" in payload:
        return "transaction"
    return None


def read(r: Reading, kind: str) -> None:
    """Fill ``r`` from a Braintree transaction."""
    transaction = r.payload.get("transaction")
    at, o = ("transaction.", transaction) if isinstance(transaction, OBJECT) else ("", r.payload)
    r.put("id", r.text_in(o, at, "id", numbers=False))
    r.put("at", r.iso_time_in(o, at, "created_at"))
    r.put("amount", r.decimal_amount_in(o, at, "amount", r.currency_in(o, at, "currency_iso_code")))
    r.texts_in(o, at, _TEXTS)
    r.code_in("response_code", o, at, "processor_response_code")
    r.message_in(o, at, "processor_response_text")
    r.relate_in("iso8583", "response_code", o, at, "network_response_code")
    r.relate_in("mastercard_mac", "merchant_advice_code", o, at, "merchant_advice_code")
    card = r.obj_in(o, at, "credit_card")
    if card is not None:
        at += "credit_card."
        details = r.card_in(card, at, "card_type", "last_4", "expiration_month",
                            "expiration_year")
        debit, prepaid = r.text_in(card, at, "debit"), r.text_in(card, at, "prepaid")
        method_type = ("prepaid_card" if prepaid == "Yes" else "debit_card" if debit == "Yes"
                       else "credit_card" if debit == prepaid == "No" else None)
        r.method(details, method_type)
    r.assume("kind", "purchase",
             "a Braintree transaction is a purchase unless the context says otherwise")
