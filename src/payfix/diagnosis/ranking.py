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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from payfix.rules.pack import Remedy, Rule, RulePack

__all__ = ["ScoredRemedy", "coherent", "combine", "rank", "settle"]

#: What each retry verdict rules out (:data:`payfix.vocab.NEXT_PAYMENTS`): on ``hold`` the first
#: payment may have gone through, so any new payment risks paying twice; on ``never`` the same
#: request is refused again.
RULED_OUT = {"hold": frozenset({"same", "changed"}), "never": frozenset({"same"})}


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


def coherent(remedy: Remedy, verdict: str) -> bool:
    """Whether ``remedy`` may be offered beside the retry ``verdict``: one plan, never "top up and
    pay" while the payment is on hold, never "try again" when the same request is refused.

    Example:
        >>> from payfix import load_pack
        >>> remedies = load_pack().remedies
        >>> coherent(remedies["balance.top_up"], "hold"), coherent(remedies["support.contact"], "hold")
        (False, True)
        >>> retry, other = remedies["method.retry_later"], remedies["method.use_another"]
        >>> coherent(retry, "never"), coherent(other, "never")
        (False, True)
    """
    return remedy.next_payment not in RULED_OUT.get(verdict, ())


def settle(fired_ids: frozenset[str], rules: Mapping[str, Rule], pack: RulePack,
           verdict: str | None = None) -> frozenset[str]:
    """The fired rules that count: every rule that fired, except fallback rules (``fallback:
    true``) when the others already lead to a remedy at or above the pack's confidence floor
    that the retry ``verdict`` lets be offered (:func:`coherent`). A fallback is the checklist for
    a failure nothing else explains (a code no map knows, no code at all); beside an explanation
    it would only add noise. ``rules`` maps ids to rules.

    Example:
        >>> from payfix import load_pack
        >>> pack = load_pack()
        >>> rules = {rule.id: rule for rule in pack.rules}
        >>> checklist = frozenset({"method.fallback_other_method", "method.fallback_contact_support"})
        >>> sorted(settle(checklist | {"network.offline"}, rules, pack))
        ['network.offline']
        >>> settle(checklist, rules, pack) == checklist
        True
    """
    fallbacks = [rule_id for rule_id in fired_ids if rules[rule_id].fallback]
    if not fallbacks:
        return fired_ids
    others = [rule for rule_id, rule in rules.items() if rule_id in fired_ids and not rule.fallback]
    floor = pack.settings.confidence_floor * 100
    if any(scored.score >= floor and (verdict is None or coherent(scored.remedy, verdict))
           for scored in rank(others, pack)):
        return fired_ids.difference(fallbacks)
    return fired_ids

