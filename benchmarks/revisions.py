"""Diagnosis speed of two revisions of payfix, measured side by side in one run.

    python benchmarks/revisions.py BEFORE [AFTER] [--pairs 11] [--reports 500]

Each revision is checked out into a temporary worktree (``git worktree add --detach``). Runs then
alternate, before and after, each in a fresh interpreter with that revision's ``src`` first on the
path: build ``Diagnoser(engine="compiled")``, warm it on 50 reports, and time
``synth_reports(N, seed=3)`` per audience, best of 5 rounds, in reports/s. Pairs run back to back,
so each after/before ratio compares runs that met the same machine load; the paired medians and
geometric means are what to read (absolute numbers drift on shared machines). ``AFTER`` defaults to
the working tree itself. Needs the dependencies of both revisions installed in this interpreter.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_TIMING = """
import json, sys, time
from payfix import Diagnoser
from payfix.batch.synth import synth_reports
reports = list(synth_reports({n}, seed=3))
d = Diagnoser(engine="compiled")
for r in reports[:50]:
    d.diagnose(r); d.diagnose(r, audience="agent")
out = {{}}
for audience in ("customer", "agent"):
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for r in reports:
            d.diagnose(r, audience=audience)
        best = min(best, time.perf_counter() - t)
    out[audience] = len(reports) / best
print(json.dumps(out))
"""


def _run(tree: Path, n: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _TIMING.format(n=n)], cwd=tree, check=True,
                          capture_output=True, text=True,
                          env={"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin"})
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="the baseline revision (a commit, tag or branch)")
    parser.add_argument("after", nargs="?", help="the revision compared (default: the working tree)")
    parser.add_argument("--pairs", type=int, default=11)
    parser.add_argument("--reports", type=int, default=500)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        trees: dict[str, Path] = {}
        for side, rev in (("before", args.before), ("after", args.after)):
            if rev is None:
                trees[side] = ROOT
                continue
            trees[side] = Path(tmp) / side
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet",
                            str(trees[side]), rev], check=True)
        try:
            runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
            for i in range(1, args.pairs + 1):
                for side in ("before", "after"):
                    runs[side].append(_run(trees[side], args.reports))
                print(f"pair {i:>2}: " + "  ".join(
                    f"{side} {runs[side][-1]['customer']:>7.0f} {runs[side][-1]['agent']:>7.0f}"
                    for side in ("before", "after")), flush=True)
        finally:
            for tree in trees.values():
                if tree != ROOT:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                    str(tree)], check=False)
    print(f"\nreports/s, best of 5 rounds, {args.pairs} alternating pairs "
          f"(before {args.before}, after {args.after or 'working tree'})")
    print(f"{'audience':<10}{'before':>10}{'after':>10}{'paired median':>15}{'geo mean':>10}"
          f"{'range':>16}")
    for audience in ("customer", "agent"):
        before = [r[audience] for r in runs["before"]]
        after = [r[audience] for r in runs["after"]]
        ratios = [a / b for a, b in zip(after, before, strict=True)]
        print(f"{audience:<10}{statistics.median(before):>10.0f}{statistics.median(after):>10.0f}"
              f"{statistics.median(ratios):>15.3f}{statistics.geometric_mean(ratios):>10.3f}"
              f"{min(ratios):>8.3f}-{max(ratios):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
