"""Spark local mode against the single-machine replay: rows/s per core on the same file, one run.

    python benchmarks/spark_replay.py [--rows 20000] [--cores 2] [--partition-mb 1] [--keep DIR]

Writes a synthetic file (``payfix synth``, seed 5, 5% corrupted rows), then, interleaved in one run:

1. ``payfix replay`` with one worker (one core): rows/s, start-up of the Diagnoser included;
2. the Spark job (``python -m payfix.spark``) in ``local[CORES]``: counting pass, diagnosis,
   Parquet results and JSON Lines rejects, JVM start excluded (reported apart), once cold (Python
   workers start and build their Diagnosers) and once warm (workers reused);
3. ``payfix replay --workers CORES`` for the same core count on one machine.

It checks that Spark and the replay give the same result rows, and prints rows/s, rows/s per core
and the ratios as JSON. Absolute numbers drift on a shared machine; compare the ratios.
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


def _spark_job(spark: Any, source: Path, root: Path, name: str, partition_mb: int) -> float:
    from payfix.spark import main

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main([str(source), "--out", str(root / f"{name}_out"), "--rejects", str(root / f"{name}_rej"),
                     "--partition-mb", str(partition_mb)], spark)
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"spark job {name} exited {code}")
    return seconds


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
    args = parser.parse_args()

    from payfix.batch import replay, write_jsonl
    from payfix.spark import session

    root = args.keep or Path(tempfile.mkdtemp(prefix="payfix_spark_bench_"))
    root.mkdir(parents=True, exist_ok=True)
    source = root / "reports.jsonl"
    write_jsonl(source, args.rows, 5, 0.05)

    one = replay([source], root / "replay1_out", root / "replay1_rej.jsonl", workers=1)

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    start = time.perf_counter()
    spark = session(f"local[{args.cores}]", app_name="payfix spark benchmark",
                    conf={"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": str(args.cores)})
    spark.sparkContext.setLogLevel("ERROR")
    jvm_seconds = time.perf_counter() - start
    cold = _spark_job(spark, source, root, "cold", args.partition_mb)
    warm = _spark_job(spark, source, root, "warm", args.partition_mb)
    tasks = spark.read.text(str(source)).rdd.getNumPartitions()
    same = _same_rows(root / "warm_out", root / "replay1_out")
    spark.stop()

    many = replay([source], root / "replayn_out", root / "replayn_rej.jsonl", workers=args.cores)

    rows = one.rows_in
    replay1 = rows / one.seconds
    replayn = rows / many.seconds
    spark_cold, spark_warm = rows / cold, rows / warm
    report = {
        "rows": rows, "cores": args.cores, "spark_tasks": tasks, "same_rows": same,
        "python": platform.python_version(), "load_average": os.getloadavg(),
        "replay_1_worker": {"seconds": round(one.seconds, 2), "rows_per_s": round(replay1),
                            "rows_per_s_per_core": round(replay1)},
        f"replay_{args.cores}_workers": {"seconds": round(many.seconds, 2), "rows_per_s": round(replayn),
                                         "rows_per_s_per_core": round(replayn / args.cores)},
        "spark_jvm_start_s": round(jvm_seconds, 2),
        "spark_cold": {"seconds": round(cold, 2), "rows_per_s": round(spark_cold),
                       "rows_per_s_per_core": round(spark_cold / args.cores)},
        "spark_warm": {"seconds": round(warm, 2), "rows_per_s": round(spark_warm),
                       "rows_per_s_per_core": round(spark_warm / args.cores)},
        "ratio_spark_warm_per_core_to_replay_1_worker": round(spark_warm / args.cores / replay1, 2),
        "ratio_spark_warm_to_replay_same_cores": round(spark_warm / replayn, 2),
        "work_dir": str(root),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
