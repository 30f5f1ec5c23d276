"""The diagnosis: ranked remedies, escalation, retry advice and the evidence trace.

All models are frozen, serialise to JSON with a stable field order (the order below) and carry no
clock reading, so the same report and rule pack always give byte-identical JSON.

Example:
    >>> RetryAdvice(verdict="later", wait_seconds=3600, basis="iso8583:91").verdict
    'later'
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from payfix.vocab import AfterAction, ReplyTemplate

__all__ = [
    "DIAGNOSIS_SCHEMA_VERSION",
    "Audience",
    "CodeSeen",
    "Diagnosis",
    "EscalationReason",
    "FactValue",
    "Failure",
    "FeeBreakdown",
    "FeeLine",
    "Handoff",
    "HandoffItem",
    "Notify",
    "PackInfo",
    "RankedRemedy",
    "Reply",
    "RetryAdvice",
    "RuleHit",
    "RuleMiss",
    "SupportChannel",
]

#: The version of the diagnosis format payfix writes (``Diagnosis.schema_version``). Minor versions
#: only add fields: 1.1 added ``retry.after_action``, 1.2 ``reply`` and ``notify``.
DIAGNOSIS_SCHEMA_VERSION = "1.2"

#: A fact's value as rules see it: integers (money in minor units), booleans and short strings.
FactValue = int | bool | str
Audience = Literal["customer", "agent"]
#: A retry advice's verdict, and how to retry when it may be; an escalation's priority.
RetryVerdict = Literal["now", "later", "never", "hold", "unknown"]
RetryHow = Literal["same_method", "with_3ds", "update_card", "after_top_up",
                   "bring_payer_on_session", "other_method", "query_first"]
Priority = Literal["low", "normal", "high", "urgent"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RuleHit(_Out):
    """A rule that fired, and the facts its condition read (name → value, ``None`` if missing)."""

    rule_id: str
    ruleset: str
    remedy: str
    confidence: int
    escalate: str | None
    facts: dict[str, FactValue | None]


class RuleMiss(_Out):
    """A rule that did not fire, and the first condition that failed with the value it saw (a
    fallback rule whose condition held but did not count: ``failed`` says so, ``fact`` is
    empty)."""

    rule_id: str
    ruleset: str
    failed: str
    fact: str
    value: FactValue | None


class RankedRemedy(_Out):
    """One remedy in the ranked list, with the rules that support it.

    ``score`` is in basis points (0-10000): the rules' confidences combined, times the catalogue weight.
    ``rules`` is empty for the customer audience (rule ids can name a hidden reason).
    """

    rank: int
    id: str
    category: str
    score: int
    self_service: bool
    title: str
    steps: tuple[str, ...]
    rules: tuple[str, ...]


class EscalationReason(_Out):
    """Why a human must step in: a stable ``code``, the rule that asked (agents only), the
    policy's priority, and how long after the attempt a human should be involved (0 = now)."""

    code: str
    rule_id: str | None
    priority: Priority
    after_seconds: int


class HandoffItem(_Out):
    """One thing the customer should have ready (already masked)."""

    key: str
    label: str
    value: str


class SupportChannel(_Out):
    """An official support channel from the operator's rule pack (never from the report)."""

    id: str
    kind: str
    address: str
    hours: str | None


class Handoff(_Out):
    """Everything a human needs when the diagnosis escalates.

    ``when`` is ``now`` or ``after``: a human is involved only from ``not_before`` (attempt time
    plus the shortest wait among the reasons) if the problem is still there.
    """

    reference: str
    priority: Priority
    when: Literal["now", "after"]
    not_before: str
    statement: str
    prepare: tuple[HandoffItem, ...]
    steps_tried: tuple[str, ...]
    evidence: tuple[str, ...]
    channels: tuple[SupportChannel, ...]
    reminder: str


class Reply(_Out):
    """The words a person reads about the diagnosis, from the pack's texts in its locale.

    ``template`` says which message it is (``debited``, ``pending``, ``escalated``,
    ``try_again``, ``self_service``). For the customer audience ``message`` is the reply to
    send the payer: what happened, what is being done, what they can do, when they hear back,
    the official channels and the never-share warning, made of the customer's diagnosis only.
    For agents ``note`` is the internal note for the ticket: codes, retry advice, escalation,
    the agent's own next steps and what the customer was told.
    """

    template: ReplyTemplate
    message: str | None = None
    note: str | None = None


class Notify(_Out):
    """Whether and when to tell the payer, so a wallet can send the right message itself:
    ``when`` is ``now``, ``after`` (from ``not_before``, when a re-query may have settled it; if
    it did, there is nothing to say) or ``never`` (a silent retry: the payer is not there and the
    payment is tried again without them); ``channel`` is the kind of channel (``in_app`` while
    the payer is in the app, else ``push``) and ``template`` the reply's template."""

    when: Literal["now", "after", "never"]
    not_before: str | None
    channel: Literal["in_app", "push"] | None
    template: ReplyTemplate


class RetryAdvice(_Out):
    """Whether to retry the same payment: now, later (after ``wait_seconds``), never, unknown, or
    ``hold`` — not until the debited or unresolved first attempt is settled (``basis`` says which).

    ``verdict`` is for the same request; ``after_action`` (schema 1.1) is what must happen before a
    new attempt can succeed (``None``: nothing but the wait): ``never`` with ``correct_data`` means
    the same card number is refused and a corrected one may be approved at once."""

    verdict: RetryVerdict
    wait_seconds: int | None
    basis: str | None
    how: RetryHow | None = None
    not_before: str | None = None
    attempts_left: int | None = None
    after_action: AfterAction | None = None


class CodeSeen(_Out):
    """A code of the processor's answer that did not decide: its scheme, field, where it was read
    (``path``) and the reason the pack maps it to (``None``: unmapped)."""

    scheme: str
    field: str
    code: str
    path: str | None
    reason: str | None


class Failure(_Out):
    """The processor's answer reduced to one payfix reason, and which code field decided it.

    For the customer audience ``reason`` is ``"declined"`` whenever the code is not customer-safe.
    ``source`` (agents only) is the code-map file and line that decided, so an operator's overlay
    of a code is visible in every diagnosis it changes. ``path`` (agents only) is where the code
    was read in the processor's own object (``"stripe.error.network_decline_code"``) when an input
    adapter read it; ``evidence`` (agents only) lists the answer's other codes; ``warnings``
    (agents only) names each scheme of the answer the pack has no code map for.
    """

    scheme: str | None
    field: str | None
    code: str | None
    reason: str
    known: bool
    customer_safe: bool
    source: str | None = None
    path: str | None = None
    evidence: tuple[CodeSeen, ...] = ()
    warnings: tuple[str, ...] = ()


class FeeLine(_Out):
    """One fee component (``percentage``, ``fixed``, ``minimum``, ``maximum``, ``surcharge``,
    ``fx_percentage``, ``fx_fixed``) and its amount."""

    name: str
    amount: Decimal


class FeeBreakdown(_Out):
    """The fee quote for the attempt under the pack's schedule, the largest amount the available
    balance could send (``max_sendable``) and what the balance lacks to cover the debit
    (``shortfall``, 0 when it covers it); both ``None`` without a balance in this currency.
    Amounts are exact decimals in ``currency`` (``received`` in ``received_currency``)."""

    schedule: str
    currency: str
    amount: Decimal
    components: tuple[FeeLine, ...]
    fee: Decimal
    debited: Decimal
    received: Decimal
    received_currency: str
    max_sendable: Decimal | None
    shortfall: Decimal | None = None


class PackInfo(_Out):
    """Which rule pack produced the diagnosis: name, version and content hash."""

    name: str
    version: str
    hash: str


class Diagnosis(_Out):
    """The answer for one failed attempt.

    Example:
        >>> from payfix import diagnose
        >>> result = diagnose({
        ...     "attempt": {"id": "a1", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
        ...                 "amount": {"value": "25.00", "currency": "EUR"},
        ...                 "method": {"type": "wallet_balance"}},
        ...     "device": {"online": False}}, engine="compiled")
        >>> result.remedies[0].id, result.escalate, result.retry.verdict
        ('network.reconnect', False, 'unknown')
    """

    schema_version: str
    attempt_id: str
    audience: Audience
    locale: str
    failure: Failure
    remedies: tuple[RankedRemedy, ...]
    escalate: bool
    escalation_reasons: tuple[EscalationReason, ...]
    retry: RetryAdvice
    fees: FeeBreakdown | None
    handoff: Handoff | None
    reply: Reply | None = None
    notify: Notify | None = None
    fired: tuple[RuleHit, ...]
    not_fired: tuple[RuleMiss, ...]
    pack: PackInfo
    engine: str

    def to_json(self) -> str:
        """Stable JSON: field order as declared, no whitespace variance, UTF-8 text kept as is."""
        return self.model_dump_json()
