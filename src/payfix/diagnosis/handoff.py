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

__all__ = ["handoff_fields", "reference_id"]

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "purchase": "purchase", "p2p_transfer": "transfer", "bill_payment": "bill payment",
        "withdrawal": "withdrawal", "top_up": "top-up",
        "wallet_balance": "the wallet balance", "bank_account": "a bank account",
        "card": "the card ending {last4}", "card_any": "a card",
        "statement": "A {kind} of {amount} from {method}{payee} failed on {when} UTC{reason}.",
        "payee": " to {payee}", "reason": " (reason: {reason})",
        "debited": " The payer's funds were debited although the payment failed.",
        "unknown": " The processor has not given a final answer yet.",
        "account": " The payer's account is {status}.",
        "history": " {n} earlier attempt(s) failed in the 24 hours before.",
        "retry": " Retry advice: {verdict}.",
        "verdict_now": "retry now", "verdict_later": "retry later", "verdict_never": "do not retry",
        "verdict_never_same": "do not retry as it was",
        "after": " Before a new attempt: {action}.",
        "after_correct_data": "the payer corrects or renews the payment details",
        "after_update_card": "the payer updates the card details or uses the renewed card",
        "after_authenticate": "the payer authenticates the payment (e.g. 3-D Secure)",
        "after_top_up": "the payer tops up the balance",
        "after_contact_issuer": "the payer contacts their card issuer or bank",
        "after_contact_payee": "the payer asks the recipient to check their account",
        "after_contact_support": "support reviews the payer's account",
        "after_new_order": "the merchant starts a new order",
        "after_merchant_fix": "the merchant checks and fixes its set-up",
        "after_renew_mandate": "the payer renews their consent to the payment",
        "after_query_status": "the payment's status is checked with the processor",
        "after_other_method": "the payer chooses another payment method",
        "hold": " Do not pay again until this payment is resolved, to avoid paying twice.",
        "account_email": "E-mail on the account", "account_phone": "Phone on the account",
        "attempt_id": "Payment ID", "time": "Time of the payment (UTC)", "amount": "Amount",
        "method": "Paid with", "payee_item": "Recipient", "reference": "Reference",
        "reminder": "Contact us only through the official channels listed here. Official support "
                    "will never ask for your password or a one-time code.",
        "tried_history": "{n} earlier failed attempt(s) with the same code",
    },
    "zh-CN": {
        "purchase": "消费", "p2p_transfer": "转账", "bill_payment": "缴费", "withdrawal": "提现",
        "top_up": "充值",
        "wallet_balance": "钱包余额", "bank_account": "银行账户", "card": "尾号 {last4} 的银行卡",
        "card_any": "银行卡",
        "statement": "{when}（UTC），一笔使用{method}支付、金额为 {amount} 的{kind}{payee}未能完成"
                     "{reason}。",
        "payee": "（收款方：{payee}）", "reason": "（原因：{reason}）",
        "debited": "付款方账户已被扣款，但支付未成功。",
        "unknown": "支付机构尚未返回最终结果。",
        "account": "付款方账户状态：{status}。",
        "status_locked": "已锁定", "status_frozen": "已冻结", "status_closed": "已注销",
        "history": "此前 24 小时内已有 {n} 次失败尝试。",
        "retry": "重试建议：{verdict}。",
        "verdict_now": "可立即重试", "verdict_later": "稍后重试", "verdict_never": "请勿重试",
        "verdict_never_same": "请勿按原样重试",
        "after": "再次尝试前：{action}。",
        "after_correct_data": "付款方更正或更新支付信息",
        "after_update_card": "付款方更新银行卡信息或使用换发的新卡",
        "after_authenticate": "付款方完成支付验证（如 3-D Secure）",
        "after_top_up": "付款方为余额充值",
        "after_contact_issuer": "付款方联系发卡行或开户银行",
        "after_contact_payee": "付款方请收款方核实其账户",
        "after_contact_support": "客服审核付款方账户",
        "after_new_order": "商户重新创建订单",
        "after_merchant_fix": "商户检查并修正其配置",
        "after_renew_mandate": "付款方重新授权该笔扣款",
        "after_query_status": "向支付机构查询该笔支付的状态",
        "after_other_method": "付款方改用其他付款方式",
        "hold": "在本笔支付处理完毕前请勿重复付款，以免重复扣款。",
        "account_email": "账户绑定邮箱", "account_phone": "账户绑定手机号", "attempt_id": "支付单号",
        "time": "付款时间（UTC）", "amount": "金额", "method": "付款方式", "payee_item": "收款方",
        "reference": "工单参考号",
        "reminder": "请仅通过此处列出的官方渠道联系我们。官方客服绝不会索要您的密码或验证码。",
        "tried_history": "此前使用同一错误码失败 {n} 次",
    },
}


def reference_id(attempt_id: str, attempt_at: str, pack_hash: str) -> str:
    """A short, deterministic reference for tickets: the same attempt and pack give the same id."""
    digest = hashlib.sha256(f"{attempt_id}|{attempt_at}|{pack_hash}".encode()).hexdigest()
    return "PF-" + digest[:10].upper()


@lru_cache(maxsize=64)
def _texts(chain: tuple[str, ...]) -> dict[str, str]:
    return next((_TEXT[loc] for loc in chain if loc in _TEXT), _TEXT["en"])


def _method(report: AttemptReport, t: dict[str, str]) -> str:
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


def _statement(report: AttemptReport, facts: Facts, t: dict[str, str], show_reason: bool,
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


def _reason_names(pack: RulePack, chain: tuple[str, ...]) -> Mapping[str, str]:
    """The pack's names of the failure reasons in the language the hand-off is written in (the
    first locale of ``chain`` with hand-off texts); none: reasons are written as they are."""
    language = next((loc for loc in chain if loc in _TEXT), "en")
    return pack.settings.reason_names.get(language, {})


def _prepare(report: AttemptReport, t: dict[str, str], reference: str, attempt_id: str, when: str,
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
def _channels(channels: tuple[Channel, ...]) -> tuple[SupportChannel, ...]:
    """The pack's official channels as output models (the same for every hand-off of a pack)."""
    return tuple(SupportChannel(id=c.id, kind=c.kind, address=c.address, hours=c.hours)
                 for c in channels)


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
    t = _texts(chain)
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
    method, payee = _method(report, t), _payee(report, merchants)
    return {
        "reference": reference, "priority": priority, "when": "after" if after_s else "now",
        "not_before": (at.astimezone(UTC) + timedelta(seconds=after_s)).isoformat() if after_s
        else utc_written,
        "statement": _statement(report, facts, t, view.sees_code, verdict, when, amount, method, payee,
                                after_action, _reason_names(pack, chain)),
        "prepare": _prepare(report, t, reference,
                            mask_id(attempt.id) if masked_id is None else masked_id, when, amount,
                            method, payee), "steps_tried": tried,
        "evidence": evidence, "channels": _channels(pack.settings.channels), "reminder": t["reminder"]}
