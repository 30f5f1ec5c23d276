"""What reading a processor's own object costs: adapter + diagnosis against a plain diagnosis.

    python benchmarks/adapters.py [--rounds N] [--repeat N] [--objects]

For every documented payload in ``tests/data/payloads/<source>/`` the same attempt is diagnosed
two ways, interleaved round by round in one run: from the processor's object through its adapter
(``Diagnoser.diagnose(payload_json, source=..., context=...)``) and from the payfix report the adapter
makes of it, as JSON text (``Diagnoser.diagnose(report_json)``, what a caller who wrote the
translation by hand would send). Prints reports/s per way and the ratio per source and overall
(best round each); the target is adapter + diagnosis within 15% of the plain diagnosis
(ratio <= 1.15). With ``--objects`` both ways start from the parsed objects instead (a wallet
holding ``stripe_error.json_body``, against one holding the report as a dict). Absolute numbers
drift on shared machines; the ratio measured side by side is what to compare.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from payfix import Diagnoser, InvalidReportError, adapt

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = ROOT / "tests" / "data" / "payloads"
#: What a wallet knows that a processor's object may not carry (used only where it lacks them).
CONTEXT: dict[str, Any] = {"attempt": {"id": "bench-1", "at": "2026-03-01T10:00:00Z",
                                       "kind": "purchase",
                                       "amount": {"value": "25.00", "currency": "USD"},
                                       "method": {"type": "credit_card"}},
                           "device": {"online": True, "connection": "wifi"}}


def cases() -> list[tuple[str, str, dict[str, Any], dict[str, Any] | None]]:
    """``(source, file, payload, context)`` for every fixture an adapter reads; the context holds
    only the fields the payload lacks (so it never conflicts)."""
    out = []
    for path in sorted(PAYLOADS.glob("*/*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))["payload"]
        source = path.parent.name
        context = None
        try:
            adapt(payload, source)
        except InvalidReportError as error:
            missing = {str(p.loc[1]) for p in error.problems if p.type == "missing"
                       and len(p.loc) == 2 and p.loc[0] == "attempt"}
            if not missing:
                continue
            context = {"attempt": {k: v for k, v in CONTEXT["attempt"].items() if k in missing}}
        out.append((source, path.name, payload, context))
    return out


def _rate(call: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        call()
    return repeat / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--objects", action="store_true",
                        help="start both ways from parsed objects, not JSON text")
    args = parser.parse_args()
    diagnoser = Diagnoser(engine="compiled", audience="agent")
    found = cases()
    if not found:
        raise SystemExit(f"no payload fixtures under {PAYLOADS}")
    by_source: dict[str, list[tuple[float, float]]] = {}
    for source, name, payload, context in found:
        report_json: Any = adapt(payload, source, context=context).report.model_dump_json()
        payload_json: Any = json.dumps(payload)  # both ways start from JSON text, as the doors do
        if args.objects:
            report_json, payload_json = json.loads(report_json), payload
        adapted = []
        plain = []
        def from_payload(text: Any = payload_json, name: str = source,
                         extra: dict[str, Any] | None = context) -> object:
            return diagnoser.diagnose(text, source=name, context=extra)

        def from_report(text: Any = report_json) -> object:
            return diagnoser.diagnose(text)

        for _ in range(args.rounds):  # interleaved: both ways see the same machine state
            adapted.append(_rate(from_payload, args.repeat))
            plain.append(_rate(from_report, args.repeat))
        best_adapted, best_plain = max(adapted), max(plain)
        by_source.setdefault(source, []).append((best_adapted, best_plain))
        print(f"{source:12} {name:48} adapter {best_adapted:8.0f}/s  plain {best_plain:8.0f}/s  "
              f"ratio {best_plain / best_adapted:5.3f}")
    print()
    ratios = []
    for source, pairs in by_source.items():
        ratio = statistics.fmean(p / a for a, p in pairs)
        ratios.append(ratio)
        print(f"{source:12} time ratio adapter+diagnosis / plain diagnosis: {ratio:5.3f}")
    overall = statistics.fmean(ratios)
    print(f"{'overall':12} time ratio adapter+diagnosis / plain diagnosis: {overall:5.3f} "
          f"(target <= 1.15)")


if __name__ == "__main__":
    main()
