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

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from payfix._memo import remember
from payfix.diagnosis.escalation import escalation_reasons, plan
from payfix.diagnosis.explain import Explainer
from payfix.diagnosis.facts import Facts, derive_facts
from payfix.diagnosis.feefacts import Priced, breakdown_fields, price
from payfix.diagnosis.handoff import handoff_fields
from payfix.diagnosis.memos import Memos, Outcome, Shown
from payfix.diagnosis.outline import Outline
from payfix.diagnosis.present import locale_chain, method_names, other_methods, remedy_text, shown_facts
from payfix.diagnosis.ranking import ScoredRemedy, coherent, rank, settle
from payfix.diagnosis.reply import notify_fields, reply_fields
from payfix.diagnosis.view import View
from payfix.engines.base import Engine, create_engine
from payfix.inputs.adapters import adapted_report
from payfix.inputs.intake import ReportInput, parse_report
from payfix.knowledge.lookup import FailureLookup, lookup_failure, require_code_map
from payfix.knowledge.retry import retry_fields
from payfix.masking import mask_id
from payfix.models.diagnosis import (
    DIAGNOSIS_SCHEMA_VERSION,
    Audience,
    Diagnosis,
    EscalationReason,
    Failure,
    RankedRemedy,
)
from payfix.models.report import AttemptReport
from payfix.money import format_minor
from payfix.rules.bundled import pack_of
from payfix.rules.pack import RulePack
from payfix.vocab import PLACEHOLDER_RE, PLACEHOLDERS, TEXT_PLACEHOLDERS

__all__ = ["Diagnoser", "Outline", "diagnose"]


class Diagnoser:
    """A rule pack compiled for one engine, ready to diagnose many reports from many threads.

    Args:
        pack: a loaded :class:`~payfix.rules.pack.RulePack`, an overlay directory laid over the bundled
            pack, or ``None`` for the bundled pack alone (read once per process, then shared).
        engine: ``"auto"`` (durable_rules where it imports, else compiled), ``"durable"`` or
            ``"compiled"``.
        locale: default locale of remedy texts (the pack's default if ``None``).
        audience: default audience, ``"customer"`` (safe wording, no trace) or ``"agent"``.
        trace: whether agent diagnoses carry the trace (``fired`` with the facts each rule read,
            ``not_fired`` with the condition that failed); ``False`` leaves both empty, for bulk
            work that keeps only the outcome (batch replay, Spark), at a fifth less time per report.
        strict: refuse a report whose deciding code is of a scheme the pack has no code map for
            (an :class:`~payfix.InvalidReportError` with an ``unknown_scheme`` problem); without
            it the diagnosis goes on with ``failure.known`` false and says so in
            ``failure.warnings`` (agents).
        as_of: the day whose rules apply to every report (code meanings, fee schedules, scheme
            limits, each with its ``valid_from``/``valid_until``); ``None``: each attempt's own day.
        replies: each diagnosis carries its ``reply`` (the payer's message, or the agent's ticket
            note, from the pack's texts); it costs about a fifth more time, so it is asked for.

    Example:
        >>> d = Diagnoser(engine="compiled", audience="agent")
        >>> report = {"attempt": {"id": "a3", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
        ...                       "amount": {"value": "25.00", "currency": "EUR"},
        ...                       "method": {"type": "wallet_balance"}},
        ...           "device": {"online": False}}
        >>> agent = d.diagnose(report)
        >>> agent.fired[0].rule_id, d.diagnose(report, audience="customer").fired
        ('network.offline', ())
    """

    def __init__(self, pack: RulePack | str | Path | None = None, engine: str = "auto", *,
                 locale: str | None = None, audience: Audience = "customer", trace: bool = True,
                 strict: bool = False, as_of: date | None = None, replies: bool = False) -> None:
        self.pack: RulePack = pack_of(pack)
        self.engine: Engine = create_engine(self.pack, engine)
        self._all_rules = self.pack.rules
        self._rules = {rule.id: rule for rule in self._all_rules}
        self._explainer = Explainer(self.pack)
        self._info = self.pack.info
        # Placeholders each remedy's texts use, in every locale: what its wording depends on.
        self._placeholders = {
            remedy.id: tuple(sorted({name for text in remedy.texts.values()
                                     for line in (text.title, *text.steps)
                                     for name in PLACEHOLDER_RE.findall(line)}))
            for remedy in self.pack.remedies.values()}
        self._memos = Memos()
        self.locale = locale or self.pack.settings.default_locale
        self.audience: Audience = audience
        self.trace = trace
        self.strict = strict
        self.as_of = as_of
        self.replies = replies

    def diagnose(self, report: ReportInput, *, locale: str | None = None,
                 audience: Audience | None = None, source: str | None = None,
                 context: Mapping[str, Any] | str | bytes | None = None) -> Diagnosis:
        """Diagnose one failed attempt (model, mapping or JSON text).

        With ``source`` (``"stripe"``, ``"adyen"`` ... or ``"auto"``) ``report`` is that
        processor's own object, read by :func:`payfix.inputs.adapters.adapt` and merged with
        ``context`` (a partial report with what the object does not carry).

        Raises:
            InvalidReportError: the report is invalid; ``problems`` lists every field at fault.
            InvalidPayloadError: the processor's object cannot be read as ``source`` documents it.
        """
        if source is not None:
            report = adapted_report(report, source, context=context)  # type: ignore[arg-type]
        elif context is not None:
            raise TypeError("context completes a processor's object: give source as well")
        parsed, priced, found, facts, fired_ids = self._evaluate(report)
        return self._build(parsed, facts, priced, found, fired_ids, locale or self.locale,
                           audience or self.audience)

    def _evaluate(self, report: ReportInput) -> tuple[
            AttemptReport, Priced | None, FailureLookup | None, Facts, frozenset[str]]:
        """The steps every answer shares: validate, price, look the code up, derive the facts,
        evaluate the rules."""
        parsed = parse_report(report)
        day = self.as_of or parsed.attempt.at.date()
        priced = price(parsed, self.pack, self._memos.schedules, day)
        processor = parsed.attempt.processor
        found = lookup_failure(processor, self.pack, day) if processor is not None else None
        if self.strict and found is not None:
            require_code_map(found, self.pack)
        facts = derive_facts(parsed, self.pack, priced, found, self._memos.checked, day)
        return parsed, priced, found, facts, self.engine.evaluate(facts)

    def outline(self, report: ReportInput, *, audience: Audience | None = None) -> Outline:
        """What :meth:`diagnose` answers for ``report``, reduced to the figures a replay keeps
        (:class:`Outline`), without wording remedies, building the hand-off or the models: the
        same steps up to the ranking, so ``outline(r) == Outline.of(diagnose(r))`` always.

        Raises:
            InvalidReportError: the report is invalid; ``problems`` lists every field at fault.

        Example:
            >>> d = Diagnoser(engine="compiled")
            >>> report = {"attempt": {"id": "a4", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
            ...                       "amount": {"value": "25.00", "currency": "EUR"},
            ...                       "method": {"type": "wallet_balance"}},
            ...           "device": {"online": False}}
            >>> d.outline(report).remedies[0] == d.diagnose(report).remedies[0].id
            True
        """
        return self._outline_of(*self._evaluate(report), audience=audience)

    def _outline_of(self, parsed: AttemptReport, priced: Priced | None, found: FailureLookup | None,
                    facts: Facts, fired_ids: frozenset[str], *, audience: Audience | None = None,
                    retry: Mapping[str, Any] | None = None) -> Outline:
        """:meth:`outline` from :meth:`_evaluate`'s parts (``retry``: the report's retry advice,
        if known). Of the facts it reads ``failure.*`` only, of the report what retry reads."""
        view = View.of(audience or self.audience, facts)
        retry = retry or retry_fields(parsed, self.pack, found, self.as_of)
        shown = self._shown_to(fired_ids, view, retry["verdict"])
        failure = self._failure(found, facts, view, (self.locale,))  # remembered, masked once
        return Outline(
            attempt_id=mask_id(parsed.attempt.id), remedies=shown.remedies, reason=failure.reason,
            retry=retry["verdict"], escalate=bool(shown.codes), escalation_codes=shown.codes,
            fee=None if priced is None else priced.quote.fee, scheme=failure.scheme,
            code=failure.code, engine=self.engine.name, field=failure.field, known=failure.known,
            after_action=retry["after_action"])

    def diagnose_many(self, reports: Iterable[ReportInput], *, locale: str | None = None,
                      audience: Audience | None = None) -> Iterator[Diagnosis]:
        """Diagnose each report in turn (lazily); an invalid one raises when it is reached."""
        for report in reports:
            yield self.diagnose(report, locale=locale, audience=audience)

    def _build(self, report: AttemptReport, facts: Facts, priced: Priced | None,
               found: FailureLookup | None, fired_ids: frozenset[str], locale: str,
               audience: Audience) -> Diagnosis:
        pack = self.pack
        chain = self._memos.chains.get(locale)
        if chain is None:
            chain = locale_chain(locale, pack.settings.locales, pack.settings.default_locale)
            remember(self._memos.chains, locale, chain, MEMO_SIZE)
        view = View.of(audience, facts)
        # the figures remedies quote are in the currency the payer is charged in
        currency = priced.quote.currency if priced is not None else report.attempt.charged()[1]
        retry = view.retry(retry_fields(report, pack, found, self.as_of))
        outcome = self._outcome(fired_ids, retry["verdict"])
        shown = self._shown_to(fired_ids, view, retry["verdict"])
        remedies = [self._worded_remedy(scored, position, chain, view.agent, facts, currency,
                                        report) for position, scored in enumerate(shown.visible, 1)]
        handoff = None
        attempt_id = mask_id(report.attempt.id)
        fired = outcome.fired
        if outcome.reasons:
            handoff = handoff_fields(report, facts, fired, outcome.priority, outcome.after_s,
                                     retry["verdict"], pack, chain, view, attempt_id,
                                     self._memos.merchants, retry["after_action"])
        trace = view.sees_trace(self.trace)
        failure = self._failure(found, facts, view, chain)
        reply = None
        if self.replies:  # the agent's note says what the payer's reply lists
            told = self._shown_to(fired_ids, View.of("customer", facts),
                                  retry["verdict"]).remedies if view.agent else None
            reply = reply_fields(report, attempt_id, remedies, retry, handoff, shown.codes,
                                 failure, told, pack, chain)
        # Sub-models go in as plain fields: one validation builds them all, which costs about a
        # third of building each model on its own (models already built go in as they are); the
        # core validator is called directly (model_validate adds only argument checks).
        return cast(Diagnosis, Diagnosis.__pydantic_validator__.validate_python({
            "schema_version": DIAGNOSIS_SCHEMA_VERSION, "attempt_id": attempt_id,
            "audience": audience, "locale": chain[0], "failure": failure,
            "remedies": remedies, "escalate": bool(outcome.reasons),
            "escalation_reasons": shown.reasons,
            "retry": retry, "fees": breakdown_fields(priced, facts), "handoff": handoff,
            "reply": reply,
            "notify": notify_fields(report, retry, handoff, escalate=bool(outcome.reasons)),
            "fired": [{"rule_id": r.id, "ruleset": r.ruleset, "remedy": r.remedy,
                       "confidence": r.confidence, "escalate": r.escalate,
                       "facts": shown_facts(facts, r.facts)} for r in fired] if trace else (),
            "not_fired": self._explainer.explain(facts, outcome.kept, fired_ids - outcome.kept)
            if trace else (),
            "pack": self._info, "engine": self.engine.name}))

    def _outcome(self, fired_ids: frozenset[str], verdict: str) -> Outcome:
        """The fired rules (pack order), their ranked remedies, the escalation reasons and their
        plan (highest priority, shortest wait): a pure function of which rules fired and the
        retry verdict (which remedies may be offered), so it is remembered."""
        key = (fired_ids, verdict)
        outcome = self._memos.outcomes.get(key)
        if outcome is None:
            # fallbacks only if nothing else the verdict lets be offered
            kept = settle(fired_ids, self._rules, self.pack, verdict)
            fired = tuple(rule for rule in self._all_rules if rule.id in kept)
            ranked = rank(fired, self.pack)
            reasons = escalation_reasons(fired, ranked, self.pack)
            priority, after_s = plan(reasons) if reasons else ("low", 0)
            outcome = Outcome(fired, ranked, reasons, priority, after_s, kept)
            remember(self._memos.outcomes, key, outcome, MEMO_SIZE)
        return outcome

    def _shown_to(self, fired_ids: frozenset[str], view: View, verdict: str) -> Shown:
        """What ``view`` shows of the outcome (remedy ids, escalation reasons): a function of
        which rules fired, the view and the retry verdict (a remedy the verdict contradicts is
        not offered, :func:`~payfix.diagnosis.ranking.coherent`), so it is remembered."""
        key = (fired_ids, view.audience, view.safe, verdict)
        shown = self._memos.shown.get(key)
        if shown is None:
            outcome = self._outcome(fired_ids, verdict)
            models = tuple(EscalationReason(
                code=view.escalation_code(r.code, r.policy.customer_code,
                                          self._rules.get(r.rule_id or "")),
                rule_id=r.rule_id if view.agent else None,
                priority=r.policy.priority, after_seconds=r.policy.after_s) for r in outcome.reasons)
            visible = tuple(s for s in outcome.ranked
                            if view.sees_remedy(s.remedy) and coherent(s.remedy, verdict))
            shown = Shown(visible, tuple(s.remedy.id for s in visible), tuple(m.code for m in models),
                           models)
            remember(self._memos.shown, key, shown, MEMO_SIZE)
        return shown

    def _worded_remedy(self, scored: ScoredRemedy, position: int, chain: tuple[str, ...], agent: bool,
                       facts: Facts, currency: str, report: AttemptReport) -> RankedRemedy:
        """One ranked remedy in words: its text depends only on the key's parts (the figures its
        placeholders quote, as minor units, and the payer's other methods), so it is remembered."""
        remedy = scored.remedy
        names = self._placeholders[remedy.id]
        inputs = tuple(other_methods(report) if name in TEXT_PLACEHOLDERS
                       else facts.get(PLACEHOLDERS[name]) for name in names) if names else ()
        rules = tuple(r.id for r in scored.rules) if agent else ()
        key = (remedy.id, position, scored.score, chain, currency, rules, inputs)
        worded = self._memos.worded.get(key)
        if worded is None:
            figures: dict[str, str] = {}
            for name, value in zip(names, inputs, strict=True):
                if name in TEXT_PLACEHOLDERS:
                    if isinstance(value, tuple) and value:
                        figures[name] = method_names(value, self.pack.texts_in("methods", chain)[1])
                elif value is not None and not isinstance(value, tuple):
                    figures[name] = format_minor(int(value), currency)
            text = remedy_text(remedy, chain, figures)
            worded = RankedRemedy(
                rank=position, id=remedy.id, category=remedy.category, score=scored.score,
                self_service=remedy.self_service, title=text.title, steps=text.steps, rules=rules)
            remember(self._memos.worded, key, worded, MEMO_SIZE)
        return worded

    def _failure(self, found: FailureLookup | None, facts: Facts, view: View,
                 chain: tuple[str, ...]) -> Failure:
        """The diagnosis's :class:`~payfix.models.diagnosis.Failure`: a function of the code-map
        verdict (the facts' ``failure.*`` come from it alone), the audience and, for agents, the
        locale of its warnings, so it is remembered (the code entry by identity: the pack holds it
        as long as this diagnoser)."""
        key = (None if found is None else (found.scheme, found.field, found.code, id(found.entry),
                                           found.path, found.evidence),
               view.audience, view.safe, chain if view.agent else ())
        failure = self._memos.failures.get(key)
        if failure is None:
            source, path, evidence, warnings = view.failure_trace(found, self.pack, chain)
            scheme, code, reason = view.failure_words(facts)
            field_ = facts.get("failure.field")
            failure = Failure(scheme=scheme, field=None if field_ is None else str(field_), code=code,
                              reason=reason, known=bool(facts.get("failure.known", False)),
                              customer_safe=view.safe, source=source, path=path,
                              evidence=evidence, warnings=warnings)
            remember(self._memos.failures, key, failure, MEMO_SIZE)
        return failure


#: Size at which a Diagnoser's memos are cleared (they hold immutable results only).
MEMO_SIZE = 8192


@lru_cache(maxsize=4)
def _bundled(engine: str) -> Diagnoser:
    return Diagnoser(None, engine)


def diagnose(report: ReportInput, *, pack: RulePack | str | Path | None = None,
             engine: str = "auto", locale: str | None = None,
             audience: Audience = "customer", source: str | None = None,
             context: Mapping[str, Any] | str | bytes | None = None) -> Diagnosis:
    """Diagnose one report.

    With the bundled pack the compiled :class:`Diagnoser` is built once per engine and reused
    (it holds no per-diagnosis state); with another pack a fresh one is built: keep your own
    :class:`Diagnoser` when diagnosing many reports.

    Example:
        >>> result = diagnose({
        ...     "attempt": {"id": "a2", "at": "2026-03-01T10:00:00Z", "kind": "p2p_transfer",
        ...                 "amount": {"value": "200.00", "currency": "EUR"},
        ...                 "method": {"type": "wallet_balance"},
        ...                 "balance": {"available": {"value": "150.00", "currency": "EUR"}}}},
        ...     engine="compiled", locale="zh-CN")
        >>> result.remedies[0].id, result.locale
        ('balance.top_up', 'zh-CN')
    """
    d = _bundled(engine) if pack is None else Diagnoser(pack, engine)
    return d.diagnose(report, locale=locale, audience=audience, source=source, context=context)

