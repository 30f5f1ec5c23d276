"""What evaluating the rules column by column costs: the columnar engine on a table of fact sets
against the compiled engine row by row, in one run.

    python benchmarks/columnar_rules.py [--rows N] [--rounds N]

The fact sets are those of ``N`` synthetic reports (``payfix synth`` rows, seed 1), derived once.
Each round times, interleaved: the compiled engine's ``evaluate`` on every fact set (the per-row
path), the columnar engine's ``fired_columns`` on the whole table (the rules as column
expressions; what a columnar replay keeps), and building the table from the fact sets (what a
replay that derives facts row by row would pay on top). Prints fact sets/s per way (best round)
and the ratios; absolute numbers drift on shared machines, the ratios measured side by side are
what to compare. Needs pyarrow.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from payfix.batch.synth import synth_reports
from payfix.diagnosis.facts import derive_facts
from payfix.engines.columnar import ColumnarEngine, facts_table
from payfix.engines.compiled import CompiledEngine
from payfix.inputs.intake import parse_report
from payfix.rules.bundled import bundled_pack


def _best(call: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pack = bundled_pack()
    sets = [derive_facts(parse_report(r), pack) for r in synth_reports(args.rows, seed=1)]
    compiled, columnar = CompiledEngine(pack), ColumnarEngine(pack)
    table = facts_table(sets)
    assert columnar.fired_sets(table) == [compiled.evaluate(s) for s in sets]  # same answers
    times = {"compiled, row by row": 0.0, "columnar, rules on the table": 0.0,
             "columnar, table from the fact sets": 0.0}
    for _ in range(args.rounds):  # interleaved: each way sees the same machine state
        times["compiled, row by row"] = max(times["compiled, row by row"], args.rows / _best(
            lambda: [compiled.evaluate(s) for s in sets], 1))
        times["columnar, rules on the table"] = max(times["columnar, rules on the table"],
                                                     args.rows / _best(
                                                         lambda: columnar.fired_columns(table), 1))
        times["columnar, table from the fact sets"] = max(
            times["columnar, table from the fact sets"],
            args.rows / _best(lambda: facts_table(sets), 1))
    for name, rate in times.items():
        print(f"{name:36} {rate:12,.0f} fact sets/s  {1e6 / rate:7.3f} µs each")
    row = times["compiled, row by row"]
    print(f"rules on the table: {times['columnar, rules on the table'] / row:.1f}x the compiled "
          f"engine's rate ({len(pack.rules)} rules, {args.rows:,} fact sets)")


if __name__ == "__main__":
    main()
