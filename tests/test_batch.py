"""Batch replay: synthetic reports, conservation of rows, resume after a crash, worker parity, CLI."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow")

from payfix.batch import CORRUPTIONS, ConservationError, Progress, replay, synth_rows, write_jsonl
from payfix.batch.cli import run
from payfix.batch.replay import OUTPUT_COLUMNS, read_output

from .conftest import example
from .replay_support import batch_parser, kill_replay_after, read_rejects

ROWS, SEED, SHARE = 20_000, 11, 0.05


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The 20k-row file with 5% corrupted rows, its row kinds, and a one-worker replay of it."""
    root = tmp_path_factory.mktemp("batch")
    source = root / "reports.jsonl"
    assert write_jsonl(source, ROWS, SEED, SHARE) == ROWS
    rows = list(synth_rows(ROWS, SEED, SHARE))
    summary = replay([source], root / "out1", root / "rejects1.jsonl", workers=1)
    return {"root": root, "source": source, "rows": rows, "summary": summary,
            "table": read_output(root / "out1"), "rejects": root / "rejects1.jsonl"}


@pytest.fixture
def small(tmp_path: Path) -> Path:
    source = tmp_path / "small.jsonl"
    write_jsonl(source, 400, 3, 0.05)
    return source


def test_synth_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    """The same rows, seed and share give byte-identical files; another seed gives other rows;
    exactly floor(rows * share) rows are corrupted, in every documented way."""
    write_jsonl(tmp_path / "a.jsonl", 600, 42, 0.1)
    write_jsonl(tmp_path / "b.jsonl.gz", 600, 42, 0.1)
    write_jsonl(tmp_path / "c.jsonl", 600, 43, 0.1)
    a = (tmp_path / "a.jsonl").read_bytes()
    assert a == gzip.decompress((tmp_path / "b.jsonl.gz").read_bytes())
    assert a != (tmp_path / "c.jsonl").read_bytes()
    kinds = [row.kind for row in synth_rows(600, 42, 0.1)]
    assert sum(kind is not None for kind in kinds) == 60
    assert set(kinds) - {None} == set(CORRUPTIONS)
    reports = [row.report for row in synth_rows(600, 42)]
    assert {r["attempt"]["amount"]["currency"] for r in reports} == {"EUR", "USD", "CNY", "JPY", "GBP"}
    assert len({r["attempt"]["processor"]["scheme"] for r in reports if "processor" in r["attempt"]}) >= 5


def test_replay_conserves_rows_and_accounts_for_each(big: dict[str, Any]) -> None:
    """rows in = rows out + rows rejected; every corrupted row is rejected with a reason, and every
    valid row is in the output exactly once, with its attempt id, in input order."""
    summary, rows, table = big["summary"], big["rows"], big["table"]
    corrupted = {row.row for row in rows if row.kind is not None}
    assert len(corrupted) == ROWS * SHARE
    assert (summary.rows_in, summary.rows_out, summary.rows_rejected) == (
        ROWS, ROWS - len(corrupted), len(corrupted))
    rejects = read_rejects(big["rejects"])
    assert [r["row"] for r in rejects] == sorted(corrupted)
    for reject in rejects:
        assert reject["problems"]
        for problem in reject["problems"]:
            assert set(problem) == {"type", "loc", "msg"}
            assert problem["type"]
            assert problem["msg"]
    types = {p["type"] for r in rejects for p in r["problems"]}
    assert {"json_invalid", "missing", "extra_forbidden", "value_error"} <= types
    assert table.column_names == list(OUTPUT_COLUMNS)
    out_rows = table.column("row").to_pylist()
    assert out_rows == [row.row for row in rows if row.kind is None]
    ids = table.column("attempt_id").to_pylist()
    assert ids == [f"syn{SEED}-{n:08d}" for n in out_rows]
    assert set(table.column("engine").to_pylist()) == {"compiled"}
    assert any(table.column("escalate").to_pylist())
    assert any(fee is not None for fee in table.column("fee_total").to_pylist())


def test_two_workers_give_the_same_output_as_one(big: dict[str, Any]) -> None:
    """Output parts and rejects are identical whether one process or two worker processes diagnose."""
    root = big["root"]
    summary = replay([big["source"]], root / "out2", root / "rejects2.jsonl", workers=2)
    assert (summary.rows_in, summary.rows_out, summary.rows_rejected) == (
        big["summary"].rows_in, big["summary"].rows_out, big["summary"].rows_rejected)
    assert read_output(root / "out2").equals(big["table"])
    assert (root / "rejects2.jsonl").read_bytes() == big["rejects"].read_bytes()


def test_resume_after_a_crash_gives_the_same_rows(big: dict[str, Any], tmp_path: Path) -> None:
    """A run that dies after three committed chunks, resumed, gives exactly the rows of an
    uninterrupted run: no duplicates, no gaps, earlier chunks not redone."""
    seen: list[Progress] = []

    def crash(event: Progress) -> None:
        seen.append(event)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replay([big["source"]], tmp_path / "out", tmp_path / "rejects.jsonl", workers=1,
               chunk_rows=2500, progress=crash)
    assert not (tmp_path / "rejects.jsonl").exists()
    with pytest.raises(FileExistsError):
        replay([big["source"]], tmp_path / "out", tmp_path / "rejects.jsonl", workers=1, chunk_rows=2500)
    summary = replay([big["source"]], tmp_path / "out", tmp_path / "rejects.jsonl", workers=1,
                     chunk_rows=2500, resume=True)
    assert (summary.chunks, summary.chunks_resumed) == (8, 3)
    assert summary.rows_in == summary.rows_out + summary.rows_rejected == ROWS
    table = read_output(tmp_path / "out")
    assert table.equals(big["table"])
    assert (tmp_path / "rejects.jsonl").read_bytes() == big["rejects"].read_bytes()


def test_resume_after_kill_gives_the_same_rows(big: dict[str, Any], tmp_path: Path) -> None:
    """A replay process killed (SIGKILL) after its first committed part, then resumed, gives the
    identical set of output rows and rejects, none twice."""
    out, rejects = tmp_path / "out", tmp_path / "rejects.jsonl"
    args = ["replay", str(big["source"]), "--out", str(out), "--rejects", str(rejects),
            "--chunk-rows", "1000"]
    committed = kill_replay_after(args, out, commits=1, timeout=60)
    assert 1 <= committed < 20
    assert run(batch_parser().parse_args([*args, "--resume"])) == 0
    table = read_output(out)
    assert table.equals(big["table"])
    assert len(set(table.column("row").to_pylist())) == table.num_rows
    assert rejects.read_bytes() == big["rejects"].read_bytes()


def test_malformed_lines_are_rejects_and_blank_lines_are_not_rows(tmp_path: Path) -> None:
    """Non-JSON, non-UTF-8 and non-object lines are rejected with their row number; blank lines
    are skipped; gzip input is read by its suffix."""
    good = next(synth_rows(1, 5)).line.encode()
    source = tmp_path / "mixed.jsonl.gz"
    source.write_bytes(gzip.compress(b"\n".join(
        [good, b"", b"\xff\xfe{", b"[1, 2]", b'{"attempt": {"id": "x-1"', b"   ",
         b'{"attempt": {"id": "x-2", "kind": "lunch"}}']) + b"\n"))
    summary = replay([source], tmp_path / "out", tmp_path / "rej.jsonl", workers=1)
    assert (summary.rows_in, summary.rows_out, summary.rows_rejected) == (5, 1, 4)
    rejects = read_rejects(tmp_path / "rej.jsonl")
    assert [(r["row"], r["line"], r["attempt_id"]) for r in rejects] == [
        (2, 3, None), (3, 4, None), (4, 5, None), (5, 7, "x-2")]
    assert [r["problems"][0]["type"] for r in rejects[:3]] == ["json_invalid", "model_type", "json_invalid"]


def test_resume_refuses_other_settings(small: Path, tmp_path: Path) -> None:
    """Resuming with another chunk size than the interrupted run is refused, not silently mixed."""
    replay([small], tmp_path / "out", tmp_path / "rej.jsonl", workers=1, chunk_rows=100)
    with pytest.raises(ValueError, match="chunk_rows"):
        replay([small], tmp_path / "out", tmp_path / "rej.jsonl", workers=1, chunk_rows=50, resume=True)
    again = replay([small], tmp_path / "out", tmp_path / "rej.jsonl", workers=1, chunk_rows=100,
                   resume=True)
    assert (again.chunks, again.chunks_resumed, again.rows_in) == (4, 4, 400)


def test_conservation_is_checked_against_the_files(small: Path, tmp_path: Path) -> None:
    """A part that lost rows after it was committed makes the run fail with ConservationError."""
    import pyarrow.parquet as pq

    replay([small], tmp_path / "out", tmp_path / "rej.jsonl", workers=1, chunk_rows=100)
    part = tmp_path / "out" / "part-00001.parquet"
    pq.write_table(pq.read_table(part).slice(0, 10), part)
    with pytest.raises(ConservationError, match="part-00001"):
        replay([small], tmp_path / "out", tmp_path / "rej.jsonl", workers=1, chunk_rows=100, resume=True)


def test_a_file_mostly_rejected_fails_by_default(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Without --max-reject-rate a replay whose rows are more than half rejected (the wrong file,
    format or column map) exits 1 after its summary; --max-reject-rate 1 accepts it."""
    lines = [json.dumps({"attempt": {"id": f"r{i}"}}) for i in range(6)]  # invalid reports
    lines += [json.dumps(example("network_offline.json"))] * 4
    data = tmp_path / "mostly_bad.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = ["replay", str(data), "--out", str(tmp_path / "o"), "--rejects", str(tmp_path / "r.jsonl"),
            "--workers", "1"]
    assert run(batch_parser().parse_args(argv)) == 1
    captured = capsys.readouterr()
    assert "rows in: 10, out: 4, rejected: 6" in captured.out
    assert "reject rate 0.6000 is above --max-reject-rate 0.5" in captured.err
    again = ["replay", str(data), "--out", str(tmp_path / "o2"), "--rejects",
             str(tmp_path / "r2.jsonl"), "--workers", "1", "--max-reject-rate", "1"]
    assert run(batch_parser().parse_args(again)) == 0


def test_cli_counts_progress_and_exit_codes(small: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix replay` prints the count line and one JSON progress line per chunk off a terminal,
    exits 1 above --max-reject-rate, 0 within it, and 2 for an unreadable input."""
    parser = batch_parser()
    argv = ["replay", str(small), "--out", str(tmp_path / "o"), "--rejects", str(tmp_path / "r.jsonl"),
            "--chunk-rows", "150", "--max-reject-rate", "0.01"]
    assert run(parser.parse_args(argv)) == 1
    captured = capsys.readouterr()
    assert "rows in: 400, out: 380, rejected: 20" in captured.out
    events = [json.loads(line) for line in captured.err.splitlines() if line.startswith("{")]
    assert [e["chunk"] for e in events if e["event"] == "chunk_committed"] == [0, 1, 2]
    assert run(parser.parse_args([*argv[:-1], "0.05", "--resume"])) == 0
    assert run(parser.parse_args(["replay", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "x"),
                                  "--rejects", str(tmp_path / "x.jsonl")])) == 2
    assert run(parser.parse_args(["synth", "--rows", "5", "--seed", "1", "--out",
                                  str(tmp_path / "s.jsonl")])) == 0
    assert len((tmp_path / "s.jsonl").read_text().splitlines()) == 5


@pytest.mark.parametrize(("raw", "planted"), [
    ("4111-1111-1111-1111", "4111-1111-1111-1111"),
    ("01-23-45-67-89", "01-23-45-67-89"),
    ("+44 20 7946 0958", "7946 0958"),
    ("DE89370400440532013000", "370400440532013000"),
])
def test_a_rejected_rows_attempt_id_is_masked_like_a_diagnosis(raw: str, planted: str) -> None:
    """The attempt id written beside a rejected row (rejects file, `_rejects` parts, Spark rejects)
    hides card, phone and account numbers written in groups, as the diagnosis's `attempt_id` does."""
    from payfix.batch.columns import mask_id

    written = mask_id(raw)
    assert written is not None
    assert planted not in written
    assert mask_id("pay_20260501_0101") == "pay_20260501_0101"
    assert mask_id("syn8-00000001") == "syn8-00000001"
