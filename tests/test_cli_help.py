"""Every `--help` tells a newcomer what to type next, and the commands it suggests work."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from payfix import durable_available
from payfix.cli import build_parser, main

from .conftest import ROOT

#: Sub-commands whose help lives in payfix/cli.py; each ends with example commands.
OWNED = [("diagnose",), ("schema",), ("rules",), ("rules", "check"), ("rules", "test"),
         ("rules", "docs"), ("fees",), ("fees", "quote"), ("codes",), ("codes", "lookup"),
         ("codes", "list")]


def _sub(words: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for word in words:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[word]
    return parser


def _examples(words: tuple[str, ...]) -> list[str]:
    epilog = _sub(words).epilog or ""
    return [line.strip() for line in epilog.splitlines()[1:] if line.strip().startswith("payfix ")]


@pytest.mark.parametrize("words", OWNED, ids=" ".join)
def test_subcommand_help_ends_with_examples(words: tuple[str, ...],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix ... --help` prints an examples section with 1-3 commands of that very sub-command."""
    with pytest.raises(SystemExit) as exit_info:
        main([*words, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "\nexamples:\n" in out
    examples = _examples(words)
    assert 1 <= len(examples) <= 3
    assert all(example.startswith("payfix " + " ".join(words)) for example in examples)
    assert all(example in out for example in examples)


def _runnable() -> list[str]:
    commands = [example for words in OWNED for example in _examples(words)]
    top = build_parser().epilog or ""
    commands += [line.strip() for line in top.splitlines() if line.startswith("  payfix ")
                 and line.split()[1] not in ("synth", "replay")]
    return sorted(set(commands))


@pytest.mark.parametrize("command", _runnable())
def test_suggested_command_runs(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    """Each command the help suggests exits 0 from the repository root (output files go to a tmp dir)."""
    if "--engine durable" in command and not durable_available():
        pytest.skip("durable_rules not importable on this Python (the command needs payfix[durable])")
    monkeypatch.chdir(ROOT)
    for part in command.split(" && "):
        part = re.sub(r"\s*>\s*\S+$", "", part)  # a shell redirection: the output is not the point
        argv = shlex.split(part)[1:]
        if "--out" in argv:
            argv[argv.index("--out") + 1] = str(tmp_path / "out.md")
        assert main(argv) == 0, (part, capsys.readouterr())


def test_build_parser_is_the_parser_main_uses() -> None:
    """build_parser() is the documented way to the full parser: every command main() dispatches."""
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(action.choices) >= {"diagnose", "schema", "rules", "fees", "codes", "synth", "replay"}


@pytest.mark.parametrize("words", [("synth",), ("replay",), ("serve",)], ids=" ".join)
def test_batch_and_service_help_end_with_examples(words: tuple[str, ...]) -> None:
    """The batch and service sub-commands' help also ends with commands of that sub-command."""
    examples = [line for line in _examples(words) if line.startswith("payfix " + words[0])]
    assert "examples:" in (_sub(words).epilog or "")
    assert 1 <= len(examples) <= 3
