"""Benchmark: ``payfix replay`` of synthetic rows, Parquet in and Parquet out.

For each ``--rows N`` it makes (or reuses) a synthetic Parquet file of N rows (flat columns; the
first 250,000 rows are synthesised once, other sizes take or repeat them, always in row groups of
20,000 rows), then measures in fresh processes:

* plain: read the same file with pyarrow in batches and write it back as Parquet (the I/O floor);
* per-row: ``payfix.batch.replay`` with ``--workers`` processes, each row diagnosed by itself
  (``columnar=False``; skipped with ``--no-per-row``);
* replay: the same replay as ``payfix replay`` runs it, flat rows taking the columnar path.

The rows are the broad test mix of ``payfix synth`` or, with ``--profile card-online`` (or
``wallet-upi``), a mix calibrated to published decline shares; 1% of rows are corrupt either way.

It prints rows/s, rows/min, the ratio of replay time to plain and to per-row time (``x plain``,
``/ per-row``: the per-row path takes that many times longer), and peak memory: the RSS of the
main process, the largest worker, and the whole process tree (sampled every 0.1 s). Memory is flat
in the input size when the peaks for 1M and 4M rows (or any two sizes) are about the same.

On a shared machine wall-clock rates depend on what else runs, so it also prints the CPU seconds
the replay used (main process and workers) and ``cpu rows/s``: rows per CPU-second of all its
processes, times the worker count, i.e. the rate the same work would reach with that many idle
cores.

    python benchmarks/replay.py --rows 1000000 --rows 4000000 --profile card-online --workers 2
    python benchmarks/replay.py --rows 100000 --workers 2   # quicker, the broad test mix
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BASE_ROWS = 250_000
SEED = 1


def _rss_kib(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of ``pid`` in KiB; the peak (VmHWM) is this process image's own,
    unlike ``ru_maxrss``, which Linux carries over from the parent across fork and exec."""
    now = peak = 0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    now = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1])
    except OSError:
        pass
    return now, peak


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                out.extend(int(c) for c in handle.read().split())
    except OSError:
        pass
    return out


class _Sampler(threading.Thread):
    """Peak RSS of this process, of its largest child and of the whole tree, every 0.1 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.main = self.worker = self.tree = 0

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.1):
            main, main_peak = _rss_kib(me)
            kids = [_rss_kib(c) for c in _children(me)]
            self.main = max(self.main, main_peak)
            self.worker = max([self.worker, *(peak for _, peak in kids)])
            self.tree = max(self.tree, main + sum(now for now, _ in kids))


def _make_input(path: Path, rows: int, data_dir: Path, profile: str | None) -> None:
    import pyarrow.parquet as pq

    from payfix.batch.synthfiles import write_reports

    if path.exists():
        return
    base = data_dir / f"synth-{profile or 'broad'}-{BASE_ROWS}.parquet"
    if rows == BASE_ROWS or (rows < BASE_ROWS and not base.exists()):
        write_reports(path, rows, SEED, 0.01, profile=profile)  # row groups of 20,000 rows
        return
    _make_input(base, BASE_ROWS, data_dir, profile)
    source = pq.ParquetFile(base)
    tmp = path.with_name(f".{path.name}.tmp")
    written = 0
    with pq.ParquetWriter(tmp, source.schema_arrow, compression="zstd") as writer:
        while written < rows:
            for batch in source.iter_batches(batch_size=20_000):  # same row groups as the base
                take = min(batch.num_rows, rows - written)
                writer.write_batch(batch.slice(0, take))
                written += take
                if written == rows:
                    break
    tmp.replace(path)


def _child(args: argparse.Namespace) -> None:
    """Run one measurement in this fresh process; print its result as JSON."""
    sampler = _Sampler()
    sampler.start()
    start = time.perf_counter()
    out = Path(args.out)
    if args.child == "plain":
        import pyarrow.parquet as pq

        source = pq.ParquetFile(args.input, pre_buffer=False)  # as replay reads it
        with pq.ParquetWriter(out / "plain.parquet", source.schema_arrow, compression="zstd") as writer:
            for batch in source.iter_batches(batch_size=args.chunk_rows):
                writer.write_batch(batch)
        rows = source.metadata.num_rows
    else:
        from payfix.batch.replay import replay

        summary = replay([Path(args.input)], out / "out", out / "rejects.jsonl", workers=args.workers,
                         engine=args.engine, chunk_rows=args.chunk_rows,
                         columnar=args.child == "replay")
        rows = summary.rows_in
    seconds = time.perf_counter() - start
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler.stop.set()
    sampler.join()
    print(json.dumps({"rows": rows, "seconds": seconds,
                      "peak_main_mib": round(max(sampler.main, _rss_kib(os.getpid())[1]) / 1024, 1),
                      "peak_worker_mib": round(sampler.worker / 1024, 1),
                      "peak_tree_mib": round(sampler.tree / 1024, 1),
                      "cpu_main_s": round(me.ru_utime + me.ru_stime, 2),
                      "cpu_workers_s": round(kids.ru_utime + kids.ru_stime, 2)}))


def _measure(kind: str, path: Path, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
        result = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--input", str(path), "--out", tmp,
             "--workers", str(args.workers), "--chunk-rows", str(args.chunk_rows), "--engine", args.engine],
            check=True, capture_output=True, text=True)
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="rows per run (repeatable)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk-rows", type=int, default=10_000)
    parser.add_argument("--engine", default="compiled")
    parser.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "payfix-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the synthetic inputs in --data-dir")
    parser.add_argument("--profile", help="synthetic mix: card-online, wallet-upi (default: the broad "
                        "test mix)")
    parser.add_argument("--no-per-row", action="store_true", help="skip the per-row replay")
    parser.add_argument("--child", choices=("plain", "per-row", "replay"), help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"# {os.cpu_count()} cores, --workers {args.workers}, --chunk-rows {args.chunk_rows}, "
          f"engine {args.engine}, rows {args.profile or 'broad test mix'}", flush=True)
    header = (f"{'rows':>10} {'replay s':>9} {'rows/s':>9} {'rows/min':>11} {'plain s':>8} "
              f"{'x plain':>8} {'per-row s':>10} {'/ per-row':>10} {'main MiB':>9} {'worker MiB':>11} "
              f"{'tree MiB':>9} {'cpu s':>8} {'cpu rows/s':>11}")
    print(header, flush=True)
    for rows in args.rows or [1_000_000]:
        path = data_dir / f"synth-{args.profile or 'broad'}-{rows}.parquet"
        _make_input(path, rows, data_dir, args.profile)
        plain = _measure("plain", path, args)
        per_row = None if args.no_per_row else _measure("per-row", path, args)
        rep = _measure("replay", path, args)
        rate = rep["rows"] / rep["seconds"]
        cpu = rep["cpu_main_s"] + rep["cpu_workers_s"]
        cpu_rate = rep["rows"] / cpu * args.workers if cpu else 0.0
        versus = ("-", "-") if per_row is None else (
            f"{per_row['seconds']:.1f}", f"{per_row['seconds'] / rep['seconds']:.2f}")
        print(f"{rep['rows']:>10,} {rep['seconds']:>9.1f} {rate:>9,.0f} {rate * 60:>11,.0f} "
              f"{plain['seconds']:>8.2f} {rep['seconds'] / plain['seconds']:>7.1f}x "
              f"{versus[0]:>10} {versus[1]:>10} "
              f"{rep['peak_main_mib']:>9.0f} {rep['peak_worker_mib']:>11.0f} {rep['peak_tree_mib']:>9.0f} "
              f"{cpu:>8.1f} {cpu_rate:>11,.0f}", flush=True)
        print("# " + json.dumps({"rows": rows, "replay": rep, "per_row": per_row, "plain": plain}),
              flush=True)
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
