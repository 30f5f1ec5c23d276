"""Engines: durable_rules and compiled closures fire the same rules; the self-test guards both."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from payfix import EngineUnavailableError, durable_available
from payfix.engines import create_engine
from payfix.errors import EngineError
from payfix.rules.conditions import evaluate
from payfix.rules.pack import RulePack

from .strategies import PACK, fact_sets

needs_durable = pytest.mark.skipif(not durable_available(), reason="durable_rules not importable")
GUARD = Path(__file__).parent / "guarded" / "fuzz_engine.py"


@given(fact_sets())
def test_compiled_engine_matches_the_reference_semantics(facts: dict[str, Any]) -> None:
    """The compiled engine fires exactly the rules the reference evaluator says hold."""
    engine = create_engine(PACK, "compiled")
    expected = {r.id for r in PACK.rules if evaluate(r.condition, facts)}
    assert engine.evaluate(facts) == expected


@needs_durable
def test_durable_and_compiled_agree_on_random_facts_in_a_guarded_process() -> None:
    """Engine equivalence and robustness: thousands of random fact sets and reports run on
    durable_rules in a child process, so a C abort or a hang fails this test instead of pytest."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run([sys.executable, str(GUARD)], capture_output=True, text=True,
                          timeout=600, env=env, check=False)
    assert proc.returncode == 0, f"guarded run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    assert "equivalent" in proc.stdout


def test_unknown_engine_is_refused(pack: RulePack) -> None:
    """Asking for an engine that does not exist is a clear error."""
    with pytest.raises(EngineUnavailableError, match="unknown engine"):
        create_engine(pack, "quantum")


def test_self_test_catches_a_broken_engine(pack: RulePack) -> None:
    """An engine that drops one rule fails the start-up self-test, naming the rule."""
    from payfix.engines.base import self_test
    from payfix.engines.compiled import CompiledEngine

    class Broken(CompiledEngine):
        def evaluate(self, facts: Any) -> frozenset[str]:
            return super().evaluate(facts) - {"payee.identifier_invalid"}

    with pytest.raises(EngineError, match=r"payee\.identifier_invalid"):
        self_test(Broken(pack), pack)


@needs_durable
@settings(max_examples=100)
@given(fact_sets())
def test_durable_in_process_matches_compiled(facts: dict[str, Any]) -> None:
    """Same hits in process too (the guarded run above covers crashes)."""
    durable = _durable()
    assert durable.evaluate(facts) == create_engine(PACK, "compiled").evaluate(facts)


@needs_durable
def test_a_dropped_durable_engine_frees_its_rulesets(pack: RulePack) -> None:
    """Once a durable engine is garbage-collected, none of its durable_rules ruleset handles
    resolves any more (error 111, invalid handle): the C rulesets were freed, not kept for ever."""
    import durable_rules_engine

    engine: Any = create_engine(pack, "durable")
    handles = [ruleset._handle for ruleset in engine._host._ruleset_list]
    assert len(handles) == len(pack.rulesets)
    for handle in handles:
        assert '"sid": "payfix"' in durable_rules_engine.get_state(handle, "payfix")
    del engine
    gc.collect()
    for handle in handles:
        with pytest.raises(durable_rules_engine.error, match="error code: 111"):
            durable_rules_engine.get_state(handle, "payfix")


_cache: dict[str, Any] = {}


def _durable() -> Any:
    if "d" not in _cache:
        _cache["d"] = create_engine(PACK, "durable")
    return _cache["d"]
