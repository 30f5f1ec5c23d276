"""The support hand-off: what a human receives when a diagnosis escalates.

Built from the report, the facts and the pack only: a reference id, a one-paragraph problem
statement (English or Simplified Chinese), what the customer should have ready (masked), the
steps already tried, the evidence (agents only), and the operator's official channels — never a
channel taken from the report — with the reminder that official support never asks for a
password or a one-time code.

Example:
    >>> reference_id("pay_1", "2026-03-01T10:00:00+00:00", "sha256:abc")
    'PF-13AD16A5E2'
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, timedelta
from functools import lru_cache

from payfix._memo import remember
from payfix.diagnosis.facts import Facts
from payfix.diagnosis.present import remedy_text
from payfix.diagnosis.view import View
from payfix.masking import (
    mask_code,
    mask_email,
    mask_id,
    mask_identifier,
    mask_name,
    mask_phone,
    mask_text,
)
from payfix.models.diagnosis import SupportChannel
from payfix.models.report import AttemptReport
from payfix.rules.pack import Channel, Rule, RulePack
from payfix.vocab import CHANGES_REQUEST

__all__ = ["handoff_fields", "method_words", "reference_id"]

def reference_id(attempt_id: str, attempt_at: str, pack_hash: str) -> str:
    """A short, deterministic reference for tickets: the same attempt and pack give the same id."""
    digest = hashlib.sha256(f"{attempt_id}|{attempt_at}|{pack_hash}".encode()).hexdigest()
    return "PF-" + digest[:10].upper()


def method_words(report: AttemptReport, t: Mapping[str, str]) -> str:
    """The attempt's payment method as the hand-off texts ``t`` name it ("the card ending 4242")."""
    method = report.attempt.method
    if method.type == "wallet_balance":
        return t["wallet_balance"]
    if method.type == "bank_account":
        return t["bank_account"]
    last4 = method.card.last4 if method.card is not None else None
    return t["card"].format(last4=last4) if last4 else t["card_any"]



#: Entries at which a caller's memo of merchant names is cleared.
MERCHANTS_SIZE = 4096


def _payee(report: AttemptReport, merchants: dict[str, str] | None) -> str | None:
    payee = report.attempt.payee
    if payee is None:
        return None
    if payee.identifier is not None:
        return mask_identifier(payee.type, payee.identifier)
    if payee.name is not None:
        if payee.type != "merchant":
            return mask_name(payee.name)
        # a merchant's name is a business name: it stays readable, identifiers in it masked
        if merchants is None:
            return mask_text(payee.name)
        shown = merchants.get(payee.name)
        if shown is None:
            shown = mask_text(payee.name)
            remember(merchants, payee.name, shown, MERCHANTS_SIZE)
        return shown
    return None


def _fact_shown(value: object) -> object:
    """A fact's value as the evidence quotes it: strings (a processor code as sent) masked."""
    return mask_code(value) if isinstance(value, str) else value


def _statement(report: AttemptReport, facts: Facts, t: Mapping[str, str], show_reason: bool,
               verdict: str, when: str, amount: str, method: str, payee: str | None,
               after: str | None, names: Mapping[str, str]) -> str:
    """The problem statement; ``names``: the reason names of the statement's locale."""
    attempt = report.attempt
    reason = facts.get("failure.reason")
    if isinstance(reason, str):
        reason = names.get(reason, reason)
    parts = [t["statement"].format(
        kind=t[attempt.kind], amount=amount, method=method,
        payee=t["payee"].format(payee=payee) if payee else "", when=when[:16],
        reason=t["reason"].format(reason=reason) if reason and show_reason else "")]
    if attempt.funds_debited:
        parts.append(t["debited"])
    if attempt.outcome == "unknown":
        parts.append(t["unknown"])
    status = facts.get("account.status")
    if status is not None and status != "active":
        parts.append(t["account"].format(status=t.get(f"status_{status}", status)))
    failures = facts.get("history.failures_24h")
    if failures:
        parts.append(t["history"].format(n=int(failures)))
    if verdict == "hold":
        parts.append(t["hold"])
    elif verdict != "unknown":
        same = "_same" if verdict == "never" and after in CHANGES_REQUEST else ""
        parts.append(t["retry"].format(verdict=t[f"verdict_{verdict}{same}"]))
        if after is not None:
            parts.append(t["after"].format(action=t[f"after_{after}"]))
    return "".join(parts)




def _prepare(report: AttemptReport, t: Mapping[str, str], reference: str, attempt_id: str, when: str,
             amount: str, method: str, payee: str | None) -> list[dict[str, str]]:
    items = [{"key": "reference", "label": t["reference"], "value": reference},
             {"key": "attempt_id", "label": t["attempt_id"], "value": attempt_id},
             {"key": "time", "label": t["time"], "value": when},
             {"key": "amount", "label": t["amount"], "value": amount},
             {"key": "method", "label": t["method"], "value": method}]
    if payee:
        items.append({"key": "payee", "label": t["payee_item"], "value": payee})
    account = report.account
    if account is not None:
        if account.email:
            items.append({"key": "account_email", "label": t["account_email"],
                          "value": mask_email(account.email)})
        if account.phone:
            items.append({"key": "account_phone", "label": t["account_phone"],
                          "value": mask_phone(account.phone)})
    return items


@lru_cache(maxsize=16)
def _channels(channels: tuple[Channel, ...], chain: tuple[str, ...]) -> tuple[SupportChannel, ...]:
    """The pack's official channels as output models, in the first locale of ``chain`` the pack
    gives their words in (the same for every hand-off of a pack in that locale chain)."""
    return tuple(SupportChannel(id=c.id, kind=c.kind, address=address, hours=hours)
                 for c in channels for address, hours in (c.words(chain),))


def handoff_fields(report: AttemptReport, facts: Facts, fired: Sequence[Rule], priority: str,
                   after_s: int, verdict: str, pack: RulePack, chain: Sequence[str],
                   view: View, masked_id: str | None = None,
                   merchants: dict[str, str] | None = None,
                   after_action: str | None = None) -> dict[str, object]:
    """The fields of the :class:`~payfix.models.diagnosis.Handoff` packet for an escalating
    diagnosis, in the first locale of ``chain`` known (``verdict`` and ``after_action``: the retry
    advice's; ``view``:
    what the audience sees; ``masked_id``: the attempt id masked by
    :func:`~payfix.masking.mask_id`, when the caller has it already; ``merchants``: a memo of
    merchant names as shown, kept by the caller that owns it, such as one Diagnoser)."""
    chain = tuple(chain)
    language, t = pack.texts_in("handoff", chain)  # the locale the hand-off is written in
    attempt = report.attempt
    at = attempt.at
    written = at.isoformat()
    reference = reference_id(attempt.id, written, pack.hash)
    tried = []
    for remedy_id in dict.fromkeys(attempt.remedies_tried):
        remedy = pack.remedies.get(remedy_id)
        tried.append(remedy_text(remedy, chain).title if remedy else remedy_id)
    same = facts.get("history.same_code_failures")
    if same:
        tried.append(t["tried_history"].format(n=int(same)))
    evidence = [
        f"{rule.id}: {rule.description or rule.when} ["
        + ", ".join(f"{name}={_fact_shown(facts.get(name))}" for name in rule.facts) + "]"
        for rule in fired] if view.agent else []
    # the time in UTC, written once: the attempt's own text when it is in UTC already
    utc_written = written if written.endswith("+00:00") else at.astimezone(UTC).isoformat()
    when = f"{utc_written[:10]} {utc_written[11:19]}"  # YYYY-MM-DD HH:MM:SS
    amount = f"{attempt.amount.value} {attempt.amount.currency}"
    method, payee = method_words(report, t), _payee(report, merchants)
    return {
        "reference": reference, "priority": priority, "when": "after" if after_s else "now",
        "not_before": (at.astimezone(UTC) + timedelta(seconds=after_s)).isoformat() if after_s
        else utc_written,
        "statement": _statement(report, facts, t, view.sees_code, verdict, when, amount, method, payee,
                                after_action, pack.settings.reason_names.get(language, {})),
        "prepare": _prepare(report, t, reference,
                            mask_id(attempt.id) if masked_id is None else masked_id, when, amount,
                            method, payee), "steps_tried": tried,
        "evidence": evidence, "channels": _channels(pack.settings.channels, chain), "reminder": t["reminder"]}
