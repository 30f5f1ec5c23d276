"""The durable engine gives its memory back: dropped Diagnosers free their durable_rules rulesets.

Each check runs in a child process, so resident memory is measured on a clean heap and a crash in
the C library (a use after free shows as SIGSEGV or an abort) fails the test instead of pytest.
Memory is read from ``/proc/self/statm`` after ``gc.collect()``; before the rulesets were freed,
every dropped durable Diagnoser kept about 1.9 MiB (200 of them: about 380 MiB).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from payfix import durable_available

pytestmark = [
    pytest.mark.skipif(not durable_available(), reason="durable_rules not importable"),
    pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc/self/statm"),
]

ROOT = Path(__file__).resolve().parents[1]
BOUND_MIB = 60.0

_PRELUDE = """
import gc, json, os, sys, threading
from pathlib import Path
import payfix
from payfix import Diagnoser, load_pack

ROOT = Path(sys.argv[1])
PACK = load_pack()
REPORT = json.loads((ROOT / "examples" / "reports" / "balance_short.json").read_text("utf-8"))

def rss_mib():
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
"""


def _child(body: str) -> str:
    """Run ``body`` after the prelude in a child process (300 s hang guard); its stdout."""
    script = _PRELUDE + textwrap.dedent(body)
    proc = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True,
                          timeout=300, check=False, cwd=ROOT)
    assert proc.returncode == 0, f"child failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _growth(out: str, label: str) -> float:
    line = next(line for line in out.splitlines() if line.startswith(label))
    return float(line.split()[-1])


def test_dropped_durable_diagnosers_release_their_memory() -> None:
    """Creating and dropping 200 durable Diagnosers (on a pack loaded once, so the measure is the
    engine's) leaves resident memory within 60 MiB of where it started, not ~380 MiB above it."""
    out = _child("""
        Diagnoser(PACK, "durable").diagnose(REPORT)
        before = rss_mib()
        for _ in range(200):
            Diagnoser(PACK, "durable").diagnose(REPORT)
        print("diagnosers", rss_mib() - before)
    """)
    assert _growth(out, "diagnosers") < BOUND_MIB, out


#: A pack directory path is loaded on every call (about 0.5 s), so that case makes fewer calls under
#: a bound of its own: a Diagnoser kept per call holds about 2.8 MiB and its pack 0.4 MiB, so 16
#: kept would grow by about 51 MiB; without a leak the growth is under 1 MiB.
PATH_CALLS, PATH_BOUND_MIB = 16, 24.0


def test_diagnose_with_a_pack_argument_stays_bounded() -> None:
    """``payfix.diagnose(report, pack=..., engine="durable")`` builds a fresh Diagnoser per call;
    200 calls with a loaded pack and 200 on the bundled pack (``pack=None``) each stay within
    60 MiB, and 16 with a pack directory path within 24 MiB."""
    out = _child(f"""
        overlay = str(ROOT / "examples" / "custom_pack")
        cases = (("loaded", PACK, 200), ("path", overlay, {PATH_CALLS}), ("bundled", None, 200))
        for label, pack, calls in cases:
            payfix.diagnose(REPORT, pack=pack, engine="durable")
            before = rss_mib()
            for _ in range(calls):
                payfix.diagnose(REPORT, pack=pack, engine="durable")
            print(label, rss_mib() - before)
    """)
    for label, bound in (("loaded", BOUND_MIB), ("path", PATH_BOUND_MIB), ("bundled", BOUND_MIB)):
        assert _growth(out, label) < bound, out


def test_recreated_durable_diagnosers_answer_like_a_fresh_one() -> None:
    """After cycles of creating and dropping durable engines (some dropped before any rule fired,
    the case where durable_rules' session cleanup is unsafe), Diagnosers built in between and one
    kept throughout give, from four threads at once, the same diagnoses as a fresh Diagnoser on
    every example report (both audiences) and the compiled engine's hits on 416 recorded fact
    sets; the child exits cleanly (no use after free)."""
    out = _child("""
        from payfix.engines import create_engine
        from payfix.engines.durable import DurableEngine

        reports = [json.loads(p.read_text("utf-8"))
                   for p in sorted((ROOT / "examples" / "reports").glob("*.json"))]
        lines = (ROOT / "tests" / "data" / "recorded_hits.jsonl").read_text("utf-8").splitlines()
        fact_sets = [json.loads(line)["facts"] for line in lines[1:]]

        def answers(diagnoser):
            return [diagnoser.diagnose(r, audience=a).model_dump_json()
                    for r in reports for a in ("agent", "customer")]

        reference = answers(Diagnoser(PACK, "durable"))
        compiled = create_engine(PACK, "compiled")
        hits = [compiled.evaluate(f) for f in fact_sets]
        kept = Diagnoser(PACK, "durable")
        failures = []
        checked = []

        def check(diagnoser):
            if answers(diagnoser) != reference:
                failures.append("diagnoses differ")
            if [diagnoser.engine.evaluate(f) for f in fact_sets] != hits:
                failures.append("hits differ")
            checked.append(len(reports) * 2 + len(fact_sets))

        for _ in range(5):
            for _ in range(3):
                idle = DurableEngine(PACK)
                idle.evaluate({})  # a session in which no action ever ran
                del idle
            fresh = [Diagnoser(PACK, "durable") for _ in range(3)]
            threads = [threading.Thread(target=check, args=(d,)) for d in (*fresh, kept)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            del fresh, threads
            gc.collect()
        print("expected", 5 * 4 * (len(reports) * 2 + len(fact_sets)))
        print("checked", sum(checked))
        print("failures", failures)
    """)
    assert "failures []" in out, out
    assert _growth(out, "checked") == _growth(out, "expected") > 5 * 4 * 416, out
