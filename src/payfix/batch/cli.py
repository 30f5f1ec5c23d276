"""The ``payfix synth`` and ``payfix replay`` commands.

:func:`add_subcommands` adds both to an argparse sub-parser group; :func:`run` executes the parsed
arguments and returns the exit code: 0 done, 1 reject rate above ``--max-reject-rate`` or an
unexpected failure, 2 unreadable input, an invalid rule pack, or an ``--out`` that cannot be used.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="payfix")
    >>> add_subcommands(parser.add_subparsers(dest="command", required=True))
    >>> args = parser.parse_args(["replay", "a.jsonl", "--out", "o", "--rejects", "r.jsonl"])
    >>> (args.workers, args.engine, args.resume, args.max_reject_rate)
    (1, 'compiled', False, 1.0)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from payfix.batch.replay import ConservationError, Progress, replay
from payfix.batch.synth import write_jsonl
from payfix.engines.base import ENGINE_NAMES
from payfix.errors import EngineError, RulePackError

__all__ = ["COMMANDS", "add_subcommands", "run"]

#: The sub-command names :func:`run` handles.
COMMANDS = ("synth", "replay")

EXIT_OK, EXIT_REJECTS, EXIT_INVALID = 0, 1, 2


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


def add_subcommands(subparsers: Any) -> None:
    """Add ``synth`` and ``replay`` to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    synth = subparsers.add_parser("synth", help="write synthetic failed-payment reports (JSON Lines)")
    synth.add_argument("--rows", type=int, required=True, help="number of rows")
    synth.add_argument("--seed", type=int, required=True, help="random seed (same seed, same file)")
    synth.add_argument("--corrupt-share", type=_share, default=0.0, metavar="F",
                       help="share of malformed rows, 0..1 (default 0)")
    synth.add_argument("--out", required=True, metavar="FILE", help="output file (.gz: gzip)")

    rep = subparsers.add_parser("replay", help="diagnose JSON Lines reports into Parquet")
    rep.add_argument("inputs", nargs="+", metavar="INPUT", help=".jsonl or .jsonl.gz files")
    rep.add_argument("--out", required=True, metavar="DIR", help="output directory (Parquet parts)")
    rep.add_argument("--rejects", required=True, metavar="FILE", help="rejected rows (JSON Lines)")
    rep.add_argument("--workers", type=_positive, default=1, metavar="N", help="worker processes")
    rep.add_argument("--engine", choices=ENGINE_NAMES, default="compiled")
    rep.add_argument("--rules", default=None, metavar="DIR", help="overlay this pack directory")
    rep.add_argument("--chunk-rows", type=_positive, default=5000, metavar="N", help="rows per part")
    rep.add_argument("--resume", action="store_true", help="continue an interrupted replay in --out")
    rep.add_argument("--max-reject-rate", type=_share, default=1.0, metavar="F",
                     help="exit 1 when rejected/in exceeds this (default 1: never)")


class _Reporter:
    """Live single-line progress on a terminal; one JSON line per committed chunk otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def __call__(self, event: Progress) -> None:
        if self.tty:
            self.stream.write(f"\r{event.rows_done:>12,} rows done  {event.rows_per_second:>10,.0f} rows/s"
                              f"  {event.rows_rejected:,} rejected")
        else:
            self.stream.write(json.dumps(event.to_dict()) + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _synth(args: argparse.Namespace) -> int:
    count = write_jsonl(Path(args.out), args.rows, args.seed, args.corrupt_share)
    print(f"wrote {count} rows to {args.out}")
    return EXIT_OK


def _replay(args: argparse.Namespace) -> int:
    for name in args.inputs:
        path = Path(name)
        if not path.is_file():
            print(f"payfix replay: cannot read input {name}", file=sys.stderr)
            return EXIT_INVALID
        try:
            path.open("rb").close()
        except OSError as error:
            print(f"payfix replay: cannot read input {name}: {error.strerror}", file=sys.stderr)
            return EXIT_INVALID
    reporter = _Reporter(sys.stderr)
    try:
        summary = replay([Path(p) for p in args.inputs], Path(args.out), Path(args.rejects),
                         workers=args.workers, engine=args.engine,
                         rules=None if args.rules is None else Path(args.rules),
                         chunk_rows=args.chunk_rows, progress=reporter, resume=args.resume)
    except (FileExistsError, ValueError) as error:
        reporter.close()
        print(f"payfix replay: {error}", file=sys.stderr)
        return EXIT_INVALID
    except BaseException:
        reporter.close()
        raise
    reporter.close()
    print(f"rows in: {summary.rows_in}, out: {summary.rows_out}, rejected: {summary.rows_rejected}")
    print(json.dumps({"event": "done", "seconds": round(summary.seconds, 3),
                      "rows_per_second": round(summary.rows_per_second, 1),
                      "chunks": summary.chunks, "chunks_resumed": summary.chunks_resumed}),
          file=sys.stderr)
    rate = summary.rows_rejected / summary.rows_in if summary.rows_in else 0.0
    if rate > args.max_reject_rate:
        print(f"payfix replay: reject rate {rate:.4f} is above --max-reject-rate {args.max_reject_rate}",
              file=sys.stderr)
        return EXIT_REJECTS
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Run a parsed ``synth`` or ``replay`` command; returns the exit code."""
    try:
        if args.command == "synth":
            return _synth(args)
        return _replay(args)
    except RulePackError as error:
        for problem in error.problems:
            print(problem.render(), file=sys.stderr)
        return EXIT_INVALID
    except (EngineError, ConservationError, OSError) as error:
        print(f"payfix {args.command}: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_REJECTS
