"""The rule pack's own test cases (rules/tests/*.yaml) pass on every engine and cover every rule."""

from __future__ import annotations

import pytest

from payfix.ruletests import RuleTestResult, run_rule_tests

from .conftest import ENGINES


@pytest.fixture(scope="module", params=ENGINES)
def outcome(request: pytest.FixtureRequest) -> RuleTestResult:
    return run_rule_tests(engine=request.param)


def test_every_rule_case_passes(outcome: RuleTestResult) -> None:
    """Each case in rules/tests gets the firing, top remedy and escalation it expects."""
    failures = [f"{c.where}: {c.name}: {'; '.join(c.problems)}" for c in outcome.failures]
    assert not failures, "\n".join(failures)


def test_every_rule_has_a_positive_and_a_negative_case(outcome: RuleTestResult) -> None:
    """Coverage: every rule is seen firing in some case and not firing in another."""
    assert outcome.uncovered == (), outcome.coverage_line()
    assert len(outcome.cases) >= 2 * len(outcome.rules)


def test_a_wrong_expectation_is_reported_with_its_place(tmp_path: object) -> None:
    """A case that expects the wrong thing fails with file:line and what happened instead."""
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "tests").mkdir()
    (folder / "tests" / "network.yaml").write_text(
        "base:\n  attempt: {id: x, at: \"2026-03-01T10:00:00Z\", kind: purchase,\n"
        "            amount: {value: \"1.00\", currency: EUR}, method: {type: wallet_balance}}\n"
        "cases:\n  - name: claims offline fires on an online device\n    rule: network.offline\n"
        "    patch: {device: {online: true}}\n    fires: true\n", encoding="utf-8")
    result = run_rule_tests(folder)
    failure = next(c for c in result.failures if c.name.startswith("claims offline"))
    assert failure.where.endswith("network.yaml:5")
    assert "expected network.offline to fire" in failure.problems[0]
