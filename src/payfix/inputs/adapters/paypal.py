"""PayPal: an Orders v2 (or Payments v2) error body, ``{"name", "message", "debug_id",
"details": [{"issue", "description"}], "links"}``, and an order whose capture was declined
(``purchase_units[].payments.captures[].status`` ``DECLINED`` with its ``processor_response``).

Codes, as PayPal documents them (https://developer.paypal.com/api/rest/responses/,
https://developer.paypal.com/docs/api/orders/v2/#errors,
https://developer.paypal.com/api/handle-payment-failures): the first ``details[].issue`` is a
code of the ``paypal`` map (the others are kept as evidence), and an error ``name`` that is not
a container of issues (``INTERNAL_SERVER_ERROR``) is one itself; a declined capture's
``processor_response.response_code`` (PayPal's processor code, e.g. ``"5120"``) is its response
code. Amounts are decimal strings (``"100.00"``) with ``currency_code``. The ``debug_id`` is the
reference PayPal support asks for; it becomes the attempt's id when the context gives none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payfix.inputs.adapters.base import Reading

NAME = "paypal"
TITLE = "PayPal"
KINDS = ("error", "order")
#: Error names that only contain issues (``details[].issue`` says which); any other name is one.
_CONTAINERS = frozenset({"UNPROCESSABLE_ENTITY", "INVALID_REQUEST", "VALIDATION_ERROR"})
#: The texts of a ``details[]`` item payfix has no field for (each checked, counted as read).
_DETAIL_TEXTS = ("field", "location", "value")


def detect(payload: Mapping[str, Any]) -> str | None:
    """``"error"`` or ``"order"``; ``None`` for no PayPal object."""
    if "debug_id" in payload and "name" in payload and ("details" in payload
                                                       or "message" in payload):
        return "error"
    units = payload.get("purchase_units")
    if isinstance(units, list) and "intent" in payload and "status" in payload:
        return "order"
    return None


def read(r: Reading, kind: str) -> None:
    """Fill ``r`` from a PayPal object of ``kind``."""
    if kind == "error":
        _error(r)
    else:
        _order(r)
    r.assume("kind", "purchase", "a PayPal order is a purchase unless the context says otherwise")


def _error(r: Reading) -> None:
    o = r.payload
    r.text_in(o, "", "name", numbers=False)
    r.put("id", r.text_in(o, "", "debug_id", numbers=False))
    message = r.text_in(o, "", "message", numbers=False)
    details = o.get("details")
    if details is not None and not isinstance(details, list):
        r.problem("details", "source_type", "expected a list of {issue, description}",
                  ctx={"key": "list"})
        return
    for i, item in enumerate(details or ()):
        if not isinstance(item, dict):  # nothing is read from it: it is listed as unplaced
            continue
        at = f"details[{i}]."
        issue = r.text_in(item, at, "issue", numbers=False)
        description = r.text_in(item, at, "description", numbers=False)
        r.texts_in(item, at, _DETAIL_TEXTS)
        if issue is None:
            continue
        if "decline_code" not in r.codes:
            r.code("decline_code", f"details[{i}].issue", issue)
            if description is not None:
                message = description
        else:
            r.related.append({"scheme": NAME, "field": "decline_code", "code": issue,
                              "path": f"details[{i}].issue"})
    name = o.get("name")
    if "decline_code" not in r.codes and isinstance(name, str) and name not in _CONTAINERS:
        r.code("decline_code", "name", name)  # e.g. INTERNAL_SERVER_ERROR: the name is the issue
    if message is not None:
        r.processor["message"] = message[:500]


def _order(r: Reading) -> None:
    r.text("status", numbers=False)
    r.text("intent", numbers=False)
    r.put("id", r.text("id", numbers=False))
    r.put("at", r.iso_time("create_time"))
    units = r.raw("purchase_units")
    for u, _ in enumerate(units if isinstance(units, list) else ()):
        captures = r.raw(f"purchase_units[{u}].payments.captures")
        for c, _ in enumerate(captures if isinstance(captures, list) else ()):
            at = f"purchase_units[{u}].payments.captures[{c}]."
            if r.text(at + "status", numbers=False) != "DECLINED" or "response_code" in r.codes:
                continue
            currency = r.currency(at + "amount.currency_code")
            r.put("amount", r.decimal_amount(at + "amount.value", currency))
            r.code("response_code", at + "processor_response.response_code")
            r.text(at + "processor_response.avs_code")
            r.text(at + "processor_response.cvv_code")
            r.relate("mastercard_mac", "merchant_advice_code",
                     at + "processor_response.payment_advice_code")
            r.put("at", r.iso_time(at + "create_time"))
            r.put("id", r.text(at + "id", numbers=False))
    if "amount" not in r.attempt:
        currency = r.currency("purchase_units[0].amount.currency_code")
        r.put("amount", r.decimal_amount("purchase_units[0].amount.value", currency))
