"""A diagnosis reduced to what a replay keeps per row: :class:`Outline`, made by
:meth:`payfix.Diagnoser.outline` without wording remedies or building the hand-off, or from a full
diagnosis by :meth:`Outline.of`; the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from payfix.models.diagnosis import Diagnosis

__all__ = ["Outline"]


@dataclass(frozen=True, slots=True)
class Outline:
    """A diagnosis reduced to what a replay writes per row (:meth:`Diagnoser.outline`): the
    same values as the :class:`~payfix.models.diagnosis.Diagnosis`, for the same audience.

    Attributes:
        attempt_id: the attempt id, personal data in it masked (:func:`~payfix.masking.mask_id`).
        remedies: ids of the remedies the audience sees, best first.
        reason: the failure reason (``declined`` for a customer when the code is not customer-safe).
        retry: the retry verdict (``now``, ``later``, ``never``, ``hold`` or ``unknown``).
        escalate: whether a human should take over.
        escalation_codes: the escalation reasons' codes as the audience sees them.
        fee: the quoted fee in the attempt's currency, ``None`` without a fee schedule.
        scheme: the processor's code family, ``None`` without processor codes (masked).
        code: the processor code (``None`` for a customer when it is not customer-safe; masked).
        engine: the engine that evaluated the rules.
        field: the code field that decided (``None`` without processor codes).
        known: the deciding code is in the pack's code map.
        after_action: what must happen before a new attempt can succeed (``retry.after_action``).

    Example:
        >>> from payfix import Diagnoser
        >>> Outline.of(Diagnoser(engine="compiled").diagnose({
        ...     "attempt": {"id": "a5", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
        ...                 "amount": {"value": "25.00", "currency": "EUR"},
        ...                 "method": {"type": "wallet_balance"}},
        ...     "device": {"online": False}})).escalate
        False
    """

    attempt_id: str
    remedies: tuple[str, ...]
    reason: str
    retry: str
    escalate: bool
    escalation_codes: tuple[str, ...]
    fee: Decimal | None
    scheme: str | None
    code: str | None
    engine: str
    field: str | None = None
    known: bool = False
    after_action: str | None = None

    @classmethod
    def of(cls, diagnosis: Diagnosis) -> Outline:
        """The outline of a full diagnosis."""
        return cls(attempt_id=diagnosis.attempt_id, remedies=tuple(r.id for r in diagnosis.remedies),
                   reason=diagnosis.failure.reason, retry=diagnosis.retry.verdict,
                   escalate=diagnosis.escalate,
                   escalation_codes=tuple(e.code for e in diagnosis.escalation_reasons),
                   fee=None if diagnosis.fees is None else diagnosis.fees.fee,
                   scheme=diagnosis.failure.scheme, code=diagnosis.failure.code,
                   engine=diagnosis.engine, field=diagnosis.failure.field,
                   known=diagnosis.failure.known, after_action=diagnosis.retry.after_action)
