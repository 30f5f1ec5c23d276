"""Replay many failed-payment reports through a Diagnoser: chunked, parallel, resumable.

Inputs are JSON Lines (one nested report per line), CSV or Parquet (flat columns, see
:data:`~payfix.batch.columns.FLAT_COLUMNS`, or one ``report`` column of JSON text); ``.gz`` and
``.zst`` JSON Lines and CSV are read compressed. Every record is a row, numbered from 1 across the
inputs in the order given (blank lines are not records). Each input is cut into chunks of
``chunk_rows`` records with Arrow (:mod:`payfix.batch.sources`), so memory stays flat in the input
size. Chunks go to ``workers`` processes (``spawn`` context, one Diagnoser per process; with
``workers=1`` this process) as Arrow IPC bytes; each worker diagnoses its chunk with
:func:`~payfix.batch.table.diagnose_table` and writes the chunk's part files itself, so only
small counts travel back.

Output, in the directory ``out``:

* ``part-NNNNN.parquet`` (or ``.jsonl``): one row per valid row of chunk ``NNNNN``, columns
  :data:`OUTPUT_COLUMNS`, ordered by row number.
* ``_manifest.jsonl``: one line per committed chunk, appended and fsynced after its part files are
  in place. A chunk is committed exactly when its manifest line is complete.
* ``_rejects/part-NNNNN.jsonl``: the chunk's rejected rows; the ``rejects`` file is assembled from
  them, in row order, when the run completes.
* ``_baseline/part-NNNNN.*``: with ``baseline``, the same rows diagnosed under the baseline pack;
  ``_whatif.json`` compares the two when the run completes (:mod:`payfix.batch.whatif`).
* ``_job.json``: inputs, chunk size, engine, rule-pack hashes and output format, checked on resume.

With ``resume=True`` committed chunks are skipped and every other chunk is (re)done; part files
are replaced atomically, so a run killed at any point and resumed gives the same rows, none twice
and none missing. Conservation (rows in = rows out + rows rejected) is checked against the files at
the end; :class:`ConservationError` is raised if it does not hold.

Example:
    >>> import tempfile
    >>> from payfix.batch.synthfiles import write_jsonl
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

import hashlib
import json
import os
import pickle
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from payfix.batch.parts import (
    BASELINE_DIR,
    MANIFEST,
    REJECTS_DIR,
    check_writable,
    clear_refused,
    finish,
    iter_parts,
    part_name,
    read_manifest,
    rejects_name,
    write_atomic,
)
from payfix.batch.sources import Chunk, input_format, read_chunks
from payfix.batch.summary import Progress, ReplaySummary
from payfix.batch.table import OUTPUT_COLUMNS, RowReader, output_schema
from payfix.batch.workers import (
    ChunkResult,
    ChunkTask,
    Supervisor,
    init_pool_worker,
    init_worker,
    process_chunk,
    to_ipc,
)
from payfix.errors import ConservationError, ReplayRefusedError, WorkerError

if TYPE_CHECKING:
    from payfix.rules.pack import RulePack

__all__ = [
    "BUNDLED",
    "OUTPUT_COLUMNS",
    "ConservationError",
    "Progress",
    "ReplaySummary",
    "WorkerError",
    "read_output",
    "replay",
]

#: ``baseline`` value naming the bundled rule pack.
BUNDLED = "bundled"

_JOB = "_job.json"
# A worker process is replaced after this many chunks (a new Diagnoser costs about a second), so
# nothing that builds up slowly inside a long-lived process can grow with the input size.
_CHUNKS_PER_WORKER = 200
_JOB_FORMAT = 2
_OUTPUT_FORMATS = ("parquet", "jsonl")


# ---------------------------------------------------------------- main side


def read_output(out: str | Path, *, baseline: bool = False) -> Any:
    """The committed output of ``out`` as one ``pyarrow.Table``, parts in chunk (row) order
    (``baseline=True``: the what-if baseline's rows). Loads every row: for large outputs iterate
    the parts instead (:func:`payfix.batch.parts.iter_parts`)."""
    import pyarrow as pa

    tables = list(iter_parts(Path(out), key="baseline" if baseline else "part"))
    return pa.concat_tables(tables) if tables else output_schema().empty_table()


def _load(rules: Path | str | None) -> RulePack:
    from payfix.rules.bundled import pack_of

    return pack_of(None if rules in (None, BUNDLED) else rules)


def replay(inputs: list[Path], out: Path, rejects: Path, *, workers: int, engine: str = "compiled",
           rules: Path | None = None, chunk_rows: int = 10_000,
           progress: Callable[[Progress], None] | None = None, resume: bool = False,
           audience: str = "agent", output_format: str = "parquet",
           baseline: Path | str | None = None, chunk_deadline: float | None = None,
           reader: RowReader | None = None, as_of: date | None = None,
           locale: str | None = None, columnar: bool = True) -> ReplaySummary:
    """Diagnose every row of ``inputs``; write parts to ``out`` and rejects to ``rejects``.

    Args:
        inputs: ``.jsonl``, ``.csv`` (either may end in ``.gz`` or ``.zst``) or ``.parquet``
            files, read in the order given.
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
        output_format: ``parquet`` or ``jsonl`` parts.
        baseline: what-if: also diagnose every row under this overlay directory (or
            :data:`BUNDLED`) and compare (``ReplaySummary.whatif``, ``_whatif.json``).
        chunk_deadline: seconds a worker process may take over one chunk (worker start
            included) before it is taken for stuck, killed and the chunk retried (``None``: 60 ms
            a row, at least 600 s). Only with more than one worker.
        reader: rows that are not payfix reports: JSON Lines of a processor's objects
            (``RowReader(source="stripe")``) or a CSV/Parquet file's own columns
            (``RowReader(column_map=...)``).
        as_of: evaluate every row under the rules of this day (code meanings, fee schedules,
            scheme limits); ``None``: each attempt under the rules of its own day.
        locale: write the rejects' messages in this language (the pack's ``problem`` texts;
            ``None``: as found, English). Types, locations and inputs do not change.
        columnar: diagnose flat rows a batch at a time (:mod:`payfix.batch.columnar`); ``False``
            diagnoses each row by itself. The results are the same either way.

    Raises:
        FileNotFoundError: an input cannot be read.
        FileExistsError: ``out`` holds an earlier replay and ``resume`` is false.
        ValueError: an input's format is not supported or it cannot be read as that format, or
            resuming with other inputs or settings than the interrupted run.
        ConservationError: rows in != rows out + rows rejected.
        WorkerError: a chunk failed twice (its worker died or overran ``chunk_deadline``);
            committed chunks are kept, resume to complete the run.
    """
    if chunk_rows < 1 or workers < 1:
        raise ValueError("chunk_rows and workers must be >= 1")
    if output_format not in _OUTPUT_FORMATS:
        raise ValueError(f"output_format must be one of {', '.join(_OUTPUT_FORMATS)}")
    inputs = [Path(p) for p in inputs]
    for path in inputs:
        if not path.is_file() or not os.access(path, os.R_OK):
            raise FileNotFoundError(f"cannot read input {path}")
        input_format(path)
    out, rejects = Path(out), Path(rejects)
    check_writable(out, directory=True, what="output directory")
    check_writable(rejects, directory=False, what="rejects file")
    pack, base = _load(rules), None if baseline is None else _load(baseline)
    job = {"format": _JOB_FORMAT, "inputs": [str(p.resolve()) for p in inputs],
           "sizes": [p.stat().st_size for p in inputs], "chunk_rows": chunk_rows, "engine": engine,
           "audience": audience, "pack_hash": pack.hash, "output_format": output_format,
           "baseline_hash": None if base is None else base.hash,
           "reader": None if reader is None else _reader_key(reader), "columns": list(OUTPUT_COLUMNS),
           "as_of": None if as_of is None else as_of.isoformat()}
    if locale is not None:  # a job file of a run without one reads as before
        job["locale"] = locale
    fresh = not out.exists() or not any(out.iterdir())
    existed = out.exists()
    try:
        return _start(inputs, out, rejects, workers, chunk_rows, progress, resume, output_format,
                      job, (pickle.dumps(pack), engine, audience,
                            None if base is None else pickle.dumps(base),
                            None if reader is None else pickle.dumps(reader),
                            None if as_of is None else as_of.isoformat(), locale, columnar),
                      chunk_deadline if chunk_deadline is not None else max(600.0, 0.06 * chunk_rows))
    except ValueError:
        # a refused input (not readable as its format) before any chunk was committed: leave
        # ``out`` as it was, so a corrected rerun is not refused
        manifest = out / MANIFEST
        if fresh and (not manifest.exists() or not manifest.stat().st_size):
            clear_refused(out, existed)
        raise


#: What each worker is started with: pickled pack, engine, audience, pickled baseline pack,
#: pickled row reader, the as-of day, the rejects' locale and whether flat rows take the
#: columnar path (see :func:`payfix.batch.workers.init_worker`).
_Init = tuple[bytes, str, str, bytes | None, bytes | None, str | None, str | None, bool]


def _reader_key(reader: RowReader) -> dict[str, Any]:
    """What a resumed run must read rows with, as the job file records it."""
    cmap = reader.column_map
    return {"source": reader.source,
            "context": json.dumps(reader.context, sort_keys=True, default=str)
            if reader.context is not None else None,
            "column_map": None if cmap is None else hashlib.sha256(
                repr((cmap.rules, cmap.constants)).encode("utf-8")).hexdigest()}


def _start(inputs: list[Path], out: Path, rejects: Path, workers: int, chunk_rows: int,
           progress: Callable[[Progress], None] | None, resume: bool, output_format: str,
           job: dict[str, Any], init: _Init, deadline: float) -> ReplaySummary:
    (out / REJECTS_DIR).mkdir(parents=True, exist_ok=True)
    job_path = out / _JOB
    committed: dict[int, dict[str, Any]] = {}
    if job_path.exists() or (out / MANIFEST).exists():
        if not resume:
            raise FileExistsError(f"{out} holds an earlier replay; resume it or use an empty directory")
        if job_path.exists():
            earlier = json.loads(job_path.read_text(encoding="utf-8"))
            if earlier != job:
                changed = sorted(k for k in {*job, *earlier} if earlier.get(k) != job.get(k))
                raise ReplayRefusedError("resume_differs", f"cannot resume: {', '.join(changed)} "
                                         "differ from the interrupted run",
                                         names=", ".join(changed))
        committed = read_manifest(out)
    write_atomic(job_path, json.dumps(job, indent=1) + "\n")
    # drop a torn tail so the next append starts on a fresh line
    write_atomic(out / MANIFEST, "".join(json.dumps(committed[c]) + "\n" for c in sorted(committed)))
    return _Run(inputs, out, rejects, workers, chunk_rows, progress, committed, output_format, init,
                deadline).run()


class _Run:
    """One replay run: reads chunks, hands them out, commits results in order."""

    def __init__(self, inputs: list[Path], out: Path, rejects: Path, workers: int, chunk_rows: int,
                 progress: Callable[[Progress], None] | None, committed: dict[int, dict[str, Any]],
                 output_format: str, init: _Init, deadline: float) -> None:
        self.inputs, self.out, self.rejects = inputs, out, rejects
        self.workers, self.chunk_rows, self.progress = workers, chunk_rows, progress
        self.committed, self.output_format, self.init = committed, output_format, init
        self.sizes = [max(p.stat().st_size, 1) for p in inputs]
        self.start = time.perf_counter()
        self.deadline = deadline
        self.read, self.resumed = (0, 0), 0
        self.done_here = 0
        self.fraction_start: float | None = None
        self.totals = [sum(e["rows_out"] for e in committed.values()),
                       sum(e["rows_rejected"] for e in committed.values())]

    def _fraction(self, index: int, within: float) -> float:
        return (sum(self.sizes[:index]) + within * self.sizes[index]) / sum(self.sizes)

    def _commit(self, result: ChunkResult, manifest: Any, fraction: float) -> None:
        if result.rows_out + result.rows_rejected != result.rows_in:
            raise ConservationError(f"chunk {result.chunk}: {result.rows_in} in, {result.rows_out} "
                                    f"out, {result.rows_rejected} rejected")
        if result.baseline_out is not None and result.baseline_out + result.rows_rejected != result.rows_in:
            raise ConservationError(f"chunk {result.chunk}: the baseline kept {result.baseline_out} "
                                    f"of {result.rows_in} rows")
        entry: dict[str, Any] = {
            "chunk": result.chunk, "first_row": result.first_row, "rows_in": result.rows_in,
            "rows_out": result.rows_out, "rows_rejected": result.rows_rejected,
            "part": part_name(result.chunk, self.output_format), "rejects": rejects_name(result.chunk)}
        if result.baseline_out is not None:
            entry["baseline"] = part_name(result.chunk, self.output_format, BASELINE_DIR)
        manifest.write(json.dumps(entry) + "\n")
        manifest.flush()
        os.fsync(manifest.fileno())
        self.committed[result.chunk] = entry
        self.totals[0] += result.rows_out
        self.totals[1] += result.rows_rejected
        self.done_here += result.rows_in
        if self.progress is not None:
            seconds = time.perf_counter() - self.start
            eta = None
            begun = self.fraction_start or 0.0
            if fraction > begun and seconds > 0:
                eta = seconds * (1.0 - fraction) / (fraction - begun)
            self.progress(Progress(result.chunk, sum(self.totals), self.totals[0], self.totals[1],
                                   seconds, self.done_here / seconds if seconds else 0.0, fraction, eta))

    def _pieces(self) -> Iterator[tuple[int, int, Path, Chunk, float]]:
        """``(chunk number, first row, input, chunk, fraction)`` of every chunk still to do;
        committed chunks are checked against the input and skipped."""
        chunks = rows_read = 0
        for index, path in enumerate(self.inputs):
            for piece in read_chunks(path, self.chunk_rows):
                number, first_row = chunks, rows_read + 1
                chunks += 1
                rows_read += piece.rows
                self.read = (chunks, rows_read)
                fraction = self._fraction(index, piece.fraction)
                if number in self.committed:
                    entry = self.committed[number]
                    if entry["rows_in"] != piece.rows or entry["first_row"] != first_row:
                        raise ReplayRefusedError("resume_chunk", f"cannot resume: chunk {number} "
                                                 "differs from the interrupted run", chunk=number)
                    self.resumed += 1
                    self.fraction_start = fraction
                    continue
                yield number, first_row, path, piece, fraction

    def run(self) -> ReplaySummary:
        manifest = (self.out / MANIFEST).open("a", encoding="utf-8", newline="\n")
        try:
            if self.workers == 1:
                init_worker(*self.init)
                for number, first_row, path, piece, fraction in self._pieces():
                    task = self._task(number, first_row, path, piece, ipc=False)
                    self._commit(process_chunk(task), manifest, fraction)
            else:
                self._supervised(manifest)
        finally:
            manifest.close()
        chunks, rows_read = self.read
        seconds = time.perf_counter() - self.start
        rows_out, rows_rejected, unmapped = finish(self.out, self.rejects, self.committed, chunks,
                                                   rows_read)
        whatif = None
        if self.init[3] is not None:
            from payfix.batch.whatif import compare

            whatif = compare(self.out)
            write_atomic(self.out / "_whatif.json", json.dumps(whatif, indent=1, ensure_ascii=False) + "\n")
        return ReplaySummary(rows_read, rows_out, rows_rejected, seconds,
                             self.done_here / seconds if seconds else 0.0, chunks, self.resumed, whatif,
                             tuple(unmapped))

    def _supervised(self, manifest: Any) -> None:
        """Chunks to supervised worker processes (:mod:`payfix.batch.workers`), at most two per
        worker in flight, committed in chunk order."""
        pool = Supervisor(self.workers, init_pool_worker, self.init, process_chunk, self.deadline,
                          _CHUNKS_PER_WORKER)
        order: deque[tuple[int, float]] = deque()
        pieces = self._pieces()
        exhausted = False
        try:
            while True:
                while not exhausted and len(order) < 2 * self.workers:
                    item = next(pieces, None)
                    if item is None:
                        exhausted = True
                        break
                    number, first_row, path, piece, fraction = item
                    pool.submit(number, self._task(number, first_row, path, piece, ipc=True))
                    order.append((number, fraction))
                while order and order[0][0] in pool.results:
                    number, fraction = order.popleft()
                    self._commit(pool.results.pop(number), manifest, fraction)
                if exhausted and not order:
                    return
                if len(order) >= 2 * self.workers or exhausted:
                    pool.wait()
        finally:
            pool.close()

    def _task(self, number: int, first_row: int, path: Path, piece: Chunk, *, ipc: bool) -> ChunkTask:
        return ChunkTask(str(self.out), number, first_row, str(path), piece.first_record,
                     to_ipc(piece.table) if ipc else piece.table, piece.records, piece.lines,
                     piece.bad, self.output_format)
