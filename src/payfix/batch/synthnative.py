"""Synthetic failures as the processors write them: ``payfix synth --profile NAME --native``.

Each row of a profile (:mod:`payfix.batch.synthprofile`) whose code is a Stripe, Checkout.com or
Braintree code is written as that processor's own object, made from the object its
documentation shows (``src/payfix/batch/native/<source>.json``, with the source of each): a
Stripe Charge the issuer declined, a Checkout.com ``payment_declined`` webhook, a Braintree
transaction the processor declined. The row's id, time (UTC, as the processors write it),
amount (in the processor's unit: Stripe and Checkout.com integers of minor units, Braintree a
decimal), card and code are filled in; what a processor's object does not carry (the device,
the account, earlier tries) is not there. ``payfix replay FILE --from auto`` reads them back.

Example:
    >>> import random
    >>> from payfix.batch.synthprofile import Drawer, load_profile
    >>> report = Drawer(load_profile("card-online"), native=True).report(random.Random(1), 1, 1)
    >>> sorted(native_object(report))[:3]
    ['amount', 'amount_captured', 'amount_refunded']
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from payfix.money import to_minor

__all__ = ["NATIVE_SCHEMES", "native_object"]

#: The processors whose objects ``--native`` writes (their code maps' names).
NATIVE_SCHEMES = ("stripe", "checkout", "braintree")
_CHECKOUT_SCHEME = {"visa": "VISA", "mastercard": "MASTERCARD", "amex": "AMEX"}
_BRAINTREE_TYPE = {"visa": "Visa", "mastercard": "MasterCard", "amex": "American Express"}


@cache
def _template(scheme: str) -> dict[str, Any]:
    text = resources.files("payfix.batch").joinpath(f"native/{scheme}.json").read_text(
        encoding="utf-8")
    payload: dict[str, Any] = json.loads(text)["payload"]
    return payload


def native_object(report: dict[str, Any]) -> dict[str, Any]:
    """The processor's own object for a synthetic ``report`` whose code is of a
    :data:`NATIVE_SCHEMES` scheme."""
    attempt = report["attempt"]
    processor = attempt["processor"]
    scheme = processor["scheme"]
    code = next(iter(processor["codes"].values()))
    money = attempt["amount"]
    moment = datetime.fromisoformat(attempt["at"]).astimezone(UTC)
    card = attempt["method"].get("card", {})
    serial = attempt["id"].replace("-", "x")
    obj = copy.deepcopy(_template(scheme))
    if scheme == "stripe":
        obj.update(id=f"ch_{serial}", amount=to_minor(Decimal(money["value"]), money["currency"]),
                   currency=money["currency"].lower(), created=int(moment.timestamp()),
                   failure_code="card_declined", failure_message="Your card was declined.",
                   payment_method=f"card_{serial}")
        obj["outcome"].update(type="issuer_declined", reason=code, network_decline_code=None,
                              seller_message=f"The bank returned the decline code `{code}`.")
        details = obj["payment_method_details"]["card"]
        details.update(brand=card["brand"], last4=card["last4"], exp_month=card["expiry_month"],
                       exp_year=card["expiry_year"], funding=card["funding"])
        return obj
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if scheme == "checkout":
        obj.update(id=f"evt_{serial}", created_on=stamp)
        data = obj["data"]
        data.update(id=f"pay_{serial}", response_code=code, response_summary="Declined",
                    amount=to_minor(Decimal(money["value"]), money["currency"]),
                    currency=money["currency"], processed_on=stamp, reference=attempt["id"])
        data["source"].update(expiry_month=card["expiry_month"], expiry_year=card["expiry_year"],
                              scheme=_CHECKOUT_SCHEME[card["brand"]], last_4=card["last4"],
                              card_type=card["funding"].capitalize())
        return obj
    transaction = obj["transaction"]
    transaction.update(id=serial, amount=money["value"], currency_iso_code=money["currency"],
                       created_at=stamp, processor_response_code=code,
                       processor_response_text="Declined", network_response_code=None,
                       network_response_text=None)
    transaction["credit_card"].update(
        last_4=card["last4"], card_type=_BRAINTREE_TYPE[card["brand"]],
        expiration_month=f"{card['expiry_month']:02d}", expiration_year=str(card["expiry_year"]),
        prepaid="Yes" if card["funding"] == "prepaid" else "No",
        debit="Yes" if card["funding"] == "debit" else "No")
    return obj
