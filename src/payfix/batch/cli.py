"""The ``payfix synth`` and ``payfix replay`` commands.

:func:`add_subcommands` adds both to an argparse sub-parser group; :func:`run` executes the parsed
arguments and returns the exit code: 0 done, 1 reject rate above ``--max-reject-rate``, a code
without a map under ``--fail-on-unmapped``, or an unexpected failure, 2 unreadable or
unsupported input, an invalid rule pack, or an ``--out`` that cannot be used; 130 interrupted
(Ctrl-C), with a line that says how to resume.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="payfix")
    >>> add_subcommands(parser.add_subparsers(dest="command", required=True))
    >>> args = parser.parse_args(["replay", "a.csv", "--out", "o", "--rejects", "r.jsonl"])
    >>> (args.workers, args.engine, args.resume, args.max_reject_rate, args.output_format)
    (None, 'compiled', False, 0.5, 'parquet')
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from payfix.batch.replay import ConservationError, Progress, ReplaySummary, WorkerError, replay
from payfix.batch.synthfiles import write_reports
from payfix.batch.table import RowReader
from payfix.engines.base import ENGINE_NAMES
from payfix.errors import EngineError, InvalidReportError, Problem, RulePackError
from payfix.inputs.adapters import source_names
from payfix.inputs.columnmap import BUNDLED_MAPS, ColumnMap, load_column_map
from payfix.inputs.intake import load_json
from payfix.rules.pack import RulePack

__all__ = ["COMMANDS", "add_subcommands", "progress_line", "run"]

#: The sub-command names :func:`run` handles.
COMMANDS = ("synth", "replay")

EXIT_OK, EXIT_REJECTS, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def add_subcommands(subparsers: Any) -> None:
    """Add ``synth`` and ``replay`` to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    synth = subparsers.add_parser(
        "synth", help="write synthetic failed-payment reports (.jsonl, .csv, .parquet)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  payfix synth --rows 1000 --seed 1 --out reports.jsonl\n"
               "  payfix synth --rows 100000 --seed 1 --corrupt-share 0.05 --out day.parquet\n"
               "  payfix synth --rows 1000 --seed 1 --profile card-online --native --out stripe.jsonl\n"
               "then: payfix replay day.parquet --out out/ --rejects rejects.jsonl --report report.html")
    synth.add_argument("--rows", type=int, required=True, help="number of rows")
    synth.add_argument("--seed", type=int, required=True, help="random seed (same seed, same file)")
    synth.add_argument("--corrupt-share", type=_share, default=0.0, metavar="F",
                       help="share of malformed rows, 0..1 (default 0)")
    synth.add_argument("--out", required=True, metavar="FILE",
                       help="output file; format by suffix: .jsonl, .csv, .parquet (.gz/.zst: compressed)")
    synth.add_argument("--locale", default=None, metavar="LOCALE",
                       help="language of the closing line, e.g. en or zh-CN")
    synth.add_argument("--profile", default=None, metavar="NAME|FILE",
                       help="draw failures from a published mix: card-online, wallet-upi, or a "
                            "profile file (.yaml); default: the broad test mix")
    synth.add_argument("--native", action="store_true",
                       help="with --profile: write each row as its processor's own object "
                            "(Stripe, Checkout.com, Braintree; .jsonl), for replay --from auto")

    rep = subparsers.add_parser(
        "replay", help="diagnose report files (JSON Lines, CSV, Parquet) in bulk",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  payfix replay day.parquet --out out/ --rejects rejects.jsonl --report report.html\n"
               "  payfix replay day.parquet --out out/ --rejects rejects.jsonl --resume\n"
               "  payfix replay day.parquet --out whatif/ --rejects r.jsonl --rules my_rules/ "
               "--baseline-rules bundled\n"
               "columns, report and what-if: docs/batch.md; on Spark: --engine-backend spark (docs/spark.md)")
    rep.add_argument("inputs", nargs="+", metavar="INPUT",
                     help=".jsonl, .csv (either may end in .gz or .zst) or .parquet files")
    rep.add_argument("--out", required=True, metavar="DIR", help="output directory (one part per chunk)")
    rep.add_argument("--rejects", required=True, metavar="FILE", help="rejected rows (JSON Lines)")
    rep.add_argument("--workers", type=_positive, default=None, metavar="N",
                     help="worker processes (default: all cores)")
    rep.add_argument("--output-format", choices=("parquet", "jsonl"), default="parquet",
                     help="format of the output parts (default parquet)")
    rep.add_argument("--report", default=None, metavar="FILE",
                     help="write an HTML report (and summary.json beside it) when the run completes")
    rep.add_argument("--summary", default=None, metavar="FILE",
                     help="where to write the report's summary JSON (default: summary.json beside --report)")
    rep.add_argument("--locale", default=None, metavar="LOCALE",
                     help="language of the report, the closing lines and the rejects' messages, e.g. "
                          "en or zh-CN (the pack's texts; default: its default locale; rejects: English)")
    rep.add_argument("--baseline-rules", default=None, metavar="DIR",
                     help="what-if: also diagnose under this pack directory ('bundled': the bundled "
                          "pack) and report the changes")
    rep.add_argument("--from", dest="source", default=None, metavar="SOURCE",
                     choices=("auto", *source_names(), *BUNDLED_MAPS),
                     help="rows are not payfix reports but JSON Lines of a processor's objects "
                     f"({', '.join(source_names())}; auto: each row's own, detected), or a "
                     "dashboard export read through a "
                     f"bundled column map ({', '.join(BUNDLED_MAPS)}); see docs/inputs.md")
    rep.add_argument("--column-map", default=None, metavar="FILE",
                     help="a CSV/Parquet file's own columns, read through this YAML column map "
                     "(which column fills which report field, with units)")
    rep.add_argument("--context", default=None, metavar="FILE",
                     help="with --from SOURCE: a partial payfix report merged into every row "
                     "(what the processor's objects do not carry)")
    rep.add_argument("--engine", choices=ENGINE_NAMES, default="compiled")
    rep.add_argument("--rules", default=None, metavar="DIR", help="overlay this pack directory")
    rep.add_argument("--chunk-rows", type=_positive, default=10_000, metavar="N", help="rows per part")
    rep.add_argument("--resume", action="store_true", help="continue an interrupted replay in --out")
    # documented in docs/batch.md (worker supervision); kept out of --help, whose text is the
    # generated CLI page
    rep.add_argument("--chunk-deadline", type=_seconds, default=None, metavar="SECONDS",
                     help="a worker that gives no result for a chunk within this time is replaced "
                          "and the chunk retried once (default: 60 ms a row, at least 600)")
    rep.add_argument("--max-reject-rate", type=_share, default=0.5, metavar="F",
                     help="exit 1 when rejected/in exceeds this (default 0.5: a file mostly "
                          "rejected is the wrong file or format; 1: never)")
    rep.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                     help="evaluate every row under the rules of this day (code meanings, fee "
                          "schedules, scheme limits); default: each attempt's own day")
    rep.add_argument("--fail-on-unmapped", action="store_true",
                     help="exit 1 when any processor code of the output has no code-map entry "
                          "(each is listed on stderr with its rows; for operators' CI)")
    rep.add_argument("--engine-backend", choices=("local", "spark"), default="local",
                     help="local: worker processes here; spark: the Spark job (needs payfix[spark]; "
                          "docs/spark.md)")
    rep.add_argument("--spark-master", default=None, metavar="URL",
                     help="with --engine-backend spark: e.g. local[4] (default: as submitted)")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_line(event: Progress, width: int = 24, words: Mapping[str, str] | None = None) -> str:
    """The live progress bar shown on a terminal, in the words of ``words`` (the report texts of
    a locale, :func:`payfix.batch.report.report_texts`; ``None``: the bundled pack's default).

    Example:
        >>> progress_line(Progress(3, 20000, 19000, 1000, 4.0, 5000.0, 0.5, 4.0), width=10)
        '[#####.....]  50.0%      20,000 rows     5,000 rows/s  ETA 0:04  1,000 rejected'
    """
    if words is None:
        from payfix.batch.report import report_texts

        words = report_texts()
    filled = min(max(round(event.fraction * width), 0), width)
    return words["cli_progress"].format(
        bar=f"[{'#' * filled}{'.' * (width - filled)}]", percent=f"{event.fraction * 100:5.1f}%",
        rows=f"{event.rows_done:>10,}", rate=f"{event.rows_per_second:>8,.0f}",
        eta=_clock(event.eta_seconds), rejected=f"{event.rows_rejected:,}")


class _Reporter:
    """A live progress bar on a terminal; one JSON line per committed chunk otherwise."""

    def __init__(self, stream: TextIO, words: Mapping[str, str]) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.words = words

    def __call__(self, event: Progress) -> None:
        if self.tty:
            self.stream.write("\r" + progress_line(event, words=self.words))
        else:
            self.stream.write(json.dumps(event.to_dict()) + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _synth(args: argparse.Namespace) -> int:
    try:
        count = write_reports(Path(args.out), args.rows, args.seed, args.corrupt_share,
                              args.profile, args.native)
    except ValueError as error:
        from payfix.cli_lookup import in_locale
        from payfix.errors import SynthError
        from payfix.rules.bundled import pack_of

        problems = error.problems if isinstance(error, SynthError) else ()
        said = [p.msg for p in in_locale(problems, args)] or [str(error)]
        separator = pack_of(None).texts_for("rules", args.locale)["problem_separator"]
        print(f"payfix synth: {separator.join(said)}", file=sys.stderr)
        return EXIT_INVALID
    from payfix.batch.report import report_texts

    print(report_texts(args.locale)["cli_wrote"].format(count=count, path=args.out))
    return EXIT_OK


def _replay(args: argparse.Namespace) -> int:
    if args.engine_backend == "spark":
        from payfix.spark import replay_command

        return replay_command(args)
    said = _words(args)
    for name in args.inputs:
        path = Path(name)
        if not path.is_file():
            print(said["cli_cannot_read"].format(name=name), file=sys.stderr)
            return EXIT_INVALID
        try:
            path.open("rb").close()
        except OSError as error:
            print(said["cli_cannot_open"].format(name=name, reason=error.strerror), file=sys.stderr)
            return EXIT_INVALID
    try:
        reader = row_reader(args.source, args.column_map, args.context)
    except (InvalidReportError, OSError) as error:
        from payfix.cli_lookup import in_locale

        problems = in_locale(getattr(error, "problems", ()), args)
        detail = "; ".join(p.render() for p in problems) or str(error)
        print(f"payfix replay: {detail}", file=sys.stderr)
        return EXIT_INVALID
    if reader is not None and reader.column_map is not None:
        _say_unused(reader.column_map, [Path(p) for p in args.inputs], said)
    from payfix.batch.report import report_texts, write_report
    from payfix.rules.bundled import pack_of

    pack = pack_of(args.rules)  # the words of the pack the rows are diagnosed with
    t = report_texts(args.locale, pack)
    reporter = _Reporter(sys.stderr, t)
    try:
        summary = replay([Path(p) for p in args.inputs], Path(args.out), Path(args.rejects),
                         workers=args.workers or os.cpu_count() or 1, engine=args.engine,
                         rules=None if args.rules is None else Path(args.rules),
                         chunk_rows=args.chunk_rows, progress=reporter, resume=args.resume,
                         output_format=args.output_format, baseline=args.baseline_rules,
                         chunk_deadline=args.chunk_deadline, reader=reader, as_of=args.as_of,
                         locale=args.locale)
    except (FileExistsError, ValueError) as error:
        reporter.close()
        print(_refusal(error, args, pack, t), file=sys.stderr)
        return EXIT_INVALID
    except BaseException:
        reporter.close()
        raise
    reporter.close()
    _print_whatif(summary, t)
    if args.report is not None:
        write_report(Path(args.out), Path(args.report), None if args.summary is None else Path(args.summary),
                     locale=args.locale, pack=pack)
        print(t["cli_report"].format(path=args.report))
    print(t["cli_rows"].format(rows_in=summary.rows_in, rows_out=summary.rows_out,
                               rejected=summary.rows_rejected))
    unmapped = summary.unmapped
    if unmapped:
        print(t["cli_unmapped"].format(distinct=len(unmapped), rows=sum(u["rows"] for u in unmapped)))
    print(json.dumps({"event": "done", "seconds": round(summary.seconds, 3),
                      "rows_per_second": round(summary.rows_per_second, 1),
                      "chunks": summary.chunks, "chunks_resumed": summary.chunks_resumed}),
          file=sys.stderr)
    rate = summary.rows_rejected / summary.rows_in if summary.rows_in else 0.0
    if rate > args.max_reject_rate:
        print(t["cli_reject_rate"].format(rate=f"{rate:.4f}", limit=args.max_reject_rate),
              file=sys.stderr)
        return EXIT_REJECTS
    if args.fail_on_unmapped and unmapped:
        for u in unmapped:
            print(t["cli_no_map"].format(scheme=u["scheme"], field=u["field"], code=u["code"],
                                         rows=u["rows"]), file=sys.stderr)
        return EXIT_REJECTS
    return EXIT_OK


def row_reader(source: str | None, column_map: str | None,
               context: str | None) -> RowReader | None:
    """How ``--from``, ``--column-map`` and ``--context`` say rows are read (``None``: rows are
    payfix reports).

    Raises:
        InvalidReportError: the options do not go together, or the map or context is invalid.
        OSError: the context file cannot be read.
    """
    if column_map is not None and source is not None:
        raise InvalidReportError("--from and --column-map together", [Problem(
            "options", ("column_map",), "give --from or --column-map, not both")])
    if context is not None and (source is None or source in BUNDLED_MAPS):
        raise InvalidReportError("--context without --from SOURCE", [Problem(
            "options", ("context",), "--context completes a processor's objects: give --from "
            f"one of {', '.join(source_names())}")])
    if column_map is not None or source in BUNDLED_MAPS:
        return RowReader(column_map=load_column_map(column_map or str(source)))
    if source is None:
        return None
    data = None if context is None else load_json(Path(context).read_bytes())
    if data is not None and not isinstance(data, dict):
        raise InvalidReportError("context is not an object", [Problem(
            "model_type", ("context",), "the context is a JSON object (a partial payfix report)")])
    return RowReader(source=source, context=data)


def _refusal(error: Exception, args: argparse.Namespace, pack: RulePack,
             t: Mapping[str, str]) -> str:
    """The line that says why the replay refused to start, in ``--locale``."""
    from payfix.diagnosis.problemtext import localised
    from payfix.errors import ReplayRefusedError

    if isinstance(error, FileExistsError):
        return t["cli_earlier"].format(path=Path(args.out))
    if isinstance(error, ReplayRefusedError):
        return t["cli_refused"].format(reason=localised([error.problem], pack, args.locale)[0].msg)
    return f"payfix replay: {error}"


def _words(args: argparse.Namespace) -> Mapping[str, str]:
    """The closing lines' words in ``--locale`` (the bundled pack's: the command's own pack may
    be what is wrong)."""
    from payfix.batch.report import report_texts

    return report_texts(getattr(args, "locale", None))


def _say_unused(cmap: ColumnMap, inputs: list[Path], said: Mapping[str, str]) -> None:
    """On standard error: the header columns of CSV inputs the column map does not read."""
    for path in inputs:
        if path.suffix.lower() != ".csv":
            continue
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            header = next(csv.reader(handle), [])
        unused = cmap.unused(header)
        if unused:
            shown = f"{', '.join(unused[:12])}{' ...' if len(unused) > 12 else ''}"
            print(said["cli_unused"].format(file=path.name, count=len(unused), columns=shown),
                  file=sys.stderr)


def _print_whatif(summary: ReplaySummary, t: Mapping[str, str]) -> None:
    whatif = summary.whatif
    if whatif is None:
        return
    print(t["cli_whatif"].format(compared=whatif["rows_compared"], changed=whatif["top_remedy_changed"],
                                 escalation=whatif["escalation_changed"],
                                 gained=whatif["escalation_gained"], lost=whatif["escalation_lost"]))
    for kind in ("top_remedy", "escalation"):
        for example in whatif["examples"][kind][:3]:
            before, after = (t["yes" if example[k] else "no"] for k in ("baseline_escalate", "escalate"))
            print(t["cli_whatif_example"].format(
                row=example["row"], id=example["attempt_id"], before=example["baseline_top_remedy"],
                after=example["top_remedy"], escalate_before=before, escalate_after=after))


def run(args: argparse.Namespace) -> int:
    """Run a parsed ``synth`` or ``replay`` command; returns the exit code."""
    try:
        if args.command == "synth":
            return _synth(args)
        return _replay(args)
    except RulePackError as error:
        from payfix.cli_lookup import in_locale

        for problem in in_locale(error.problems, args):
            print(problem.render(), file=sys.stderr)
        return EXIT_INVALID
    except (EngineError, ConservationError, WorkerError, OSError) as error:
        print(f"payfix {args.command}: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_REJECTS
    except KeyboardInterrupt:  # Ctrl-C: one line, no traceback, and how to go on
        line = "cli_interrupted_resume" if args.command == "replay" else "cli_interrupted"
        print(_words(args)[line].format(command=args.command), file=sys.stderr)
        return EXIT_INTERRUPTED
