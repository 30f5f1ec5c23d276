"""Escalation: when a human must step in, how urgently, and from when.

A diagnosis escalates when a fired rule demands it (its ``escalate`` reason), or when no remedy
reaches the pack's ``confidence_floor`` (reason ``no_credible_remedy``). Each reason's priority and
waiting period come from the pack's escalation policy (``pack.yaml`` ``escalations``). Reasons are
listed once each, in the order of the rules that raised them.

Example:
    >>> from payfix.rules.pack import EscalationPolicy
    >>> plan((Raised("outcome_unknown", "r1", EscalationPolicy("outcome_unknown", "normal", 7200)),))
    ('normal', 7200)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from payfix.diagnosis.ranking import ScoredRemedy
from payfix.rules.pack import PRIORITIES, EscalationPolicy, Rule, RulePack

__all__ = ["NO_CREDIBLE_REMEDY", "Raised", "escalation_reasons", "plan"]

NO_CREDIBLE_REMEDY = "no_credible_remedy"


@dataclass(frozen=True, slots=True)
class Raised:
    """An escalation reason, the rule that raised it (``None`` for payfix's own) and its policy."""

    code: str
    rule_id: str | None
    policy: EscalationPolicy


def escalation_reasons(fired: Iterable[Rule], ranked: tuple[ScoredRemedy, ...], pack: RulePack
                       ) -> tuple[Raised, ...]:
    """The reasons to involve a human; empty when self-service should do."""
    policies = pack.settings.escalations
    out: dict[str, Raised] = {}
    for rule in fired:
        if rule.escalate is not None and rule.escalate not in out:
            out[rule.escalate] = Raised(rule.escalate, rule.id, policies[rule.escalate])
    floor = pack.settings.confidence_floor * 100
    if not any(s.score >= floor for s in ranked) and NO_CREDIBLE_REMEDY not in out:
        out[NO_CREDIBLE_REMEDY] = Raised(NO_CREDIBLE_REMEDY, None, policies[NO_CREDIBLE_REMEDY])
    return tuple(out.values())


def plan(raised: tuple[Raised, ...]) -> tuple[str, int]:
    """``(priority, after_s)``: the highest priority, and the shortest wait (0 if any is now)."""
    priority = max((r.policy.priority for r in raised), key=PRIORITIES.index)
    return priority, min(r.policy.after_s for r in raised)
