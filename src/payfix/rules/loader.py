"""Load a rule pack from YAML: bundled pack, optional operator overlay, every problem at once.

The bundled pack ships inside the wheel (``payfix/_rules``) and is found with
:mod:`importlib.resources`; in a source checkout it is the top-level ``rules/`` folder. An operator
*overlay* directory is laid over it file by file: a file at the same relative path replaces the
bundled one, new files are added (a new rule set is enabled by naming it in ``pack.yaml``).

Every problem in every file is collected before anything is raised, each with ``file:line:col``.

Example:
    >>> pack = load_pack()
    >>> pack.settings.name
    'payfix-default'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from payfix.errors import Problem, RulePackError
from payfix.rules import _packfiles as pf
from payfix.rules._codefiles import read_code_maps
from payfix.rules._remedyfiles import read_remedies
from payfix.rules._textfiles import read_texts
from payfix.rules._yamlsrc import (
    Reader,
    Source,
    bundled_rules_dir,
    closest,
    position,
    read_files,
    suggest,
    text_position,
)
from payfix.rules.conditions import (
    ConditionSyntaxError,
    fact_names,
    parse,
)
from payfix.rules.lint import MAX_PATTERN_PATHS, lint_ruleset, pattern_problem
from payfix.rules.pack import (
    Channel,
    CodeMap,
    EscalationPolicy,
    PackSettings,
    Remedy,
    RetryLimit,
    Rule,
    RulePack,
    RuleSet,
)
from payfix.rules.typecheck import typecheck
from payfix.rules.witness import witness
from payfix.vocab import (
    FACTS,
    MAX_WALLET_ID_LENGTH,
    fact_domain,
)

if TYPE_CHECKING:
    from payfix.rules.schedules import FeeSchedule

__all__ = ["bundled_rules_dir", "load_fee_schedules", "load_pack", "typecheck"]

def _collect(base: Path, overlay: Path | None, problems: list[Problem]) -> dict[str, Source]:
    files: dict[str, Source] = {}
    for root, label in ((base, "rules"), (overlay, None)):
        if root is not None:
            files.update(read_files(root, "**/*.yaml", label, problems))
    return files


def _base_texts(base: Path, overlay: Path | None, problems: list[Problem]) -> Source | None:
    """What a ``texts.yaml`` with ``merge: true``, or a pack without one, is laid over: the base
    pack's own under an overlay's file, else payfix's bundled texts."""
    if overlay is not None and (overlay / "texts.yaml").is_file() and (base / "texts.yaml").is_file():
        return read_files(base, "texts.yaml", "rules", problems).get("texts.yaml")
    return read_files(bundled_rules_dir(), "texts.yaml", "rules", problems).get("texts.yaml")


class _PackBuilder:
    def __init__(self, files: dict[str, Source]) -> None:
        self.files = files
        self.r = Reader()

    def settings(self) -> PackSettings | None:
        src = self.files.get("pack.yaml")
        if src is None:
            self.r.problems.append(Problem("pack.missing_file", (), "pack.yaml not found", "pack.yaml",
                                           ctx={"key": "pack"}))
            return None
        node = self.r.load(src)
        model = self.r.model(pf.PackFile, node, src) if node is not None else None
        if model is None:
            return None
        if "no_credible_remedy" not in model.escalations:
            self.r.add("missing_escalation", "escalations must define 'no_credible_remedy' (raised "
                       "when no remedy reaches confidence_floor)", src, position(node, ("escalations",)))
        for key, names in (("generic_reasons", model.generic_reasons),
                           ("after_actions", tuple(model.after_actions)),
                           *(("reason_names", tuple(n)) for n in model.reason_names.values())):
            for name in (n for n in names if n not in model.reasons):
                self.r.add("unknown_reason", f"{key} names {name!r}, which is not in "
                           f"reasons{suggest(name, model.reasons)}", src, position(node, (key,)),
                           key="settings", section=key, name=name, hint=closest(name, model.reasons))
        for locale in (loc for loc in model.reason_names if loc not in model.locales):
            self.r.add("unknown_locale", f"reason_names has locale {locale!r}, which is not in "
                       f"locales{suggest(locale, model.locales)}", src,
                       position(node, ("reason_names",)), key="reason_names", locale=locale,
                       hint=closest(locale, model.locales))
        if "default" not in model.high_value_minor:
            self.r.add("missing_default", "high_value_minor must define 'default'", src,
                       position(node, ("high_value_minor",)))
        return PackSettings(
            name=model.name, version=model.version, default_locale=model.default_locale,
            locales=model.locales, confidence_floor=model.confidence_floor, rulesets=model.rulesets,
            categories=model.categories, reasons=model.reasons, thresholds=dict(model.thresholds),
            channels=tuple(self._channel(c, model, node, src) for c in model.channels),
            escalations={code: EscalationPolicy(code, e.priority, e.after_s, e.customer_code)
                         for code, e in model.escalations.items()},
            high_value_minor=dict(model.high_value_minor),
            wallet_id_pattern=self._wallet_pattern(model.wallet_id_pattern, node, src),
            retry_limits=self._retry_limits(model, node, src),
            generic_reasons=model.generic_reasons,
            after_actions={reason: {str(k): str(v) for k, v in a.items()} if isinstance(a, dict)
                           else {"*": a} for reason, a in model.after_actions.items()},
            reason_names={loc: dict(names) for loc, names in model.reason_names.items()},
        )

    def _channel(self, c: pf.ChannelFile, model: pf.PackFile, node: Any, src: Source) -> Channel:
        """A channel whose address and hours may be given per locale: the default locale's is
        required, a locale the pack does not list is a problem."""
        address = c.address if isinstance(c.address, dict) else {model.default_locale: c.address}
        hours = c.hours if isinstance(c.hours, dict) else {model.default_locale: c.hours}
        for locale in sorted({*address, *hours} - set(model.locales)):
            self.r.add("unknown_locale", f"channel {c.id!r} has locale {locale!r}, which is not "
                       f"in locales{suggest(locale, model.locales)}", src,
                       position(node, ("channels",)), key="channel", channel=c.id, locale=locale,
                       hint=closest(locale, model.locales))
        if model.default_locale not in address:
            self.r.add("missing_text", f"channel {c.id!r} has no address in the default locale "
                       f"{model.default_locale!r}", src, position(node, ("channels",)),
                       key="channel", channel=c.id, locale=model.default_locale)
            return Channel(c.id, c.kind, next(iter(address.values()), ""))
        default_address, default_hours = address[model.default_locale], hours.get(
            model.default_locale)
        localized = tuple((locale, address.get(locale, default_address),
                           hours.get(locale, default_hours))
                          for locale in model.locales if locale != model.default_locale
                          and (locale in address or locale in hours))
        return Channel(c.id, c.kind, default_address, default_hours, localized)

    def _retry_limits(self, model: pf.PackFile, node: Any, src: Source) -> tuple[RetryLimit, ...]:
        """``retry_limits``: each names a threshold the pack defines; dates in order."""
        limits = []
        for name, limit in model.retry_limits.items():
            at = position(node, ("retry_limits", name))
            if name not in model.thresholds:
                self.r.add("unknown_threshold", f"retry limit {name!r} names no entry of thresholds "
                           "(the count it allows)", src, at, name=name)
                continue
            if limit.valid_from and limit.valid_until and limit.valid_until < limit.valid_from:
                self.r.add("bad_dates", f"retry limit {name!r}: valid_until is before valid_from",
                           src, at, name=name)
                continue
            limits.append(RetryLimit(name, limit.brands, limit.schemes, limit.never, limit.categories,
                                     limit.window_s, limit.valid_from, limit.valid_until,
                                     " ".join(limit.source.split())))
        return tuple(limits)

    def _wallet_pattern(self, pattern: str | None, node: Any, src: Source) -> str | None:
        if pattern is None:
            return None
        try:
            re.compile(pattern)
        except re.error as error:
            self.r.add("bad_pattern", f"wallet_id_pattern is not a regular expression: {error}", src,
                       position(node, ("wallet_id_pattern",)), detail=str(error))
            return None
        problem = pattern_problem(pattern, MAX_WALLET_ID_LENGTH)
        if problem is not None:
            key = "nested" if problem.startswith("has a repeat") else "alternation" \
                if problem.startswith("has an alternation") else "paths"
            self.r.add("unsafe_pattern", f"wallet_id_pattern {problem}", src,
                       position(node, ("wallet_id_pattern",)), key=key, max=MAX_PATTERN_PATHS)
            return None
        return pattern

    def remedies(self, settings: PackSettings) -> dict[str, Remedy]:
        extra = [src for rel, src in sorted(self.files.items()) if rel.startswith("remedies/")]
        return read_remedies(self.files.get("remedies.yaml"), extra, self.r, settings)

    def fees(self) -> dict[str, FeeSchedule]:
        from payfix.rules._feefiles import read_fee_sources  # imports this module's helpers

        sources = [src for rel, src in sorted(self.files.items()) if rel.startswith("fees/")]
        return read_fee_sources(sources, self.r)

    def codemaps(self, settings: PackSettings) -> dict[str, CodeMap]:
        sources = [src for rel, src in sorted(self.files.items()) if rel.startswith("codes/")]
        return read_code_maps(sources, self.r, settings.reasons, settings.after_actions)

    def unlisted(self, settings: PackSettings) -> None:
        """A rule-set file at the top of the pack that pack.yaml does not list would be ignored
        without a word, its rules (and any error in them) never seen: that is a problem."""
        listed = {f"{name}.yaml" for name in settings.rulesets} | {"pack.yaml", "remedies.yaml",
                                                                    "texts.yaml"}
        for rel, src in sorted(self.files.items()):
            if "/" not in rel and rel not in listed:
                self.r.problems.append(Problem(
                    "pack.unlisted_ruleset", ("rulesets",),
                    f"{rel} is not listed in pack.yaml rulesets, so its rules would never be "
                    f"evaluated; add {rel.removesuffix('.yaml')!r} to rulesets, or remove the file",
                    src.shown, ctx={"file": rel, "name": rel.removesuffix(".yaml")}))

    def ruleset(self, name: str, settings: PackSettings, remedies: Mapping[str, Remedy],
                seen: dict[str, str]) -> RuleSet | None:
        src = self.files.get(f"{name}.yaml")
        if src is None:
            self.r.problems.append(Problem("pack.missing_file", ("rulesets",),
                                           f"rule set {name!r} is listed in pack.yaml but {name}.yaml "
                                           "does not exist", "pack.yaml",
                                           ctx={"key": "ruleset", "name": name}))
            return None
        node = self.r.load(src)
        model = self.r.model(pf.RuleSetFile, node, src) if node is not None else None
        if model is None:
            return None
        if model.ruleset != name:
            self.r.add("ruleset_name", f"file {name}.yaml must declare 'ruleset: {name}'", src,
                       position(node, ("ruleset",)), name=name)
        rules: list[Rule] = []
        for i, raw in enumerate(node["rules"]):
            entry = self.r.model(pf.RuleEntry, raw, src, ("rules", i))
            if entry is None:
                continue
            rule = self.rule(entry, ("rules", i), node, src, name, settings, remedies, seen)
            if rule is not None:
                rules.append(rule)
        ruleset = RuleSet(name, tuple(rules), src.shown)
        for message, ctx in lint_ruleset(ruleset):
            self.r.add("engine_envelope", message, src, position(node, ("rules",)), **ctx)
        return ruleset

    def rule(self, entry: pf.RuleEntry, loc: tuple[str | int, ...], node: Any, src: Source,
             ruleset: str, settings: PackSettings, remedies: Mapping[str, Remedy],
             seen: dict[str, str]) -> Rule | None:
        here = position(node, loc)
        ok = True
        if not entry.id.startswith(f"{ruleset}."):
            self.r.add("rule_id", f"rule id {entry.id!r} must start with '{ruleset}.'", src,
                       position(node, (*loc, "id")), id=entry.id, ruleset=ruleset)
            ok = False
        if entry.id in seen:
            self.r.add("duplicate_rule", f"rule id {entry.id!r} is already used in {seen[entry.id]}",
                       src, position(node, (*loc, "id")), id=entry.id, file=seen[entry.id])
            ok = False
        seen[entry.id] = src.shown
        if entry.remedy not in remedies:
            self.r.add("unknown_remedy", f"unknown remedy {entry.remedy!r}"
                       f"{suggest(entry.remedy, tuple(remedies))}", src,
                       position(node, (*loc, "remedy")), name=entry.remedy,
                       hint=closest(entry.remedy, tuple(remedies)))
            ok = False
        if entry.escalate is not None and entry.escalate not in settings.escalations:
            self.r.add("unknown_escalation", f"escalation {entry.escalate!r} is not in pack.yaml "
                       f"escalations{suggest(entry.escalate, tuple(settings.escalations))}", src,
                       position(node, (*loc, "escalate")), name=entry.escalate,
                       hint=closest(entry.escalate, tuple(settings.escalations)))
            ok = False
        rule_map = node
        for part in loc:
            rule_map = rule_map[part]
        try:
            cond = parse(entry.when, settings.thresholds)
        except ConditionSyntaxError as error:
            self.r.add("condition_syntax", error.msg, src,
                       text_position(src, rule_map, "when", error.pos), **error.ctx)
            return None
        for type_, msg, offset, ctx in typecheck(cond, settings.reasons):
            self.r.add(type_, msg, src, text_position(src, rule_map, "when", offset), **ctx)
            ok = False
        if not ok:
            return None
        types = {name: spec.type for name, spec in FACTS.items()}
        if witness(cond, types, lambda path: fact_domain(path, settings.reasons)) is None:
            self.r.add("unsatisfiable", f"rule {entry.id!r} can never fire: its condition "
                       "contradicts itself", src, position(node, (*loc, "when")), id=entry.id)
            return None
        line = here[0] + 1 if here else 0
        if entry.fallback and entry.escalate is not None:
            self.r.add("fallback_escalates", f"rule {entry.id!r} is a fallback and escalates: a "
                       "fallback offers the checklist when nothing explains the failure; "
                       "escalation belongs to the rules that explain it",
                       src, position(node, (*loc, "escalate")), id=entry.id)
            return None
        return Rule(entry.id, ruleset, entry.when, cond, entry.remedy, entry.confidence,
                    entry.escalate, fact_names(cond), src.shown, line, entry.description,
                    entry.fallback)


def _hash(files: Mapping[str, Source]) -> str:
    digest = hashlib.sha256()
    for rel in sorted(files):
        if rel.startswith("tests/"):  # test cases do not change what a diagnosis says
            continue
        digest.update(rel.encode() + b"\0" + hashlib.sha256(files[rel].data).digest())
    return "sha256:" + digest.hexdigest()[:32]


def load_pack(overlay: str | Path | None = None, *, base: str | Path | None = None) -> RulePack:
    """Load the bundled rule pack (or ``base``), with ``overlay`` laid over it if given.

    Raises:
        RulePackError: listing every problem found, each with file, line and column.

    Example:
        >>> pack = load_pack()
        >>> [rs.name for rs in pack.rulesets], pack.info.hash.startswith("sha256:")
        (['network', 'balance', 'payee', 'method', 'security'], True)
    """
    base_dir = Path(base) if base is not None else bundled_rules_dir()
    overlay_dir = Path(overlay) if overlay is not None else None
    for label, folder in (("rule pack", base_dir), ("overlay", overlay_dir)):
        if folder is not None and not folder.is_dir():
            raise RulePackError(f"{label} directory not found",
                                [Problem("pack.missing_dir", (), f"{folder} is not a directory",
                                         str(folder))])
    problems: list[Problem] = []
    files = _collect(base_dir, overlay_dir, problems)
    builder = _PackBuilder(files)
    builder.r.problems.extend(problems)
    settings = builder.settings()
    rulesets: list[RuleSet] = []
    remedies: dict[str, Remedy] = {}
    codemaps: dict[str, CodeMap] = {}
    fees: dict[str, FeeSchedule] = {}
    texts: dict[str, dict[str, dict[str, str]]] = {}
    if settings is not None:
        texts = read_texts(files.get("texts.yaml"), builder.r, settings,
                           lambda: _base_texts(base_dir, overlay_dir, builder.r.problems))
        remedies = builder.remedies(settings)
        codemaps = builder.codemaps(settings)
        fees = builder.fees()
        seen: dict[str, str] = {}
        for name in settings.rulesets:
            ruleset = builder.ruleset(name, settings, remedies, seen)
            if ruleset is not None:
                rulesets.append(ruleset)
        builder.unlisted(settings)
    if builder.r.problems or settings is None:
        raise RulePackError(f"rule pack has {len(builder.r.problems)} problem(s)", builder.r.problems)
    return RulePack(settings, tuple(rulesets), remedies, codemaps, _hash(files),
                    tuple(files[rel].shown for rel in sorted(files)), fees, texts)


def load_fee_schedules(directory: str | Path | None = None) -> dict[str, FeeSchedule]:
    """Load every ``*.yaml`` fee file in ``directory`` (default: the bundled ``rules/fees``).

    Raises:
        RulePackError: listing every problem in every file, each with file, line and column.

    Example:
        >>> sorted(load_fee_schedules())  # doctest: +NORMALIZE_WHITESPACE
        ['example.cny_bank_withdrawal', 'example.eur_fx_transfer', 'example.eur_instant_transfer',
         'example.usd_instant_transfer']
    """
    from payfix.rules._feefiles import read_fee_files  # imports this module's helpers

    folder = Path(directory) if directory is not None else bundled_rules_dir() / "fees"
    return read_fee_files(folder, shown=None if directory is not None else "rules/fees")
