"""Replay hardening: supervised workers, undecodable rows, truncated files, paths checked first."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")

from payfix.batch import replay, write_jsonl, write_reports
from payfix.batch.cli import run
from payfix.batch.replay import read_output
from payfix.batch.workers import FAULT_ENV

from .replay_support import _CLI, batch_parser, read_rejects

ROWS, CHUNK = 400, 50


def _cli(args: list[str], fault: str | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``payfix replay`` in a child process; the timeout is a hang guard that fails the test."""
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    if fault is not None:
        env[FAULT_ENV] = fault
    return subprocess.run([sys.executable, "-c", _CLI, "replay", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A 400-row input with corrupted rows, and its output and rejects from an in-process run."""
    root = tmp_path_factory.mktemp("hardening")
    source = root / "in.jsonl"
    write_jsonl(source, ROWS, 7, 0.05)
    replay([source], root / "ref", root / "ref.jsonl", workers=1, chunk_rows=CHUNK)
    return source, root / "ref", root / "ref.jsonl"


def _same(out: Path, rejects: Path, reference: tuple[Path, Path, Path]) -> None:
    assert read_output(out).equals(read_output(reference[1]))
    assert rejects.read_bytes() == reference[2].read_bytes()


def test_worker_killed_once_is_retried_and_the_run_completes(reference: tuple[Path, Path, Path],
                                                             tmp_path: Path) -> None:
    """A worker SIGKILLed on its first try of chunk 3 does not hang the run: the chunk is retried
    in a fresh worker and the output equals an uninterrupted run's."""
    out, rejects = tmp_path / "out", tmp_path / "r.jsonl"
    done = _cli([str(reference[0]), "--out", str(out), "--rejects", str(rejects), "--workers", "2",
                 "--chunk-rows", str(CHUNK)], fault="3:kill:first")
    assert done.returncode == 0, done.stderr
    assert "chunk 3: its worker process ended (exit code -9); retrying" in done.stderr
    _same(out, rejects, reference)


def _workers_of(pid: int) -> list[int]:
    """Worker processes of ``pid``: its children running the spawn entry point (not the
    resource tracker)."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"spawn_main" in cmdline:
            found.append(int(child))
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_external_kill_of_a_worker_does_not_hang_the_run(reference: tuple[Path, Path, Path],
                                                         tmp_path: Path) -> None:
    """``kill -9`` of one worker from outside, once a chunk is committed, does not leave the run
    waiting for ever: it completes (exit 0) with the same output as an uninterrupted run."""
    out, rejects = tmp_path / "out", tmp_path / "r.jsonl"
    source = tmp_path / "big.jsonl"
    write_jsonl(source, 4000, 7, 0.05)
    replay([source], tmp_path / "ref", tmp_path / "ref.jsonl", workers=1, chunk_rows=CHUNK)
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    proc = subprocess.Popen([sys.executable, "-c", _CLI, "replay", str(source), "--out", str(out),
                             "--rejects", str(rejects), "--workers", "2", "--chunk-rows", str(CHUNK)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        manifest = out / "_manifest.jsonl"
        guard = time.monotonic() + 120
        while not (manifest.exists() and manifest.read_bytes().count(b"\n") >= 2):
            assert proc.poll() is None, "the replay ended too soon"
            assert time.monotonic() < guard, "no chunk committed"
            time.sleep(0.02)
        workers = _workers_of(proc.pid)
        assert workers
        os.kill(workers[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=180)  # hang guard
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    _same(out, rejects, (source, tmp_path / "ref", tmp_path / "ref.jsonl"))


def test_worker_killed_twice_stops_with_exit_1_and_resume_completes(reference: tuple[Path, Path, Path],
                                                                    tmp_path: Path) -> None:
    """A chunk whose worker is SIGKILLed on every try stops the run with exit 1 naming the chunk;
    ``--resume`` then completes it with the same output and rejects as an uninterrupted run."""
    out, rejects = tmp_path / "out", tmp_path / "r.jsonl"
    args = [str(reference[0]), "--out", str(out), "--rejects", str(rejects), "--workers", "2",
            "--chunk-rows", str(CHUNK)]
    failed = _cli(args, fault="3:kill:always")
    assert failed.returncode == 1, failed.stderr
    assert "chunk 3 failed twice" in failed.stderr
    assert "resume" in failed.stderr
    assert not rejects.exists()
    resumed = _cli([*args, "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    _same(out, rejects, reference)


def test_stuck_worker_overruns_the_deadline_and_the_run_stops(reference: tuple[Path, Path, Path],
                                                              tmp_path: Path) -> None:
    """A worker that never answers on chunk 2 is killed at the chunk deadline, retried, and the
    run stops with exit 1 instead of waiting for ever; ``--resume`` completes it."""
    out, rejects = tmp_path / "out", tmp_path / "r.jsonl"
    args = [str(reference[0]), "--out", str(out), "--rejects", str(rejects), "--workers", "2",
            "--chunk-rows", str(CHUNK)]
    failed = _cli([*args, "--chunk-deadline", "10"], fault="2:hang:always")
    assert failed.returncode == 1, failed.stderr
    assert "chunk 2 failed twice: no result within 10 s" in failed.stderr
    resumed = _cli([*args, "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    _same(out, rejects, reference)


def _lines(source: Path) -> list[bytes]:
    return source.read_bytes().split(b"\n")[:-1]


def _replay_ok(inputs: list[Path], tmp_path: Path, name: str) -> tuple[Any, list[dict[str, Any]]]:
    """A one-worker replay that must complete; its summary and rejects."""
    summary = replay(inputs, tmp_path / name, tmp_path / f"{name}.jsonl", workers=1, chunk_rows=CHUNK)
    assert summary.rows_in == summary.rows_out + summary.rows_rejected
    return summary, read_rejects(tmp_path / f"{name}.jsonl")


def test_lone_surrogate_in_a_jsonl_line_is_a_reject(tmp_path: Path) -> None:
    """A JSON escape for a lone surrogate (in the attempt id or deep in the report) makes that row
    a ``json_invalid`` reject naming its row and file; the rows around it are diagnosed."""
    source = tmp_path / "in.jsonl"
    write_jsonl(source, 120, 5, 0)
    lines = _lines(source)
    report = json.loads(lines[60])
    report["attempt"]["id"] = "pay\ud800x"
    lines[60] = json.dumps(report).encode()
    lines[90] = lines[90][:-1] + b', "metadata": {"note": "a\\udfffb"}}'
    source.write_bytes(b"\n".join(lines) + b"\n")
    summary, rejects = _replay_ok([source], tmp_path, "out")
    assert (summary.rows_in, summary.rows_out) == (120, 118)
    assert [(r["row"], r["source"], r["problems"][0]["type"]) for r in rejects] == [
        (61, str(source), "json_invalid"), (91, str(source), "json_invalid")]
    assert "surrogate" in rejects[0]["problems"][0]["msg"]


def test_invalid_utf8_in_a_csv_record_is_a_reject(tmp_path: Path) -> None:
    """One byte that is not UTF-8 in a CSV record (plain and gzip) rejects that record alone, as
    ``utf8_invalid`` naming the column; the replay completes."""
    for name in ("in.csv", "in.csv.gz"):
        plain = tmp_path / "plain.csv"
        write_reports(plain, 150, 6, 0)
        lines = _lines(plain)
        lines[70] = lines[70].replace(b"syn6", b"s\xffyn6", 1)
        data = b"\n".join(lines) + b"\n"
        source = tmp_path / name
        source.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        summary, rejects = _replay_ok([source], tmp_path, name.replace(".", "_"))
        assert (summary.rows_in, summary.rows_out) == (150, 149)
        assert [(r["row"], r["problems"][0]["type"], r["problems"][0]["loc"]) for r in rejects] == [
            (70, "utf8_invalid", ["attempt_id"])]


def test_invalid_utf8_in_a_parquet_string_is_a_reject(tmp_path: Path) -> None:
    """A Parquet string cell that is not UTF-8 rejects that row alone (``utf8_invalid``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "in.parquet"
    write_reports(source, 80, 8, 0)
    table = pq.read_table(source)
    ids = table.column("attempt_id").cast(pa.binary()).to_pylist()
    ids[33] = b"pay\xfe1"
    forged = pa.Array.from_buffers(pa.string(), len(ids), pa.array(ids, pa.binary()).buffers())
    table = table.set_column(table.column_names.index("attempt_id"), "attempt_id", forged)
    pq.write_table(table, source)
    summary, rejects = _replay_ok([source], tmp_path, "out")
    assert (summary.rows_in, summary.rows_out) == (80, 79)
    assert [(r["row"], r["problems"][0]["type"]) for r in rejects] == [(34, "utf8_invalid")]


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_truncated_gzip_commits_its_readable_rows(tmp_path: Path, kind: str) -> None:
    """A gzip file cut in half gives its readable rows as output and one ``input_truncated``
    reject for the rest, and rows in = rows out + rows rejected."""
    full = tmp_path / f"full.{kind}"
    write_reports(full, 3000, 9, 0)
    packed = gzip.compress(full.read_bytes())
    source = tmp_path / f"cut.{kind}.gz"
    source.write_bytes(packed[:len(packed) // 2])
    summary, rejects = _replay_ok([source], tmp_path, "out")
    assert summary.rows_out > 1000
    assert rejects[-1]["problems"][0]["type"] == "input_truncated"
    assert rejects[-1]["row"] == summary.rows_in
    assert all(r["problems"][0]["type"] != "input_truncated" for r in rejects[:-1])
    assert read_output(tmp_path / "out").column("row").to_pylist() == list(range(1, summary.rows_out + 1))


def _run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = run(batch_parser().parse_args(["replay", *args]))
    return code, capsys.readouterr().err


def test_refused_input_leaves_out_as_it_was(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An input refused at the start (a CSV without a header) exits 2 and leaves ``--out`` as it
    was (absent, or empty), so the corrected rerun into the same ``--out`` works."""
    empty_csv = tmp_path / "empty.csv"
    empty_csv.write_bytes(b"")
    good = tmp_path / "good.jsonl"
    write_jsonl(good, 60, 2, 0)
    for out in (tmp_path / "absent", tmp_path / "empty"):
        if out.name == "empty":
            out.mkdir()
        code, err = _run_cli([str(empty_csv), "--out", str(out), "--rejects", str(tmp_path / "r.jsonl")],
                             capsys)
        assert code == 2, err
        assert (not out.exists()) if out.name == "absent" else list(out.iterdir()) == []
        code, err = _run_cli([str(good), "--out", str(out), "--rejects", str(tmp_path / "r.jsonl")], capsys)
        assert code == 0, err


def test_unwritable_rejects_or_out_is_refused_before_any_chunk(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A ``--rejects`` that cannot be written (a directory, or under a regular file) or an ``--out``
    under a regular file is refused with exit 2 before any row is diagnosed: ``--out`` is not
    created and no ``_rejects`` file is left."""
    good = tmp_path / "good.jsonl"
    write_jsonl(good, 60, 2, 0)
    (tmp_path / "a_dir").mkdir()
    (tmp_path / "a_file").write_text("x")
    out = tmp_path / "out"
    for rejects, target in ((tmp_path / "a_dir", out), (tmp_path / "a_file" / "r.jsonl", out),
                            (tmp_path / "r.jsonl", tmp_path / "a_file" / "out")):
        code, err = _run_cli([str(good), "--out", str(target), "--rejects", str(rejects)], capsys)
        assert code == 2, err
        assert "cannot write" in err
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_dir", "a_file", "good.jsonl"]


def test_over_long_jsonl_line_is_a_reject_read_in_bounded_pieces(tmp_path: Path) -> None:
    """A JSON Lines line longer than MAX_LINE_BYTES (in the middle and at the very end, without a
    final newline) is a ``line_too_long`` reject naming its line; the rows around it are kept and
    the reader never holds more than the cap plus one block of it."""
    from payfix.batch import sources

    source = tmp_path / "in.jsonl"
    write_jsonl(source, 40, 4, 0)
    lines = _lines(source)
    long_line = b'{"attempt": {"id": "' + b"x" * (3 * sources.MAX_LINE_BYTES) + b'"}}'
    data = b"\n".join([*lines[:20], long_line, *lines[20:], long_line])
    source.write_bytes(data)
    summary, rejects = _replay_ok([source], tmp_path, "out")
    assert (summary.rows_in, summary.rows_out) == (42, 40)
    assert [(r["row"], r["problems"][0]["type"]) for r in rejects] == [(21, "line_too_long"),
                                                                       (42, "line_too_long")]
    assert "line 21:" in rejects[0]["problems"][0]["msg"]
    assert "line 42:" in rejects[1]["problems"][0]["msg"]


def test_over_long_line_is_not_held_in_memory(tmp_path: Path) -> None:
    """Reading a 40 MiB line allocates far less than the line (bounded by the cap and the read
    block, measured with tracemalloc), and the line is one ``line_too_long`` reject."""
    import tracemalloc

    from payfix.batch.sources import read_chunks

    source = tmp_path / "in.jsonl"
    with source.open("wb") as handle:
        handle.write(b'{"a": 1}\n{"id": "')
        for _ in range(40):
            handle.write(b"x" * (1 << 20))
        handle.write(b'"}\n{"b": 2}\n')
    tracemalloc.start()
    try:
        chunks = list(read_chunks(source, 10))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(c.records, [b[0] for b in c.bad]) for c in chunks] == [([1, 3], [2])]
    assert json.loads(chunks[0].bad[0][1])[0]["type"] == "line_too_long"
    assert peak < 20 * (1 << 20)


def _float_amount_table(amounts: list[float], currency: str) -> Any:
    import pyarrow as pa

    n = len(amounts)
    return pa.table({"attempt_id": [f"a{i}" for i in range(n)], "attempt_at": ["2026-03-01T10:00:00Z"] * n,
                     "attempt_kind": ["purchase"] * n, "attempt_amount": pa.array(amounts, pa.float64()),
                     "attempt_currency": [currency] * n, "method_type": ["wallet_balance"] * n,
                     "device_online": [False] * n})


@pytest.fixture(scope="module")
def agent() -> Any:
    from payfix.diagnosis.diagnoser import Diagnoser

    return Diagnoser(engine="compiled", audience="agent")


def test_whole_float_amounts_in_parquet_are_accepted(tmp_path: Path) -> None:
    """A Parquet float64 amount of 1200.0 JPY (a whole number of yen) is diagnosed with amount
    ``1200``; 1200.5 JPY and 12.345 USD are refused, saying how many decimal places are allowed."""
    import pyarrow.parquet as pq

    for currency, amounts in (("JPY", [1200.0, 1200.5, 3e14]), ("USD", [12.5, 12.345, 12.0])):
        source = tmp_path / f"{currency}.parquet"
        pq.write_table(_float_amount_table(amounts, currency), source)
        summary, rejects = _replay_ok([source], tmp_path, currency)
        assert summary.rows_out == 2
        assert [r["row"] for r in rejects] == [2]
        assert "decimal places" in rejects[0]["problems"][0]["msg"]
        kept = read_output(tmp_path / currency).column("amount").to_pylist()
        assert kept == (["1200", "300000000000000"] if currency == "JPY" else ["12.5", "12"])


@settings(max_examples=60, deadline=None)
@given(units=st.integers(-10**9, 10**9), places=st.sampled_from([0, 2]), extra=st.integers(0, 3))
def test_float_amounts_are_exact_or_refused(agent: Any, units: int, places: int, extra: int) -> None:
    """For any float amount: it is accepted exactly when its shortest repr, as a Decimal, has no
    more decimal places than the currency (JPY 0, EUR 2), and the amount kept is that Decimal
    exactly; otherwise the row is refused naming the decimal places."""
    from decimal import Decimal

    from payfix.batch import diagnose_table

    value = float(Decimal(abs(units) + 1).scaleb(-(places + extra)))
    currency = "JPY" if places == 0 else "EUR"
    exact = Decimal(repr(value))
    fits = exact == exact.quantize(Decimal(1).scaleb(-places))
    results, rejects = diagnose_table(agent, _float_amount_table([value], currency), 1)
    if fits:
        assert results.num_rows == 1, rejects.column("problems").to_pylist()
        assert Decimal(results.column("amount")[0].as_py()) == exact
    else:
        assert results.num_rows == 0
        assert "decimal places" in rejects.column("problems")[0].as_py()


def _forged_text(values: list[bytes]) -> Any:
    """An Arrow string array holding ``values`` as they are, UTF-8 or not (as Spark hands over
    a text line's bytes)."""
    import pyarrow as pa

    return pa.Array.from_buffers(pa.string(), len(values), pa.array(values, pa.binary()).buffers())


def test_diagnose_table_rejects_undecodable_text_cells(agent: Any) -> None:
    """``diagnose_table`` (shared by Spark and replay) given string columns whose bytes are not
    UTF-8, nested or flat, rejects those rows (``json_invalid`` / ``utf8_invalid``) and diagnoses
    the others, instead of failing the whole batch."""
    import pyarrow as pa

    from payfix.batch import diagnose_table, synth_rows

    lines = [row.line.encode() for row in synth_rows(4, 3)]
    lines[1] = lines[1].replace(b"syn3", b"s\xffyn3", 1)
    results, rejects = diagnose_table(agent, pa.table({"report": _forged_text(lines)}), 1)
    assert results.column("row").to_pylist() == [1, 3, 4]
    assert rejects.column("row").to_pylist() == [2]
    assert json.loads(rejects.column("problems")[0].as_py())[0]["type"] == "json_invalid"
    flat = _float_amount_table([10.0, 11.0, 12.0], "EUR")
    flat = flat.set_column(0, "attempt_id", _forged_text([b"a0", b"a\xfe1", b"a2"]))
    results, rejects = diagnose_table(agent, flat, 1)
    assert results.column("row").to_pylist() == [1, 3]
    assert rejects.column("row").to_pylist() == [2]
    problem = json.loads(rejects.column("problems")[0].as_py())[0]
    assert (problem["type"], problem["loc"]) == ("utf8_invalid", ["attempt_id"])


def test_ctrl_c_ends_cleanly_with_130_and_says_how_to_resume(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the replay's process group, workers included) once chunks are committed:
    exit 130, one line saying how to resume, no traceback from the replay or its workers; the
    resumed run then completes with every row, none twice."""
    data = tmp_path / "in.jsonl"
    write_jsonl(data, rows=4000, seed=9, corrupt_share=0.05)
    args = [str(data), "--out", str(tmp_path / "out"), "--rejects", str(tmp_path / "rej.jsonl"),
            "--workers", "2", "--chunk-rows", "100"]
    proc = subprocess.Popen([sys.executable, "-c", _CLI, "replay", *args], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    manifest = tmp_path / "out" / "_manifest.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.exists() and manifest.read_bytes().count(b"\n") >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the replay finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "interrupted; committed chunks are kept: run the same command with --resume" in err
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err
    resumed = _cli([*args, "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    assert "rows in: 4000, out: 3800, rejected: 200" in resumed.stdout
