"""Supervised worker processes for ``payfix replay``: a dead or stuck worker never hangs the run.

:class:`Supervisor` runs ``workers`` processes (``spawn``), each holding at most one chunk at a
time, so the chunk a worker was doing when it died is always known. The parent waits on each
worker's pipe and process sentinel together, with a per-chunk deadline:

* a worker that dies (SIGKILL from the out-of-memory killer, a C-level abort) or gives no result
  within ``deadline`` seconds of being handed its chunk is killed, and the chunk is handed once
  more to a fresh worker;
* if that second try fails as well, :class:`WorkerError` is raised; chunks committed so far stay
  committed, so a resumed run completes the job;
* an exception raised by the chunk's code is passed back to the parent and raised there;
* a worker is replaced by a fresh one after ``per_worker`` chunks.

The environment variable :data:`FAULT_ENV`, read only inside worker processes, makes a worker
fail on purpose to exercise this: ``"CHUNK:ACTION:WHEN"`` with ``ACTION`` ``kill`` (SIGKILL
itself) or ``hang`` (never answer) and ``WHEN`` ``first`` (first try only) or ``always``.

The second half is the work itself, done in a worker process (or in the calling process with one
worker): :func:`process_chunk` diagnoses a :class:`ChunkTask` and writes its part files.
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import os
import pickle
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from payfix.batch.decode import written_problems
from payfix.batch.parts import BASELINE_DIR, part_name, rejects_name, write_atomic
from payfix.batch.table import diagnose_table
from payfix.errors import WorkerError

if TYPE_CHECKING:
    from payfix.rules.pack import RulePack

__all__ = ["FAULT_ENV", "ChunkResult", "ChunkTask", "Supervisor", "init_pool_worker",
           "init_worker", "process_chunk", "to_ipc"]

#: Worker-side fault injection (see the module docstring); unset in normal use.
FAULT_ENV = "PAYFIX_REPLAY_FAULT"
_TRIES = 2  # the first try and one retry in a fresh worker
_LOG = logging.getLogger("payfix.batch")


def _fault() -> tuple[int, str, str] | None:
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return None
    chunk, action, when = spec.split(":")
    return int(chunk), action, when


def _serve(conn: Any, init: Callable[..., None], init_args: tuple[Any, ...],
           work: Callable[[Any], Any], per_worker: int) -> None:
    """A worker process: build its state, then do one chunk per message until told to stop."""
    init(*init_args)
    fault = _fault()
    conn.send(("ready", None))
    for _ in range(per_worker):
        message = conn.recv()
        if message is None:
            break
        attempt, chunk, task = message
        if fault is not None and fault[0] == chunk and (fault[2] == "always" or attempt == 0):
            if fault[1] == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            while True:
                time.sleep(60)
        try:
            reply: tuple[str, Any] = ("ok", work(task))
        except Exception as error:  # passed back and raised in the parent
            reply = ("error", error)
        try:
            conn.send(reply)
        except Exception:  # an exception that does not pickle
            conn.send(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))
    conn.close()


@dataclass(slots=True)
class _Slot:
    proc: Any
    conn: Any
    since: float
    ready: bool = False
    served: int = 0
    job: tuple[int, int, Any] | None = None  # (chunk, attempt, task)


@dataclass(slots=True)
class Supervisor:
    """``workers`` supervised processes doing ``work(task)`` after ``init(*init_args)``.

    ``submit`` queues a chunk's task; ``wait`` blocks until something happens (a result, a worker
    ready, a death, a deadline) and leaves finished results in ``results`` (chunk -> result).
    """

    workers: int
    init: Callable[..., None]
    init_args: tuple[Any, ...]
    work: Callable[[Any], Any]
    deadline: float
    per_worker: int
    results: dict[int, Any] = field(default_factory=dict)
    _queue: deque[tuple[int, int, Any]] = field(default_factory=deque)
    _slots: list[_Slot | None] = field(default_factory=list)
    _start_failures: int = 0

    def __post_init__(self) -> None:
        self._slots = [None] * self.workers

    def submit(self, chunk: int, task: Any) -> None:
        """Queue ``task`` (chunk number ``chunk``) for its first try."""
        self._queue.append((chunk, 0, task))

    def _spawn(self) -> _Slot:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(child, self.init, self.init_args, self.work,
                                                self.per_worker), daemon=True)
        proc.start()
        child.close()
        return _Slot(proc, parent, time.monotonic())

    def _dispatch(self) -> None:
        for i, slot in enumerate(self._slots):
            if slot is None:
                if not self._queue:
                    continue
                slot = self._slots[i] = self._spawn()
            if slot.ready and slot.job is None and self._queue:
                slot.job = self._queue.popleft()
                slot.since = time.monotonic()
                try:
                    slot.conn.send((slot.job[1], slot.job[0], slot.job[2]))
                except OSError:
                    self._lost(i, "its worker process ended")

    def _lost(self, i: int, reason: str) -> None:
        """Worker ``i`` died or overran: kill it, retry its chunk once or give up."""
        slot = self._slots[i]
        assert slot is not None
        self._slots[i] = None
        _kill(slot)
        if slot.job is None:
            if not slot.ready:
                self._start_failures += 1
                if self._start_failures >= _TRIES:
                    raise WorkerError(f"a worker process could not start: {reason}")
            return
        chunk, attempt, task = slot.job
        if attempt + 1 >= _TRIES:
            raise WorkerError(f"chunk {chunk} failed twice: {reason}; committed chunks are kept, "
                                "resume the run to complete it")
        _LOG.warning("chunk %d: %s; retrying it in a fresh worker", chunk, reason)
        self._queue.appendleft((chunk, attempt + 1, task))

    def wait(self) -> None:
        """Hand out queued chunks, then block until a result, a death or a deadline."""
        self._dispatch()
        live = [(i, s) for i, s in enumerate(self._slots) if s is not None]
        timed = [s.since + self.deadline for _, s in live if s.job is not None or not s.ready]
        if not timed:  # nothing handed out or starting: nothing to wait for
            return
        timeout = max(0.0, min(timed) - time.monotonic()) if timed else None
        ready = set(wait([s.conn for _, s in live] + [s.proc.sentinel for _, s in live], timeout))
        now = time.monotonic()
        for i, slot in live:
            if slot.conn in ready or slot.proc.sentinel in ready:
                try:
                    kind, value = slot.conn.recv()
                except (EOFError, OSError):
                    slot.proc.join(5)  # the pipe closes before the exit status can be read
                    code = slot.proc.exitcode
                    self._lost(i, f"its worker process ended (exit code {code})" if code is not None
                               else "its worker process ended")
                    continue
                if kind == "ready":
                    slot.ready, self._start_failures = True, 0
                elif kind == "error":
                    raise value
                else:
                    assert slot.job is not None
                    self.results[slot.job[0]] = value
                    slot.job = None
                    slot.served += 1
                    if slot.served >= self.per_worker:  # the worker exits; a fresh one replaces it
                        self._slots[i] = None
                        slot.proc.join(5)
                        _kill(slot)
            elif (slot.job is not None or not slot.ready) and now - slot.since >= self.deadline:
                self._lost(i, f"no result within {self.deadline:g} s")
        self._dispatch()

    def close(self) -> None:
        """Stop every worker (idle ones are asked to exit; busy ones are killed)."""
        for i, slot in enumerate(self._slots):
            if slot is None:
                continue
            self._slots[i] = None
            if slot.ready and slot.job is None:
                try:
                    slot.conn.send(None)
                    slot.proc.join(5)
                except OSError:
                    pass
            _kill(slot)


def _kill(slot: _Slot) -> None:
    if slot.proc.is_alive():
        slot.proc.kill()
    slot.proc.join()
    slot.conn.close()


# ---------------------------------------------------------------- the work of one chunk

@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What a worker sends back for a chunk: its counts only (the rows are in its part files)."""

    chunk: int
    first_row: int
    rows_in: int
    rows_out: int
    rows_rejected: int
    baseline_out: int | None


@dataclass(frozen=True, slots=True)
class ChunkTask:
    """One chunk to diagnose: where it is from, its rows (a table, or Arrow IPC bytes on the way
    to a worker process) and where its part files go."""

    out_dir: str
    chunk: int
    first_row: int
    source: str
    first_record: int
    table: Any  # pyarrow.Table, or Arrow IPC stream bytes on the way to a worker process
    records: list[int]
    lines: list[int] | None
    bad: list[tuple[int, str]]
    output_format: str


_WORKER: dict[str, Any] = {}


def init_worker(pack: bytes, engine: str, audience: str, baseline: bytes | None,
                reader: bytes | None = None, as_of: str | None = None,
                locale: str | None = None, columnar: bool = True) -> None:
    """Build this process's diagnosers from the packs the replay loaded and checked (pickled:
    a worker reads no rule files and spends no time on YAML), and its row reader (how rows that
    are not payfix reports are read, :class:`~payfix.batch.table.RowReader`); ``as_of`` (ISO
    date) is the day whose rules apply to every row (``None``: each attempt's own); ``locale``
    the language of the rejects' messages (``None``: as found); ``columnar`` whether flat rows
    take the columnar path."""
    from payfix.diagnosis.diagnoser import Diagnoser

    _WORKER["reader"] = None if reader is None else pickle.loads(reader)
    _WORKER["locale"] = locale
    _WORKER["columnar"] = columnar
    key = (pack, engine, audience, baseline, as_of)
    if _WORKER.get("key") != key:
        day = None if as_of is None else date.fromisoformat(as_of)
        # The output keeps outcomes only: no trace of fired and unfired rules is built.
        _WORKER["diagnoser"] = Diagnoser(pickle.loads(pack), engine, audience=audience,  # type: ignore[arg-type]
                                         trace=False, as_of=day)
        _WORKER["baseline"] = None if baseline is None else Diagnoser(
            pickle.loads(baseline), engine, audience=audience, trace=False,  # type: ignore[arg-type]
            as_of=day)
        _WORKER["key"] = key


def init_pool_worker(pack: bytes, engine: str, audience: str, baseline: bytes | None,
                     reader: bytes | None = None, as_of: str | None = None,
                     locale: str | None = None, columnar: bool = True) -> None:
    """A pool worker's start: its diagnosers, then the garbage collector told to leave them be.

    ``gc.freeze()`` moves everything built so far (the pack, the compiled rules, the models'
    validators) out of the collector's sight, and a larger first-generation threshold makes the
    collector run less often; a diagnosis's objects are freed by reference counting, so this
    only saves the scans (about a tenth of a worker's time). The process is the pool's own."""
    # Ctrl-C reaches the whole process group: the replay stops its workers itself (committed
    # chunks kept), so a worker does not die of it mid-chunk with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    init_worker(pack, engine, audience, baseline, reader, as_of, locale, columnar)
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


def to_ipc(table: Any) -> bytes:
    """``table`` as Arrow IPC stream bytes, to send to a worker process."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def _from_ipc(data: Any) -> Any:
    import pyarrow as pa

    if isinstance(data, bytes):
        return pa.ipc.open_stream(pa.py_buffer(data)).read_all()
    return data


def _write_part(table: Any, path: Path, fmt: str) -> None:
    """Write one output part under a temporary name, fsync, rename into place."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if fmt == "parquet":
        pq.write_table(table, tmp, compression="zstd")
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
    else:
        with tmp.open("w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in table.to_pylist())
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(tmp, path)


def _renumber(table: Any, rows: list[int]) -> Any:
    """``table`` with its ``row`` column (offsets into the chunk's table) mapped to row numbers."""
    import pyarrow as pa

    if table.num_rows == 0:
        return table
    offsets = table.column("row").to_pylist()
    numbers = pa.array([rows[i] for i in offsets], pa.int64())
    return table.set_column(0, "row", numbers)


def process_chunk(task: ChunkTask) -> ChunkResult:
    """Diagnose one chunk; write its output part, baseline part and rejects part (each atomically)."""
    table = _from_ipc(task.table)
    rows = [task.first_row + r - task.first_record for r in task.records]
    diagnoser, locale = _WORKER["diagnoser"], _WORKER.get("locale")
    columnar = _WORKER.get("columnar", True)
    results, rejected = diagnose_table(diagnoser, table, 0, _WORKER.get("reader"), locale,
                                       columnar=columnar)
    results = _renumber(results, rows)
    rejected = _renumber(rejected, rows)
    lines: list[tuple[int, str]] = []
    record_of = dict(zip(rows, task.records, strict=True))
    line_of = dict(zip(rows, task.lines, strict=True)) if task.lines is not None else {}
    for row, attempt_id, problems in zip(*(rejected.column(c).to_pylist() for c in rejected.column_names),
                                         strict=True):
        lines.append((row, _reject_line(row, attempt_id, task.source, record_of[row], line_of.get(row),
                                        problems, diagnoser.pack, locale)))
    for record, problems in task.bad:
        row = task.first_row + record - task.first_record
        lines.append((row, _reject_line(row, None, task.source, record, None, problems,
                                        diagnoser.pack, locale)))
    lines.sort()
    out = Path(task.out_dir)
    _write_part(results, out / part_name(task.chunk, task.output_format), task.output_format)
    baseline_out = None
    if _WORKER.get("baseline") is not None:
        base, _ = diagnose_table(_WORKER["baseline"], table, 0, _WORKER.get("reader"),
                                 columnar=columnar)
        base = _renumber(base, rows)
        _write_part(base, out / part_name(task.chunk, task.output_format, BASELINE_DIR), task.output_format)
        baseline_out = base.num_rows
    rejects_part = out / rejects_name(task.chunk)
    write_atomic(rejects_part, "".join(line + "\n" for _, line in lines))
    return ChunkResult(task.chunk, task.first_row, len(task.records) + len(task.bad), results.num_rows,
                        len(lines), baseline_out)


def _reject_line(row: int, attempt_id: str | None, source: str, record: int, line: int | None,
                 problems: str, pack: RulePack, locale: str | None) -> str:
    """One line of the rejects file (``problems``: the reject's problems column, JSON text; the
    messages of a record the reader refused written in ``locale``)."""
    return json.dumps({"row": row, "attempt_id": attempt_id, "source": source, "record": record,
                       "line": line, "problems": written_problems(json.loads(problems), pack, locale)},
                      ensure_ascii=False)


