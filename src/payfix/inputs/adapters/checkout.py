"""Checkout.com: a payment response or ``GET /payments/{id}`` details with ``approved`` false
(``status`` ``Declined``), and a ``payment_declined`` webhook (``{"type", "data"}``).

Codes, as Checkout.com documents them (https://www.checkout.com/docs/resources/codes/api-response-codes,
https://www.checkout.com/docs/resources/codes/recommendation-codes): the five-digit
``response_code`` is a code of the ``checkout`` map (``20xxx`` soft, ``30xxx`` hard, ``40xxx``
risk); ``processing.partner_response_code`` is the network's raw ``iso8583`` code and
``processing.partner_merchant_advice_code`` a Mastercard advice code (``mastercard_mac``).
Amounts are integers of minor units; times ISO 8601 UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payfix.inputs.adapters.base import OBJECT, Reading, inner

NAME = "checkout"
TITLE = "Checkout.com"
KINDS = ("payment", "webhook")
_CARD = {"credit": "credit_card", "debit": "debit_card", "prepaid": "prepaid_card",
         "charge": "credit_card", "deferred debit": "debit_card"}


def detect(payload: Mapping[str, Any]) -> str | None:
    """``"payment"`` or ``"webhook"``; ``None`` for no Checkout.com object."""
    if "response_code" in payload and ("response_summary" in payload or "approved" in payload):
        return "payment"
    data = payload.get("data")
    if isinstance(payload.get("type"), str) and isinstance(data, OBJECT) \
            and "response_code" in data and str(payload["type"]).startswith("payment_"):
        return "webhook"
    return None


def read(r: Reading, kind: str) -> None:
    """Fill ``r`` from a Checkout.com object of ``kind``."""
    at, o = "", r.payload
    if kind == "webhook":
        r.text_in(o, "", "type", numbers=False)
        r.text_in(o, "", "id", numbers=False)
        r.iso_time_in(o, "", "created_on")
        at, o = "data.", o["data"]  # detect found an object there
    r.put("id", r.text_in(o, at, "id", numbers=False))
    r.put("at", r.iso_time_in(o, at, "processed_on"))
    r.put("amount", r.minor_amount_in(o, at, "amount", r.currency_in(o, at, "currency")))
    r.flag_in(o, at, "approved")
    r.text_in(o, at, "status", numbers=False)
    r.code_in("response_code", o, at, "response_code")
    r.message_in(o, at, "response_summary")
    processing = inner(o, "processing")
    if processing is not None:
        where = at + "processing."
        r.relate_in("iso8583", "response_code", processing, where, "partner_response_code")
        r.relate_in("mastercard_mac", "merchant_advice_code", processing, where,
                    "partner_merchant_advice_code")
        r.code_in("advice_code", processing, where, "recommendation_code")
    source = r.obj_in(o, at, "source")
    if source is not None:
        at += "source."
        last4 = "last4" if source.get("last4") is not None else "last_4"  # webhooks
        card = r.card_in(source, at, "scheme", last4, "expiry_month", "expiry_year")
        bin_ = r.text_in(source, at, "bin")
        if bin_ is not None and bin_.isdigit() and 6 <= len(bin_) <= 8:
            card["bin"] = bin_
        kind_ = r.text_in(source, at, "card_type", numbers=False)
        r.method(card, _CARD.get(kind_.lower()) if kind_ is not None else None)
    r.assume("kind", "purchase",
             "a Checkout.com payment is a purchase unless the context says otherwise")
