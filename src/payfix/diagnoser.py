"""The public entry points: :class:`Diagnoser` (reusable, thread-safe) and :func:`diagnose`.

A diagnosis is a pure function of (report, rule pack): validate → enrich → evaluate → rank →
escalate → present. The engine only says which rules fire; everything else is computed from the
parsed rules, so every engine gives the same diagnosis.

Example:
    >>> d = Diagnoser(engine="compiled")
    >>> result = d.diagnose({
    ...     "attempt": {"id": "a1", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
    ...                 "amount": {"value": "25.00", "currency": "EUR"},
    ...                 "method": {"type": "wallet_balance"}},
    ...     "device": {"online": False, "connection": "none"}})
    >>> result.remedies[0].id
    'network.reconnect'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from payfix.conditions import first_failure, leaves, render
from payfix.engines.base import Engine, create_engine
from payfix.escalation import Raised, escalation_reasons, plan
from payfix.facts import Facts, FailureLookup, derive_facts, facts_view, lookup_failure
from payfix.feefacts import Priced, price
from payfix.handoff import build_handoff
from payfix.intake import ReportInput, parse_report
from payfix.loader import load_pack
from payfix.models.diagnosis import (
    Audience,
    Diagnosis,
    EscalationReason,
    Failure,
    FeeBreakdown,
    FeeLine,
    RankedRemedy,
    RuleHit,
    RuleMiss,
)
from payfix.models.report import SCHEMA_VERSION, AttemptReport
from payfix.money import format_minor
from payfix.pack import Rule, RulePack
from payfix.present import PLACEHOLDERS, locale_chain, method_names, remedy_text, visible_to
from payfix.ranking import rank
from payfix.retry import retry_advice

__all__ = ["Diagnoser", "diagnose"]


class Diagnoser:
    """A rule pack compiled for one engine, ready to diagnose many reports from many threads.

    Args:
        pack: a loaded :class:`~payfix.pack.RulePack`, an overlay directory laid over the bundled
            pack, or ``None`` for the bundled pack alone.
        engine: ``"auto"`` (durable_rules where it imports, else compiled), ``"durable"`` or
            ``"compiled"``.
        locale: default locale of remedy texts (the pack's default if ``None``).
        audience: default audience, ``"customer"`` (safe wording, no trace) or ``"agent"``.
    """

    def __init__(self, pack: RulePack | str | Path | None = None, engine: str = "auto", *,
                 locale: str | None = None, audience: Audience = "customer") -> None:
        self.pack: RulePack = pack if isinstance(pack, RulePack) else load_pack(pack)
        self.engine: Engine = create_engine(self.pack, engine)
        self._rules = {rule.id: rule for rule in self.pack.rules}
        self.locale = locale or self.pack.settings.default_locale
        self.audience: Audience = audience

    def diagnose(self, report: ReportInput, *, locale: str | None = None,
                 audience: Audience | None = None) -> Diagnosis:
        """Diagnose one failed attempt (model, mapping or JSON text).

        Raises:
            InvalidReportError: the report is invalid; ``problems`` lists every field at fault.
        """
        parsed = parse_report(report)
        priced = price(parsed, self.pack)
        facts = derive_facts(parsed, self.pack, priced)
        fired_ids = self.engine.evaluate(facts)
        return self._build(parsed, facts, priced, fired_ids, locale or self.locale,
                           audience or self.audience)

    def diagnose_many(self, reports: Iterable[ReportInput], *, locale: str | None = None,
                      audience: Audience | None = None) -> Iterator[Diagnosis]:
        """Diagnose each report in turn (lazily); an invalid one raises when it is reached."""
        for report in reports:
            yield self.diagnose(report, locale=locale, audience=audience)

    def _build(self, report: AttemptReport, facts: Facts, priced: Priced | None,
               fired_ids: frozenset[str], locale: str, audience: Audience) -> Diagnosis:
        pack = self.pack
        fired = [rule for rule in pack.rules if rule.id in fired_ids]
        ranked = rank(fired, pack)
        reasons = escalation_reasons(fired, ranked, pack)
        chain = locale_chain(locale, pack.settings.locales, pack.settings.default_locale)
        figures = _figures(report, facts, chain[0])
        agent = audience == "agent"
        remedies: list[RankedRemedy] = []
        for scored in ranked:
            if not visible_to(scored.remedy, audience):
                continue
            text = remedy_text(scored.remedy, chain, figures)
            remedies.append(RankedRemedy(
                rank=len(remedies) + 1, id=scored.remedy.id, category=scored.remedy.category,
                score=scored.score, self_service=scored.remedy.self_service, title=text.title,
                steps=text.steps, rules=tuple(r.id for r in scored.rules) if agent else ()))
        safe = bool(facts.get("failure.customer_safe", True))
        escalations = tuple(
            EscalationReason(code=r.code if agent else self._customer_code(r, safe),
                             rule_id=r.rule_id if agent else None,
                             priority=r.policy.priority,
                             after_seconds=r.policy.after_s)
            for r in reasons)
        processor = report.attempt.processor
        found = lookup_failure(processor, pack) if processor is not None else None
        retry = retry_advice(report, pack, agent or safe, found)
        handoff = None
        if reasons:
            priority, after_s = plan(reasons)
            handoff = build_handoff(report, facts, fired, priority, after_s, retry, pack, chain,
                                    agent)
        hits = tuple(RuleHit(rule_id=r.id, ruleset=r.ruleset, remedy=r.remedy,
                             confidence=r.confidence, escalate=r.escalate,
                             facts=facts_view(facts, r.facts)) for r in fired) if agent else ()
        misses = tuple(self._miss(rule, facts) for rule in pack.rules
                       if rule.id not in fired_ids) if agent else ()
        return Diagnosis(
            schema_version=SCHEMA_VERSION, attempt_id=report.attempt.id, audience=audience,
            locale=chain[0], failure=self._failure(found, facts, agent, safe), remedies=tuple(remedies),
            escalate=bool(reasons), escalation_reasons=escalations, retry=retry,
            fees=_breakdown(priced), handoff=handoff,
            fired=hits, not_fired=misses, pack=pack.info, engine=self.engine.name)

    def _customer_code(self, raised: Raised, safe: bool) -> str:
        """What a customer sees for an escalation reason: the policy's ``customer_code`` if set;
        ``needs_review`` when the reason came from a processor code that is not customer-safe."""
        if raised.policy.customer_code is not None:
            return raised.policy.customer_code
        rule = self._rules.get(raised.rule_id or "")
        if not safe and rule is not None and any(f.startswith("failure.") for f in rule.facts):
            return "needs_review"
        return raised.code

    @staticmethod
    def _miss(rule: Rule, facts: Facts) -> RuleMiss:
        failed = first_failure(rule.condition, facts)
        assert failed is not None, "only rules that did not fire are explained"
        path = next(leaves(failed)).path
        return RuleMiss(rule_id=rule.id, ruleset=rule.ruleset, failed=render(failed), fact=path,
                        value=facts.get(path))

    def _failure(self, found: FailureLookup | None, facts: Facts, agent: bool,
                 safe: bool) -> Failure:
        source = None
        if agent and found is not None and found.entry is not None:
            source = f"{self.pack.codemaps[found.scheme].file}:{found.entry.line}"
        reason = str(facts.get("failure.reason", "unknown"))
        if not agent and not safe:
            reason = "declined"
        code = facts.get("failure.code")
        return Failure(scheme=_str(facts.get("failure.scheme")), field=_str(facts.get("failure.field")),
                       code=_str(code) if agent or safe else None, reason=reason,
                       known=bool(facts.get("failure.known", False)), customer_safe=safe,
                       source=source)


def _figures(report: AttemptReport, facts: Facts, locale: str) -> dict[str, str]:
    """What remedy texts may quote: amounts (``{fee}``, ``{shortfall}`` ...) with their currency,
    and ``{alternatives}``, the payer's other payment methods in ``locale``."""
    currency = report.attempt.amount.currency
    figures = {name: format_minor(int(facts[fact]), currency)
               for name, fact in PLACEHOLDERS.items() if fact in facts}
    if report.account is not None:
        used = report.attempt.method.type
        others = tuple(dict.fromkeys(m for m in report.account.methods if m != used))
        if others:
            figures["alternatives"] = method_names(others, locale)
    return figures


def _breakdown(priced: Priced | None) -> FeeBreakdown | None:
    if priced is None:
        return None
    q = priced.quote
    return FeeBreakdown(
        schedule=q.schedule, currency=q.currency, amount=q.amount,
        components=tuple(FeeLine(name=c.name, amount=c.amount) for c in q.components),
        fee=q.fee, debited=q.debited, received=q.received, received_currency=q.received_currency,
        max_sendable=priced.max_sendable)


def _str(value: object) -> str | None:
    return None if value is None else str(value)


@lru_cache(maxsize=4)
def _bundled(engine: str) -> Diagnoser:
    return Diagnoser(None, engine)


def diagnose(report: ReportInput, *, pack: RulePack | str | Path | None = None,
             engine: str = "auto", locale: str | None = None,
             audience: Audience = "customer") -> Diagnosis:
    """Diagnose one report.

    With the bundled pack the compiled :class:`Diagnoser` is built once per engine and reused
    (it holds no per-diagnosis state); with another pack a fresh one is built: keep your own
    :class:`Diagnoser` when diagnosing many reports.
    """
    diagnoser = _bundled(engine) if pack is None else Diagnoser(pack, engine)
    return diagnoser.diagnose(report, locale=locale, audience=audience)

