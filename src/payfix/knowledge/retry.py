"""Retry advice: whether, when and how to try the same payment again, as the card schemes count.

The answer has two parts. ``verdict`` is for the same request (the same card data, order and
authentication): ``now``, ``later``, ``never``, ``hold`` or ``unknown``. ``after_action`` says what
must happen before a new attempt can succeed (:data:`~payfix.vocab.AFTER_ACTIONS`; ``None``:
nothing but the wait): a wrong card number is ``never`` with ``correct_data`` (the same number is
refused, the corrected one may be approved at once), an issuer referral ``later`` with
``contact_issuer``, an expired card ``never`` with ``update_card``, a closed order ``never`` with
``new_order``. It comes from the deciding entry's ``after`` (else the pack's ``after_actions`` for
its reason); advice that tightens the verdict brings its own; an exhausted re-attempt budget makes
it ``other_method`` (unless other card details are what is asked); a ``hold`` is ``query_status``.

Built from the code map's verdict for the deciding code, then tightened — never loosened — by:

* a payment whose funds were debited or whose outcome is unknown is on ``hold`` (paying again risks
  paying twice);
* advice codes sent beside the decline — the processor's own advice field (Stripe's
  ``advice_code``, Checkout.com's recommendation code) and Mastercard's Merchant Advice Code (its
  own field, or Stripe's ``network_advice_code`` and Adyen's ``merchantAdviceCode`` read as
  ``mastercard_mac`` codes): when the deciding code names no cause (its reason is one of the
  pack's ``generic_reasons``) the first advice **decides** the retry (it may loosen it: Stripe
  documents the advice code as the retry instruction) and is listed first in ``basis``; otherwise,
  and for later advice, it only tightens (MAC 03 and 21 forbid any retry, 24-30 set the wait);
* card-scheme rules bind card payments only (a wallet balance or bank account is not counted
  as the card schemes count); a wallet balance short of funds can be paid again as soon as it is
  topped up, whatever wait the code map gives an issuer's card;
* the card schemes' re-attempt limits, kept as data in ``pack.yaml`` ``retry_limits`` (each with
  the brands and code categories it binds, its window, the threshold holding its count, the days
  it is in force and its source): Visa's category 1 forbids any re-attempt and categories 2-4
  share a budget over 30 days; Mastercard's excessive-attempts limits count over 24 hours and
  30 days;
* budgets are counted over the attempt chain for the same initiator only (customer- and
  merchant-initiated attempts apart) and the same payment method; ``attempts_left`` is the
  smallest remaining budget;
* context: a step-up (3-D Secure) request can only be met with the payer present, so a
  merchant-initiated charge must bring the payer back rather than retry.

``how`` names the way to retry when that is the point: ``same_method``, ``with_3ds``,
``update_card``, ``after_top_up``, ``bring_payer_on_session``, ``other_method`` or ``query_first``.

Example:
    >>> STRICTNESS["never"] > STRICTNESS["later"] > STRICTNESS["now"]
    True
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from payfix.knowledge.lookup import FailureLookup, lookup_failure
from payfix.masking import mask_code
from payfix.models.processor import ProcessorResponse
from payfix.models.report import AttemptReport
from payfix.rules.pack import CodeEntry, RulePack
from payfix.vocab import CHANGES_REQUEST

__all__ = ["STRICTNESS", "retry_fields"]

STRICTNESS = {"unknown": 0, "now": 1, "later": 2, "never": 3}
_UPDATE = frozenset({"incorrect_cvc", "invalid_expiry", "expired_card", "update_card_details",
                     "invalid_card_number"})
_STEP_UP = frozenset({"authentication_required"})


def _how(entry: CodeEntry, verdict: str, after: str | None, initiator: str) -> str:
    if after == "authenticate" or (entry.reason in _STEP_UP and verdict != "never"):
        return "with_3ds" if initiator == "customer" else "bring_payer_on_session"
    if after in ("correct_data", "update_card"):  # a new request with the corrected details
        return "update_card" if entry.reason in _UPDATE else "same_method"
    if after == "new_order":
        return "same_method"
    if after == "renew_mandate":  # the payer consents again, present
        return "bring_payer_on_session"
    if verdict == "never":
        return "other_method"
    if entry.reason in _UPDATE:
        return "update_card"
    if entry.reason in ("insufficient_funds", "limit_exceeded"):
        return "after_top_up"
    if entry.reason in ("outcome_unknown", "payment_in_progress", "duplicate_transaction"):
        return "query_first"
    return "same_method"


def _advice(processor: ProcessorResponse | None, found: FailureLookup,
            pack: RulePack, day: date) -> list[tuple[str, CodeEntry]]:
    """The advice codes beside the deciding code, most specific first, each as ``(basis label,
    map entry)``: the processor's own advice field (Stripe's ``advice_code``, Checkout.com's
    recommendation code), then Mastercard's Merchant Advice Code (its own field, or a code of
    the ``mastercard_mac`` scheme in ``related``: Stripe's ``network_advice_code``, Adyen's
    ``merchantAdviceCode``). A code that itself decided is not advice."""
    if processor is None:
        return []
    out: list[tuple[str, CodeEntry]] = []
    own = pack.codemaps.get(processor.scheme)
    advice = processor.codes.advice_code
    if (own is not None and advice is not None and "advice_code" in own.fields
            and not (found.scheme == processor.scheme and found.field == "advice_code")):
        entry = own.entry(own.normalise(advice), day)
        if entry is not None:
            out.append((f"{processor.scheme}:{advice}", entry))
    macs = pack.codemaps.get("mastercard_mac")
    if macs is not None and found.scheme != "mastercard_mac":
        mac_code = processor.codes.merchant_advice_code or next(
            (item.code for item in processor.related if item.scheme == "mastercard_mac"), None)
        entry = macs.entry(macs.normalise(mac_code), day) if mac_code is not None else None
        if entry is not None:
            out.append((f"mastercard_mac:{mac_code}", entry))
    return out


def _attempts_within(report: AttemptReport, seconds: int) -> int:
    """Earlier attempts of this payment the schemes count against the same budget: within the
    window, by the same initiator (customer- and merchant-initiated are counted apart), and on the
    same payment method when the chain says which one was used."""
    attempt = report.attempt
    since = attempt.at - timedelta(seconds=seconds)
    method = attempt.method.type
    return sum(1 for p in report.history
               if p.at >= since and p.initiator == attempt.initiator
               and p.method_type in (None, method))


def retry_fields(report: AttemptReport, pack: RulePack, found: FailureLookup | None = None,
                 day: date | None = None) -> dict[str, Any]:
    """The fields of the :class:`~payfix.models.diagnosis.RetryAdvice` for ``report`` (validated
    as part of the diagnosis). ``basis`` names the codes it rests on: what of it an audience sees
    is :class:`payfix.diagnosis.view.View`'s decision. ``found`` is the code-map verdict when the
    caller already looked it up; ``day`` the day whose code meanings and scheme limits apply (the
    attempt's own by default)."""
    attempt = report.attempt
    if attempt.funds_debited or attempt.outcome == "unknown":
        held = "funds_debited" if attempt.funds_debited else "outcome_unknown"
        return {"verdict": "hold", "wait_seconds": None, "basis": held, "how": "query_first",
                "not_before": None, "attempts_left": None, "after_action": "query_status"}
    processor = attempt.processor
    day = day or attempt.at.date()
    if found is None and processor is not None:
        found = lookup_failure(processor, pack, day)
    if found is None or found.entry is None:
        # an unknown scheme and code are as the report gave them: masked (a mapped one is the pack's)
        basis = (f"{mask_code(found.scheme)}:{mask_code(found.code)}"
                 if found is not None and found.code else None)
        return {"verdict": "unknown", "wait_seconds": None, "basis": basis,
                "how": None, "not_before": None, "attempts_left": None, "after_action": None}
    entry = found.entry
    verdict, wait = entry.retry, entry.wait_s or 0
    bases = [f"{found.scheme}:{found.code}"]
    generic = entry.reason in pack.settings.generic_reasons
    decider = entry  # the entry whose retry class the verdict starts from (its ``how``)
    after = entry.after
    for label, advice in _advice(processor, found, pack, day):
        if generic:  # the advice decides the retry of a decline that names no cause
            verdict, wait, decider, generic = advice.retry, advice.wait_s or 0, advice, False
            # its action, else the decline's own (a referral still asks for the issuer) unless
            # that one changes the request, which the advice's verdict is not about
            after = advice.after or (None if after in CHANGES_REQUEST else after)
            bases.insert(0, label)
            continue
        if STRICTNESS[advice.retry] > STRICTNESS[verdict]:
            verdict, after = advice.retry, advice.after or after
        wait = max(wait, advice.wait_s or 0)
        bases.append(label)
    caps: list[tuple[str, int]] = []
    brand = processor.brand if processor is not None else None
    if attempt.method.type == "wallet_balance" and entry.reason == "insufficient_funds":
        wait = 0  # the payer tops up the wallet; nothing to wait for
    # The schemes' limits (pack.yaml retry_limits) bind card payments, never a wallet or bank account.
    if attempt.method.type.endswith("_card"):
        for limit in pack.settings.retry_limits:
            if not limit.binds(brand, found.scheme, day):
                continue
            if entry.category is not None and entry.category in limit.never:
                verdict = "never"
            elif limit.categories is None or entry.category in limit.categories:
                caps.append((limit.threshold, limit.window_s))
    left: int | None = None
    for name, window in caps:
        cap = pack.settings.thresholds.get(name)
        if cap is None:
            continue
        remaining = max(cap - _attempts_within(report, window), 0)
        left = remaining if left is None else min(left, remaining)
        if remaining == 0:
            verdict = "never"
            bases.append(name)
            if after not in ("correct_data", "update_card"):  # other card details start afresh
                after = "other_method"
    if entry.reason in _STEP_UP and attempt.initiator == "merchant":
        verdict = "never" if verdict == "now" else verdict
        after = "authenticate"
        bases.append("merchant_initiated")
    if verdict == "later" and wait == 0:
        verdict = "now"
    waiting = wait if verdict == "later" else None
    not_before = ((attempt.at + timedelta(seconds=wait)).astimezone(UTC).isoformat()
                  if waiting else None)
    how = _how(decider, verdict, after, attempt.initiator)
    if entry.reason in _STEP_UP and attempt.initiator == "merchant":
        how = "bring_payer_on_session"
    return {"verdict": verdict, "wait_seconds": waiting,
            "basis": ", ".join(bases), "how": how,
            "not_before": not_before, "attempts_left": left, "after_action": after}
