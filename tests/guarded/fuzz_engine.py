"""Run by tests/test_engines.py in a child process: durable_rules vs compiled on random input.

Exit 0 and print 'equivalent' when every case agrees; a C crash or hang shows up as the child's
signal or timeout in the parent test.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from payfix import Diagnoser
from payfix.engines import create_engine
from tests.strategies import PACK, fact_sets, reports

DURABLE = create_engine(PACK, "durable")
COMPILED = create_engine(PACK, "compiled")
D_DIAG = Diagnoser(PACK, "durable", audience="agent")
C_DIAG = Diagnoser(PACK, "compiled", audience="agent")
FAST = settings(max_examples=2000, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@FAST
@given(fact_sets())
def same_hits(facts: dict) -> None:
    assert DURABLE.evaluate(facts) == COMPILED.evaluate(facts), facts


@settings(FAST, max_examples=500)
@given(reports())
def same_diagnosis(report: dict) -> None:
    d = D_DIAG.diagnose(report).model_copy(update={"engine": "compiled"})
    assert d == C_DIAG.diagnose(report), report


if __name__ == "__main__":
    same_hits()
    same_diagnosis()
    print("equivalent: 2000 fact sets, 500 reports")
