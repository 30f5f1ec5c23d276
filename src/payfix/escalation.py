"""Escalation: when a human must step in.

A diagnosis escalates when a fired rule demands it (its ``escalate`` reason), or when no remedy
reaches the pack's ``confidence_floor`` (reason ``no_credible_remedy``). Reasons are listed once
each, in the order of the rules that raised them.

Example:
    >>> NO_CREDIBLE_REMEDY
    'no_credible_remedy'
"""

from __future__ import annotations

from collections.abc import Iterable

from payfix.pack import Rule, RulePack
from payfix.ranking import ScoredRemedy

__all__ = ["NO_CREDIBLE_REMEDY", "escalation_reasons"]

NO_CREDIBLE_REMEDY = "no_credible_remedy"


def escalation_reasons(fired: Iterable[Rule], ranked: tuple[ScoredRemedy, ...], pack: RulePack
                       ) -> tuple[tuple[str, str | None], ...]:
    """``(reason code, rule id or None)`` pairs; empty when no human is needed."""
    out: dict[str, str | None] = {}
    for rule in fired:
        if rule.escalate is not None and rule.escalate not in out:
            out[rule.escalate] = rule.id
    floor = pack.settings.confidence_floor * 100
    if not any(s.score >= floor for s in ranked):
        out.setdefault(NO_CREDIBLE_REMEDY, None)
    return tuple(out.items())
