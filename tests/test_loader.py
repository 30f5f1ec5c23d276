"""Rule-pack loading: every problem at once, with file:line:col, suggestions and the envelope."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from payfix import RulePackError, load_pack
from payfix.rules.loader import bundled_rules_dir

RULESET_HEADER = "ruleset: network\nrules:\n"


def _overlay(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _problems(overlay: Path) -> list[str]:
    with pytest.raises(RulePackError) as info:
        load_pack(overlay)
    return [p.render() for p in info.value.problems]


def test_bundled_pack_loads_with_all_rule_sets() -> None:
    """The shipped pack is valid and has the five rule sets in catalogue order."""
    pack = load_pack()
    assert [rs.name for rs in pack.rulesets] == ["network", "balance", "payee", "method", "security"]
    assert pack.hash.startswith("sha256:")


def test_misspelt_fact_names_position_and_suggestion(tmp_path: Path) -> None:
    """A misspelt fact is reported with file:line:col and a did-you-mean."""
    text = RULESET_HEADER + (
        "  - id: network.offline\n"
        "    when: device.onlin == false\n"
        "    remedy: network.reconnect\n"
        "    confidence: 90\n"
    )
    problems = _problems(_overlay(tmp_path, "network.yaml", text))
    assert problems == [
        f"{tmp_path}/network.yaml:4:11: unknown fact 'device.onlin' (did you mean 'device.online'?)"
    ]


def test_all_problems_are_listed_at_once(tmp_path: Path) -> None:
    """Bad operator, unknown remedy, unknown value and a syntax error all come back together."""
    text = RULESET_HEADER + (
        "  - id: network.a\n"
        "    when: device.connection > \"wifi\"\n"
        "    remedy: network.reconect\n"
        "    confidence: 50\n"
        "  - id: network.b\n"
        "    when: failure.reason == \"insuficient_funds\"\n"
        "    remedy: network.reconnect\n"
        "    confidence: 50\n"
        "  - id: network.c\n"
        "    when: device.online ==\n"
        "    remedy: network.reconnect\n"
        "    confidence: 50\n"
        "  - id: network.d\n"
        "    when: device.online\n"
        "    remedy: network.reconnect\n"
        "    confidence: 150\n"
    )
    problems = "\n".join(_problems(_overlay(tmp_path, "network.yaml", text)))
    assert "network.yaml:5:13: unknown remedy 'network.reconect' (did you mean 'network.reconnect'?)" \
        in problems
    assert "network.yaml:4:11: '>' is only defined for integer facts" in problems
    assert "'insuficient_funds' is not a value of 'failure.reason' (did you mean " \
           "'insufficient_funds'?)" in problems
    assert "network.yaml:12:27: expected a value" in problems
    assert "network.yaml:18:17: rules.3.confidence: Input should be less than or equal to 100" \
        in problems


def test_engine_envelope_is_enforced_at_load(tmp_path: Path) -> None:
    """A rule set beyond the durable_rules envelope is rejected before any report is diagnosed."""
    rules = "".join(
        f"  - id: network.r{i}\n    when: device.latency_ms > {i}\n"
        f"    remedy: network.reconnect\n    confidence: 50\n" for i in range(60)
    )
    problems = "\n".join(_problems(_overlay(tmp_path, "network.yaml", RULESET_HEADER + rules)))
    assert "can pass 60 condition nodes for one report; the engine envelope allows 48" in problems


def test_unknown_keys_and_yaml_syntax_errors_are_positioned(tmp_path: Path) -> None:
    """Structure errors name the key; YAML errors name the line."""
    _overlay(tmp_path, "payee.yaml", "ruleset: payee\nrules:\n  - id: payee.x\n    whn: a\n")
    _overlay(tmp_path, "codes/stripe.yaml", "scheme: [unclosed\n")
    problems = "\n".join(_problems(tmp_path))
    assert "payee.yaml:4:5: rules.0.whn: unknown key" in problems
    assert "codes/stripe.yaml:2:1: YAML syntax error" in problems


def test_overlay_replaces_a_file_and_changes_the_hash(tmp_path: Path) -> None:
    """An operator file replaces the bundled one at the same path; the pack hash follows."""
    base = load_pack()
    shutil.copy(bundled_rules_dir() / "pack.yaml", tmp_path / "pack.yaml")
    text = (tmp_path / "pack.yaml").read_text(encoding="utf-8")
    (tmp_path / "pack.yaml").write_text(text.replace("poor_latency_ms: 1500", "poor_latency_ms: 900"),
                                        encoding="utf-8")
    overlaid = load_pack(tmp_path)
    assert overlaid.settings.thresholds["poor_latency_ms"] == 900
    assert overlaid.hash != base.hash
    assert load_pack(tmp_path).hash == overlaid.hash


def test_missing_overlay_directory_is_a_pack_error(tmp_path: Path) -> None:
    """A wrong --rules path is a clear RulePackError, not a crash."""
    assert "is not a directory" in _problems(tmp_path / "nope")[0]


def test_positions_inside_folded_multi_line_conditions(tmp_path: Path) -> None:
    """An error on the second line of a folded condition points at that line and column."""
    text = RULESET_HEADER + (
        "  - id: network.a\n"
        "    when: >-\n"
        "      device.online == false\n"
        "      or device.latncy_ms > 5\n"
        "    remedy: network.reconnect\n"
        "    confidence: 50\n"
    )
    problems = _problems(_overlay(tmp_path, "network.yaml", text))
    assert problems[0].startswith(f"{tmp_path}/network.yaml:6:10: unknown fact 'device.latncy_ms'")


def test_rule_that_can_never_fire_is_rejected_at_load(tmp_path: Path) -> None:
    """A self-contradicting condition is a load error, not a start-up surprise."""
    text = RULESET_HEADER + (
        "  - id: network.never\n"
        "    when: device.latency_ms > 5 and device.latency_ms < 3\n"
        "    remedy: network.reconnect\n"
        "    confidence: 50\n"
    )
    problems = _problems(_overlay(tmp_path, "network.yaml", text))
    assert problems == [f"{tmp_path}/network.yaml:4:11: rule 'network.never' can never fire: "
                        "its condition contradicts itself"]
