"""Safe rule-pack loading: no YAML aliases, bounded file size, depth and values, files inside the
pack folder, and operator patterns that cannot backtrack for long."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from payfix import RulePackError, load_pack
from payfix.cli import main
from payfix.diagnosis import payee as payee_mod
from payfix.diagnosis.payee import check_wallet_id
from payfix.fees import load_fee_schedules
from payfix.rules._yamlsrc import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
from payfix.rules.lint import MAX_PATTERN_PATHS, pattern_problem
from payfix.rules.loader import bundled_rules_dir
from payfix.ruletests import run_rule_tests
from payfix.vocab import MAX_WALLET_ID_LENGTH

SRC = Path(__file__).resolve().parents[1] / "src"
BUNDLED = bundled_rules_dir()
ALIASES = "\nx_anchor: &x 1\ny_alias: *x\n"
LAUGHS = "lol0: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"lol{i}: &{chr(97 + i)} [{', '.join([f'*{chr(96 + i)}'] * 9)}]\n" for i in range(1, 10))


def _types(overlay: Path) -> list[tuple[str, str | None, int | None]]:
    with pytest.raises(RulePackError) as info:
        load_pack(overlay)
    return [(p.type, p.file, p.line) for p in info.value.problems]


def _with(overlay: Path, rel: str, text: str) -> Path:
    target = overlay / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return overlay


def _pack_yaml(extra: str) -> str:
    return (BUNDLED / "pack.yaml").read_text(encoding="utf-8") + extra


# --- YAML anchors and aliases -------------------------------------------------------------------


def test_billion_laughs_pack_yaml_is_refused_within_one_gib(tmp_path: Path) -> None:
    """A 1 KB pack.yaml of nested aliases (10^9 values when expanded) is refused as
    pack.yaml_alias at its first anchor, in a process limited to 1 GiB of address space."""
    _with(tmp_path, "pack.yaml", _pack_yaml(LAUGHS))
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from payfix import RulePackError, load_pack\n"
        "try:\n"
        f"    load_pack({str(tmp_path)!r})\n"
        "except RulePackError as error:\n"
        "    print(' '.join(p.type for p in error.problems))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, check=False)  # a hang guard, not a speed assertion
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["pack.yaml_alias"]


@pytest.mark.parametrize("rel", ["pack.yaml", "network.yaml", "remedies.yaml", "codes/stripe.yaml",
                                 "fees/eur_fx_transfer.yaml"])
def test_an_alias_in_any_pack_file_is_refused_with_its_position(tmp_path: Path, rel: str) -> None:
    """Settings, rule sets, remedies, code maps and fee files all refuse anchors and aliases,
    each reported as pack.yaml_alias at the anchor's line."""
    text = (BUNDLED / rel).read_text(encoding="utf-8")
    _with(tmp_path, rel, text + ALIASES)
    line = text.count("\n") + 2
    assert (("pack.yaml_alias", str(tmp_path / rel), line) in _types(tmp_path))


def test_an_alias_in_a_new_overlay_rule_set_is_refused(tmp_path: Path) -> None:
    """A rule set only the overlay has (named in its pack.yaml) refuses aliases too."""
    settings = _pack_yaml("").replace("security]", "security, promo]", 1)
    assert settings != _pack_yaml("")
    _with(tmp_path, "pack.yaml", settings)
    _with(tmp_path, "promo.yaml", "ruleset: promo\nrules:\n  - &r {id: promo.a, when: device.vpn, "
          "remedy: network.reconnect, confidence: 50}\n  - *r\n")
    assert ("pack.yaml_alias", str(tmp_path / "promo.yaml"), 3) in _types(tmp_path)


def test_an_alias_in_a_rule_test_file_is_refused(tmp_path: Path) -> None:
    """Rule test cases (tests/*.yaml, read by run_rule_tests) refuse aliases too."""
    text = (BUNDLED / "tests" / "payee.yaml").read_text(encoding="utf-8")
    _with(tmp_path, "tests/payee.yaml", text + ALIASES)
    with pytest.raises(RulePackError) as info:
        run_rule_tests(tmp_path)
    assert [p.type for p in info.value.problems] == ["pack.yaml_alias"]


def test_the_bundled_pack_has_no_anchors_and_loads() -> None:
    """Every bundled file parses without anchors or aliases, so refusing them changes nothing."""
    yaml = YAML(typ="rt")
    for path in BUNDLED.rglob("*.yaml"):
        for event in yaml.parse(path.read_bytes()):
            assert getattr(event, "anchor", None) is None, path
    assert load_pack().hash.startswith("sha256:")


# --- size, depth and number of values ----------------------------------------------------------


def test_an_oversize_file_is_refused_before_it_is_parsed(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A 50 MB (sparse) code map is refused as pack.file_too_large; the YAML parser never sees
    more than MAX_FILE_BYTES of any file."""
    big = tmp_path / "codes" / "huge.yaml"
    big.parent.mkdir()
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    seen: list[int] = []
    real_load = YAML.load

    def spy(self: YAML, stream: Any) -> Any:
        seen.append(len(stream.getvalue()))
        return real_load(self, stream)

    monkeypatch.setattr(YAML, "load", spy)
    problems = _types(tmp_path)
    assert problems == [("pack.file_too_large", str(big), None)]
    assert seen
    assert max(seen) <= MAX_FILE_BYTES


def test_the_largest_bundled_file_is_far_below_the_caps() -> None:
    """The size cap leaves at least 10x room over the largest bundled file (texts.yaml, which
    holds every text in two locales: room for several more)."""
    assert max(p.stat().st_size for p in BUNDLED.rglob("*.yaml")) * 10 <= MAX_FILE_BYTES


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    """Values nested deeper than MAX_DEPTH are refused as pack.yaml_too_deep with a position."""
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    _with(tmp_path, "pack.yaml", _pack_yaml(f"x_deep: {deep}\n"))
    assert [t for t, _, line in _types(tmp_path) if line] == ["pack.yaml_too_deep"]


def test_too_many_values_are_refused(tmp_path: Path) -> None:
    """A file with more than MAX_NODES values is refused as pack.yaml_too_many_values."""
    many = "x_many: [" + "0," * (MAX_NODES + 1) + "0]\n"
    _with(tmp_path, "pack.yaml", _pack_yaml(many))
    assert [t for t, _, _ in _types(tmp_path)] == ["pack.yaml_too_many_values"]


# --- files inside the pack folder ---------------------------------------------------------------


def _secret(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.yaml"
    secret.parent.mkdir()
    secret.write_text("sekrit_token_zq: hunter2\n", encoding="utf-8")
    return secret


def test_a_link_to_a_file_outside_the_folder_is_refused_unread(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]
                                                               ) -> None:
    """A code map linked to a file outside the overlay is refused as pack.outside_folder by
    `payfix rules check` (exit 2), and none of that file's content appears in the output."""
    overlay = tmp_path / "overlay"
    (overlay / "codes").mkdir(parents=True)
    (overlay / "codes" / "leak.yaml").symlink_to(_secret(tmp_path))
    assert main(["rules", "check", str(overlay), "--format", "json"]) == 2
    out = capsys.readouterr()
    problems = json.loads(out.out)["problems"]
    assert [(p["type"], p["file"]) for p in problems] == [
        ("pack.outside_folder", str(overlay / "codes" / "leak.yaml"))]
    assert "sekrit" not in out.out + out.err
    assert "hunter2" not in out.out + out.err


def test_a_linked_tests_folder_outside_the_pack_is_refused(tmp_path: Path) -> None:
    """An overlay whose tests/ folder links elsewhere ('tests -> ../outside') has its case files
    refused as pack.outside_folder, unread."""
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    _secret(tmp_path)
    (overlay / "tests").symlink_to(Path("..") / "outside")
    with pytest.raises(RulePackError) as info:
        run_rule_tests(overlay)
    assert [p.type for p in info.value.problems] == ["pack.outside_folder"]
    assert "sekrit" not in str(info.value)


def test_a_fee_file_linked_outside_its_folder_is_refused(tmp_path: Path) -> None:
    """load_fee_schedules(DIR) refuses a linked fee file outside DIR, with one problem only."""
    folder = tmp_path / "fees"
    folder.mkdir()
    (folder / "x.yaml").symlink_to(_secret(tmp_path))
    with pytest.raises(RulePackError) as info:
        load_fee_schedules(folder)
    assert [p.type for p in info.value.problems] == ["pack.outside_folder"]
    assert "sekrit" not in str(info.value)


def test_a_link_inside_the_folder_is_still_read(tmp_path: Path) -> None:
    """A symbolic link to another file inside the overlay is an ordinary pack file."""
    _with(tmp_path, "stash/pack.yaml", _pack_yaml(""))
    (tmp_path / "pack.yaml").symlink_to(Path("stash") / "pack.yaml")
    assert load_pack(tmp_path).settings == load_pack().settings


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    """A FIFO named like a pack file is refused as pack.not_a_file (opening it would block)."""
    os.mkfifo(tmp_path / "network.yaml")
    assert _types(tmp_path) == [("pack.not_a_file", str(tmp_path / "network.yaml"), None)]


# --- operator patterns ---------------------------------------------------------------------------

EVIL = ["^(a+)+$", "(a|a)*", "(a*)*", r"(\d+)*x", "(a|ab)*c", r"^(\w+\s?)*$", "(?:a?){2,}b",
        "((ab)*)+", "(x+x+)+y", r"^([a-z0-9]+-?)+$", "(?=(a+)+)a", r"\w+\w+\w+\w+!"]
GOOD = ["^[a-z0-9]{4,32}$", "^wal_[A-Za-z0-9]{8,40}$", "^[a-z]+$", r"^\d{6,12}$", "(a|b)*",
        "^(?:wal|usr)_[0-9a-f]{16}$", r"^[A-Z]{2}\d{2}[a-z]+$", "^(?:ab){2,5}$", "^x?y?z?$"]


@pytest.mark.parametrize("pattern", EVIL)
def test_backtracking_patterns_are_refused(pattern: str) -> None:
    """Patterns with nested or ambiguous repeats (exponential backtracking) are refused."""
    assert pattern_problem(pattern, MAX_WALLET_ID_LENGTH) is not None


@pytest.mark.parametrize("pattern", GOOD)
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    """Wallet id formats of the usual kind pass the check."""
    assert pattern_problem(pattern, MAX_WALLET_ID_LENGTH) is None


ATOMS = st.sampled_from(["a", "[a-z]", r"\d", ".", "(?:ab)", "[^x]"])
VARIABLE = st.sampled_from(["*", "+", "?", "{0,3}", "{1,}", "{2,9}", "*?", "+?"])


@given(ATOMS, VARIABLE, VARIABLE, st.sampled_from(["", "^", "x"]), st.sampled_from(["", "$", "y"]))
def test_any_repeat_inside_a_repeat_is_refused(atom: str, inner: str, outer: str, head: str,
                                               tail: str) -> None:
    """Whatever the atom and quantifiers, a repeat of variable count inside another is refused."""
    assert pattern_problem(f"{head}(?:{atom}{inner}){outer}{tail}", 128) is not None


@given(st.lists(st.tuples(ATOMS, st.integers(0, 10), st.integers(0, 30)), min_size=1, max_size=3))
def test_a_few_bounded_repeats_are_accepted(parts: list[tuple[str, int, int]]) -> None:
    """Up to three bounded repeats in a row stay well inside the budget and are accepted."""
    pattern = "".join(f"{atom}{{{low},{low + extra}}}" for atom, low, extra in parts)
    assert pattern_problem(pattern, 128) is None


def test_the_budget_counts_open_repeats() -> None:
    """Two open repeats fit the budget on a 128-character input; three do not."""
    assert (MAX_WALLET_ID_LENGTH + 1) ** 2 <= MAX_PATTERN_PATHS < (MAX_WALLET_ID_LENGTH + 1) ** 3
    assert pattern_problem("[a-z]+[0-9]+", MAX_WALLET_ID_LENGTH) is None
    assert pattern_problem("[a-z]+[0-9]+[a-z]+", MAX_WALLET_ID_LENGTH) is not None


@pytest.mark.parametrize("pattern", ["^(a+)+$", "(a|a)*", r"(\d+)*x"])
def test_rules_check_refuses_an_unsafe_wallet_pattern(tmp_path: Path, pattern: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix rules check DIR` exits 2 listing unsafe_pattern at wallet_id_pattern's line."""
    settings = [line for line in _pack_yaml("").splitlines() if "wallet_id_pattern" not in line]
    settings.append(f"wallet_id_pattern: '{pattern}'")
    _with(tmp_path, "pack.yaml", "\n".join(settings) + "\n")
    assert main(["rules", "check", str(tmp_path), "--format", "json"]) == 2
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [(p["type"], p["line"]) for p in problems] == [("unsafe_pattern", len(settings))]


def test_wallet_ids_beyond_the_cap_are_not_matched(monkeypatch: pytest.MonkeyPatch) -> None:
    """check_wallet_id runs the pattern only on ids up to MAX_WALLET_ID_LENGTH characters."""
    ran: list[str] = []
    real = payee_mod._compiled

    def spy(pattern: str) -> Any:
        ran.append(pattern)
        return real(pattern)

    monkeypatch.setattr(payee_mod, "_compiled", spy)
    assert check_wallet_id("^a+$", "a" * (MAX_WALLET_ID_LENGTH + 1)) == "length"
    assert ran == []
    assert check_wallet_id("^a+$", "a" * MAX_WALLET_ID_LENGTH) is None
    assert check_wallet_id("^a+$", "a!") == "format"
