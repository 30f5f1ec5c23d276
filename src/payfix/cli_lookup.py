"""The look-up and pack commands of the command line (``payfix fees quote``, ``payfix codes
lookup|list|coverage``, ``payfix rules check|test|docs``), their text (:func:`render_code_text`),
and what every command shares: exit codes, reading input, printing problems.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from payfix.diagnosis.codes import (
    CodeInfo,
    code_coverage,
    list_codes,
    lookup_code,
)
from payfix.diagnosis.present import locale_chain
from payfix.diagnosis.problemtext import localised
from payfix.errors import (
    InvalidReportError,
    Problem,
    RulePackError,
)
from payfix.fees import FeeError, Usage, max_sendable, quote
from payfix.rules.bundled import pack_of
from payfix.rules.catalogue import render_catalogue
from payfix.rules.channels import placeholder_channels
from payfix.rules.loader import load_pack
from payfix.rules.pack import RulePack
from payfix.ruletests import problems_of, run_rule_tests

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_UNEXPECTED", "codes_command", "emit_problems",
           "fees_quote_command", "in_locale", "read_input", "render_code_text", "rules_command"]

#: Exit codes: done; an unexpected error; invalid input or arguments.
EXIT_OK, EXIT_UNEXPECTED, EXIT_INVALID = 0, 1, 2


def emit_problems(problems: Sequence[Problem], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps({"problems": [p.to_dict() for p in problems]}, ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            print(problem.render(), file=sys.stderr)
        print(json.dumps([p.to_dict() for p in problems], ensure_ascii=False), file=sys.stderr)


def in_locale(problems: Sequence[Problem], args: argparse.Namespace) -> tuple[Problem, ...]:
    """``problems`` written in the locale the command was asked for (``--locale``), from the
    texts of the pack it names (``--rules``, else the bundled one); as found without a locale."""
    locale = getattr(args, "locale", None)
    if locale is None:
        return tuple(problems)
    try:
        pack = pack_of(getattr(args, "rules", None))
    except RulePackError:  # the pack's own problems are being reported: the bundled texts
        pack = pack_of(None)
    return localised(problems, pack, locale)


def read_input(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    return Path(source).read_bytes()


def fees_quote_command(args: argparse.Namespace) -> int:
    pack = pack_of(args.rules)
    try:
        amount = Decimal(args.amount)
        used = Decimal(args.free_amount_used)
        balance = Decimal(args.balance) if args.balance is not None else None
        rate = Decimal(args.fx_rate) if args.fx_rate is not None else None
    except InvalidOperation:
        raise InvalidReportError("not a decimal amount", [Problem(
            "decimal_parsing", ("amount",), "amounts and rates are decimals such as 120.00")]) from None
    if (rate is None) != (args.fx_currency is None):
        raise InvalidReportError("incomplete exchange", [Problem(
            "fx_incomplete", ("fx_rate",), "--fx-rate and --fx-currency go together: the rate is "
            "units of --fx-currency for one unit of the payment's currency")])
    candidates = ([args.schedule] if args.schedule else
                  [sid for sid, s in sorted(pack.fees.items())
                   if s.currency == args.currency and args.kind in s.kinds
                   and (s.fx is None) == (rate is None)])
    if not candidates or candidates[0] not in pack.fees:
        known = ", ".join(sorted(pack.fees)) or "none"
        raise InvalidReportError("no fee schedule", [Problem(
            "unknown_fee_schedule", ("schedule",),
            f"no fee schedule {'named ' + repr(args.schedule) if args.schedule else 'prices'} "
            f"{args.kind} in {args.currency}; known schedules: {known}",
            ctx={"kind": args.kind, "currency": args.currency, "known": known})])
    schedule = pack.fees[candidates[0]]
    try:
        usage = Usage(free_transfers_used=args.free_transfers_used, free_amount_used=used,
                      fx_rate=rate, fx_currency=args.fx_currency,
                      on=args.on or (args.at.date() if args.at else None), at=args.at)
        quoted = quote(amount, args.currency, args.kind, schedule, usage)
        best = (max_sendable(balance, args.currency, args.kind, schedule, usage)
                if balance is not None else None)
    except FeeError as error:
        ctx = {"key": error.key, **error.params} if error.key else None
        raise InvalidReportError("cannot quote", [Problem("fee_error", (), str(error),
                                                          ctx=ctx)]) from None
    if args.format == "json":
        print(json.dumps({
            "schedule": quoted.schedule, "currency": quoted.currency, "amount": str(quoted.amount),
            "components": [{"name": c.name, "amount": str(c.amount)} for c in quoted.components],
            "fee": str(quoted.fee), "debited": str(quoted.debited), "received": str(quoted.received),
            "received_currency": quoted.received_currency,
            "max_sendable": str(best) if best is not None else None}, indent=2))
        return EXIT_OK
    t = pack.texts_in("quote", locale_chain(args.locale, pack.settings.locales,
                                            pack.settings.default_locale))[1]
    cur = quoted.currency
    print(t["schedule"].format(schedule=quoted.schedule))
    print(t["amount"].format(amount=quoted.amount, currency=cur))
    for component in quoted.components:
        print(t["component"].format(name=t[f"component_{component.name}"],
                                    amount=component.amount, currency=cur))
    print(t["fee"].format(amount=quoted.fee, currency=cur))
    print(t["debited"].format(amount=quoted.debited, currency=cur))
    print(t["received"].format(amount=quoted.received, currency=quoted.received_currency))
    if best is not None:
        print(t["max_sendable"].format(balance=balance, amount=best, currency=cur))
    return EXIT_OK


def codes_command(args: argparse.Namespace) -> int:
    pack = load_pack(args.rules) if args.rules is not None else None
    shown = pack_of(pack)
    if args.codes_command == "coverage":
        return _coverage(pack, args.format, shown.texts_in("code", (args.locale,) if args.locale else ())[1])
    found: tuple[CodeInfo, ...]
    if args.codes_command == "lookup":
        found = (lookup_code(args.scheme, args.code, brand=args.brand, pack=pack, locale=args.locale,
                             as_of=args.as_of),)
    else:
        found = list_codes(args.scheme, pack, locale=args.locale)
    if args.format == "json":
        dumped = [info.model_dump(mode="json") for info in found]
        print(json.dumps(dumped[0] if args.codes_command == "lookup" else dumped,
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    if args.codes_command == "lookup":
        sys.stdout.write(render_code_text(found[0], pack=shown))
        return EXIT_OK
    counts = Counter(info.scheme for info in found)
    blocks: list[str] = []
    scheme = None
    for info in found:  # the map's sources once per scheme, then one block per code
        if info.scheme != scheme:
            scheme = info.scheme
            t = shown.texts_in("code", (info.locale,))[1]
            blocks.append(t["map"].format(scheme=scheme, count=counts[scheme],
                                          file=info.source.at.rpartition(":")[0]) + "\n"
                          + t["sources"].format(text=info.source.text) + "\n")
        blocks.append(render_code_text(info, sources=False, pack=shown))
    sys.stdout.write("\n".join(blocks))
    return EXIT_OK


def _coverage(pack: RulePack | None, fmt: str, t: Mapping[str, str]) -> int:
    """``payfix codes coverage``: per family, the codes mapped and the sources; then the sources
    payfix reads objects of (``--from``) whose own codes have no map."""
    from payfix.inputs.adapters import SOURCES

    families = code_coverage(pack)
    mapped = {family.scheme for family in families}
    unmapped = [name for name in SOURCES if name not in mapped]
    if fmt == "json":
        print(json.dumps({"families": [f.model_dump(mode="json") for f in families],
                          "read_without_map": unmapped}, ensure_ascii=False, indent=2))
        return EXIT_OK
    width = max(len(f.scheme) for f in families)
    lines = [f"{t['cov_family']:{width}}  {t['cov_columns']}"]
    for f in families:
        lines.append(f"{f.scheme:{width}}  {f.codes:5}  {f.brand_entries:5}  {f.retry['now']:3}  "
                     f"{f.retry['later']:5}  {f.retry['never']:5}  {f.hidden:6}  {f.file}")
    lines.append(f"{t['cov_total']:{width}}  {sum(f.codes for f in families):5}")
    lines.append("")
    for f in families:
        lines.append(f"{f.scheme}: {f.sources}")
    if unmapped:
        lines.append("")
        lines.append(t["cov_unmapped"].format(sources=t["list_separator"].join(unmapped)))
    print("\n".join(lines))
    return EXIT_OK


def _duration(seconds: int, t: Mapping[str, str]) -> str | None:
    """``seconds`` in the largest whole unit of ``t`` (two days or more in days), or ``None``."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size * (2 if unit == "d" else 1) and seconds % size == 0:
            return t[f"unit_{unit}"].format(n=seconds // size)
    return None


def render_code_text(info: CodeInfo, *, sources: bool = True, pack: RulePack | None = None) -> str:
    """One readable block for ``info``: reason, retry and wait, customer-safe, who can fix it,
    escalation, remedies, note and source line (and the map's sources when ``sources``), its
    words in ``info.locale`` from ``pack``'s texts (sections ``code`` and ``text``; ``None``: the
    bundled pack's).

    Example:
        >>> info = lookup_code("stripe", "expired_card")
        >>> print(render_code_text(info, sources=False), end="")  # doctest: +ELLIPSIS
        stripe expired_card: expired_card
          retry:          never
          first:          update card (before a new attempt)
          customer-safe:  yes (the payer may be told the reason)
          fix by:         customer
          escalate:       no
          remedies:       1. Update your card details  [method.update_card, score 95.00%]
          source:         rules/codes/stripe.yaml:...
    """
    pack = pack_of(pack)
    language, t = pack.texts_in("code", (info.locale,))
    words = pack.texts_in("text", (language,))[1]
    reason = pack.settings.reason_names.get(language, {}).get(info.reason, info.reason)
    brand = t["brand"].format(brand=info.brand) if info.brand else ""
    retry = words[f"verdict_{info.retry}"]
    if info.wait_seconds:
        retry += t["wait"].format(seconds=info.wait_seconds)
        duration = _duration(info.wait_seconds, t)
        if duration is not None:
            retry += t["wait_unit"].format(duration=duration)
    if not info.escalate:
        escalate = t["escalate_no"]
    elif info.escalations:
        escalate = t["escalate_yes"].format(codes=t["list_separator"].join(info.escalations))
    else:
        escalate = t["escalate_flagged"]
    rows = [("retry", retry)]
    if info.after_action:
        rows.append(("first", t["first"].format(action=words[f"after_{info.after_action}"])))
    rows += [("customer_safe", t["safe_yes"] if info.customer_safe else t["safe_no"]),
             ("fix_by", t.get(f"fix_by_{info.fix_by}", info.fix_by))]
    if info.category:
        rows.append(("category", info.category))
    if info.valid_from or info.valid_until:
        rows.append(("in_force", t["in_force"].format(start=info.valid_from or t["earlier"],
                                                      end=info.valid_until or t["now"])))
    rows.append(("escalate", escalate))
    lines = [t["head"].format(scheme=info.scheme, code=info.code, brand=brand, reason=reason)]
    lines += [t["row"].format(label=t[f"label_{name}"], value=value) for name, value in rows]
    remedies = [words["remedy"].format(rank=i, title=r.title, id=r.id, score=f"{r.score / 100:.2f}")
                for i, r in enumerate(info.remedies, 1)] or [t["no_remedy"]]
    lines.append(t["row"].format(label=t["label_remedies"], value=remedies[0]))
    lines += [t["more"].format(value=line) for line in remedies[1:]]
    indent = t["more"].format(value="")
    if info.note:
        lines.append(textwrap.fill(info.note, 100, subsequent_indent=indent,
                                   initial_indent=t["row"].format(label=t["label_note"], value="")))
    lines.append(t["row"].format(label=t["label_source"], value=info.source.at))
    if sources:
        lines.append(textwrap.fill(info.source.text, 100, initial_indent=indent,
                                   subsequent_indent=indent, break_on_hyphens=False,
                                   break_long_words=False))
    return "\n".join(lines) + "\n"


def rules_command(args: argparse.Namespace) -> int:
    """``payfix rules check|test|docs``: their lines in ``--locale`` (the pack's ``rules`` and
    ``catalogue`` texts); a pack that does not load is reported as found (in English)."""
    if args.rules_command == "test":
        return _rules_test(args)
    if args.rules_command == "docs":
        return _rules_docs(args)
    return _rules_check(args)


def _rules_check(args: argparse.Namespace) -> int:
    pack = load_pack(args.dir)
    counts = {rs.name: len(rs.rules) for rs in pack.rulesets}
    warnings = placeholder_channels(pack, args.locale)
    summary: dict[str, Any] = {"ok": True, "name": pack.settings.name, "version": pack.settings.version,
                               "hash": pack.hash, "rules": counts, "remedies": len(pack.remedies),
                               "code_maps": sorted(pack.codemaps), "warnings": list(warnings)}
    if args.format == "json":
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return EXIT_OK
    w = pack.texts_for("rules", args.locale)
    print(w["check_ok"].format(name=pack.settings.name, version=pack.settings.version,
                               rules=sum(counts.values()), rulesets=len(counts),
                               remedies=len(pack.remedies), hash=pack.hash,
                               maps=w["list_separator"].join(sorted(pack.codemaps))))
    for line in warnings:
        print(w["warning"].format(warning=line), file=sys.stderr)
    return EXIT_OK


def _rules_test(args: argparse.Namespace) -> int:
    result = run_rule_tests(args.dir, engine=args.engine, locale=args.locale)
    problems = problems_of(result)
    w = result.words
    if args.format == "json":
        print(json.dumps({"cases": len(result.cases), "failed": len(result.failures),
                          "coverage": result.coverage_line(),
                          "problems": [p.to_dict() for p in problems]}, indent=2,
                         ensure_ascii=False))
    else:
        for case in result.failures:
            print(w["test_fail"].format(where=case.where, name=case.name,
                                        problems=w["problem_separator"].join(case.problems)))
        for rule in result.uncovered:
            print(w["test_uncovered"].format(rule=rule))
        print(w["test_summary"].format(passed=len(result.cases) - len(result.failures),
                                       failed=len(result.failures)))
        print(result.coverage_line())
    return EXIT_OK if not problems else EXIT_UNEXPECTED


def _rules_docs(args: argparse.Namespace) -> int:
    pack = load_pack(args.dir)
    text = render_catalogue(pack, args.locale)
    if args.out is None:
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(pack.texts_for("rules", args.locale)["wrote"].format(path=args.out), file=sys.stderr)
    return EXIT_OK
