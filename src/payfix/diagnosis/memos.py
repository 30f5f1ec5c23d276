"""A :class:`~payfix.Diagnoser`'s memos and the shapes they hold: what the fired rules decide
(:class:`Outcome`) and what an audience sees of it (:class:`Shown`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from payfix.diagnosis.escalation import Raised
from payfix.diagnosis.facts import Checked
from payfix.diagnosis.ranking import ScoredRemedy
from payfix.fees import ConvertedSchedules
from payfix.models.diagnosis import EscalationReason, Failure, RankedRemedy
from payfix.rules.pack import Rule

__all__ = ["Memos", "Outcome", "Shown"]


class Outcome(NamedTuple):
    """What the fired rules decide, whoever reads it: the rules that count (pack order; fallback
    rules only when nothing else is credible), their ranked remedies, the escalation reasons and
    their plan (highest priority, shortest wait)."""

    fired: tuple[Rule, ...]
    ranked: tuple[ScoredRemedy, ...]
    reasons: tuple[Raised, ...]
    priority: str
    after_s: int
    kept: frozenset[str]  # the ids of ``fired``: what the engine fired, fallbacks settled


class Shown(NamedTuple):
    """What an audience sees of an outcome: its remedies (and their ids) best first, escalation
    codes and reasons."""

    visible: tuple[ScoredRemedy, ...]
    remedies: tuple[str, ...]
    codes: tuple[str, ...]
    reasons: tuple[EscalationReason, ...]


@dataclass(slots=True)
class Memos:
    """A Diagnoser's memos of pure functions (each cleared whole at
    :data:`~payfix.diagnosis.diagnoser.MEMO_SIZE` entries): immutable results shared between
    diagnoses and threads, which change speed, never an answer.
    ``schedules`` holds the pack's fee schedules in minor units and bounds itself."""

    #: fired-rule set → :class:`Outcome`
    outcomes: dict[tuple[frozenset[str], str], Outcome] = field(default_factory=dict)
    #: a remedy's id, rank, score, locale chain, currency, rule ids and quoted figures → its words
    worded: dict[tuple[object, ...], RankedRemedy] = field(default_factory=dict)
    #: requested locale → fallback chain
    chains: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: fired-rule set and view → what the view shows of the outcome
    shown: dict[tuple[frozenset[str], str, bool, str], Shown] = field(default_factory=dict)
    #: code-map verdict and view → the diagnosis's failure
    failures: dict[tuple[object, ...], Failure] = field(default_factory=dict)
    #: payee type, identifier and country → what is wrong with the identifier
    #: (:data:`~payfix.diagnosis.facts.CHECKED_SIZE` entries)
    checked: Checked = field(default_factory=dict)
    #: a merchant's name → as the hand-off shows it (identifiers in it masked)
    merchants: dict[str, str] = field(default_factory=dict)
    schedules: ConvertedSchedules = field(default_factory=ConvertedSchedules)
    #: the columnar replay's memos by name (:func:`payfix.batch.rowparts.memo_of`)
    columnar: dict[str, Any] = field(default_factory=dict)
