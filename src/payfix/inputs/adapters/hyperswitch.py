"""Hyperswitch: a payments API response (``POST /payments``, ``GET /payments/{id}``) with
``status`` ``failed``.

Codes, as Hyperswitch documents them (https://api-reference.hyperswitch.io/v1/payments,
https://docs.hyperswitch.io/explore-hyperswitch/payment-orchestration/smart-router/error-codes):
``unified_code`` (``UE_xxxx``, the same for every connector) is a code of the ``hyperswitch``
map, with ``unified_message``; ``error_code`` is the connector's own code, kept as a code of the
connector's scheme (a ``stripe`` connector's ``error_code`` is a Stripe code). Amounts are
integers of minor units; ``created`` is ISO 8601.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from payfix.inputs.adapters.base import Reading, inner

NAME = "hyperswitch"
TITLE = "Hyperswitch"
KINDS = ("payment",)
_CARD = {"credit": "credit_card", "debit": "debit_card", "prepaid": "prepaid_card"}
_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")  # a time that names its UTC offset
_SCHEME = re.compile(r"[a-z0-9_]{1,40}")  # a connector's name, as a scheme


def detect(payload: Mapping[str, Any]) -> str | None:
    """``"payment"``; ``None`` for no Hyperswitch object."""
    if "payment_id" in payload and ("error_code" in payload or "unified_code" in payload
                                    or ("status" in payload and "connector" in payload)):
        return "payment"
    return None


def read(r: Reading, kind: str) -> None:
    """Fill ``r`` from a Hyperswitch payment."""
    o = r.payload
    r.put("id", r.text_in(o, "", "payment_id", numbers=False))
    when = r.iso_time_in(o, "", "created")
    if when is not None:
        r.attempt["at"] = when if _OFFSET.search(when) else f"{when}Z"
    r.put("amount", r.minor_amount_in(o, "", "amount", r.currency_in(o, "", "currency")))
    r.text_in(o, "", "status", numbers=False)
    r.code_in("decline_code", o, "", "unified_code")
    unified = r.text_in(o, "", "unified_message", numbers=False)
    own = r.text_in(o, "", "error_message", numbers=False)  # the connector's own message
    message = unified or own
    if message is not None:
        r.processor["message"] = message[:500]
    connector = r.text_in(o, "", "connector", numbers=False)
    if connector is not None and _SCHEME.fullmatch(connector):
        r.relate_in(connector, "decline_code", o, "", "error_code")
    else:
        r.text_in(o, "", "error_code")
    data = inner(o, "payment_method_data")
    card = r.obj_in(data, "payment_method_data.", "card") if data is not None else None
    if card is not None:
        at = "payment_method_data.card."
        details = r.card_in(card, at, "card_network", "last4", "card_exp_month", "card_exp_year")
        funding = r.text_in(card, at, "card_type", numbers=False)
        r.method(details, _CARD.get(funding.lower()) if funding is not None else None)
    r.text_in(o, "", "payment_method", numbers=False)
    r.assume("kind", "purchase",
             "a Hyperswitch payment is a purchase unless the context says otherwise")
