"""Replay many failed-payment reports through a Diagnoser: chunked, parallel, resumable.

Input is JSON Lines (``.jsonl``, or gzip ``.jsonl.gz``), one nested report per line. Blank lines
are skipped and are not rows; every other line is a row, numbered from 1 across the inputs in the
order given. Rows are read in chunks of ``chunk_rows`` (memory stays flat in the input size) and
diagnosed on ``workers`` processes (``spawn`` context, one Diagnoser built per process; with
``workers=1`` in this process).

Output, in the directory ``out``:

* ``part-NNNNN.parquet``: one row per valid input row of chunk ``NNNNN``, columns
  :data:`OUTPUT_COLUMNS`, ordered by row number. Reading the committed parts in chunk order gives
  the rows in input order (:func:`read_output` does this).
* ``_manifest.jsonl``: one line per committed chunk, appended and fsynced after its part files are
  in place. A chunk is committed exactly when its manifest line is complete.
* ``_rejects/part-NNNNN.jsonl``: the chunk's rejected rows; the ``rejects`` file is assembled from
  them, in row order, when the run completes.
* ``_job.json``: inputs, chunk size, engine and rule-pack hash, checked on resume.

With ``resume=True`` committed chunks are skipped and every other chunk is (re)done; part files
are replaced atomically, so a run killed at any point and resumed gives the same rows, none twice
and none missing. Conservation (rows in = rows out + rows rejected) is checked against the files at
the end; :class:`ConservationError` is raised if it does not hold.

Example:
    >>> import tempfile
    >>> from payfix.batch.synth import write_jsonl
    >>> tmp = Path(tempfile.mkdtemp())
    >>> write_jsonl(tmp / "in.jsonl", rows=40, seed=1, corrupt_share=0.1)
    40
    >>> s = replay([tmp / "in.jsonl"], tmp / "out", tmp / "rejects.jsonl", workers=1, chunk_rows=16)
    >>> (s.rows_in, s.rows_out, s.rows_rejected)
    (40, 36, 4)
    >>> read_output(tmp / "out").num_rows
    36
"""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from payfix.batch.columns import OUTPUT_COLUMNS, diagnose_table, output_schema

__all__ = [
    "OUTPUT_COLUMNS",
    "ConservationError",
    "Progress",
    "ReplaySummary",
    "read_output",
    "replay",
]

_MANIFEST = "_manifest.jsonl"
_JOB = "_job.json"
_REJECTS_DIR = "_rejects"
_JOB_FORMAT = 1

# (row number, input index, line number in that input, raw line)
_Row = tuple[int, int, int, bytes]


class ConservationError(RuntimeError):
    """Rows in did not equal rows out plus rows rejected, or the files disagree with the counts."""


@dataclass(frozen=True, slots=True)
class ReplaySummary:
    """Totals of a replay (committed chunks of earlier runs included when resuming).

    ``seconds`` and ``rows_per_second`` measure this run only: rows diagnosed in this run divided
    by its wall-clock time.
    """

    rows_in: int
    rows_out: int
    rows_rejected: int
    seconds: float
    rows_per_second: float
    chunks: int
    chunks_resumed: int


@dataclass(frozen=True, slots=True)
class Progress:
    """Reported after each committed chunk: totals so far (resumed chunks included)."""

    chunk: int
    rows_done: int
    rows_out: int
    rows_rejected: int
    seconds: float
    rows_per_second: float

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, as printed by ``payfix replay`` when stderr is not a terminal."""
        return {"event": "chunk_committed", "chunk": self.chunk, "rows_done": self.rows_done,
                "rows_out": self.rows_out, "rows_rejected": self.rows_rejected,
                "seconds": round(self.seconds, 3), "rows_per_second": round(self.rows_per_second, 1)}


@dataclass(frozen=True, slots=True)
class _ChunkResult:
    chunk: int
    first_row: int
    rows_in: int
    rows_out: int
    rows_rejected: int


def _schema() -> Any:
    return output_schema()


def _part_name(chunk: int) -> str:
    return f"part-{chunk:05d}.parquet"


def _rejects_name(chunk: int) -> str:
    return f"{_REJECTS_DIR}/part-{chunk:05d}.jsonl"


# ---------------------------------------------------------------- worker side

_WORKER: dict[str, Any] = {}


def _init_worker(rules: str | None, engine: str, audience: str) -> None:
    from payfix.diagnoser import Diagnoser

    key = (rules, engine, audience)
    if _WORKER.get("key") != key:
        _WORKER["diagnoser"] = Diagnoser(rules, engine, audience=audience)  # type: ignore[arg-type]
        _WORKER["key"] = key


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _process_chunk(out_dir: str, chunk: int, rows: list[_Row], sources: list[str]) -> _ChunkResult:
    """Diagnose one chunk; write its Parquet part and its rejects part (each atomically)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    diagnoser = _WORKER["diagnoser"]
    first = rows[0][0] if rows else 1
    table = pa.table({"report": pa.array([raw for _, _, _, raw in rows], pa.binary())})
    results, rejected = diagnose_table(diagnoser, table, first)
    rejects: list[str] = []
    for row, attempt_id, problems in zip(*(rejected.column(c).to_pylist() for c in rejected.column_names),
                                         strict=True):
        _, source, lineno, _ = rows[row - first]
        rejects.append(json.dumps({"row": row, "attempt_id": attempt_id, "source": sources[source],
                                   "line": lineno, "problems": json.loads(problems)}, ensure_ascii=False))
    out = Path(out_dir)
    part = out / _part_name(chunk)
    tmp = out / f".{part.name}.tmp"
    pq.write_table(results, tmp)
    _fsync_file(tmp)
    os.replace(tmp, part)
    rejects_part = out / _rejects_name(chunk)
    tmp = rejects_part.with_name(f".{rejects_part.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(line + "\n" for line in rejects)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, rejects_part)
    return _ChunkResult(chunk, rows[0][0] if rows else 0, len(rows), results.num_rows, len(rejects))


def _run_chunk(args: tuple[str, int, list[_Row], list[str]]) -> _ChunkResult:
    return _process_chunk(*args)


# ---------------------------------------------------------------- main side


def _open_input(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _chunks(inputs: list[Path], chunk_rows: int) -> Iterator[list[_Row]]:
    chunk: list[_Row] = []
    row = 0
    for index, path in enumerate(inputs):
        with _open_input(path) as handle:
            for lineno, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                row += 1
                chunk.append((row, index, lineno, raw))
                if len(chunk) == chunk_rows:
                    yield chunk
                    chunk = []
    if chunk:
        yield chunk


def _read_manifest(out: Path) -> dict[int, dict[str, Any]]:
    """Committed chunks; a torn last line (crash while appending) is not a commit."""
    entries: dict[int, dict[str, Any]] = {}
    path = out / _MANIFEST
    if not path.exists():
        return entries
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if not line.endswith("\n"):
            break
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            break
        entries[int(entry["chunk"])] = entry
    return entries


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_output(out: str | Path) -> Any:
    """The committed output of ``out`` as one ``pyarrow.Table``, parts in chunk order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    manifest = _read_manifest(out)
    tables = [pq.read_table(out / manifest[chunk]["part"]) for chunk in sorted(manifest)]
    return pa.concat_tables(tables) if tables else _schema().empty_table()


def replay(inputs: list[Path], out: Path, rejects: Path, *, workers: int, engine: str = "compiled",
           rules: Path | None = None, chunk_rows: int = 5000,
           progress: Callable[[Progress], None] | None = None, resume: bool = False,
           audience: str = "agent") -> ReplaySummary:
    """Diagnose every row of ``inputs``; write Parquet parts to ``out`` and rejects to ``rejects``.

    Args:
        inputs: JSON Lines files (``.gz`` suffix: gzip), read in the order given.
        out: output directory (created). Without ``resume`` it must not hold an earlier replay.
        rejects: JSON Lines file of rejected rows, written when the run completes.
        workers: worker processes (1: diagnose in this process).
        engine: rule engine for every worker.
        rules: overlay rule-pack directory (``None``: the bundled pack).
        chunk_rows: rows per chunk, i.e. per committed part.
        progress: called in this process after each committed chunk. An exception it raises stops
            the run; committed chunks stay committed.
        resume: continue an interrupted replay of the same inputs and settings in ``out``.
        audience: audience of the diagnoses (``agent``: unmasked failure reasons).

    Raises:
        FileNotFoundError: an input cannot be read.
        FileExistsError: ``out`` holds an earlier replay and ``resume`` is false.
        ValueError: resuming with other inputs or settings than the interrupted run.
        ConservationError: rows in != rows out + rows rejected.
    """
    from payfix.loader import load_pack

    if chunk_rows < 1 or workers < 1:
        raise ValueError("chunk_rows and workers must be >= 1")
    inputs = [Path(p) for p in inputs]
    for path in inputs:
        if not path.is_file() or not os.access(path, os.R_OK):
            raise FileNotFoundError(f"cannot read input {path}")
    out, rejects = Path(out), Path(rejects)
    pack = load_pack(rules)
    job = {"format": _JOB_FORMAT, "inputs": [str(p.resolve()) for p in inputs],
           "sizes": [p.stat().st_size for p in inputs], "chunk_rows": chunk_rows, "engine": engine,
           "audience": audience, "pack_hash": pack.hash}
    (out / _REJECTS_DIR).mkdir(parents=True, exist_ok=True)
    job_path = out / _JOB
    committed: dict[int, dict[str, Any]] = {}
    if job_path.exists() or (out / _MANIFEST).exists():
        if not resume:
            raise FileExistsError(f"{out} holds an earlier replay; resume it or use an empty directory")
        if job_path.exists():
            earlier = json.loads(job_path.read_text(encoding="utf-8"))
            if earlier != job:
                changed = sorted(k for k in job if earlier.get(k) != job[k])
                raise ValueError(f"cannot resume: {', '.join(changed)} differ from the interrupted run")
        committed = _read_manifest(out)
    _write_atomic(job_path, json.dumps(job, indent=1) + "\n")
    # drop a torn tail so the next append starts on a fresh line
    _write_atomic(out / _MANIFEST, "".join(json.dumps(committed[c]) + "\n" for c in sorted(committed)))

    start = time.perf_counter()
    sources = [str(p) for p in inputs]
    totals = {"rows_in": 0, "out": 0, "rejected": 0, "done_here": 0}
    for entry in committed.values():
        totals["out"] += entry["rows_out"]
        totals["rejected"] += entry["rows_rejected"]
    rows_read = 0
    chunks = 0
    resumed = 0
    manifest = (out / _MANIFEST).open("a", encoding="utf-8", newline="\n")

    def commit(result: _ChunkResult) -> None:
        if result.rows_out + result.rows_rejected != result.rows_in:
            raise ConservationError(f"chunk {result.chunk}: {result.rows_in} in, {result.rows_out} "
                                    f"out, {result.rows_rejected} rejected")
        entry = {"chunk": result.chunk, "first_row": result.first_row, "rows_in": result.rows_in,
                 "rows_out": result.rows_out, "rows_rejected": result.rows_rejected,
                 "part": _part_name(result.chunk), "rejects": _rejects_name(result.chunk)}
        manifest.write(json.dumps(entry) + "\n")
        manifest.flush()
        os.fsync(manifest.fileno())
        committed[result.chunk] = entry
        totals["out"] += result.rows_out
        totals["rejected"] += result.rows_rejected
        totals["done_here"] += result.rows_in
        if progress is not None:
            seconds = time.perf_counter() - start
            progress(Progress(result.chunk, totals["out"] + totals["rejected"], totals["out"],
                              totals["rejected"], seconds, totals["done_here"] / seconds if seconds else 0.0))

    rules_arg = None if rules is None else str(rules)
    pool: Any = None
    try:
        if workers > 1:
            context = multiprocessing.get_context("spawn")
            pool = context.Pool(workers, initializer=_init_worker, initargs=(rules_arg, engine, audience))
        else:
            _init_worker(rules_arg, engine, audience)
        pending: deque[Any] = deque()
        for number, rows in enumerate(_chunks(inputs, chunk_rows)):
            chunks += 1
            rows_read += len(rows)
            if number in committed:
                if committed[number]["rows_in"] != len(rows) or committed[number]["first_row"] != rows[0][0]:
                    raise ValueError(f"cannot resume: chunk {number} differs from the interrupted run")
                resumed += 1
                continue
            task = (str(out), number, rows, sources)
            if pool is None:
                commit(_run_chunk(task))
                continue
            pending.append(pool.apply_async(_run_chunk, (task,)))
            while len(pending) >= 2 * workers:
                commit(pending.popleft().get())
        while pending:
            commit(pending.popleft().get())
    finally:
        manifest.close()
        if pool is not None:
            pool.terminate()
            pool.join()
    seconds = time.perf_counter() - start
    rows_out, rows_rejected = _finish(out, rejects, committed, chunks, rows_read)
    return ReplaySummary(rows_read, rows_out, rows_rejected, seconds,
                         totals["done_here"] / seconds if seconds else 0.0, chunks, resumed)


def _finish(out: Path, rejects: Path, committed: dict[int, dict[str, Any]], chunks: int,
            rows_in: int) -> tuple[int, int]:
    """Assemble the rejects file and check conservation against the files on disk."""
    import pyarrow.parquet as pq

    if sorted(committed) != list(range(chunks)):
        raise ConservationError(f"committed chunks {sorted(committed)} are not 0..{chunks - 1}")
    rows_out = 0
    for chunk in range(chunks):
        entry = committed[chunk]
        written = pq.read_metadata(out / entry["part"]).num_rows
        if written != entry["rows_out"]:
            raise ConservationError(f"{entry['part']} holds {written} rows, manifest says "
                                    f"{entry['rows_out']}")
        rows_out += written
    rows_rejected = 0
    tmp = rejects.with_name(f".{rejects.name}.tmp")
    rejects.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("wb") as target:
        for chunk in range(chunks):
            entry = committed[chunk]
            with (out / entry["rejects"]).open("rb") as source:
                lines = source.read()
            count = lines.count(b"\n")
            if count != entry["rows_rejected"]:
                raise ConservationError(f"{entry['rejects']} holds {count} rows, manifest says "
                                        f"{entry['rows_rejected']}")
            rows_rejected += count
            target.write(lines)
        target.flush()
        os.fsync(target.fileno())
    os.replace(tmp, rejects)
    if rows_in != rows_out + rows_rejected:
        raise ConservationError(f"{rows_in} rows in, {rows_out} out + {rows_rejected} rejected")
    _write_atomic(out / "_summary.json", json.dumps(
        {"rows_in": rows_in, "rows_out": rows_out, "rows_rejected": rows_rejected, "chunks": chunks}) + "\n")
    return rows_out, rows_rejected
