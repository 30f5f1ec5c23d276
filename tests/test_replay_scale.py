"""Replay at scale: 100,000 synthetic rows with 5% corrupted, on two worker processes, run through
once and killed (SIGKILL) mid-run then resumed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow")

from payfix.batch.cli import run
from payfix.batch.replay import read_output
from payfix.batch.synth import synth_rows

from .replay_support import batch_parser, kill_replay_after

ROWS, SEED, SHARE, CHUNK = 100_000, 101, 0.05, 5000
@pytest.fixture(scope="module")
def hundred_k(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The 100k-row file, which rows are corrupted and how, and an uninterrupted two-worker replay."""
    root = tmp_path_factory.mktemp("scale")
    source = root / "reports.jsonl"
    kinds: dict[int, str] = {}
    with source.open("w", encoding="utf-8") as handle:
        for row in synth_rows(ROWS, SEED, SHARE):
            handle.write(row.line + "\n")
            if row.kind is not None:
                kinds[row.row] = row.kind
    argv = ["replay", str(source), "--out", str(root / "out"), "--rejects", str(root / "rejects.jsonl"),
            "--workers", "2", "--chunk-rows", str(CHUNK)]
    assert run(batch_parser().parse_args(argv)) == 0
    return {"root": root, "source": source, "kinds": kinds, "table": read_output(root / "out"),
            "rejects": root / "rejects.jsonl"}


def test_100k_rows_are_conserved_and_every_corrupted_row_is_rejected(
        hundred_k: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    """rows in = rows out + rows rejected = 100,000; the rejects are exactly the 5,000 corrupted
    rows, each with typed problems; the output holds every other row once, in input order."""
    kinds, table = hundred_k["kinds"], hundred_k["table"]
    assert len(kinds) == ROWS * SHARE
    rejects = [json.loads(line) for line in hundred_k["rejects"].read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in rejects] == sorted(kinds)
    for reject in rejects:
        assert reject["problems"], reject
        assert all(set(p) == {"type", "loc", "msg"} and p["type"] and p["msg"] for p in reject["problems"])
        if kinds[reject["row"]] == "not_json":
            assert reject["problems"][0]["type"] == "json_invalid"
    rows = table.column("row").to_pylist()
    assert rows == [n for n in range(1, ROWS + 1) if n not in kinds]
    assert table.num_rows + len(rejects) == ROWS
    summary = json.loads((hundred_k["root"] / "out" / "_summary.json").read_text())
    assert summary == {"rows_in": ROWS, "rows_out": ROWS - len(kinds), "rows_rejected": len(kinds),
                       "chunks": ROWS // CHUNK, "unmapped_codes": []}


def test_100k_replay_killed_mid_run_and_resumed_gives_the_same_rows(
        hundred_k: dict[str, Any], tmp_path: Path) -> None:
    """A two-worker replay killed with SIGKILL (workers included) after some chunks are committed,
    then resumed, gives the identical output rows and rejects, no row twice and none missing."""
    out, rejects = tmp_path / "out", tmp_path / "rejects.jsonl"
    args = ["replay", str(hundred_k["source"]), "--out", str(out), "--rejects", str(rejects),
            "--workers", "2", "--chunk-rows", str(CHUNK)]
    committed = kill_replay_after(args, out, commits=3, timeout=120)
    assert 3 <= committed < ROWS // CHUNK
    assert not rejects.exists()
    assert run(batch_parser().parse_args([*args, "--resume"])) == 0
    table = read_output(out)
    assert table.equals(hundred_k["table"])
    assert len(set(table.column("row").to_pylist())) == table.num_rows
    assert rejects.read_bytes() == hundred_k["rejects"].read_bytes()
