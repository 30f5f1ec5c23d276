"""The ``payfix`` command line: diagnose reports, print the schema, check rule packs, look up
processor codes.

Exit codes: 0 done, 2 invalid input or rule pack, or an unknown scheme or code (problems printed as
JSON ``{type, loc, msg}`` objects on stderr, or on stdout with ``--format json``), 1 unexpected
failure. Bad input never prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from payfix._version import __version__
from payfix.batch.cli import add_subcommands as add_batch_subcommands
from payfix.batch.cli import run as run_batch
from payfix.cli_lookup import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNEXPECTED,
    codes_command,
    emit_problems,
    fees_quote_command,
    in_locale,
    read_input,
    rules_command,
)
from payfix.cli_words import LocalisedParser, parser_class
from payfix.diagnosis.codes import BRANDS
from payfix.diagnosis.diagnoser import Diagnoser
from payfix.diagnosis.present import render_text, reply_text
from payfix.engines.base import ENGINE_NAMES
from payfix.errors import (
    CodeLookupError,
    EngineError,
    InvalidReportError,
    Problem,
    RulePackError,
)
from payfix.inputs.adapters import SOURCES, Adapted, adapt, source_names
from payfix.inputs.intake import parse_report
from payfix.models.diagnosis import Diagnosis
from payfix.models.report import AttemptReport
from payfix.rules.bundled import pack_of
from payfix.service.cli import add_subcommands as add_service_subcommands
from payfix.service.cli import run as run_service
from payfix.vocab import KINDS

__all__ = ["build_parser", "main"]


_RAW = argparse.RawDescriptionHelpFormatter


def _aware(text: str) -> datetime:
    """An ISO 8601 time with its UTC offset (``Z`` allowed), for argparse."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.utcoffset() is None:
        raise argparse.ArgumentTypeError("give the time with its UTC offset, e.g. 2026-06-06T12:00:00Z")
    return value


def _wrap(text: str) -> str:
    """A description wrapped for a terminal (raw formatting keeps the epilog's lines as written)."""
    return textwrap.fill(text, 78)


def _examples(*commands: str) -> str:
    """An epilog listing example commands, one a line, under a heading a newcomer looks for."""
    return "examples:\n" + "".join(f"  {command}\n" for command in commands)


def build_parser() -> argparse.ArgumentParser:
    """The ``payfix`` argument parser, with every sub-command (the CLI reference is built from it).

    Example:
        >>> parser = build_parser()
        >>> parser.prog
        'payfix'
        >>> args = parser.parse_args(["codes", "lookup", "iso8583", "51"])
        >>> (args.command, args.codes_command, args.scheme, args.code, args.format)
        ('codes', 'lookup', 'iso8583', '51', 'text')
    """
    return _parser(LocalisedParser)


def _parser(kind: type[LocalisedParser]) -> argparse.ArgumentParser:
    """The parser, of ``kind``: its usage errors are in the words of that class (and its
    sub-command parsers', made of the same class)."""
    parser = kind(
        prog="payfix", description=_wrap("Why did a payment fail, and what next?"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="start here (from a source checkout; example reports are in examples/reports/):\n"
               "  payfix diagnose examples/reports/network_offline.json --format text\n"
               "  payfix diagnose examples/reports/balance_short.json --audience customer "
               "--locale zh-CN --format text\n"
               "  payfix codes lookup iso8583 51\n"
               "  payfix fees quote 120.00 EUR --kind p2p_transfer --balance 120.00\n"
               "  payfix rules check examples/custom_pack && payfix rules test\n"
               "  payfix synth --rows 1000 --seed 1 --out reports.jsonl\n"
               "  payfix replay reports.jsonl --out out/ --rejects rejects.jsonl\n"
               "each command has --help (payfix diagnose --help); the report format: payfix schema")
    parser.add_argument("--version", action="version", version=f"payfix {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    diag = sub.add_parser(
        "diagnose", help="diagnose one failed payment report (JSON)", formatter_class=_RAW,
        description=_wrap("Diagnose one failed payment report: ranked remedies, retry advice, escalation "
                    "and, when a human must step in, a support hand-off. The report format: "
                    "payfix schema; bundled example reports: examples/reports/."),
        epilog=_examples(
            "payfix diagnose examples/reports/network_offline.json --format text",
            "payfix diagnose examples/payloads/stripe_error_insufficient_funds.json --from stripe",
            "payfix diagnose examples/payloads/paypal_error_instrument_declined.json --from auto "
            "--context examples/payloads/context.json"))
    diag.add_argument("report", help="report file, or - for standard input")
    diag.add_argument("--from", dest="source", choices=("auto", *source_names()), default=None,
                      metavar="SOURCE",
                      help="the file is a processor's own object: auto (detect, and say what was "
                      f"detected) or one of {', '.join(source_names())}; see docs/inputs.md")
    diag.add_argument("--strict", action="store_true",
                      help="refuse a report whose deciding code is of a scheme the rule pack has "
                      "no code map for (exit 2) instead of answering with a warning")
    diag.add_argument("--context", default=None, metavar="FILE",
                      help="with --from: a partial payfix report with what the processor's object "
                      "does not carry (id, time, amount, device ...)")
    diag.add_argument("--format", choices=("json", "text", "reply"), default="json", help="json "
                      "(default), text (a ticket) or reply (to the payer; agents: the ticket note)")
    diag.add_argument("--locale", default=None, help="remedy text locale, e.g. en or zh-CN")
    diag.add_argument("--audience", choices=("agent", "customer"), default="agent",
                      help="who it is worded for (default agent: reasons, evidence, rule trace)")
    diag.add_argument("--rules", default=None, metavar="DIR", help="overlay this pack directory")
    diag.add_argument("--engine", choices=ENGINE_NAMES, default="auto",
                      help="rule engine (default auto: durable where installed, else compiled)")

    schema = sub.add_parser(
        "schema", help="print the report (or diagnosis) JSON Schema", formatter_class=_RAW,
        description=_wrap("Print the JSON Schema of the report payfix reads (default) or of the "
                    "diagnosis it writes."),
        epilog=_examples("payfix schema > report.schema.json",
                         "payfix schema diagnosis > diagnosis.schema.json"))
    schema.add_argument("which", nargs="?", choices=("report", "diagnosis"), default="report",
                        help="which document's schema (default: report)")

    rules = sub.add_parser(
        "rules", help="rule pack tools: check, test, docs", formatter_class=_RAW,
        description=_wrap("Check, test and document a rule pack: the bundled one, or DIR laid over it."),
        epilog=_examples("payfix rules check examples/custom_pack", "payfix rules test",
                         "payfix rules docs --out catalogue.md"))
    rules_sub = rules.add_subparsers(dest="rules_command", required=True)
    check = rules_sub.add_parser(
        "check", help="load, type-check and lint a rule pack", formatter_class=_RAW,
        description=_wrap("Load the bundled pack, with DIR laid over it when given; print its name, "
                    "counts and hash, or every problem as file:line:col (exit 2)."),
        epilog=_examples("payfix rules check", "payfix rules check examples/custom_pack",
                         "payfix rules check examples/custom_pack --format json"))
    check.add_argument("dir", nargs="?", default=None, help="overlay directory (default: bundled)")
    check.add_argument("--format", choices=("json", "text"), default="text")
    test = rules_sub.add_parser(
        "test", help="run the pack's rule test cases (tests/*.yaml)", formatter_class=_RAW,
        description=_wrap("Run the rule test cases of the pack (tests/*.yaml of the bundled pack and of "
                    "DIR) and print failures and rule coverage; exit 1 on a failing case or a "
                    "rule without a case where it fires and one where it does not."),
        epilog=_examples("payfix rules test", "payfix rules test --engine durable",
                         "payfix rules test --format json"))
    test.add_argument("dir", nargs="?", default=None, help="overlay directory (default: bundled)")
    test.add_argument("--format", choices=("json", "text"), default="text")
    test.add_argument("--engine", choices=("compiled", "durable"), default="compiled")
    docs = rules_sub.add_parser(
        "docs", help="write the pack's catalogue (Markdown): rules, remedies, codes, fees",
        formatter_class=_RAW,
        description=_wrap("Write a Markdown catalogue of the pack (the bundled one, or DIR laid over "
                    "it): every rule with its condition and source line, every remedy in every "
                    "locale, every code map and fee schedule. Same pack, same bytes."),
        epilog=_examples("payfix rules docs --out catalogue.md",
                         "payfix rules docs examples/custom_pack --out my_catalogue.md",
                         "payfix rules docs"))
    docs.add_argument("dir", nargs="?", default=None, help="overlay directory (default: bundled)")
    docs.add_argument("--out", default=None, metavar="FILE",
                      help="write here (default: standard output)")
    for command in (check, test, docs):
        command.add_argument("--locale", default=None, help="the text's language, e.g. en or zh-CN")

    fees = sub.add_parser("fees", help="fee schedules: quote", formatter_class=_RAW,
                          epilog=_examples("payfix fees quote 120.00 EUR --kind p2p_transfer"))
    fees_sub = fees.add_subparsers(dest="fees_command", required=True)
    quote_cmd = fees_sub.add_parser(
        "quote", help="quote the fee of one payment under a schedule", formatter_class=_RAW,
        description=_wrap("Quote the fee of one payment under the pack's fee schedules, and with "
                    "--balance the largest amount that fits the balance with its fee."),
        epilog=_examples("payfix fees quote 120.00 EUR --kind p2p_transfer",
                         "payfix fees quote 120.00 EUR --kind p2p_transfer --balance 120.00",
                         "payfix fees quote 100.00 EUR --kind p2p_transfer --fx-rate 1.08 "
                         "--fx-currency USD"))
    quote_cmd.add_argument("amount", help="amount, e.g. 120.00")
    quote_cmd.add_argument("currency", help="ISO 4217 code, e.g. EUR")
    quote_cmd.add_argument("--kind", required=True, choices=KINDS)
    quote_cmd.add_argument("--schedule", default=None,
                           help="schedule id (default: the first that prices this kind and currency)")
    quote_cmd.add_argument("--free-transfers-used", type=int, default=0, metavar="N",
                           help="free transfers of the allowance already used this month")
    quote_cmd.add_argument("--free-amount-used", default="0", metavar="AMOUNT",
                           help="free amount of the allowance already used in its period")
    quote_cmd.add_argument("--fx-rate", default=None, metavar="RATE",
                           help="a cross-currency payment: units of --fx-currency for one unit of "
                                "the payment's currency (picks a schedule with an fx fee)")
    quote_cmd.add_argument("--fx-currency", default=None, metavar="CUR",
                           help="the currency the payee receives, with --fx-rate")
    quote_cmd.add_argument("--on", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                           help="the payment's day: the schedule must be valid then")
    quote_cmd.add_argument("--at", type=_aware, default=None, metavar="TIME",
                           help="the payment's time with its offset, e.g. 2026-06-06T12:00:00Z: "
                                "day-and-time surcharges apply when it falls in their window")
    quote_cmd.add_argument("--balance", default=None, help="also give the max sendable amount")
    quote_cmd.add_argument("--rules", default=None, metavar="DIR", help="overlay this pack directory")
    quote_cmd.add_argument("--format", choices=("json", "text"), default="text")
    quote_cmd.add_argument("--locale", default=None, help="the text's language, e.g. en or zh-CN")

    add_batch_subcommands(sub)
    add_service_subcommands(sub)

    codes = sub.add_parser("codes", help="what processor codes mean, and what payfix advises",
                           formatter_class=_RAW,
                           epilog=_examples("payfix codes lookup iso8583 51", "payfix codes list stripe",
                                            "payfix codes coverage"))
    codes_sub = codes.add_subparsers(dest="codes_command", required=True)
    lookup = codes_sub.add_parser(
        "lookup", help="look up one code of one scheme", formatter_class=_RAW,
        description=_wrap("What one processor code means in payfix terms: reason, retry class, who can "
                    "fix it, the remedies payfix would advise, and where the meaning comes from."),
        epilog=_examples("payfix codes lookup iso8583 51",
                         "payfix codes lookup stripe do_not_honor --locale zh-CN",
                         "payfix codes lookup iso8583 05 --brand visa --format json"))
    lookup.add_argument("scheme", help="code scheme, e.g. iso8583, stripe, alipay")
    lookup.add_argument("code", help="the code as the processor sent it, e.g. 51 or do_not_honor")
    lookup.add_argument("--brand", type=str.lower, choices=BRANDS, default=None,
                        help="card brand: its 'brand:code' entry wins over the plain one")
    lookup.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                        help="the meaning the code had on this day (default: the latest)")
    listing = codes_sub.add_parser(
        "list", help="list every code of a scheme (or of all schemes)", formatter_class=_RAW,
        description=_wrap("List every code the pack maps for SCHEME, or for every scheme."),
        epilog=_examples("payfix codes list", "payfix codes list iso8583",
                         "payfix codes list alipay --format json"))
    listing.add_argument("scheme", nargs="?", default=None, help="code scheme (default: all)")
    coverage = codes_sub.add_parser(
        "coverage", help="how many codes each family maps, and from which sources",
        formatter_class=_RAW,
        description=_wrap("Per code family of the pack: the codes mapped (brand-specific ones "
                          "among them), how many of each retry class, how many the payer never "
                          "sees, and the documents the map follows; then the processors payfix "
                          "reads without a code map of their own."),
        epilog=_examples("payfix codes coverage", "payfix codes coverage --format json"))
    for command in (lookup, listing, coverage):
        command.add_argument("--format", choices=("json", "text"), default="text")
        command.add_argument("--locale", default=None, help="the text's language, e.g. en or zh-CN")
        command.add_argument("--rules", default=None, metavar="DIR", help="overlay this pack directory")
    return parser


def _diagnose(args: argparse.Namespace) -> int:
    try:
        data = read_input(args.report)
        context = read_input(args.context) if args.context is not None else None
    except OSError as error:
        emit_problems(in_locale([Problem("file_unreadable", (), f"cannot read {error.filename}: "
                                         f"{error.strerror or error}",
                                         ctx={"file": error.filename})], args), args.format)
        return EXIT_INVALID
    if args.source is not None:
        adapted = adapt(data, args.source, context=context)
        pack = pack_of(args.rules)
        _say_read(adapted, pack.texts_for("text", args.locale))
        report = adapted.report
    elif args.context is not None:
        emit_problems(in_locale([Problem("context_without_source", ("context",), "--context "
                                         "completes a processor's object: give --from as well")],
                                args), args.format)
        return EXIT_INVALID
    else:
        report = parse_report(data)  # bad input is answered before the rule pack is loaded
        pack = pack_of(args.rules)
    diagnoser = Diagnoser(pack, args.engine, locale=args.locale, audience=args.audience,
                          strict=args.strict, replies=True)
    diagnosis = diagnoser.diagnose(report)
    if args.format == "json":
        print(json.dumps(json.loads(diagnosis.to_json()), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(reply_text(diagnosis) if args.format == "reply"
                         else render_text(diagnosis, diagnoser.pack))
    return EXIT_OK


def _say_read(adapted: Adapted, words: Mapping[str, str]) -> None:
    """On standard error, in ``words`` (the pack's ``text`` texts): which source and object was
    read, what was assumed (``attempt.kind=purchase (why)``) and what was not placed."""
    how = words["read_detected" if adapted.detected else "read_named"]
    print(words["read_source"].format(source=SOURCES[adapted.source].TITLE, how=how,
                                      kind=adapted.kind.replace("_", " ")), file=sys.stderr)
    for line in adapted.assumed:
        print(words["assumed"].format(what=line, field=line.split(" (", 1)[0]), file=sys.stderr)
    if adapted.unplaced:
        shown = ", ".join(adapted.unplaced[:8]) + (" ..." if len(adapted.unplaced) > 8 else "")
        print(words["unplaced"].format(count=len(adapted.unplaced), paths=shown), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (``payfix`` console script calls ``sys.exit`` on it)."""
    words = sys.argv[1:] if argv is None else argv
    args = _parser(parser_class(words)).parse_args(words)
    fmt = getattr(args, "format", "text")
    try:
        if args.command == "diagnose":
            return _diagnose(args)
        if args.command == "codes":
            return codes_command(args)
        if args.command == "schema":
            model = Diagnosis if args.which == "diagnosis" else AttemptReport
            print(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False))
            return EXIT_OK
        if args.command == "fees":
            return fees_quote_command(args)
        if args.command in ("synth", "replay"):
            return run_batch(args)
        if args.command == "serve":
            return run_service(args)
        return rules_command(args)
    except (InvalidReportError, RulePackError) as error:
        emit_problems(in_locale(error.problems, args), fmt)
        return EXIT_INVALID
    except CodeLookupError as error:
        emit_problems(in_locale([error.problem], args), fmt)
        return EXIT_INVALID
    except EngineError as error:
        print(f"payfix: engine error: {error}", file=sys.stderr)
        return EXIT_UNEXPECTED
    except BrokenPipeError:  # the reader went away (payfix codes list | head): end as a filter does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # the last line of defence: one line, no traceback
        print(f"payfix: unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_UNEXPECTED


def _entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    _entry()
