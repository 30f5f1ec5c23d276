"""The Spark replay job: JSON Lines or Parquet in, Parquet results and JSON Lines rejects out.

``python -m payfix.spark`` and ``spark-submit examples/spark_job.py`` run :func:`main`::

    INPUT... --out DIR --rejects DIR [--rules DIR] [--engine E] [--master URL]
             [--partition-mb N] [--max-reject-rate F]

Exit codes as ``payfix replay``: 0 done; 1 reject rate above ``--max-reject-rate`` or rows not
conserved; 2 an unreadable local input, an invalid rule pack or an output that already exists.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from payfix.engines.base import ENGINE_NAMES
from payfix.errors import InvalidReportError, RulePackError
from payfix.spark._files import diagnose_jsonl
from payfix.spark._frames import map_in_arrow
from payfix.spark._pack import ShippedPack
from payfix.spark._parquet import diagnose_parquet

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["main", "replay_command", "session", "write_rejects"]

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def session(master: str | None = None, app_name: str = "payfix replay",
            conf: dict[str, str] | None = None) -> SparkSession:
    """The active SparkSession, or a new one (``master`` e.g. ``local[2]``; ``None``: as submitted,
    or ``local[*]`` when this is a plain ``python`` process rather than one ``spark-submit`` started).

    For a local master, Python workers run this interpreter (``PYSPARK_PYTHON`` is set to
    ``sys.executable`` unless already set), so they import the same payfix; the UI is off.
    """
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started the JVM and set the port
    if master is None and not submitted and SparkSession.getActiveSession() is None:
        master = "local[*]"
    if master is not None:
        builder = builder.master(master)
        if master.startswith("local"):
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            builder = builder.config("spark.ui.enabled", "false")
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _reject_lines(batches: Iterable[Any]) -> Iterator[Any]:
    import pyarrow as pa

    for batch in batches:
        lines = []
        for record in batch.to_pylist():
            problems = record.pop("problems")
            head = json.dumps(record, ensure_ascii=False)
            lines.append(f'{head[:-1]}, "problems": {problems}}}')
        yield pa.RecordBatch.from_arrays([pa.array(lines, pa.string())], names=["value"])


def write_rejects(rejects: DataFrame, path: str) -> None:
    """Write rejects as JSON Lines text parts under ``path``, one object per line, in row order:
    ``{"row", "attempt_id", "source", "record", "line", "problems": [...]}``, the lines of
    ``payfix replay``."""
    map_in_arrow(rejects, _reject_lines, "value string").write.text(path)


def _local(path: str) -> Path | None:
    parsed = urlparse(path)
    if parsed.scheme == "file":
        return Path(parsed.path)
    if parsed.scheme and len(parsed.scheme) > 1:  # s3a://, hdfs://, dbfs:/ ...; "C:" is a drive
        return None
    return Path(path)


def _input_format(name: str) -> str | None:
    """``parquet`` or ``jsonl`` by the name's suffix; ``None`` for CSV and zstd, which the job does
    not read (any other name is read as JSON Lines text)."""
    lowered = name.lower().rstrip("/")
    if lowered.endswith((".parquet", ".pq")):
        return "parquet"
    for suffix in (".gz", ".gzip", ".bz2"):
        lowered = lowered.removesuffix(suffix)
    return None if lowered.endswith((".csv", ".zst", ".zstd")) else "jsonl"


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def parser(kind: type[argparse.ArgumentParser] = argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The job's command line (``kind``: the parser class, e.g. one that writes its usage errors
    in a locale, :func:`payfix.cli_words.parser_class`)."""
    p = kind(prog="python -m payfix.spark",
                                description="Diagnose JSON Lines reports on Spark (docs/spark.md).")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help=".jsonl / .jsonl.gz or .parquet files (any Spark path), one kind per run")
    p.add_argument("--out", required=True, metavar="DIR", help="results directory (Parquet parts)")
    p.add_argument("--rejects", required=True, metavar="DIR", help="rejects directory (JSON Lines parts)")
    p.add_argument("--rules", default=None, metavar="DIR",
                   help="overlay pack directory on the driver; it travels with the job")
    p.add_argument("--engine", choices=ENGINE_NAMES, default="compiled")
    p.add_argument("--master", default=None, metavar="URL",
                   help="Spark master, e.g. local[2] (default: as set by spark-submit)")
    p.add_argument("--partition-mb", type=int, default=None, metavar="N",
                   help="input split size (spark.sql.files.maxPartitionBytes), for more parallelism")
    p.add_argument("--max-reject-rate", type=_share, default=0.5, metavar="F",
                   help="exit 1 when rejected/in exceeds this (default 0.5, as payfix replay)")
    p.add_argument("--from", dest="source", default=None, metavar="SOURCE",
                   help="rows are a processor's objects (JSON Lines) or a file's own columns "
                   "read through a bundled column map, as payfix replay --from")
    p.add_argument("--column-map", default=None, metavar="FILE",
                   help="Parquet columns read through this YAML column map")
    p.add_argument("--context", default=None, metavar="FILE",
                   help="with --from SOURCE: a partial report merged into every row")
    p.add_argument("--locale", default=None, metavar="LOCALE",
                   help="language of the rejects' messages and the closing lines, e.g. zh-CN "
                   "(default: English)")
    return p


def run(args: argparse.Namespace, spark: SparkSession | None = None) -> int:
    """Run the parsed job; returns the exit code. Prints the counts like ``payfix replay``."""
    from payfix.batch.replay import ConservationError
    from payfix.batch.report import report_texts
    from payfix.cli_lookup import in_locale
    from payfix.rules.bundled import pack_of

    locale = getattr(args, "locale", None)
    said = report_texts(locale)
    words = pack_of(None).texts_for("text", locale)
    formats = {_input_format(name) for name in args.inputs}
    if None in formats or len(formats) > 1:
        print(words["spark_formats"], file=sys.stderr)
        return EXIT_INVALID
    for name in args.inputs:
        local = _local(name)
        if local is not None and not local.is_file():
            print(words["spark_cannot_read"].format(name=name), file=sys.stderr)
            return EXIT_INVALID
    for name in (args.out, args.rejects):
        local = _local(name)
        if local is not None and local.exists():
            print(words["spark_exists"].format(name=name), file=sys.stderr)
            return EXIT_INVALID
    from payfix.batch.cli import row_reader

    try:
        reader = row_reader(getattr(args, "source", None), getattr(args, "column_map", None),
                            getattr(args, "context", None))
    except (InvalidReportError, OSError) as error:
        problems = in_locale(getattr(error, "problems", ()), args)
        detail = "; ".join(p.render() for p in problems) or str(error)
        print(f"payfix spark: {detail}", file=sys.stderr)
        return EXIT_INVALID
    try:
        shipped = ShippedPack.load(None if args.rules is None else Path(args.rules))
    except RulePackError as error:
        for problem in in_locale(error.problems, args):
            print(problem.render(), file=sys.stderr)
        return EXIT_INVALID
    spark = spark or session(args.master)
    if args.partition_mb is not None:
        spark.conf.set("spark.sql.files.maxPartitionBytes", str(args.partition_mb * 1024 * 1024))
    start = time.perf_counter()
    read = diagnose_parquet if formats == {"parquet"} else diagnose_jsonl
    try:
        diagnosed, rows_in = read(spark, args.inputs, shipped, engine=args.engine, persist=True,
                                  reader=reader, locale=locale)
    except ValueError as error:  # an input that is not one file
        print(f"payfix spark: {error}", file=sys.stderr)
        return EXIT_INVALID
    try:
        diagnosed.results.write.parquet(args.out)
        write_rejects(diagnosed.rejects, args.rejects)
    finally:
        diagnosed.unpersist()
    seconds = time.perf_counter() - start
    rows_out = spark.read.parquet(args.out).count()
    rows_rejected = spark.read.text(args.rejects).count()
    print(said["cli_rows"].format(rows_in=rows_in, rows_out=rows_out, rejected=rows_rejected))
    print(json.dumps({"event": "done", "seconds": round(seconds, 3),
                      "rows_per_second": round(rows_in / seconds, 1) if seconds else 0.0,
                      "pack_hash": shipped.hash, "engine": args.engine}), file=sys.stderr)
    if rows_in != rows_out + rows_rejected:
        lost = ConservationError(f"{rows_in} rows in, {rows_out} out + {rows_rejected} rejected")
        print(f"payfix spark: ConservationError: {lost}", file=sys.stderr)
        return EXIT_FAILED
    rate = rows_rejected / rows_in if rows_in else 0.0
    if rate > args.max_reject_rate:
        line = (f"payfix spark: reject rate {rate:.4f} is above --max-reject-rate "
                f"{args.max_reject_rate}") if locale is None else said["cli_reject_rate"].format(
                rate=f"{rate:.4f}", limit=args.max_reject_rate)
        print(line, file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


#: ``payfix replay`` options the Spark backend cannot honour, with their "not given" values.
_LOCAL_ONLY: dict[str, Any] = {"workers": None, "resume": False, "baseline_rules": None, "report": None,
                               "summary": None, "output_format": "parquet", "fail_on_unmapped": False,
                               "as_of": None}


def replay_command(args: argparse.Namespace, spark: SparkSession | None = None) -> int:
    """Run a parsed ``payfix replay ... --engine-backend spark`` command; returns the exit code.

    Takes the replay's options (``inputs``: JSON Lines or Parquet, ``out``, ``rejects``,
    ``rules``, ``engine``, ``max_reject_rate``, and ``spark_master`` when given); ``--rejects``
    names a directory of JSON Lines parts. Options that only the local backend has
    (``--workers``, ``--resume``, ``--baseline-rules``, ``--report``, ``--summary``,
    ``--output-format jsonl``, ``--fail-on-unmapped``, ``--as-of``) exit 2 with a message; ``--chunk-rows``
    does not apply (Spark splits by ``spark.sql.files.maxPartitionBytes``).

    Example:
        >>> ns = argparse.Namespace(inputs=["a.csv"], out="o", rejects="r", resume=False)
        >>> replay_command(ns)
        2
    """
    given = [name.replace("_", "-") for name, unset in _LOCAL_ONLY.items()
             if getattr(args, name, unset) != unset]
    if given:
        print(f"payfix replay --engine-backend spark: --{', --'.join(given)} only apply to the "
              "local backend", file=sys.stderr)
        return EXIT_INVALID
    job = argparse.Namespace(inputs=list(args.inputs), out=args.out, rejects=args.rejects,
                             rules=getattr(args, "rules", None), engine=getattr(args, "engine", "compiled"),
                             master=getattr(args, "spark_master", None), partition_mb=None,
                             max_reject_rate=getattr(args, "max_reject_rate", 0.5),
                             source=getattr(args, "source", None),
                             column_map=getattr(args, "column_map", None),
                             context=getattr(args, "context", None))
    return run(job, spark)


def main(argv: Sequence[str] | None = None, spark: SparkSession | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``) and run the job; returns the exit code.

    Example:
        >>> args = parser().parse_args(["in.jsonl", "--out", "o", "--rejects", "r"])
        >>> (args.engine, args.rules, args.master, args.max_reject_rate)
        ('compiled', None, None, 0.5)
    """
    from payfix.cli_words import parser_class

    words = list(sys.argv[1:] if argv is None else argv)
    # usage errors in --locale; the help stays English (the job's help has no texts of its own)
    return run(parser(parser_class(words, help_texts=False)).parse_args(words), spark)
