"""Rule test cases: behaviour of a rule pack written as data, next to the rules (``rules/tests/``).

A case file holds a ``base`` report and ``cases``; each case deep-merges its ``patch`` into the base
(a ``null`` value deletes a key), diagnoses the result as an agent would see it, and checks what it
expects: whether its ``rule`` fires, and optionally the top remedy and the escalation flag::

    base:
      attempt: {id: t1, at: "2026-03-01T10:00:00Z", kind: purchase,
                amount: {value: "10.00", currency: EUR}, method: {type: wallet_balance}}
    cases:
      - name: no connection
        rule: network.offline
        patch: {device: {online: false, connection: none}}
        fires: true
        top: network.reconnect

Coverage counts, for every rule of the pack, whether some case saw it fire and some case saw it
not fire.

Example:
    >>> result = run_rule_tests()
    >>> result.failures
    ()
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from payfix.diagnosis.diagnoser import Diagnoser
from payfix.diagnosis.problemtext import localised
from payfix.errors import InvalidReportError, Problem, RulePackError
from payfix.rules._yamlsrc import Reader, Source, bundled_rules_dir, position, read_files
from payfix.rules.bundled import pack_of
from payfix.rules.pack import RulePack

__all__ = ["CaseResult", "PackCase", "RuleTestResult", "read_cases", "run_rule_tests"]


class _Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    rule: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    patch: dict[str, Any] = Field(default_factory=dict)
    fires: bool
    top: str | None = None
    escalate: bool | None = None


class _CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str | None = None
    base: dict[str, Any]
    cases: Annotated[tuple[Any, ...], Field(min_length=1)]


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One case's outcome; ``where`` is ``file:line`` and ``problems`` is empty when it passed."""

    where: str
    name: str
    rule: str
    fires: bool
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """True when every expectation of the case held."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class RuleTestResult:
    """All case results, and the pack's rules seen firing / not firing in a passing case."""

    cases: tuple[CaseResult, ...]
    rules: tuple[str, ...]
    fired: frozenset[str] = field(default_factory=frozenset)
    not_fired: frozenset[str] = field(default_factory=frozenset)
    #: the pack's ``rules`` texts the lines are written in (:func:`run_rule_tests` fills them)
    words: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        """The cases that did not pass."""
        return tuple(c for c in self.cases if not c.passed)

    def coverage_line(self) -> str:
        """``coverage: 54/54 rules fired in a case, 54/54 seen not firing``."""
        return self.words["test_coverage"].format(fired=len(self.fired), total=len(self.rules),
                                                  not_fired=len(self.not_fired))

    @property
    def uncovered(self) -> tuple[str, ...]:
        """Rules lacking a positive or a negative case."""
        return tuple(r for r in self.rules if r not in self.fired or r not in self.not_fired)


def _merge(base: Any, patch: Any) -> Any:
    if not isinstance(base, Mapping) or not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    out = dict(copy.deepcopy(base))
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge(out.get(key), value)
    return out


def _check(case: PackCase, diagnoser: Diagnoser, known: frozenset[str],
           w: Mapping[str, str]) -> tuple[bool | None, tuple[str, ...]]:
    if case.rule not in known:
        return None, (w["case_unknown_rule"].format(rule=repr(case.rule)),)
    try:
        result = diagnoser.diagnose(case.report, audience="agent")
    except InvalidReportError as error:
        return None, tuple(w["case_invalid"].format(problem=p.render()) for p in localised(
            error.problems, diagnoser.pack, diagnoser.locale))
    fired = {hit.rule_id for hit in result.fired}
    problems = []
    did_fire = case.rule in fired
    if did_fire != case.fires:
        problems.append(w["case_fire" if case.fires else "case_not_fire"].format(
            rule=case.rule, fired=w["list_separator"].join(sorted(fired)) or w["none"]))
    top = result.remedies[0].id if result.remedies else None
    if case.top is not None and top != case.top:
        problems.append(w["case_top"].format(expected=case.top, got=top))
    if case.escalate is not None and result.escalate != case.escalate:
        problems.append(w["case_escalate"].format(expected=case.escalate, got=result.escalate))
    return did_fire, tuple(problems)


@dataclass(frozen=True, slots=True)
class PackCase:
    """One rule test case, its patch merged into its file's base: ``report`` is ready to diagnose.

    Attributes:
        where: ``file:line`` of the case.
        name: the case's name.
        rule: the rule it is about.
        report: the report (a fresh dict: the caller may change it).
        fires: whether ``rule`` should fire.
        top: the expected top remedy, if the case names one.
        escalate: the expected escalation flag, if the case names one.
    """

    where: str
    name: str
    rule: str
    report: dict[str, Any]
    fires: bool
    top: str | None = None
    escalate: bool | None = None


def read_cases(overlay: str | Path | None = None) -> tuple[PackCase, ...]:
    """Every case in the pack's ``tests/`` folder (bundled, or ``overlay`` laid over it: a file of
    the overlay replaces the bundled file of the same name), in file and case order.

    Raises:
        RulePackError: a case file is malformed (all problems listed, with file:line:col).
    """
    folders: list[tuple[Path, str | None]] = [(bundled_rules_dir(), "rules")]
    if overlay is not None:
        folders.append((Path(overlay), None))
    reader = Reader()
    files: dict[str, Source] = {}
    for folder, label in folders:
        for src in read_files(folder, "tests/*.yaml", label, reader.problems).values():
            files[src.rel.removeprefix("tests/")] = src
    cases: list[PackCase] = []
    for src in files.values():
        node = reader.load(src)
        model = reader.model(_CaseFile, node, src) if node is not None else None
        if model is None:
            continue
        for i, raw in enumerate(node["cases"]):
            case = reader.model(_Case, raw, src, ("cases", i))
            if case is None:
                continue
            at = position(node, ("cases", i))
            where = f"{src.shown}:{at[0] + 1 if at else '?'}"
            cases.append(PackCase(where, case.name, case.rule, _merge(model.base, case.patch),
                                  case.fires, case.top, case.escalate))
    if reader.problems:
        raise RulePackError(f"rule tests have {len(reader.problems)} problem(s)", reader.problems)
    return tuple(cases)


def run_rule_tests(overlay: str | Path | None = None, *, pack: RulePack | None = None,
                   engine: str = "compiled", locale: str | None = None) -> RuleTestResult:
    """Run every case in the pack's ``tests/`` folder (bundled, or ``overlay`` laid over it);
    what failed is said in ``locale`` (the pack's ``rules`` texts; default: its default locale).

    Raises:
        RulePackError: a case file is malformed (all problems listed, with file:line:col).
    """
    pack = pack if pack is not None else pack_of(overlay)
    diagnoser = Diagnoser(pack, engine, audience="agent", locale=locale)
    words = pack.texts_for("rules", locale)
    known = frozenset(rule.id for rule in pack.rules)
    results: list[CaseResult] = []
    fired: set[str] = set()
    not_fired: set[str] = set()
    for case in read_cases(overlay):
        did_fire, problems = _check(case, diagnoser, known, words)
        if not problems and did_fire is not None:
            (fired if did_fire else not_fired).add(case.rule)
        results.append(CaseResult(case.where, case.name, case.rule, case.fires, problems))
    return RuleTestResult(tuple(results), tuple(sorted(known)), frozenset(fired),
                          frozenset(not_fired), words)


def problems_of(result: RuleTestResult) -> tuple[Problem, ...]:
    """Failed cases and uncovered rules as problems (for the CLI's JSON output)."""
    w = result.words
    out = [Problem("rule_test_failed", (c.rule,), w["failed"].format(
        where=c.where, name=c.name, problems=w["problem_separator"].join(c.problems)))
           for c in result.failures]
    out += [Problem("rule_not_covered", (rule,), w["uncovered"].format(rule=rule))
            for rule in result.uncovered]
    return tuple(out)
