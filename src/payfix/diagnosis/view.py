"""What each audience sees: the one place that decides it. Every other step computes the whole
answer; a :class:`View` (the audience, and whether the processor's code is customer-safe) says
what of it is shown.

What an agent sees, and what of it a customer sees:

* **failure reason**: as the code map says; the customer gets ``declined`` instead when the code
  is not customer-safe.
* **processor code** (masked): the customer only when the code is customer-safe; the same rule
  for the retry advice's ``basis`` (it names codes; a ``hold``'s names the payment's state and is
  always shown) and the hand-off statement's reason line.
* **code-map source** (``file:line``), **rule ids** of remedies and escalation reasons, the
  hand-off's **evidence** and the **trace** (``fired``, ``not_fired``, when the diagnoser keeps
  one): agents only.
* **remedies**: the customer sees those whose ``audience`` lists ``customer``.
* **escalation reason code**: the customer sees the policy's ``customer_code`` when it has one,
  else ``needs_review`` for a reason a rule drew from a code that is not customer-safe, else the
  code.

Fraud-related reasons are mapped with ``customer_safe: false`` in the pack's code maps, so the
rows above keep them from the customer whatever rule fires.

Example:
    >>> View("customer", safe=False).failure_words({"failure.reason": "suspected_fraud",
    ...                                           "failure.code": "59", "failure.scheme": "iso8583"})
    ('iso8583', None, 'declined')
    >>> View("agent", safe=False).sees_code
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from payfix.knowledge.lookup import FailureLookup, unmapped_schemes
from payfix.masking import mask_code
from payfix.models.diagnosis import Audience, CodeSeen
from payfix.rules.pack import Remedy, Rule, RulePack
from payfix.vocab import Scalar

__all__ = ["View", "visible_to"]


def visible_to(remedy: Remedy, audience: Audience) -> bool:
    """Whether ``audience`` may see ``remedy`` (the remedy's own ``audience`` list)."""
    return audience in remedy.audience


@dataclass(frozen=True, slots=True)
class View:
    """One audience's view of one diagnosis: ``safe`` says whether the processor's code (and the
    reason it maps to) may be shown to the payer."""

    audience: Audience
    safe: bool

    @classmethod
    def of(cls, audience: Audience, facts: Mapping[str, Scalar]) -> View:
        """The view for ``audience`` of a diagnosis with these facts (a report without a code
        counts as customer-safe); one of four shared, immutable instances."""
        return _VIEWS[audience, bool(facts.get("failure.customer_safe", True))]

    @property
    def agent(self) -> bool:
        """The support agent's view: reasons, rule ids, evidence and the trace are shown."""
        return self.audience == "agent"

    @property
    def sees_code(self) -> bool:
        """Whether processor codes and the reason they map to are shown (retry basis, failure
        code, the hand-off's reason line)."""
        return self.agent or self.safe

    def sees_remedy(self, remedy: Remedy) -> bool:
        """Whether this audience may see ``remedy``."""
        return visible_to(remedy, self.audience)

    def sees_trace(self, tracing: bool) -> bool:
        """Whether the rule trace is shown (``tracing``: the diagnoser keeps one)."""
        return self.agent and tracing

    def failure_words(self, facts: Mapping[str, Scalar]) -> tuple[str | None, str | None, str]:
        """The failure's scheme, code and reason as this audience sees them (scheme and code as
        the report gave them, masked)."""
        reason = str(facts.get("failure.reason", "unknown"))
        if not self.sees_code:
            reason = "declined"
        code = facts.get("failure.code") if self.sees_code else None
        return _masked(facts.get("failure.scheme")), _masked(code), reason

    def failure_trace(self, found: FailureLookup | None, pack: RulePack,
                      chain: tuple[str, ...] = ()) -> tuple[
            str | None, str | None, tuple[CodeSeen, ...], tuple[str, ...]]:
        """Where the deciding code came from, as agents see it (customers see none of it): the
        code-map file and line, the path it was read at in the processor's object, the answer's
        other codes, and a warning for each of its schemes without a code map."""
        if not self.agent or found is None:
            return None, None, (), ()
        source = None
        if found.entry is not None:
            source = pack.codemaps[found.scheme].where(found.entry)
        evidence = tuple(CodeSeen(scheme=mask_code(f.scheme), field=f.field or "",
                                  code=mask_code(f.code or ""), path=_masked(f.path),
                                  reason=f.entry.reason if f.entry is not None else None)
                         for f in found.evidence)
        mapped = ", ".join(sorted(pack.codemaps))
        words = pack.texts_in("text", chain)[1]["unmapped_scheme"]  # in the first locale of chain
        warnings = tuple(words.format(scheme=mask_code(scheme), mapped=mapped)
                         for scheme in unmapped_schemes(found, pack))
        return source, _masked(found.path), evidence, warnings

    def escalation_code(self, code: str, customer_code: str | None, rule: Rule | None) -> str:
        """An escalation reason's code as this audience sees it (``rule``: the rule that raised
        it, if one did)."""
        if self.agent:
            return code
        if customer_code is not None:
            return customer_code
        if not self.safe and rule is not None and any(f.startswith("failure.") for f in rule.facts):
            return "needs_review"
        return code

    def retry(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The retry advice's fields as this audience sees them: ``basis`` names codes, except a
        ``hold``'s, which names the payment's state (``funds_debited``, ``outcome_unknown``)."""
        if self.sees_code or fields["verdict"] == "hold":
            return fields
        return {**fields, "basis": None}


#: The four views there are, built once (a View is immutable).
_VIEWS: dict[tuple[str, bool], View] = {
    (audience, safe): View(audience, safe)
    for audience in ("agent", "customer") for safe in (True, False)}


def _masked(value: Scalar | None) -> str | None:
    """A code or scheme as the report gave it, masked (an empty one as it is)."""
    if value is None:
        return None
    return mask_code(str(value)) if value else str(value)
