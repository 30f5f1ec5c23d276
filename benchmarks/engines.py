"""Rule evaluation and full diagnosis throughput per engine, as ratios measured in the same run.

    python benchmarks/engines.py [--reports N]

Prints reports/s for each engine and the ratio against the compiled engine measured in the same
process on the same reports (absolute numbers drift on shared machines; ratios are what to compare).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from payfix import Diagnoser, durable_available
from payfix.facts import derive_facts
from payfix.intake import parse_report

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "reports"


def _rate(fn, items: list, rounds: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return len(items) / best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    raw = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
    reports = [parse_report(raw[i % len(raw)]) for i in range(args.reports)]
    engines = ["compiled", "durable"] if durable_available() else ["compiled"]
    diagnosers = {name: Diagnoser(engine=name, audience="agent") for name in engines}
    facts = [derive_facts(r, diagnosers["compiled"].pack) for r in reports]
    rows = []
    for name, diagnoser in diagnosers.items():
        evaluate = _rate(diagnoser.engine.evaluate, facts, args.rounds)
        full = _rate(diagnoser.diagnose, reports, args.rounds)
        rows.append((name, evaluate, full))
    base_eval, base_full = rows[0][1], rows[0][2]
    print(f"{'engine':<10} {'evaluate/s':>12} {'x compiled':>11} {'diagnose/s':>12} {'x compiled':>11}")
    for name, evaluate, full in rows:
        print(f"{name:<10} {evaluate:>12,.0f} {evaluate / base_eval:>11.2f} {full:>12,.0f} "
              f"{full / base_full:>11.2f}")


if __name__ == "__main__":
    main()
