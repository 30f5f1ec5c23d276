"""Adyen: a ``/payments`` response (``resultCode`` ``Refused``, ``Error`` or ``Cancelled``) and an
``AUTHORISATION`` webhook notification with ``success`` ``"false"`` (the whole
``notificationItems`` body, or one ``NotificationRequestItem``).

Codes, as Adyen documents them (https://docs.adyen.com/development-resources/refusal-reasons/,
https://docs.adyen.com/development-resources/raw-acquirer-responses/):

* ``refusalReasonCode`` is a code of the ``adyen`` map (``refusalReason`` is its text);
* ``additionalData.refusalReasonRaw`` is the acquirer's raw response, ``"<code> : <text>"``
  (``"51 : Insufficient funds"``): its code is an ``iso8583`` code of the card's brand;
* ``additionalData.merchantAdviceCode`` (``"01: New account information available"``) is a
  Mastercard merchant advice code (``mastercard_mac``).

Amounts are integers of minor units (https://docs.adyen.com/development-resources/currency-codes/);
``eventDate`` is ISO 8601 with an offset.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from payfix.inputs.adapters.base import Reading, inner, one_of

NAME = "adyen"
TITLE = "Adyen"
KINDS = ("payment_response", "notification")
#: Where Adyen's exponent departs from ISO 4217 (docs.adyen.com currency codes).
EXPONENTS: dict[str, int] = {}

_RESULTS = frozenset({"Refused", "Error", "Cancelled", "Authorised", "Pending", "Received",
                      "RedirectShopper", "IdentifyShopper", "ChallengeShopper",
                      "PresentToShopper", "AuthenticationFinished", "AuthenticationNotRequired"})
_RAW = re.compile(r"^\s*([0-9A-Z]{2,3})\s*:")
_ADVICE = re.compile(r"^\s*(\d{2})\b")  # "01: New account information available"
_EXPIRY = re.compile(r"\d{1,2}/\d{4}")  # "3/2030"
_FUNDING = {"CREDIT": "credit_card", "DEBIT": "debit_card", "PREPAID": "prepaid_card",
            "PREPAID_RELOADABLE": "prepaid_card", "PREPAID_NONRELOADABLE": "prepaid_card",
            "DEFFERED_DEBIT": "debit_card"}


def detect(payload: Mapping[str, Any]) -> str | None:
    """``"payment_response"`` or ``"notification"``; ``None`` for no Adyen object."""
    if one_of(payload.get("resultCode"), _RESULTS) and ("pspReference" in payload
                                                  or "refusalReason" in payload):
        return "payment_response"
    items = payload.get("notificationItems")
    if isinstance(items, list) and items and isinstance(items[0], Mapping) \
            and isinstance(items[0].get("NotificationRequestItem"), Mapping):
        return "notification"
    if "eventCode" in payload and "pspReference" in payload and "success" in payload:
        return "notification"
    return None


def read(r: Reading, kind: str) -> None:
    """Fill ``r`` from an Adyen object of ``kind``."""
    at, o = "", cast(Mapping[str, Any], r.payload)
    if kind == "notification" and "notificationItems" in r.payload:
        at = "notificationItems[0].NotificationRequestItem."
        o = r.object_at(at[:-1])
        r.read.add("live")
    r.put("id", r.text_in(o, at, "pspReference", numbers=False))
    amount = inner(o, "amount") or {}
    r.put("amount", r.minor_amount_in(amount, at + "amount.", "value",
                                      r.currency_in(amount, at + "amount.", "currency"), EXPONENTS))
    if kind == "notification":
        r.text_in(o, at, "eventCode", numbers=False)
        r.put("at", r.iso_time_in(o, at, "eventDate"))
        r.flag_in(o, at, "success")
        r.message_in(o, at, "reason")
        r.text_in(o, at, "merchantReference", numbers=False)
        r.brand_in(o, at, "paymentMethod")
    else:
        r.text_in(o, at, "resultCode", numbers=False)
        r.code_in("decline_code", o, at, "refusalReasonCode")
        r.message_in(o, at, "refusalReason")
        r.text_in(o, at, "merchantReference", numbers=False)
        method = r.obj_in(o, at, "paymentMethod")
        if method is not None:
            r.brand_in(method, at + "paymentMethod.", "brand")
            r.text_in(method, at + "paymentMethod.", "type", numbers=False)
    data = r.obj_in(o, at, "additionalData")
    if data is not None:
        at += "additionalData."
        raw = r.text_in(data, at, "refusalReasonRaw")
        match = _RAW.match(raw) if raw is not None else None
        if match is not None:
            r.related.append({"scheme": "iso8583", "field": "response_code",
                              "code": match.group(1), "path": at + "refusalReasonRaw"})
        advice = r.text_in(data, at, "merchantAdviceCode")
        match = _ADVICE.match(advice) if advice is not None else None
        if match is not None and r.processor.get("brand") in (None, "mastercard"):
            r.related.append({"scheme": "mastercard_mac", "field": "merchant_advice_code",
                              "code": match.group(1), "path": at + "merchantAdviceCode"})
        r.brand_in(data, at, "paymentMethod")
        _card(r, data, at)
    r.assume("kind", "purchase", "an Adyen payment is a purchase unless the context says otherwise")


def _card(r: Reading, data: Mapping[str, Any], at: str) -> None:
    card: dict[str, Any] = {}
    if r.processor.get("brand") is not None:
        card["brand"] = r.processor["brand"]
    summary = r.text_in(data, at, "cardSummary")
    if summary is not None and len(summary) == 4 and summary.isdigit():
        card["last4"] = summary
    expiry = r.text_in(data, at, "expiryDate", numbers=False)
    if expiry is not None and _EXPIRY.fullmatch(expiry):
        month, year = expiry.split("/")
        if 1 <= int(month) <= 12:
            card["expiry_month"], card["expiry_year"] = int(month), int(year)
    funding = r.text_in(data, at, "fundingSource", numbers=False)
    method: dict[str, Any] = {"card": card} if card else {}
    if funding is not None and funding.upper() in _FUNDING:
        method["type"] = _FUNDING[funding.upper()]
        card["funding"] = method["type"].removesuffix("_card")
    if method:
        r.attempt.setdefault("method", method)
