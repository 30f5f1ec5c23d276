"""Engine benchmarks: rule evaluation, full diagnosis, where diagnosis time goes, start-up and memory.

    python benchmarks/engines.py [--quick] [--profile]

Everything is measured in one run on the same inputs, engines interleaved round by round, and
reported as ratios as well as absolute numbers (absolute numbers drift on shared machines; ratios
measured side by side are what to compare). Sections:

1. rule evaluation (fact sets/s, best round): durable_rules, the compiled engine, the previous
   closure-based compiled engine (``closure_engine.py``) and the shipped rules written by hand as
   plain ``if`` statements (``handwritten_rules.py``, kept equal to the pack by the test suite);
   two workloads: facts derived from ``examples/reports`` and the fact sets of
   ``tests/data/recorded_hits.jsonl`` (witnesses, boundaries, random mixes);
2. full diagnosis per engine and audience: reports/s and per-report p50/p99 latency;
3. where one diagnosis spends its time: validation, fact derivation, rule evaluation and the rest
   (ranking, escalation, hand-off, presentation, the result model), and with ``--profile`` the
   functions and modules cProfile charges;
4. start-up (fresh interpreters, best of 5): ``import payfix``, ``import durable.engine``, building
   a Diagnoser (pack load, compile, self-test); peak memory (max RSS and tracemalloc peak).

Runs with the compiled engine alone where durable_rules is not importable (Python 3.13).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from closure_engine import ClosureEngine
from handwritten_rules import fired as handwritten

from payfix import Diagnoser, durable_available
from payfix.batch.synth import synth_reports
from payfix.diagnosis.facts import derive_facts
from payfix.engines import create_engine
from payfix.inputs.intake import parse_report
from payfix.rules.loader import load_pack

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "reports"
RECORDED = ROOT / "tests" / "data" / "recorded_hits.jsonl"
ENGINES = ["durable", "compiled"] if durable_available() else ["compiled"]


def _per_call(fn: Callable[[Any], object], items: Sequence[Any]) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - start) / len(items)


def best_per_call(fns: Mapping[str, Callable[[Any], object]], items: Sequence[Any],
                  rounds: int) -> dict[str, float]:
    """Seconds per call, best round, the functions interleaved round by round."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            best[name] = min(best[name], _per_call(fn, items))
    return best


def _one(fn: Callable[[Any], object], items: Sequence[Any], rounds: int) -> float:
    return best_per_call({"fn": fn}, items * max(1, 1000 // len(items)), rounds)["fn"]


def latencies(fns: Mapping[str, Callable[[Any], object]], items: Sequence[Any], repeat: int
              ) -> dict[str, tuple[list[float], list[float]]]:
    """(wall, CPU) seconds of every call, the functions interleaved in chunks of ``items``.

    CPU time (this thread's) leaves out the time the process was descheduled, which dominates the
    wall-clock tail on a busy machine.
    """
    out: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in fns}
    wall, cpu = time.perf_counter_ns, time.thread_time_ns
    for _ in range(repeat):
        for name, fn in fns.items():
            walls, cpus = out[name]
            for item in items:
                w0, c0 = wall(), cpu()
                fn(item)
                c1, w1 = cpu(), wall()
                walls.append((w1 - w0) / 1e9)
                cpus.append((c1 - c0) / 1e9)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------- 1. rule evaluation


def evaluation(raw_reports: list[dict[str, Any]], rounds: int) -> None:
    pack = load_pack()
    report_facts = [derive_facts(parse_report(r), pack) for r in raw_reports]
    recorded = [json.loads(line)["facts"] for line in RECORDED.read_text(encoding="utf-8").splitlines()[1:]]
    fns: dict[str, Callable[[Any], object]] = {}
    for name in ENGINES:
        fns[name] = create_engine(pack, name).evaluate
    fns["closures (previous compiled)"] = ClosureEngine(pack).evaluate
    fns["hand-written ifs"] = handwritten
    print(f"## 1. Rule evaluation ({len(pack.rules)} rules in {len(pack.rulesets)} rule sets)\n")
    results = {}
    for workload, items in (("example-report facts", report_facts), ("recorded fact sets", recorded)):
        repeat = max(1, 4000 // len(items))
        results[workload] = best_per_call(fns, items * repeat, rounds)
    rows = []
    for name in fns:
        row = [name]
        for workload in results:
            sec = results[workload][name]
            row += [f"{1 / sec:,.0f}", us(sec), f"{results[workload]['compiled'] / sec:.2f}"]
        rows.append(row)
    print(table(["engine", "report facts/s", "µs each", "speed vs compiled",
                 "recorded sets/s", "µs each", "speed vs compiled"], rows))
    for workload, res in results.items():
        parts = [f"compiled is {res['closures (previous compiled)'] / res['compiled']:.1f}x the closures",
                 f"hand-written is {res['compiled'] / res['hand-written ifs']:.2f}x compiled"]
        if "durable" in res:
            parts.insert(0, f"compiled is {res['durable'] / res['compiled']:.0f}x durable")
        print(f"\n{workload}: " + "; ".join(parts))
    print()


# --------------------------------------------------------------------------- 2. full diagnosis


def rounds_per_call(fns: Mapping[str, Callable[[Any], object]], items: Sequence[Any], rounds: int
                    ) -> dict[str, list[float]]:
    """Seconds per call of every round, the functions interleaved round by round: a plain loop
    with no timer inside, so the figure is the call's own cost."""
    out: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            out[name].append(_per_call(fn, items))
    return out


def diagnosis(raw_reports: list[dict[str, Any]], repeat: int, synthetic: int, rounds: int
              ) -> dict[str, Diagnoser]:
    """Two workloads: the example reports over and over (every memo warm), and ``synthetic``
    distinct reports from ``payfix synth`` (memos warm only with what earlier, different reports
    left: what a long-running service sees).

    Throughput is a plain loop over the workload, ``rounds`` times, engines interleaved round by
    round: the median round is the figure, the best round is shown beside it. Latency is a second
    pass with a timer around every call (wall and this thread's CPU time), whose own cost (about
    1 µs: the CPU clock is a system call) is in the latency figures but not in the throughput."""
    print("## 2. Full diagnosis\n")
    diagnosers = {name: Diagnoser(engine=name) for name in ENGINES}
    warm_up = list(synth_reports(500, seed=8))
    for d in diagnosers.values():  # warm validators, locale chains and memos with other reports
        for r in [*raw_reports, *warm_up]:
            d.diagnose(r, audience="agent")
            d.diagnose(r, audience="customer")
    workloads = {f"{len(raw_reports)} example reports x{repeat}": (raw_reports, repeat),
                 f"{synthetic:,} distinct synthetic reports": (list(synth_reports(synthetic, seed=7)), 1)}
    rows = []
    summary = {}
    for workload, (items, times) in workloads.items():
        for audience in ("customer", "agent"):
            fns = {name: (lambda r, d=d, a=audience: d.diagnose(r, audience=a))
                   for name, d in diagnosers.items()}
            speed = rounds_per_call(fns, items * times, rounds)
            for name, (walls, cpus) in latencies(fns, items, times).items():
                median, best = 1 / statistics.median(speed[name]), 1 / min(speed[name])
                summary[(workload, name, audience)] = median
                rows.append([workload, name, audience, f"{median:,.0f}", f"{best:,.0f}",
                             us(pct(walls, 0.5)), us(pct(walls, 0.99)), us(pct(cpus, 0.5)),
                             us(pct(cpus, 0.99))])
    for row in rows:
        row.append(f"{summary[(row[0], row[1], row[2])] / summary[(row[0], 'compiled', row[2])]:.2f}")
    print(table(["workload", "engine", "audience", f"reports/s (median of {rounds} rounds)",
                 "best round", "p50 µs", "p99 µs", "p50 CPU µs", "p99 CPU µs",
                 "throughput vs compiled"], rows))
    print()
    return diagnosers


# --------------------------------------------------------------------------- 3. where time goes


def stages(diagnosers: Mapping[str, Diagnoser], raw_reports: list[dict[str, Any]], rounds: int,
           profile: bool) -> None:
    print("## 3. Where one diagnosis spends its time (µs per report, best round)\n")
    rows = []
    parsed = [parse_report(r) for r in raw_reports]
    for name, d in diagnosers.items():
        pack = d.pack
        facts = [derive_facts(p, pack) for p in parsed]
        parts = {
            "validate (parse_report)": _one(parse_report, raw_reports, rounds),
            "enrich (derive_facts, fees included)": _one(
                lambda p, pack=pack: derive_facts(p, pack), parsed, rounds),
            "evaluate (engine)": _one(d.engine.evaluate, facts, rounds),
        }
        customer = _one(lambda r, d=d: d.diagnose(r, audience="customer"), raw_reports, rounds)
        agent = _one(lambda r, d=d: d.diagnose(r, audience="agent"), raw_reports, rounds)
        parts["rank, escalate, hand-off, present, result model"] = customer - sum(parts.values())
        parts["agent trace: why each rule did not fire, fired facts"] = agent - customer
        for stage, sec in parts.items():
            rows.append([name, stage, us(sec), f"{100 * sec / agent:.0f}%"])
        rows.append([name, "total, customer audience", us(customer), f"{100 * customer / agent:.0f}%"])
        rows.append([name, "total, agent audience", us(agent), "100%"])
    print(table(["engine", "stage", "µs", "share of agent total"], rows))
    print()
    if profile:
        for name, d in diagnosers.items():
            _profile(name, d, raw_reports)


def _profile(name: str, d: Diagnoser, raw_reports: list[dict[str, Any]]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(200):
        for r in raw_reports:
            d.diagnose(r, audience="agent")
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_module: dict[str, float] = {}
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]  # pstats keeps them there
    for (filename, _line, _func), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        by_module[_module(filename)] = by_module.get(_module(filename), 0.0) + tottime
    total = sum(by_module.values())
    diagnose = _cumulative(raw, "payfix/diagnosis/diagnoser.py", "diagnose")
    rows = [[label, f"{100 * ct / diagnose:.0f}%"] for label, file, func in _STAGES
            if (ct := _cumulative(raw, file, func)) > 0]
    print(f"### cProfile, engine {name}: cumulative time of the diagnosis steps (agent audience)\n")
    print(table(["step (function)", "share of diagnose()"], rows))
    print()
    print(f"### cProfile, engine {name}: own time by module (top 12)\n")
    rows = [[module, f"{100 * sec / total:.1f}%"]
            for module, sec in sorted(by_module.items(), key=lambda kv: -kv[1])[:12]]
    print(table(["module", "share of own time"], rows))
    print(f"\n### cProfile, engine {name}: functions by cumulative time (top 15)\n\n```")
    stats.sort_stats("cumulative").print_stats(15)
    print("```\n")


#: (label, file suffix, function) of the diagnosis steps whose cumulative time is worth knowing.
_STAGES = [
    ("validate: intake.parse_report", "payfix/inputs/intake.py", "parse_report"),
    ("enrich: facts.derive_facts", "payfix/diagnosis/facts.py", "derive_facts"),
    ("evaluate: durable engine", "payfix/engines/durable.py", "evaluate"),
    ("evaluate: compiled engine", "payfix/engines/compiled.py", "evaluate"),
    ("rank: ranking.rank", "payfix/diagnosis/ranking.py", "rank"),
    ("escalate: escalation.escalation_reasons", "payfix/diagnosis/escalation.py", "escalation_reasons"),
    ("hand-off: handoff.handoff_fields", "payfix/diagnosis/handoff.py", "handoff_fields"),
    ("present: present.remedy_text", "payfix/diagnosis/present.py", "remedy_text"),
    ("agent trace: explain.Explainer.explain (every rule that did not fire)", "payfix/diagnosis/explain.py",
     "explain"),
    ("agent trace: facts.facts_view (fired rules' facts)", "payfix/diagnosis/facts.py", "facts_view"),
    ("pydantic model construction (BaseModel.__init__)", "pydantic/main.py", "__init__"),
]


def _cumulative(raw: Mapping[Any, Any], file: str, func: str) -> float:
    """Cumulative seconds of ``func`` in ``file`` (recursive calls counted once by cProfile)."""
    return sum(ct for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in raw.items()
               if name == func and filename.replace("\\", "/").endswith(file))


def _module(filename: str) -> str:
    path = filename.replace("\\", "/")
    for marker in ("/site-packages/", "/src/", "/lib/python"):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "/lib/python":  # the standard library: drop the version directory
                path = "stdlib " + path.split("/", 1)[1]
            break
    if path.startswith("~") or path.startswith("<"):
        return "builtins / C"
    parts = path.split("/")
    if parts[0] == "payfix":
        return "/".join(parts[:3]) if parts[1] in ("engines", "models") else "/".join(parts[:2])
    return parts[0].removesuffix(".py") if len(parts) > 1 else parts[0].split(".")[0]


# --------------------------------------------------------------------------- 4. start-up and memory

_IMPORT = "import time; t = time.perf_counter(); import {mod}; print(time.perf_counter() - t)"
_LOAD = ("import time; from payfix.rules.loader import load_pack; t = time.perf_counter(); load_pack(); "
         "print(time.perf_counter() - t)")
_BUILD = ("import time; from payfix.rules.loader import load_pack; from payfix.engines import create_engine; "
          "pack = load_pack(); t = time.perf_counter(); create_engine(pack, {engine!r}); "
          "print(time.perf_counter() - t)")
_MEMORY = """
import json, sys, tracemalloc
trace = sys.argv[1] == "trace"
if trace:
    tracemalloc.start()
from pathlib import Path
import payfix
reports = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path({examples!r}).glob("*.json"))]
d = payfix.Diagnoser(engine={engine!r})
for _ in range({rounds}):
    for r in reports:
        d.diagnose(r, audience="agent")
peak = tracemalloc.get_traced_memory()[1] if trace else 0
print(json.dumps({{"rss_kb": {hwm}, "traced": peak}}))
"""
# Peak resident set of this process (VmHWM: ru_maxrss would include the parent before exec).
_HWM = "int(next(line for line in open('/proc/self/status') if line.startswith('VmHWM')).split()[1])"


def _fresh(code: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout.strip()


def startup(tries: int) -> None:
    print(f"## 4. Start-up and memory (fresh interpreters, best of {tries})\n")
    rows = []
    baseline = min(float(_fresh(_IMPORT.format(mod="json"))) for _ in range(tries))
    rows.append(["import json (interpreter baseline)", f"{baseline * 1e3:.1f} ms"])
    for mod in ("payfix", *(["durable.engine"] if durable_available() else [])):
        sec = min(float(_fresh(_IMPORT.format(mod=mod))) for _ in range(tries))
        rows.append([f"import {mod}", f"{sec * 1e3:.1f} ms"])
    sec = min(float(_fresh(_LOAD)) for _ in range(tries))
    rows.append(["load_pack() (YAML, parse, type-check, lint, witnesses)", f"{sec * 1e3:.1f} ms"])
    for engine in ENGINES:
        sec = min(float(_fresh(_BUILD.format(engine=engine))) for _ in range(tries))
        what = "import durable_rules, " if engine == "durable" else ""
        rows.append([f"create_engine(pack, {engine!r}) ({what}compile, self-test)", f"{sec * 1e3:.1f} ms"])
    base_rss = int(_fresh(f"print({_HWM})"))
    rows.append(["max RSS, bare interpreter", f"{base_rss / 1024:.1f} MiB"])
    for engine in ENGINES:
        code = _MEMORY.format(examples=str(EXAMPLES), engine=engine, rounds=100, hwm=_HWM)
        plain = json.loads(_fresh(code, "plain"))
        traced = json.loads(_fresh(code, "trace"))
        rows.append([f"max RSS, {engine}: import + Diagnoser + {100 * len(list(EXAMPLES.glob('*.json'))):,} "
                     "diagnoses",
                     f"{plain['rss_kb'] / 1024:.1f} MiB"])
        rows.append([f"tracemalloc peak (Python allocations), {engine}, same work",
                     f"{traced['traced'] / 2**20:.1f} MiB"])
    print(table(["measure", "value"], rows))
    print()
    print("`import payfix`, cumulative import time of the largest dependencies (`python -X importtime`):\n")
    print(table(["module", "ms"], [[m, f"{sec * 1e3:.1f}"] for m, sec in import_breakdown()]))
    print()


_MODEL_MODULES = ("payfix.models.diagnosis", "payfix.models.report", "payfix.diagnosis.payee")


def import_breakdown() -> list[tuple[str, float]]:
    """The third-party packages (and payfix's model modules) that ``import payfix`` spends most on."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import payfix"], capture_output=True,
                         text=True, check=True, cwd=ROOT).stderr
    cumulative: dict[str, float] = {}
    for line in err.splitlines():
        if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
            continue
        _self, cum, name = line.removeprefix("import time:").split("|")
        module = name.strip()
        if "." not in module or module in _MODEL_MODULES:
            cumulative[module] = max(cumulative.get(module, 0.0), int(cum) / 1e6)
    top = sorted(cumulative.items(), key=lambda kv: -kv[1])
    return [*[kv for kv in top if kv[0] != "payfix"][:8], ("payfix (total)", cumulative.get("payfix", 0.0))]


def main() -> None:
    parser = argparse.ArgumentParser(description="payfix engine benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--profile", action="store_true", help="add cProfile tables of full diagnosis")
    args = parser.parse_args()
    rounds = 2 if args.quick else 7
    raw = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
    print(f"payfix benchmarks: Python {platform.python_version()}, engines {', '.join(ENGINES)}\n")
    evaluation(raw, rounds)
    diagnosers = diagnosis(raw, 20 if args.quick else 150, 500 if args.quick else 3000,
                           3 if args.quick else 5)
    stages(diagnosers, raw, rounds, args.profile)
    startup(2 if args.quick else 5)


if __name__ == "__main__":
    main()
