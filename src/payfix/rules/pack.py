"""A loaded rule pack: settings, rule sets, remedy catalogue and processor-code maps.

These are the in-memory, validated forms of the YAML files under ``rules/`` (see
``docs/rule-packs.md``); :func:`payfix.rules.loader.load_pack` builds them. Everything here is immutable.

Example:
    >>> entry = CodeEntry(reason="insufficient_funds", retry="later", wait_s=86400,
    ...                   customer_safe=True, fix_by="customer", line=12)
    >>> entry.retry
    'later'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from payfix.models.diagnosis import PackInfo
from payfix.rules.conditions import Condition

if TYPE_CHECKING:
    from payfix.rules.schedules import FeeSchedule

__all__ = [
    "PRIORITIES",
    "Channel",
    "CodeEntry",
    "CodeMap",
    "EscalationPolicy",
    "PackSettings",
    "Remedy",
    "RemedyText",
    "RetryLimit",
    "Rule",
    "RulePack",
    "RuleSet",
    "locale_chain",
]


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """What one processor code means in payfix terms, and the line of the map it came from."""

    reason: str
    retry: str
    wait_s: int | None
    customer_safe: bool
    fix_by: str
    line: int
    note: str | None = None
    category: str | None = None
    escalate: bool = False
    #: what must happen before a new attempt can succeed (the entry's ``after``, else the pack's
    #: ``after_actions`` for its reason; ``None``: nothing, the same request may succeed)
    after: str | None = None
    #: the days the meaning holds (``None``: open-ended); the attempt's own day decides
    valid_from: date | None = None
    valid_until: date | None = None
    #: the file the entry was read from, when not its map's own (an operator's ``merge: true``)
    file: str | None = None

    def valid_on(self, day: date) -> bool:
        """Whether this meaning holds on ``day``."""
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_until is None or day <= self.valid_until))


@dataclass(frozen=True, slots=True)
class CodeMap:
    """One scheme's codes; ``fields`` is the precedence of report code fields (most specific first).

    ``width`` and ``upper`` say how the scheme writes its codes (the map's ``code_form``): a code
    of digits shorter than ``width`` is left-padded with zeros, and letters are upper case, so an
    ISO 8583 ``5`` is ``05`` and ``n7`` is ``N7``, as the networks define them. A code longer
    than ``width`` is matched as it is.
    """

    scheme: str
    source: str
    fields: tuple[str, ...]
    codes: Mapping[str, CodeEntry]
    file: str
    width: int | None = None
    upper: bool = False
    #: every code whose meaning carries dates: its entries, oldest first (``codes`` holds the
    #: latest); a code absent here means the same on every day
    dated: Mapping[str, tuple[CodeEntry, ...]] = field(default_factory=dict)

    def where(self, entry: CodeEntry) -> str:
        """``file:line`` of one of this map's entries (the operator's file for merged entries)."""
        return f"{entry.file or self.file}:{entry.line}"

    def entry(self, key: str, day: date | None = None) -> CodeEntry | None:
        """The entry of ``key`` (as the scheme writes it) on ``day``: the meaning in force that day,
        ``None`` when the code meant nothing then; without a day, the latest meaning."""
        if day is None:
            return self.codes.get(key)
        entries = self.dated.get(key)
        if entries is None:
            return self.codes.get(key)
        return next((e for e in entries if e.valid_on(day)), None)

    def normalise(self, code: str) -> str:
        """``code`` as this scheme writes it (surrounding spaces dropped); a code longer than
        ``width`` is not of the scheme's form and is left as it is."""
        code = code.strip()
        if self.width is not None and len(code) > self.width:
            return code
        if self.upper:
            code = code.upper()
        if self.width is not None and code.isdigit() and len(code) < self.width:
            code = code.zfill(self.width)
        return code


@dataclass(frozen=True, slots=True)
class RemedyText:
    """A remedy's wording in one locale."""

    title: str
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RetryLimit:
    """A card scheme's limit on re-attempts of a declined card payment (``pack.yaml``
    ``retry_limits``), counted over the attempt chain by :mod:`payfix.knowledge.retry`.

    Attributes:
        threshold: the ``thresholds`` entry holding the count allowed within ``window_s``.
        brands: card brands it binds (``unknown``: a card whose brand the report does not say).
        schemes: code schemes whose codes bring it in whatever the brand (``mastercard_mac``).
        never: code categories that forbid any re-attempt (Visa category 1).
        categories: code categories it counts (``None``: every code).
        window_s: the counting window in seconds.
        valid_from: first day it binds (``None``: always has).
        valid_until: last day it binds (``None``: still does).
        source: where it is published.
    """

    threshold: str
    brands: tuple[str, ...]
    schemes: tuple[str, ...]
    never: tuple[str, ...]
    categories: tuple[str, ...] | None
    window_s: int
    valid_from: date | None
    valid_until: date | None
    source: str

    def binds(self, brand: str | None, scheme: str, day: date) -> bool:
        """Whether it binds a card payment of ``brand`` answered in ``scheme`` on ``day``."""
        return ((brand or "unknown") in self.brands or scheme in self.schemes) \
            and (self.valid_from is None or day >= self.valid_from) \
            and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True, slots=True)
class Remedy:
    """A catalogue entry: what to do, for whom, in which words; ``order`` is its catalogue
    position; ``next_payment`` what it leads to as a payment (:data:`payfix.vocab.NEXT_PAYMENTS`)."""

    id: str
    category: str
    weight: int
    self_service: bool
    audience: tuple[str, ...]
    texts: Mapping[str, RemedyText]
    order: int
    next_payment: str = "none"


@dataclass(frozen=True, slots=True)
class Rule:
    """A parsed, type-checked rule. ``condition`` is the parsed ``when``; ``facts`` what it reads."""

    id: str
    ruleset: str
    when: str
    condition: Condition
    remedy: str
    confidence: int
    escalate: str | None
    facts: tuple[str, ...]
    file: str
    line: int
    description: str | None = None
    #: A fallback rule counts only when no other rule that fired reaches the confidence floor
    #: (:func:`payfix.diagnosis.ranking.settle`): the checklist for a failure nothing explains.
    fallback: bool = False


@dataclass(frozen=True, slots=True)
class RuleSet:
    """One rule file: a named group of rules evaluated together."""

    name: str
    rules: tuple[Rule, ...]
    file: str


@dataclass(frozen=True, slots=True)
class Channel:
    """An official support channel configured by the operator: its address and hours in the
    pack's default locale, and in other locales where the pack gives them (``localized``:
    ``(locale, address, hours)``)."""

    id: str
    kind: str
    address: str
    hours: str | None = None
    localized: tuple[tuple[str, str, str | None], ...] = ()

    def words(self, chain: Sequence[str]) -> tuple[str, str | None]:
        """The address and hours in the first locale of ``chain`` that has them, else the
        default locale's."""
        for locale in chain:
            for given, address, hours in self.localized:
                if given == locale:
                    return address, hours
        return self.address, self.hours


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """How one escalation reason is handled: its priority, how long to wait before a human is
    involved (``after_s``; 0 = now), and the code a customer sees instead (``None`` = the same)."""

    code: str
    priority: str
    after_s: int = 0
    customer_code: str | None = None


#: Priorities from lowest to highest; a diagnosis takes the highest of its reasons.
PRIORITIES = ("low", "normal", "high", "urgent")


@dataclass(frozen=True, slots=True)
class PackSettings:
    """``pack.yaml``: identity, locales, thresholds, vocabularies and support channels."""

    name: str
    version: str
    default_locale: str
    locales: tuple[str, ...]
    confidence_floor: int
    rulesets: tuple[str, ...]
    categories: tuple[str, ...]
    reasons: tuple[str, ...]
    thresholds: Mapping[str, int]
    channels: tuple[Channel, ...] = ()
    escalations: Mapping[str, EscalationPolicy] = field(default_factory=dict)
    high_value_minor: Mapping[str, int] = field(default_factory=dict)
    wallet_id_pattern: str | None = None
    retry_limits: tuple[RetryLimit, ...] = ()
    generic_reasons: tuple[str, ...] = ()
    #: reason → who fixes it (a code entry's ``fix_by``, ``*`` for anyone) → what must happen
    #: before a new attempt can succeed: a code map entry's default ``after``
    after_actions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: locale → reason → its name in that locale's texts (a reason without one is written as is)
    reason_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RulePack:
    """Everything one diagnosis needs besides the report, identified by a content hash.

    Example:
        >>> from payfix import load_pack
        >>> pack = load_pack()
        >>> len(pack.rules) == sum(len(rs.rules) for rs in pack.rulesets), "balance.top_up" in pack.remedies
        (True, True)
    """

    settings: PackSettings
    rulesets: tuple[RuleSet, ...]
    remedies: Mapping[str, Remedy]
    codemaps: Mapping[str, CodeMap]
    hash: str
    files: tuple[str, ...] = field(default=())
    fees: Mapping[str, FeeSchedule] = field(default_factory=dict)
    #: section (``handoff``, ``methods``) → locale → text name → text (``texts.yaml``), each
    #: locale complete (what it lacks is the default locale's)
    texts: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    #: ``(currency, kind, priced in another currency)`` → the schedules that may price such an
    #: attempt, by name: derived from ``fees`` when the pack is built.
    fee_index: Mapping[tuple[str, str, bool], tuple[FeeSchedule, ...]] = field(init=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str, bool], list[tuple[str, FeeSchedule]]] = {}
        for name, schedule in self.fees.items():
            for kind in schedule.kinds:
                index.setdefault((schedule.currency, kind, schedule.fx is not None), []).append(
                    (name, schedule))
        object.__setattr__(self, "fee_index", {
            key: tuple(s for _, s in sorted(named, key=lambda pair: pair[0]))
            for key, named in index.items()})

    def texts_for(self, section: str, locale: str | None) -> Mapping[str, str]:
        """``section``'s texts in ``locale`` (the first of its :func:`locale_chain` the pack
        has; the default locale's without one)."""
        return self.texts_in(section, locale_chain(locale, tuple(self.settings.locales),
                                                   self.settings.default_locale))[1]

    def texts_in(self, section: str, chain: Sequence[str]) -> tuple[str, Mapping[str, str]]:
        """The first locale of ``chain`` the pack has ``section`` texts for (else the default
        locale), and those texts (``texts.yaml``; each locale complete)."""
        tables = self.texts[section]
        locale = next((loc for loc in chain if loc in tables), self.settings.default_locale)
        return locale, tables[locale]

    @property
    def info(self) -> PackInfo:
        """Name, version and hash, as carried in every diagnosis."""
        return PackInfo(name=self.settings.name, version=self.settings.version, hash=self.hash)

    @property
    def rules(self) -> tuple[Rule, ...]:
        """All rules of all rule sets, in pack order."""
        return tuple(rule for rs in self.rulesets for rule in rs.rules)


def locale_chain(requested: str | None, available: tuple[str, ...], default: str) -> tuple[str, ...]:
    """Locales to try, best first: exact match, same language, then the pack default."""
    chain: list[str] = []
    if requested:
        wanted = requested.replace("_", "-").lower()
        chain += [loc for loc in available if loc.lower() == wanted]
        language = wanted.split("-")[0]
        chain += [loc for loc in available if loc.lower().split("-")[0] == language]
    chain.append(default)
    return tuple(dict.fromkeys(chain))
