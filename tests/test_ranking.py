"""Ranking: score arithmetic and the total, deterministic order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from payfix.diagnosis.ranking import combine, rank
from payfix.rules.pack import RulePack

from .strategies import PACK


@given(st.lists(st.integers(1, 100), min_size=1, max_size=6))
def test_combined_confidence_is_at_least_the_best_single_one(confs: list[int]) -> None:
    """More supporting evidence never lowers a remedy's combined confidence, capped at 100%."""
    combined = combine(confs)
    assert max(confs) * 100 <= combined <= 10000
    assert combine([*confs, 50]) >= combined


@given(st.lists(st.sampled_from(PACK.rules), unique_by=lambda r: r.id))
def test_ranking_is_a_total_order_independent_of_hit_order(rules: list) -> None:
    """Any permutation of the same hits ranks identically; no two remedies tie on the sort key."""
    forward = rank(rules, PACK)
    backward = rank(list(reversed(rules)), PACK)
    assert [s.remedy.id for s in forward] == [s.remedy.id for s in backward]
    assert [s.score for s in forward] == sorted((s.score for s in forward), reverse=True)
    assert len({s.remedy.id for s in forward}) == len(forward)


def test_tie_breaks_by_category_order(pack: RulePack) -> None:
    """Equal scores rank the cheaper check first (network before balance)."""
    by_id = {r.id: r for r in pack.rules}
    ranked = rank([by_id["balance.short_of_amount"], by_id["network.offline"]], pack)
    assert [s.remedy.category for s in ranked] == ["network", "balance"]
    assert ranked[0].score == ranked[1].score
