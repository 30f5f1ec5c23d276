"""Stripe: the API error object (bare, or in its ``{"error": ...}`` response body), a
PaymentIntent with its ``last_payment_error``, a Charge with its ``outcome``, and an Event that
carries one of them (``payment_intent.payment_failed``, ``charge.failed``).

Codes, as Stripe documents them (https://docs.stripe.com/api/errors,
https://docs.stripe.com/declines/codes, https://docs.stripe.com/api/charges/object):

* ``decline_code`` (or, without one, the error ``code`` other than ``card_declined``) and the
  charge's ``outcome.reason`` are codes of the ``stripe`` map; ``advice_code`` is its advice
  field.
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

from payfix.inputs.adapters.base import Reading, one_of

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
    if isinstance(error, Mapping) and one_of(error.get("type"), _ERROR_TYPES):
        return "error"
    if one_of(payload.get("type"), _ERROR_TYPES) and ("code" in payload or "decline_code" in payload
                                                or "message" in payload):
        return "error"
    kind = payload.get("object")
    if one_of(kind, ("payment_intent", "charge")):
        return str(kind)
    data = payload.get("data")
    if kind == "event" and isinstance(data, Mapping) and isinstance(data.get("object"), Mapping):
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
                      "payment_intent or a charge (payment_intent.payment_failed, charge.failed)")
            return
        _read(r, inner_kind, "data.object.")
        return
    _read(r, kind, "")


def _read(r: Reading, kind: str, at: str) -> None:
    if kind == "error":
        root = at + ("error." if isinstance(r.raw(at + "error"), Mapping) else "")
        _error(r, root)
        r.read.add(root + "type")
    elif kind == "payment_intent":
        _payment(r, at)
        r.text(at + "status")
        error = r.obj(at + "last_payment_error")
        if error is not None:
            _error(r, at + "last_payment_error.")
        charge = r.obj(at + "latest_charge") if isinstance(r.raw(at + "latest_charge"), Mapping) \
            else None
        if charge is not None:
            _outcome(r, at + "latest_charge.")
            _card(r, at + "latest_charge.payment_method_details.card", "card")
        _method(r, at + "payment_method")
    else:
        _payment(r, at)
        r.text(at + "status")
        _outcome(r, at)
        r.code("decline_code", at + "failure_code", _error_code(r, at + "failure_code"))
        details = r.obj(at + "payment_method_details")
        if details is not None:
            _card(r, at + "payment_method_details.card", r.text(at + "payment_method_details.type"))
    r.assume("kind", "purchase", "a Stripe payment is a purchase unless the context says otherwise")


def _payment(r: Reading, at: str) -> None:
    """id, created, amount and currency of a PaymentIntent or Charge."""
    r.put("id", r.text(at + "id", numbers=False))
    r.put("at", r.unix_time(at + "created"))
    r.put("amount", r.minor_amount(at + "amount", r.currency(at + "currency"), EXPONENTS))


def _error_code(r: Reading, path: str) -> str | None:
    code = r.text(path)
    return None if code in (None, "card_declined") else code


def _error(r: Reading, at: str) -> None:
    """An error object: its codes, message, and the PaymentIntent and method it names."""
    r.code("decline_code", at + "decline_code")
    r.code("decline_code", at + "code", _error_code(r, at + "code"))
    r.code("advice_code", at + "advice_code")
    _network(r, at)
    r.message(at + "message")
    intent = r.obj(at + "payment_intent")
    if intent is not None:
        _payment(r, at + "payment_intent.")
        r.text(at + "payment_intent.status")
    charge = r.text(at + "charge", numbers=False) if isinstance(r.raw(at + "charge"), str) else None
    if charge is not None and "id" not in r.attempt:
        r.attempt["id"] = charge
    _method(r, at + "payment_method")


def _network(r: Reading, at: str) -> None:
    """The card network's raw decline and advice codes, kept as codes of their own schemes."""
    r.relate("iso8583", "response_code", at + "network_decline_code")
    r.relate("mastercard_mac", "merchant_advice_code", at + "network_advice_code")


def _outcome(r: Reading, at: str) -> None:
    """A charge's ``outcome``: the decline or Radar reason, where it stopped, the network codes."""
    outcome = r.obj(at + "outcome")
    if outcome is None:
        return
    kind = r.text(at + "outcome.type", numbers=False)
    reason = r.text(at + "outcome.reason", numbers=False)
    if reason is not None and kind in ("blocked", "manual_review", "issuer_declined", "invalid"):
        r.code("decline_code", at + "outcome.reason", reason)
    elif kind == "manual_review":  # a review without a reason is still a review
        r.code("decline_code", at + "outcome.type", "elevated_risk_level")
    r.code("advice_code", at + "outcome.advice_code")
    _network(r, at + "outcome.")
    status = r.text(at + "outcome.network_status", numbers=False)
    if kind in ("blocked", "manual_review") or status == "reversed_after_approval":
        r.processor.setdefault("stage", "risk")
    elif kind == "issuer_declined":
        r.processor.setdefault("stage", "authorisation")
    if status is not None:
        r.processor.setdefault("answered", status != "not_sent_to_network")
    r.message(at + "outcome.seller_message")
    r.text(at + "outcome.risk_level", numbers=False)
    r.integer(at + "outcome.risk_score")


def _method(r: Reading, path: str) -> None:
    """A PaymentMethod object (an id alone says nothing)."""
    if not isinstance(r.raw(path), Mapping):
        if r.raw(path) is not None:
            r.read.add(path)
        return
    _card(r, path + ".card", r.text(path + ".type", numbers=False))


def _card(r: Reading, path: str, method_type: str | None) -> None:
    """Card details: brand, funding (the method type), last four, expiry."""
    if method_type in _BANK_METHODS:
        r.attempt.setdefault("method", {"type": "bank_account"})
        return
    card = r.obj(path)
    if card is None:
        return
    details = r.card(path + ".brand", path + ".last4", path + ".exp_month", path + ".exp_year")
    funding = r.text(path + ".funding", numbers=False)
    if funding in ("credit", "debit", "prepaid"):
        details["funding"] = funding
    r.method(details, _FUNDING.get(funding) if funding is not None else None)
