"""Helpers the batch-replay tests share: the replay's own parser, reading rejects, and a replay
process killed with SIGKILL once it has committed some chunks."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from payfix.batch.cli import add_subcommands

#: ``payfix replay``/``synth`` in a child process, through the batch CLI's own parser.
_CLI = ("import sys, argparse\nfrom payfix.batch.cli import add_subcommands, run\n"
        "p = argparse.ArgumentParser()\nadd_subcommands(p.add_subparsers(dest='command'))\n"
        "sys.exit(run(p.parse_args(sys.argv[1:])))\n")


def batch_parser() -> argparse.ArgumentParser:
    """A ``payfix`` parser with the batch sub-commands only."""
    parser = argparse.ArgumentParser(prog="payfix")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    return parser


def read_rejects(path: Path) -> list[dict[str, Any]]:
    """The rejects file's lines, parsed."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def kill_replay_after(args: list[str], out: Path, commits: int, timeout: float) -> int:
    """Run ``payfix replay`` with ``args`` in its own process group, SIGKILL the group (workers
    included) once ``out``'s manifest holds ``commits`` committed chunks, and return how many were
    committed. Fails if the replay ended before it could be killed."""
    proc = subprocess.Popen([sys.executable, "-c", _CLI, *args], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = out / "_manifest.jsonl"
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if manifest.exists() and manifest.read_bytes().count(b"\n") >= commits:
                break
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the replay finished before it could be killed"
    return manifest.read_bytes().count(b"\n")
