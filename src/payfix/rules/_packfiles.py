"""Strict schemas of the rule-pack YAML files (structure only; meaning is checked by the loader)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from payfix.models.diagnosis import Priority
from payfix.vocab import AfterAction, CardBrand, CodeField, NextPayment

SlugId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=80)]
Word = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: The kinds of official support channel.
ChannelKind = Literal["phone", "chat", "web_form", "email", "in_app"]


class ChannelFile(_File):
    id: SlugId
    kind: ChannelKind
    address: Text | dict[Locale, Text]
    hours: Text | dict[Locale, Text] | None = None


class EscalationFile(_File):
    priority: Priority
    after_s: Annotated[int, Field(ge=0, le=30 * 86400)] = 0
    customer_code: Word | None = None
    description: Text | None = None


class RetryLimitFile(_File):
    brands: Annotated[tuple[CardBrand | Literal["unknown"], ...], Field(min_length=1)]
    schemes: tuple[Word, ...] = ()
    never: tuple[Word, ...] = ()
    categories: tuple[Word, ...] | None = None
    window_s: Annotated[int, Field(ge=1, le=366 * 86400)]
    valid_from: date | None = None
    valid_until: date | None = None
    source: Text


FixBy = Literal["customer", "issuer", "merchant", "support", "none"]


class PackFile(_File):
    name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    description: Text | None = None
    default_locale: Locale
    locales: Annotated[tuple[Locale, ...], Field(min_length=1)]
    confidence_floor: Annotated[int, Field(ge=0, le=100)]
    rulesets: Annotated[tuple[Word, ...], Field(min_length=1)]
    categories: Annotated[tuple[Word, ...], Field(min_length=1)]
    reasons: Annotated[tuple[Word, ...], Field(min_length=1)]
    generic_reasons: tuple[Word, ...] = ()
    after_actions: dict[Word, AfterAction | dict[FixBy, AfterAction]] = Field(default_factory=dict)
    escalations: dict[Word, EscalationFile] = Field(default_factory=dict)
    retry_limits: dict[Word, RetryLimitFile] = Field(default_factory=dict)
    high_value_minor: dict[Annotated[str, StringConstraints(pattern=r"^([A-Z]{3}|default)$")],
                           Annotated[int, Field(ge=1, le=10**15)]] = Field(default_factory=dict)
    thresholds: dict[Word, Annotated[int, Field(ge=-(2**53 - 1), le=2**53 - 1)]] = Field(
        default_factory=dict
    )
    channels: tuple[ChannelFile, ...] = ()
    wallet_id_pattern: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    reason_names: dict[Locale, dict[Word, Text]] = Field(default_factory=dict)


class RuleEntry(_File):
    id: SlugId
    when: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    remedy: SlugId
    confidence: Annotated[int, Field(ge=1, le=100)]
    escalate: Word | None = None
    fallback: bool = False
    description: Text | None = None


class RuleSetFile(_File):
    ruleset: Word
    description: Text | None = None
    rules: Annotated[tuple[Any, ...], Field(min_length=1)]  # each checked as a RuleEntry


class RemedyTextFile(_File):
    title: Text
    steps: Annotated[tuple[Text, ...], Field(min_length=1)]


class RemedyEntry(_File):
    id: SlugId
    category: Word
    weight: Annotated[int, Field(ge=1, le=100)]
    self_service: bool
    audience: Annotated[tuple[Literal["customer", "agent"], ...], Field(min_length=1)]
    next_payment: NextPayment = "none"
    text: dict[Locale, RemedyTextFile]


class RemediesFile(_File):
    remedies: Annotated[tuple[RemedyEntry, ...], Field(min_length=1)]


class CodeEntryFile(_File):
    reason: Word
    retry: Literal["now", "later", "never"]
    wait_s: Annotated[int, Field(ge=0, le=90 * 86400)] | None = None
    customer_safe: bool
    fix_by: FixBy
    category: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)] | None = None
    escalate: bool = False
    after: AfterAction | Literal["none"] | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    note: Text | None = None


class CodeFormFile(_File):
    width: Annotated[int, Field(ge=1, le=8)] | None = None
    case: Literal["upper"] | None = None


class CodeMapFile(_File):
    scheme: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    merge: bool = False
    code_form: CodeFormFile | None = None
    source: Text
    retrieved: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    fields: tuple[CodeField, ...] = ()
    codes: dict[Annotated[str, StringConstraints(min_length=1, max_length=64)],
                CodeEntryFile | Annotated[list[CodeEntryFile], Field(min_length=1, max_length=20)]]
