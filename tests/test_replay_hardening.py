"""Replay hardening: supervised workers, undecodable rows, truncated files, paths checked first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

from payfix.batch import replay, write_jsonl
from payfix.batch.replay import read_output
from payfix.batch.workers import FAULT_ENV

from .replay_support import _CLI

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
    failed = _cli([*args, "--chunk-deadline", "20"], fault="2:hang:always")
    assert failed.returncode == 1, failed.stderr
    assert "chunk 2 failed twice: no result within 20 s" in failed.stderr
    resumed = _cli([*args, "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    _same(out, rejects, reference)
