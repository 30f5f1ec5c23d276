"""Engine equivalence beyond the shipped pack, and proof that the check can fail.

* random rule packs: durable_rules, compiled and the reference semantics fire the same rule ids
  (durable_rules in a child process, so a C crash or hang fails the test, not pytest);
* recorded hits: what durable_rules fired on the shipped pack (recorded on Python 3.11), replayed
  on the compiled engine on every Python, 3.13 included where durable_rules does not import;
* a deliberately miscompiled operator is caught by the same differential check;
* the hand-written baseline of ``benchmarks/`` agrees with the compiled engine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from payfix import durable_available, load_pack
from payfix.engines.compiled import CompiledEngine
from payfix.rules import codegen
from payfix.rules.forms import render
from payfix.vocab import Scalar

from .guarded.fuzz_random_packs import (
    BROKEN,
    PackSpec,
    Stats,
    build_pack,
    check_pack,
    fact_sets_for,
    pack_specs,
    reference,
)
from .strategies import PACK, fact_sets

ROOT = Path(__file__).resolve().parents[1]
GUARDED = Path(__file__).parent / "guarded"
RECORDED = Path(__file__).parent / "data" / "recorded_hits.jsonl"
needs_durable = pytest.mark.skipif(not durable_available(), reason="durable_rules not importable")

#: Random packs run on durable_rules per CI run (each leaks one C host) and fact sets per pack.
DURABLE_PACKS, FACTS_PER_PACK = 100, 200
NO_SHRINK = settings(deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                     report_multiple_bugs=False,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _child(script: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, str(GUARDED / script), *args], capture_output=True,
                          text=True, timeout=timeout, env=env, check=False, cwd=ROOT)


# --------------------------------------------------------------------------- random rule packs


@needs_durable
def test_durable_and_compiled_agree_on_random_rule_packs(tmp_path: Path) -> None:
    """100 random packs x (witness variants + 200 random fact sets) on durable_rules, compiled and
    the reference semantics, in a child process; the counts prove missing facts, boundary integers
    and quote/backslash/newline strings were all exercised."""
    seed = int(os.environ.get("PAYFIX_FUZZ_SEED", random.randrange(2**32)))
    trace = tmp_path / "pack.json"
    proc = _child("fuzz_random_packs.py", "--packs", str(DURABLE_PACKS), "--facts", str(FACTS_PER_PACK),
                  "--seed", str(seed), "--trace", str(trace), "--json", timeout=300)
    last = trace.read_text(encoding="utf-8") if trace.exists() else "(none)"
    assert proc.returncode == 0, (
        f"random-pack run failed (exit {proc.returncode}); reproduce with "
        f"python tests/guarded/fuzz_random_packs.py --seed {seed} "
        f"--packs {DURABLE_PACKS} --facts {FACTS_PER_PACK}\n"
        f"last pack: {last}\n{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}")
    summary, counts = proc.stdout.strip().splitlines()[-2:]
    assert summary.startswith("equivalent:")
    stats = json.loads(counts)
    assert stats["packs"] >= DURABLE_PACKS * 9 // 10
    assert stats["fact_sets"] >= stats["packs"] * FACTS_PER_PACK
    assert min(stats["with_missing"], stats["with_boundary"], stats["with_tricky"]) > 100, summary
    assert set(stats["ops"]) == {"==", "!=", "<", "<=", ">", ">=", "in", "present"}, summary


@settings(NO_SHRINK, max_examples=100, phases=list(Phase))
@given(pack_specs(), st.integers(0, 2**32 - 1))
def test_compiled_matches_the_reference_on_random_rule_packs(spec: PackSpec, fact_seed: int) -> None:
    """The same random packs and fact sets, compiled engine against the reference (any Python)."""
    pack = build_pack(spec)
    engines = {"compiled": CompiledEngine(pack).evaluate, "reference": reference(pack)}
    check_pack(pack, engines, fact_seed, 100, Stats())


# --------------------------------------------------------------------------- the check can fail


def _first_disagreement() -> None:
    """Compiled vs reference on random packs until the first disagreement (raised)."""

    @settings(NO_SHRINK, max_examples=1000)
    @given(pack_specs(), st.integers(0, 2**32 - 1))
    def run(spec: PackSpec, fact_seed: int) -> None:
        pack = build_pack(spec)
        engines = {"compiled": CompiledEngine(pack).evaluate, "reference": reference(pack)}
        check_pack(pack, engines, fact_seed, 100, Stats())

    run()


@pytest.mark.parametrize("op", sorted(BROKEN))
def test_the_differential_check_catches_a_miscompiled_operator(
        op: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Compile ``op`` as its off-by-one (or opposite) neighbour: the random-pack check must fail."""
    monkeypatch.setitem(codegen._PY_OPS, op, BROKEN[op])
    with pytest.raises(AssertionError, match="mismatch") as caught:
        _first_disagreement()
    assert "compiled=" in str(caught.value)
    assert f" {op} " in str(caught.value)


@needs_durable
def test_the_guarded_durable_check_catches_a_miscompiled_operator() -> None:
    """The child-process run against durable_rules fails too when ``<=`` is compiled as ``<``."""
    proc = _child("fuzz_random_packs.py", "--packs", "400", "--facts", "100", "--seed", "1",
                  "--break-op", "<=", timeout=180)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "mismatch" in proc.stderr
    assert "durable=" in proc.stderr
    assert "equivalent:" not in proc.stdout


# --------------------------------------------------------------------------- recorded hits


def _recording() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    lines = RECORDED.read_text(encoding="utf-8").splitlines()
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


def test_recorded_durable_hits_replay_on_the_compiled_engine() -> None:
    """Fact sets whose durable_rules hits were recorded on Python 3.11 fire exactly those rules on
    the compiled engine here; the recording must be of the shipped pack as it is now."""
    header, rows = _recording()
    pack = load_pack()
    if header["hash"] != pack.hash:
        pytest.fail(f"{RECORDED.relative_to(ROOT)} was recorded for pack {header['hash']}, but the "
                    f"shipped pack is now {pack.hash}: regenerate it on Python 3.11 with "
                    f"durable_rules installed: {header['regenerate']}")
    assert len(rows) == header["fact_sets"] >= 200
    engine = CompiledEngine(pack)
    wrong = [(row["facts"], row["fired"], sorted(engine.evaluate(row["facts"]))) for row in rows
             if sorted(engine.evaluate(row["facts"])) != row["fired"]]
    assert not wrong, "compiled differs from recorded durable_rules hits (facts, durable, compiled):\n" + \
        "\n".join(map(repr, wrong[:10]))
    never = {r.id for r in pack.rules} - {rule_id for row in rows for rule_id in row["fired"]}
    assert not never, f"the recording never fires {sorted(never)}: regenerate it"


@needs_durable
def test_the_recording_is_what_durable_fires_now() -> None:
    """durable_rules here still fires exactly the recorded hits (guarded child process)."""
    proc = _child("record_hits.py", "--check", timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --------------------------------------------------------------------------- hand-written baseline


def _handwritten() -> ModuleType:
    path = ROOT / "benchmarks" / "handwritten_rules.py"
    spec = importlib.util.spec_from_file_location("handwritten_rules", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HANDWRITTEN = _handwritten()
FIRED: Callable[[Mapping[str, Scalar]], frozenset[str]] = HANDWRITTEN.fired


def test_handwritten_baseline_covers_the_shipped_rules_as_written() -> None:
    """The benchmark baseline implements exactly the shipped rules (same ids, same conditions)."""
    shipped = {rule.id: render(rule.condition) for rule in PACK.rules}
    stale = {rule_id: (HANDWRITTEN.RULES.get(rule_id), text) for rule_id, text in shipped.items()
             if HANDWRITTEN.RULES.get(rule_id) != text}
    extra = sorted(set(HANDWRITTEN.RULES) - set(shipped))
    hint = "benchmarks/handwritten_rules.py no longer matches the shipped pack; update RULES and fired()"
    assert not stale, f"{hint} (id: (baseline, pack)): {stale}"
    assert not extra, f"{hint}; rules no longer shipped: {extra}"


@given(fact_sets())
def test_handwritten_baseline_agrees_with_compiled(facts: dict[str, Any]) -> None:
    """On random type-correct fact sets the baseline fires what the compiled engine fires."""
    assert FIRED(facts) == CompiledEngine(PACK).evaluate(facts)


def test_handwritten_baseline_agrees_on_witnesses_and_boundaries() -> None:
    """And on every rule's witness, its one-step variants and 3,000 boundary-heavy fact sets."""
    engine = CompiledEngine(PACK)
    for facts in fact_sets_for(PACK, random.Random(7), 3000):
        assert FIRED(facts) == engine.evaluate(facts), facts
