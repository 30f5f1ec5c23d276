"""Ranking: merge rule hits per remedy, score them, and order them totally and deterministically.

A remedy's score (basis points, 0-10000) combines the confidences ``c_i`` (percent) of the rules
supporting it as independent evidence, ``1 - prod(1 - c_i/100)``, times the catalogue weight
(percent). Integer arithmetic only. Ties break by category order in ``pack.yaml`` (cheapest check
first), then catalogue order, then id, so the order is total.

Example:
    >>> combine((60, 50))
    8000
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from payfix.rules.pack import Remedy, Rule, RulePack

__all__ = ["ScoredRemedy", "combine", "rank"]


@dataclass(frozen=True, slots=True)
class ScoredRemedy:
    """A remedy with its score and the rules (pack order) that support it."""

    remedy: Remedy
    score: int
    rules: tuple[Rule, ...]


def combine(confidences: Iterable[int]) -> int:
    """Noisy-or of percent confidences, in basis points, exact (floor of the miss probability)."""
    miss_num, miss_den = 1, 1
    for c in confidences:
        miss_num *= 100 - c
        miss_den *= 100
    return 10000 - (miss_num * 10000) // miss_den


def rank(fired: Iterable[Rule], pack: RulePack) -> tuple[ScoredRemedy, ...]:
    """Scored remedies for the ``fired`` rules, best first, in a total order."""
    groups: dict[str, list[Rule]] = {}
    for rule in fired:
        groups.setdefault(rule.remedy, []).append(rule)
    categories = {name: i for i, name in enumerate(pack.settings.categories)}
    scored = []
    for remedy_id, rules in groups.items():
        remedy = pack.remedies[remedy_id]
        score = combine(r.confidence for r in rules) * remedy.weight // 100
        scored.append(ScoredRemedy(remedy, score, tuple(rules)))
    scored.sort(key=lambda s: (-s.score, categories.get(s.remedy.category, len(categories)),
                               s.remedy.order, s.remedy.id))
    return tuple(scored)
