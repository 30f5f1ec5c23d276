"""Reading the words payfix writes around the pack's remedies (``texts.yaml``): the support
hand-off's statement, labels and reminder, the names of payment methods, the reply to the payer,
the agent's ticket note, the labels of the text format, the fee quote, the code look-up and the
replay report, the lines of the pack tools and the catalogue, the console's words, and what is
wrong with a report, a payload or a request (``problem``: only the texts a locale gives), and
the command line's help (``help``: only the texts a locale gives, named by command and argument;
a name no command has is not checked here), per locale.

Every text a locale lacks is taken from the pack's default locale, which must have them all; a
locale the pack does not list, or a text payfix does not know, is a problem. A pack without a
``texts.yaml`` of its own (a base pack made from scratch) uses payfix's bundled one.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Annotated, get_args

from pydantic import Field, StringConstraints

from payfix.models.diagnosis import Priority, RetryHow, RetryVerdict
from payfix.rules import _packfiles as pf
from payfix.rules._packfiles import ChannelKind
from payfix.rules._yamlsrc import Reader, Source, closest, position, suggest
from payfix.rules.pack import PackSettings
from payfix.vocab import (
    AFTER_ACTIONS,
    ARG_TEXTS,
    FACTS,
    KINDS,
    METHOD_TYPES,
    PROBLEM_TEXTS,
    REPLY_TEMPLATES,
)

__all__ = ["TEXT_KEYS", "read_texts"]

#: The texts of each section payfix uses: every one is required of the default locale.
TEXT_KEYS: Mapping[str, frozenset[str]] = {
    "handoff": frozenset({
        *KINDS, "wallet_balance", "bank_account", "card", "card_any", "statement", "payee",
        "reason", "debited", "unknown", "account", "history", "retry", "verdict_now",
        "verdict_later", "verdict_never", "verdict_never_same", "after", "hold", "account_email",
        "account_phone", "attempt_id", "time", "amount", "method", "payee_item", "reference",
        "reminder", "tried_history", *(f"after_{action}" for action in AFTER_ACTIONS)}),
    "methods": frozenset({"separator", *METHOD_TYPES}),
    "reply": frozenset({
        "greeting", "happened", "happened_debited", "happened_pending",
        *(f"doing_{template}" for template in REPLY_TEMPLATES), "hold", "you_can", "retry_now",
        "retry_later", "retry_later_unknown", "hear_back_debited", "hear_back_pending",
        "hear_back_now", "hear_back_after", "channels", "never_share", "sign_off", "signature",
        "seconds", "minutes", "hours", "days", "list_separator",
        "sentence_separator", "channel", "reference"}),
    "text": frozenset({
        "payment", "coded", "read_from", "no_code", "no_answer", "declined", "warning",
        "unmapped_scheme", "other_codes", "other_code", "unmapped", "list_separator", "retry",
        "retry_after", "same_request", "wait", "how", "escalate_yes", "escalate_no", "remedy",
        "no_remedy", "handoff", "handoff_now", "handoff_after", "prepare", "tried", "channels",
        "channel", "channel_hours", "item", "evidence", "pack", "read_source", "read_detected",
        "read_named", "assumed", "unplaced", *ARG_TEXTS, "serve_refused", "serve_wrote",
        "serve_open", "serve_trusted", "serve_any_host", "spark_formats", "spark_cannot_read",
        "spark_exists",
        *(f"verdict_{verdict}" for verdict in get_args(RetryVerdict)),
        *(f"how_{how}" for how in get_args(RetryHow)),
        *(f"after_{action}" for action in AFTER_ACTIONS),
        *(f"priority_{priority}" for priority in get_args(Priority)),
        *(f"kind_{kind}" for kind in get_args(ChannelKind))}),
    "quote": frozenset({
        "schedule", "amount", "component", "fee", "debited", "received", "max_sendable",
        *(f"component_{name}" for name in ("percentage", "fixed", "minimum", "maximum",
                                           "surcharge", "fx_percentage", "fx_fixed"))}),
    "note": frozenset({
        "head", "reference", "reason", "code", "path", "no_answer", "retry", "escalated",
        "not_escalated", "next", "customer", "nothing", "tried", "list_separator",
        *(f"priority_{priority}" for priority in get_args(Priority))}),
    "code": frozenset({
        "head", "brand", "row", "more", "wait", "wait_unit", "unit_d", "unit_h", "unit_min",
        "first", "safe_yes", "safe_no", "in_force", "earlier", "now", "escalate_no",
        "escalate_yes", "escalate_flagged", "no_remedy", "map", "sources", "list_separator",
        "cov_family", "cov_columns", "cov_total", "cov_unmapped",
        *(f"label_{label}" for label in ("retry", "first", "customer_safe", "fix_by", "category",
                                         "in_force", "escalate", "remedies", "note", "source")),
        *(f"fix_by_{who}" for who in FACTS["failure.fix_by"].domain or ())}),
    "report": frozenset({
        "lang", "title", "job", "card_rows_in", "card_diagnosed", "card_rejected", "card_escalated",
        "card_escalation_rate", "headline", "details_below", "over_time", "over_time_note",
        "by_day", "by_hour", "axis_failed", "axis_day", "axis_hour", "axis_rows", "axis_escalated",
        "days_table", "col_day", "col_hour", "col_rows", "col_escalated", "col_escalation_rate",
        "failure_reasons", "reasons_chart", "col_reason", "top_remedies", "remedies_chart",
        "col_top_remedy", "escalation", "col_escalation_code", "col_retry_verdict", "by",
        "by_chart", "fees", "fees_note", "fees_chart", "col_currency", "col_with_fee",
        "col_assumed", "col_fees", "col_amount", "unmapped", "unmapped_note", "col_family",
        "col_field", "col_code", "rejected", "col_problem_type", "col_problems", "whatif",
        "whatif_line", "col_baseline_top", "col_new_top", "examples_top", "examples_escalation",
        "col_row", "col_attempt", "col_baseline", "col_new", "col_baseline_escalates",
        "col_escalates", "yes", "no", "none", "cli_report", "cli_rows", "cli_unmapped",
        "cli_whatif", "cli_whatif_example", "cli_progress", "cli_wrote", "cli_cannot_read",
        "cli_cannot_open", "cli_reject_rate", "cli_no_map", "cli_unused", "cli_interrupted",
        "cli_interrupted_resume", "cli_earlier", "cli_refused",
        *(f"dim_{name}" for name in ("kind", "method", "code_family", "currency", "country",
                                     "app_version"))}),
    "rules": frozenset({
        "check_ok", "warning", "channel_example", "channel_fiction", "test_fail", "test_uncovered",
        "test_summary", "test_coverage", "case_unknown_rule", "case_invalid", "case_fire",
        "case_not_fire", "case_top", "case_escalate", "failed", "uncovered", "none",
        "list_separator", "problem_separator", "wrote"}),
    "catalogue": frozenset({
        "title", "generated", "intro", "pack", "name", "version", "hash", "locales",
        "default_locale", "confidence_floor", "rulesets", "rules_count", "remedies_count",
        "code_maps", "fee_schedules", "none", "rules", "rules_intro", "ruleset", "ruleset_line",
        "rule_set", "rule_when", "rule_remedy", "rule_escalate", "no", "rule_fallback",
        "rule_facts", "rule_source", "remedies", "remedies_intro", "remedy_line", "self_service",
        "not_self_service", "no_rule", "next_none", "next_same", "next_changed", "escalations",
        "col_reason", "col_priority", "col_after", "col_customer", "col_raised", "now", "after",
        "unit_d", "unit_h", "unit_min", "unit_s", "same", "policy_only", "code_maps_head",
        "code_maps_intro", "map_entries", "map_fields", "map_reasons", "map_after", "map_file",
        "map_sources", "fees", "fees_none", "fees_intro", "col_id", "col_label", "col_kinds",
        "col_currency", "col_payer", "col_price", "col_rounding", "col_valid", "always",
        "valid_range", "up_to", "above", "tier", "min", "max", "free_transfers", "free_amount",
        "monthly", "fx", "surcharge", "free", "list_separator", "price_separator"}),
    # the console's scripts name its texts: a pack's default locale names them all (the bundled
    # one does, a test reads the scripts), and another locale may name only those
    "console": frozenset({"languageName"}),
    # a problem's message is English where it is found; a locale writes the ones it gives
    "problem": frozenset(),
    # the command line's help is English where the commands are built; a locale writes the ones
    # it gives, named by command and argument (``diagnose.format``; see payfix.cli_words)
    "help": frozenset(),
}
#: Texts a locale may give and payfix uses when given (the account's state, else its code).
OPTIONAL_KEYS: Mapping[str, frozenset[str]] = {
    "handoff": frozenset({"status_locked", "status_frozen", "status_closed"}),
    "methods": frozenset(),
    "reply": frozenset(),
    "note": frozenset(),
    "text": frozenset(),
    "quote": frozenset(),
    "code": frozenset(),
    "report": frozenset(),
    "rules": frozenset(),
    "catalogue": frozenset(),
    "console": frozenset(),
    "problem": frozenset(PROBLEM_TEXTS),
    "help": frozenset(),
}

#: A text may be empty (a separator: Chinese sentences follow each other without a space).
Table = Annotated[dict[pf.Word, Annotated[str, StringConstraints(max_length=2000)]],
                  Field(max_length=200)]
#: A problem's text is named by its type, which may hold a dot (``pack.unreadable``); a help
#: text by its command and argument (``rules.check.dir``).
ProblemTable = Annotated[dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]*$",
                                                                max_length=60)],
                              Annotated[str, StringConstraints(max_length=2000)]],
                         Field(max_length=400)]
#: The console's texts are named as its scripts name them (``keyTitle``, ``verdict.hold``).
ConsoleTable = Annotated[dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.]*$",
                                                                max_length=60)],
                              Annotated[str, StringConstraints(max_length=2000)]],
                         Field(max_length=400)]


class _TextsFile(pf._File):
    merge: bool = False
    handoff: dict[pf.Locale, Table] = Field(default_factory=dict)
    methods: dict[pf.Locale, Table] = Field(default_factory=dict)
    reply: dict[pf.Locale, Table] = Field(default_factory=dict)
    note: dict[pf.Locale, Table] = Field(default_factory=dict)
    text: dict[pf.Locale, Table] = Field(default_factory=dict)
    quote: dict[pf.Locale, Table] = Field(default_factory=dict)
    code: dict[pf.Locale, Table] = Field(default_factory=dict)
    report: dict[pf.Locale, Table] = Field(default_factory=dict)
    rules: dict[pf.Locale, Table] = Field(default_factory=dict)
    catalogue: dict[pf.Locale, Table] = Field(default_factory=dict)
    console: dict[pf.Locale, ConsoleTable] = Field(default_factory=dict)
    problem: dict[pf.Locale, ProblemTable] = Field(default_factory=dict)
    help: dict[pf.Locale, ProblemTable] = Field(default_factory=dict)


Tables = dict[str, dict[str, dict[str, str]]]  # section -> locale -> text name -> text


def read_texts(src: Source | None, reader: Reader, settings: PackSettings,
               base: Callable[[], Source | None] = lambda: None) -> Tables:
    """Section -> locale -> text name -> text, each locale completed from the default locale's.
    ``src`` is the pack's ``texts.yaml``. Without one, or when it says ``merge: true``, the texts
    of ``base()`` (the base pack's, else payfix's own) are read first and the file's tables laid
    over them: an operator's file then holds only what it adds or changes, e.g. one more locale.
    Problems are added to ``reader``."""
    own = _read(src, reader, settings) if src is not None else None
    where = src
    if own is not None and not own[1]:
        tables = own[0]
    else:
        under = base()
        where = where or under
        if where is None:
            return {}
        tables = _read(under, reader, settings)[0] if under is not None else {}
        for section, locales in (own[0] if own is not None else {}).items():
            for locale, table in locales.items():
                tables.setdefault(section, {})[locale] = {**tables.get(section, {}).get(locale, {}),
                                                          **table}
    assert where is not None
    default = settings.default_locale
    out: Tables = {}
    for section in TEXT_KEYS:
        given = tables.get(section, {})
        missing = sorted(TEXT_KEYS[section] - set(given.get(default, {})))
        if missing:
            reader.add("missing_text", f"{section} of the default locale {default!r} lacks "
                       f"{', '.join(missing)}", where, None, key="section", section=section,
                       locale=default, names=", ".join(missing))
            continue
        out[section] = {locale: {**given.get(default, {}), **table}
                        for locale, table in given.items()}
        out[section].setdefault(default, {})
    for locale, table in tables.get("console", {}).items():
        unknown = sorted(set(table) - set(tables["console"].get(default, {})))
        if unknown:
            reader.add("unknown_text", f"console.{locale} has {', '.join(map(repr, unknown))}, texts the "
                       f"default locale {default!r} does not name", where, None, key="console",
                       locale=locale, names=", ".join(map(repr, unknown)), default=default)
    return out


def _read(src: Source, reader: Reader, settings: PackSettings) -> tuple[Tables, bool]:
    """One file's tables as given (texts or locales payfix does not know are problems), and
    whether it says ``merge: true``."""
    node = reader.load(src)
    model = reader.model(_TextsFile, node, src) if node is not None else None
    if model is None:
        return {}, False
    tables: Tables = {}
    for section in TEXT_KEYS:
        known = TEXT_KEYS[section] | OPTIONAL_KEYS[section]
        for locale, table in getattr(model, section).items():
            at = position(node, (section, locale))
            if locale not in settings.locales:
                reader.add("unknown_locale", f"{section} has locale {locale!r}, which is not in "
                           f"pack.yaml locales{suggest(locale, settings.locales)}", src, at,
                           key="texts", section=section, locale=locale,
                           hint=closest(locale, settings.locales))
            for key in sorted(set(table) - known if section not in ("console", "help") else ()):
                reader.add("unknown_text", f"{section}.{locale} has {key!r}, a text payfix does "
                           f"not write{suggest(key, tuple(known))}", src, at, section=section,
                           locale=locale, name=key, hint=closest(key, tuple(known)))
            if section == "problem":
                _check_placeholders(table, locale, reader, src, at)
            tables.setdefault(section, {})[locale] = dict(table)
    return tables, model.merge


def _check_placeholders(table: Mapping[str, str], locale: str, reader: Reader, src: Source,
                        at: tuple[int, int] | None) -> None:
    """A problem text names only the values its problem gives (:data:`PROBLEM_TEXTS`)."""
    for key, template in sorted(table.items()):
        allowed = PROBLEM_TEXTS.get(key)
        if allowed is None:
            continue
        try:
            unknown = sorted(placeholders(template) - allowed)
        except ValueError as error:
            reader.add("bad_placeholder", f"problem.{locale}.{key}: {error}; write a brace as "
                       "{{ or }}", src, at, locale=locale, name=key)
            continue
        if unknown:
            reader.add("unknown_placeholder", f"problem.{locale}.{key} names "
                       f"{', '.join('{' + name + '}' for name in unknown)}; it may name "
                       f"{', '.join('{' + name + '}' for name in sorted(allowed)) or 'none'}",
                       src, at, key="problem", locale=locale, name=key,
                       names=", ".join("{" + name + "}" for name in unknown),
                       allowed=", ".join("{" + name + "}" for name in sorted(allowed)))


def placeholders(template: str) -> set[str]:
    """The names ``template``'s ``{...}`` placeholders use (a malformed one raises ValueError)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
