"""Spark local mode against the single-machine replay: rows/s per core on the same file, one run.

    python benchmarks/spark_replay.py [--rows 20000] [--cores 2] [--partition-mb 1] [--keep DIR]
                                      [--format jsonl|parquet] [--profile NAME]

Writes a synthetic file (``payfix synth``, seed 5, 5% corrupted rows; JSON Lines, diagnosed row by
row, or flat Parquet, which takes the columnar path; ``--profile`` a calibrated mix such as
``card-online``), then, interleaved in one run:

1. ``payfix replay`` with one worker (one core): rows/s, start-up of the Diagnoser included;
2. the Spark job (``python -m payfix.spark``) in ``local[CORES]``: counting pass, diagnosis,
   Parquet results and JSON Lines rejects, JVM start excluded (reported apart), once cold (Python
   workers start and build their Diagnosers), twice warm (workers reused) and warm with the file
   given twice (the extra rows over the extra CPU time is the marginal rate, without the fixed
   per-job costs; the same is done for the one-worker replay);
3. ``payfix replay --workers CORES`` for the same core count on one machine, then step 1 again.

It checks that Spark and the replay give the same result rows, and prints, for every run, the wall
time and the CPU time of all processes involved (this one, the JVM, Spark's Python workers,
the replay's workers; read from ``/proc``, so Linux only). Rows per CPU-second is rows/s per fully
used core: on a shared machine other processes steal wall time, not CPU time, so it is the
number to size with. The ratios compare Spark with the one-worker replay.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and every live descendant, reaped children included."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick)
    me = os.getpid()
    total = 0.0
    for pid, (_, cpu) in stats.items():
        walk = pid
        while walk not in (0, 1, me) and walk in stats:
            walk = stats[walk][0]
        if walk == me:
            total += cpu
    return total


class _Run:
    """Wall and CPU seconds of one measured run."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> _Run:
        self._wall, self._cpu = time.perf_counter(), _cpu_seconds()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = _cpu_seconds() - self._cpu

    def report(self, rows: int, cores: int) -> dict[str, float]:
        return {"wall_s": round(self.wall, 2), "cpu_s": round(self.cpu, 2),
                "rows_per_s": round(rows / self.wall), "rows_per_s_per_core": round(rows / self.wall / cores),
                "rows_per_cpu_s": round(rows / self.cpu)}


def _spark_job(spark: Any, sources: list[Path], root: Path, name: str, partition_mb: int) -> _Run:
    from payfix.spark import main

    with _Run() as run, contextlib.redirect_stdout(io.StringIO()):
        code = main([*map(str, sources), "--out", str(root / f"{name}_out"),
                     "--rejects", str(root / f"{name}_rej"), "--partition-mb", str(partition_mb)], spark)
    if code != 0:
        raise SystemExit(f"spark job {name} exited {code}")
    return run


def _replay(sources: list[Path], root: Path, name: str, workers: int) -> _Run:
    from payfix.batch import replay

    with _Run() as run:
        replay(sources, root / f"{name}_out", root / f"{name}_rej.jsonl", workers=workers)
    return run


def _same_rows(spark_out: Path, replay_out: Path) -> bool:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from payfix.batch import read_output

    parts = sorted(spark_out.glob("part-*.parquet"))
    table = pa.concat_tables([pq.read_table(p) for p in parts])
    return bool(table.to_pylist() == read_output(replay_out).to_pylist())


def main() -> None:
    """Run the measurement and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--partition-mb", type=int, default=1,
                        help="input split size, so the file is cut into several tasks")
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep the files")
    parser.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl",
                        help="the input file: JSON Lines (row by row) or flat Parquet (columnar)")
    parser.add_argument("--profile", default=None, help="a synth profile (default: the broad mix)")
    args = parser.parse_args()

    from payfix.batch.synthfiles import write_reports
    from payfix.spark import session

    root = args.keep or Path(tempfile.mkdtemp(prefix="payfix_spark_bench_"))
    root.mkdir(parents=True, exist_ok=True)
    source = root / f"reports.{args.format}"
    rows = write_reports(source, args.rows, 5, 0.05, args.profile)

    one = _replay([source], root, "replay1", 1)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    with _Run() as start:
        spark = session(f"local[{args.cores}]", app_name="payfix spark benchmark",
                        conf={"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": str(args.cores)})
        spark.sparkContext.setLogLevel("ERROR")
    cold = _spark_job(spark, [source], root, "cold", args.partition_mb)
    warm = min((_spark_job(spark, [source], root, f"warm{i}", args.partition_mb) for i in range(2)),
               key=lambda run: run.cpu)
    warm_2x = _spark_job(spark, [source, source], root, "warm2x", args.partition_mb)
    reader = spark.read.parquet if args.format == "parquet" else spark.read.text
    tasks = reader(str(source)).rdd.getNumPartitions()
    same = _same_rows(root / "warm0_out", root / "replay1_out")
    spark.stop()
    many = _replay([source], root, "replayn", args.cores)
    again = _replay([source], root, "replay1b", 1)
    base = min(one, again, key=lambda run: run.cpu)
    base_2x = _replay([source, source], root, "replay1_2x", 1)
    # the rows added by giving the file twice, over the CPU they added: no fixed per-run costs
    marginal = {"replay_1_worker_rows_per_cpu_s": round(rows / max(base_2x.cpu - base.cpu, 1e-9)),
                "spark_rows_per_cpu_s": round(rows / max(warm_2x.cpu - warm.cpu, 1e-9))}

    report = {
        "rows": rows, "format": args.format, "profile": args.profile, "cores": args.cores,
        "spark_tasks": tasks, "same_rows": same,
        "python": platform.python_version(), "load_average": os.getloadavg(),
        "replay_1_worker": base.report(rows, 1),
        f"replay_{args.cores}_workers": many.report(rows, args.cores),
        "spark_start": {"wall_s": round(start.wall, 2), "cpu_s": round(start.cpu, 2)},
        "spark_cold": cold.report(rows, args.cores),
        "spark_warm": warm.report(rows, args.cores),
        "spark_warm_file_twice": warm_2x.report(2 * rows, args.cores),
        "marginal": marginal,
        "ratio_spark_warm_to_replay_1_worker": {
            "rows_per_cpu_s": round(base.cpu / warm.cpu, 2),
            "rows_per_s_per_core": round(base.wall * 1 / (warm.wall * args.cores), 2),
            "marginal_rows_per_cpu_s": round(marginal["spark_rows_per_cpu_s"]
                                             / marginal["replay_1_worker_rows_per_cpu_s"], 2)},
        "work_dir": str(root),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
