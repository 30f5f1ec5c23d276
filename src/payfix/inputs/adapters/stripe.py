"""Stripe: the API error object (bare, or in its ``{"error": ...}`` response body), a
PaymentIntent with its ``last_payment_error``, a Charge with its ``outcome``, and an Event that
carries one of them (``payment_intent.payment_failed``, ``charge.failed``).

Codes, as Stripe documents them (https://docs.stripe.com/api/errors,
https://docs.stripe.com/declines/codes, https://docs.stripe.com/api/charges/object):

* ``decline_code`` (or, without one, the error ``code``: ``incorrect_cvc``, ``card_declined``
  ...) and the charge's ``outcome.reason`` are codes of the ``stripe`` map; ``advice_code`` is
  its advice field.
* ``network_decline_code`` is the card network's own response code: an ``iso8583`` code of the
  card's brand; ``network_advice_code`` is a Mastercard merchant advice code
  (``mastercard_mac``) on Mastercard cards. Both decide when they say more than Stripe's code.
* A Radar block (``outcome.type`` ``blocked``: ``highest_risk_level`` or a ``rule``) and a review
  (``manual_review``: ``elevated_risk_level``) are their own codes of the ``stripe`` map.

Amounts are integers of the currency's smallest unit (https://docs.stripe.com/currencies); Stripe
writes Icelandic krona with two decimals although ISO 4217 gives it none, so 10000 ISK-minor is
100 ISK. Times (``created``) are seconds since the epoch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payfix.inputs.adapters.base import OBJECT, Reading, inner, one_of

NAME = "stripe"
TITLE = "Stripe"
KINDS = ("error", "payment_intent", "charge", "event")
#: Where Stripe's exponent departs from ISO 4217 (https://docs.stripe.com/currencies#special-cases).
EXPONENTS = {"ISK": 2}

_ERROR_TYPES = frozenset({"card_error", "api_error", "invalid_request_error", "idempotency_error",
                          "rate_limit_error", "authentication_error"})
_FUNDING = {"credit": "credit_card", "debit": "debit_card", "prepaid": "prepaid_card"}
_BANK_METHODS = frozenset({"us_bank_account", "sepa_debit", "bacs_debit", "au_becs_debit",
                           "acss_debit", "ach_debit", "ach_credit_transfer"})


def detect(payload: Mapping[str, Any]) -> str | None:
    """``"error"``, ``"payment_intent"``, ``"charge"`` or ``"event"``; ``None`` for no Stripe
    object."""
    error = payload.get("error")
    if isinstance(error, OBJECT) and one_of(error.get("type"), _ERROR_TYPES):
        return "error"
    if one_of(payload.get("type"), _ERROR_TYPES) and ("code" in payload or "decline_code" in payload
                                                or "message" in payload):
        return "error"
    kind = payload.get("object")
    if one_of(kind, ("payment_intent", "charge")):
        return str(kind)
    data = payload.get("data")
    if kind == "event" and isinstance(data, OBJECT) and isinstance(data.get("object"), OBJECT):
        return "event"
    return None


def read(r: Reading, kind: str) -> None:
    """Fill ``r`` from a Stripe object of ``kind``."""
    if kind == "event":
        inner = r.obj("data.object")
        r.read.update(("id", "object", "type", "created"))
        inner_kind = detect(inner) if inner is not None else None
        if inner is None or inner_kind not in ("payment_intent", "charge"):
            r.problem("data.object", "source_kind", "a Stripe event payfix reads carries a "
                      "payment_intent or a charge (payment_intent.payment_failed, charge.failed)",
                      ctx={"key": "event"})
            return
        _read(r, inner_kind, inner, "data.object.")
        return
    _read(r, kind, r.payload, "")


# Each reader below takes the object it reads and its path (``at``, "" or ending in "."): the
# objects are walked once, each value looked up in its own object.
Obj = Mapping[str, Any]


def _read(r: Reading, kind: str, o: Obj, at: str) -> None:
    if kind == "error":
        error = o.get("error")
        holder, root = (error, at + "error.") if isinstance(error, OBJECT) else (o, at)
        _error(r, holder, root)
        r.read.add(root + "type")
    elif kind == "payment_intent":
        _payment(r, o, at)
        r.text_in(o, at, "status")
        error = r.obj_in(o, at, "last_payment_error")
        if error is not None:
            _error(r, error, at + "last_payment_error.")
        charge = r.obj_in(o, at, "latest_charge") if isinstance(o.get("latest_charge"), OBJECT) \
            else None
        if charge is not None:
            _outcome(r, charge, at + "latest_charge.")
            _card(r, inner(charge, "payment_method_details"),
                  at + "latest_charge.payment_method_details.", "card")
        _method(r, o, at, "payment_method")
    else:
        _payment(r, o, at)
        r.text_in(o, at, "status")
        _outcome(r, o, at)
        r.code_in("decline_code", o, at, "failure_code")  # unless the outcome gave a reason
        details = r.obj_in(o, at, "payment_method_details")
        if details is not None:
            _card(r, details, at + "payment_method_details.",
                  r.text_in(details, at + "payment_method_details.", "type"))
    r.assume("kind", "purchase", "a Stripe payment is a purchase unless the context says otherwise")


def _payment(r: Reading, o: Obj, at: str) -> None:
    """id, created, amount and currency of a PaymentIntent or Charge."""
    r.put("id", r.text_in(o, at, "id", numbers=False))
    r.put("at", r.unix_time_in(o, at, "created"))
    r.put("amount", r.minor_amount_in(o, at, "amount", r.currency_in(o, at, "currency"),
                                      EXPONENTS))


def _error(r: Reading, e: Obj, at: str) -> None:
    """An error object: its codes, message, and the PaymentIntent and method it names."""
    r.code_in("decline_code", e, at, "decline_code")
    # without a decline_code, the error code (incorrect_cvc, card_declined ...) is the code
    r.code_in("decline_code", e, at, "code")
    r.code_in("advice_code", e, at, "advice_code")
    _network(r, e, at)
    r.message_in(e, at, "message")
    intent = r.obj_in(e, at, "payment_intent")
    if intent is not None:
        _payment(r, intent, at + "payment_intent.")
        r.text_in(intent, at + "payment_intent.", "status")
    charge = r.text_in(e, at, "charge", numbers=False) if isinstance(e.get("charge"), str) \
        else None
    if charge is not None and "id" not in r.attempt:
        r.attempt["id"] = charge
    _method(r, e, at, "payment_method")


def _network(r: Reading, o: Obj, at: str) -> None:
    """The card network's raw decline and advice codes, kept as codes of their own schemes."""
    r.relate_in("iso8583", "response_code", o, at, "network_decline_code")
    r.relate_in("mastercard_mac", "merchant_advice_code", o, at, "network_advice_code")


def _outcome(r: Reading, o: Obj, at: str) -> None:
    """A charge's ``outcome``: the decline or Radar reason, where it stopped, the network codes."""
    outcome = r.obj_in(o, at, "outcome")
    if outcome is None:
        return
    at += "outcome."
    kind = r.text_in(outcome, at, "type", numbers=False)
    reason = r.text_in(outcome, at, "reason", numbers=False)
    if reason is not None and kind in ("blocked", "manual_review", "issuer_declined", "invalid"):
        r.code("decline_code", at + "reason", reason)
    elif kind == "manual_review":  # a review without a reason is still a review
        r.code("decline_code", at + "type", "elevated_risk_level")
    r.code_in("advice_code", outcome, at, "advice_code")
    _network(r, outcome, at)
    status = r.text_in(outcome, at, "network_status", numbers=False)
    if kind in ("blocked", "manual_review") or status == "reversed_after_approval":
        r.processor.setdefault("stage", "risk")
    elif kind == "issuer_declined":
        r.processor.setdefault("stage", "authorisation")
    if status is not None:
        r.processor.setdefault("answered", status != "not_sent_to_network")
    r.message_in(outcome, at, "seller_message")
    r.text_in(outcome, at, "risk_level", numbers=False)
    r.integer_in(outcome, at, "risk_score")


def _method(r: Reading, o: Obj, at: str, key: str) -> None:
    """A PaymentMethod object (an id alone says nothing)."""
    method = o.get(key)
    if not isinstance(method, OBJECT):
        if method is not None:
            r.read.add(at + key)
        return
    at += key + "."
    _card(r, method, at, r.text_in(method, at, "type", numbers=False))


def _card(r: Reading, holder: Obj | None, at: str, method_type: str | None) -> None:
    """The card details in ``holder["card"]``: brand, funding (the method type), last four,
    expiry."""
    if method_type in _BANK_METHODS:
        r.attempt.setdefault("method", {"type": "bank_account"})
        return
    card = r.obj_in(holder, at, "card") if holder is not None else None
    if card is None:
        return
    at += "card."
    details = r.card_in(card, at, "brand", "last4", "exp_month", "exp_year")
    funding = r.text_in(card, at, "funding", numbers=False)
    if funding in ("credit", "debit", "prepaid"):
        details["funding"] = funding
    r.method(details, _FUNDING.get(funding) if funding is not None else None)
