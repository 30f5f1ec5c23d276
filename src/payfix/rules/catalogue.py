"""The rule-pack catalogue: one Markdown page listing everything a pack decides with.

:func:`render_catalogue` turns a loaded :class:`~payfix.rules.pack.RulePack` into Markdown: the pack's
identity, every rule (rule set, condition as written, remedy, confidence, escalation, description and
source ``file:line``), every remedy in every locale of the pack, the escalation policy, every
processor-code map (scheme, number of entries, fields, sources) and every fee schedule. The output
depends on the pack alone (no clock, no paths beyond those the pack records), so the same pack gives
the same bytes: ``docs/catalogue.md`` is this page for the bundled pack, and a test regenerates it.

``payfix rules docs [DIR] --out FILE`` is the command-line form.

Example:
    >>> from payfix import load_pack
    >>> page = render_catalogue(load_pack())
    >>> page.splitlines()[0]
    '# Rule pack catalogue: payfix-default'
    >>> "`rules/network.yaml:4`" in page
    True
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from payfix.rules.pack import CodeMap, Remedy, Rule, RulePack
from payfix.rules.schedules import FeeSchedule

__all__ = ["render_catalogue"]

Words = Mapping[str, str]  # the pack's ``catalogue`` texts in the page's locale


def _code(text: str) -> str:
    """``text`` as a Markdown code span, whatever backticks it holds."""
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell (one line, pipes escaped)."""
    return " ".join(text.split()).replace("|", "\\|")


def _table(head: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(head)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _duration(seconds: int, w: Words) -> str:
    if seconds == 0:
        return w["now"]
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return w["after"].format(n=seconds // size, unit=w[f"unit_{unit}"])
    return w["after"].format(n=seconds, unit=w["unit_s"])


def _listed(items: Iterable[str], w: Words) -> str:
    return w["list_separator"].join(items)


def _summary(pack: RulePack, w: Words) -> list[str]:
    s = pack.settings
    rows = [
        (w["name"], _code(s.name)), (w["version"], _code(s.version)), (w["hash"], _code(pack.hash)),
        (w["locales"], w["default_locale"].format(
            locales=_listed((_code(loc) for loc in s.locales), w), default=_code(s.default_locale))),
        (w["confidence_floor"], f"{s.confidence_floor}%"),
        (w["rulesets"], _listed((f"{_code(rs.name)} ({len(rs.rules)})" for rs in pack.rulesets), w)),
        (w["rules_count"], str(len(pack.rules))), (w["remedies_count"], str(len(pack.remedies))),
        (w["code_maps"], _listed((_code(scheme) for scheme in sorted(pack.codemaps)), w)),
        (w["fee_schedules"], _listed((_code(sid) for sid in sorted(pack.fees)), w) or w["none"]),
    ]
    return [f"## {w['pack']}", "", *_table(("", ""), rows), ""]


def _rule(rule: Rule, w: Words) -> list[str]:
    lines = [f"#### {rule.id}", ""]
    if rule.description:
        lines += [" ".join(rule.description.split()), ""]
    lines += [
        w["rule_set"].format(ruleset=_code(rule.ruleset)),
        w["rule_when"].format(when=_code(" ".join(rule.when.split()))),
        w["rule_remedy"].format(remedy=_code(rule.remedy), confidence=rule.confidence),
        w["rule_escalate"].format(escalate=_code(rule.escalate) if rule.escalate else w["no"]),
        *([w["rule_fallback"]] if rule.fallback else []),
        w["rule_facts"].format(facts=_listed((_code(fact) for fact in rule.facts), w)),
        w["rule_source"].format(source=_code(f"{rule.file}:{rule.line}")),
        "",
    ]
    return lines


def _rules(pack: RulePack, w: Words) -> list[str]:
    lines = [f"## {w['rules']}", "", w["rules_intro"], ""]
    for ruleset in pack.rulesets:
        lines += [f"### {w['ruleset'].format(name=_code(ruleset.name))}", "",
                  w["ruleset_line"].format(count=len(ruleset.rules), file=_code(ruleset.file),
                                           rules=_listed((_code(rule.id) for rule in ruleset.rules),
                                                         w)), ""]
        for rule in ruleset.rules:
            lines += _rule(rule, w)
    return lines


def _remedy(remedy: Remedy, locales: tuple[str, ...], used_by: list[str], w: Words) -> list[str]:
    lines = [f"### {remedy.id}", "", w["remedy_line"].format(
        category=_code(remedy.category), weight=remedy.weight,
        service=w["self_service" if remedy.self_service else "not_self_service"],
        audience=_listed(remedy.audience, w), next=w[f"next_{remedy.next_payment}"],
        rules=_listed((_code(r) for r in used_by), w) if used_by else w["no_rule"]), ""]
    for locale in (*locales, *sorted(set(remedy.texts) - set(locales))):
        text = remedy.texts.get(locale)
        if text is None:
            continue
        lines.append(f"- **{locale}**: {text.title}")
        lines += [f"  {number}. {step}" for number, step in enumerate(text.steps, 1)]
    return [*lines, ""]


def _remedies(pack: RulePack, w: Words) -> list[str]:
    used_by: dict[str, list[str]] = defaultdict(list)
    for rule in pack.rules:
        used_by[rule.remedy].append(rule.id)
    lines = [f"## {w['remedies']}", "", w["remedies_intro"], ""]
    for remedy in sorted(pack.remedies.values(), key=lambda r: r.order):
        lines += _remedy(remedy, pack.settings.locales, used_by[remedy.id], w)
    return lines


def _escalations(pack: RulePack, w: Words) -> list[str]:
    raised: dict[str, list[str]] = defaultdict(list)
    for rule in pack.rules:
        if rule.escalate:
            raised[rule.escalate].append(rule.id)
    rows = [(_code(p.code), p.priority, _duration(p.after_s, w),
             _code(p.customer_code) if p.customer_code else w["same"],
             _listed((_code(r) for r in raised[p.code]), w) or w["policy_only"])
            for p in pack.settings.escalations.values()]
    return [f"## {w['escalations']}", "",
            *_table((w["col_reason"], w["col_priority"], w["col_after"], w["col_customer"],
                     w["col_raised"]), rows), ""]


def _codemap(codemap: CodeMap, w: Words) -> list[str]:
    by_reason: dict[str, int] = defaultdict(int)
    by_after: dict[str, int] = defaultdict(int)
    for entry in codemap.codes.values():
        by_reason[entry.reason] += 1
        by_after[entry.after or "none"] += 1
    reasons = _listed((f"{_code(reason)} {count}" for reason, count in sorted(by_reason.items())),
                      w)
    afters = _listed((f"{_code(after)} {count}" for after, count in sorted(by_after.items())), w)
    return [f"### {codemap.scheme}", "",
            w["map_entries"].format(n=len(codemap.codes)),
            w["map_fields"].format(fields=_listed((_code(f) for f in codemap.fields), w)),
            w["map_reasons"].format(reasons=reasons),
            w["map_after"].format(afters=afters),
            w["map_file"].format(file=_code(codemap.file)),
            w["map_sources"].format(sources=" ".join(codemap.source.split())), ""]


def _codemaps(pack: RulePack, w: Words) -> list[str]:
    lines = [f"## {w['code_maps_head']}", "", w["code_maps_intro"], ""]
    for scheme in sorted(pack.codemaps):
        lines += _codemap(pack.codemaps[scheme], w)
    return lines


def _pricing(schedule: FeeSchedule, w: Words) -> str:
    parts: list[str] = []
    if schedule.percent:
        parts.append(f"{schedule.percent}%")
    if schedule.fixed:
        parts.append(f"{schedule.fixed} {schedule.currency}")
    for tier in schedule.tiers:
        upto = w["up_to"].format(amount=tier.up_to) if tier.up_to is not None else w["above"]
        parts.append(w["tier"].format(upto=upto, percent=tier.percent, fixed=tier.fixed))
    if schedule.minimum is not None:
        parts.append(w["min"].format(amount=schedule.minimum))
    if schedule.maximum is not None:
        parts.append(w["max"].format(amount=schedule.maximum))
    if schedule.free is not None:
        free = schedule.free
        if free.transfers_per_month:
            parts.append(w["free_transfers"].format(n=free.transfers_per_month))
        if free.amount is not None:
            parts.append(w["free_amount"].format(amount=free.amount,
                                                 period=free.amount_period or w["monthly"]))
    if schedule.fx is not None:
        parts.append(w["fx"].format(percent=schedule.fx.percent, fixed=schedule.fx.fixed))
    for extra in schedule.surcharges:
        parts.append(w["surcharge"].format(percent=extra.percent, days=",".join(extra.days),
                                           start=extra.start, end=extra.end,
                                           timezone=extra.timezone))
    return w["price_separator"].join(parts) or w["free"]


def _fees(pack: RulePack, w: Words) -> list[str]:
    rows = []
    for sid in sorted(pack.fees):
        s = pack.fees[sid]
        valid = w["always"]
        if s.valid_from or s.valid_until:
            valid = w["valid_range"].format(start=s.valid_from or "…", end=s.valid_until or "…")
        rows.append((_code(sid), s.label, _listed(s.kinds, w), s.currency, s.payer,
                     _pricing(s, w), s.rounding, valid))
    if not rows:
        return [f"## {w['fees']}", "", w["fees_none"], ""]
    return [f"## {w['fees']}", "", w["fees_intro"], "",
            *_table((w["col_id"], w["col_label"], w["col_kinds"], w["col_currency"],
                     w["col_payer"], w["col_price"], w["col_rounding"], w["col_valid"]), rows),
            ""]


def render_catalogue(pack: RulePack, locale: str | None = None) -> str:
    """The pack's catalogue as Markdown (ends with one newline); same pack, same text. Its
    headings and labels are the pack's ``catalogue`` texts in ``locale`` (default: the pack's
    default locale); rule descriptions, conditions and remedy texts are the pack's as written.

    Example:
        >>> from payfix import load_pack
        >>> page = render_catalogue(load_pack())
        >>> [line[3:] for line in page.splitlines() if line.startswith("## ")][1:]
        ['Rules', 'Remedies', 'Escalation policy', 'Processor code maps', 'Fee schedules']
        >>> page == render_catalogue(load_pack())
        True
    """
    s = pack.settings
    w = pack.texts_for("catalogue", locale)
    lines = [f"# {w['title'].format(name=s.name)}", "", w["generated"], "",
             w["intro"].format(name=_code(s.name), version=_code(s.version), hash=_code(pack.hash)),
             ""]
    for part in (_summary, _rules, _remedies, _escalations, _codemaps, _fees):
        lines += part(pack, w)
    return "\n".join(lines).rstrip("\n") + "\n"
