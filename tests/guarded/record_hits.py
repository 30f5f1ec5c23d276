"""Record which rules durable_rules fires on the shipped pack, for replay where durable_rules is absent.

    python tests/guarded/record_hits.py            # rewrite tests/data/recorded_hits.jsonl
    python tests/guarded/record_hits.py --check    # exit 1 unless durable_rules fires what is recorded

Needs durable_rules (Python 3.11 or 3.12 with ``payfix[durable]``). The fact sets are deterministic
(a fixed seed): every rule's witness, each witness's one-step variants and seeded random fact sets
with missing facts, boundary integers and awkward strings. Each is evaluated on durable_rules and
on the reference semantics; if they disagree nothing is written. The first line of the file names
the pack (with its content hash) and how it was recorded; every other line is one fact set and the
sorted ids durable_rules fired. ``tests/test_equivalence.py`` replays the file on the compiled
engine on every Python, and fails with this command when the pack's hash has changed.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from payfix.engines.base import durable_available
from payfix.rules.conditions import evaluate
from payfix.rules.loader import load_pack
from tests.guarded.fuzz_random_packs import random_fact_sets, witness_variants

OUT = Path(__file__).resolve().parents[1] / "data" / "recorded_hits.jsonl"
SEED = 20260301
RANDOM_SETS = 250
COMMAND = "python tests/guarded/record_hits.py"


def _line(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def recording() -> str:
    """The file's text for the pack in this checkout (durable_rules must be importable)."""
    from payfix.engines.durable import DurableEngine

    pack = load_pack()
    engine = DurableEngine(pack)
    rng = random.Random(SEED)
    seen: set[str] = set()
    rows: list[str] = []
    for facts in [*witness_variants(pack, rng), *random_fact_sets(pack, rng, RANDOM_SETS)]:
        key = _line(facts)
        if key in seen:
            continue
        seen.add(key)
        fired = engine.evaluate(facts)
        expected = frozenset(r.id for r in pack.rules if evaluate(r.condition, facts))
        if fired != expected:
            raise SystemExit(f"durable_rules disagrees with the reference semantics on {facts!r}: "
                             f"fired {sorted(fired)}, expected {sorted(expected)}; nothing written")
        rows.append(_line({"facts": facts, "fired": sorted(fired)}))
    header = {
        "pack": pack.settings.name, "version": pack.settings.version, "hash": pack.hash,
        "fact_sets": len(rows), "seed": SEED, "engine": "durable",
        "durable_rules": metadata.version("durable_rules"), "python": platform.python_version(),
        "regenerate": COMMAND,
    }
    return "\n".join([_line(header), *rows]) + "\n"


def check(path: Path) -> list[str]:
    """Problems with the recording at ``path``: another pack, or hits durable_rules no longer fires."""
    from payfix.engines.durable import DurableEngine

    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if not lines:
        return [f"{path} is missing or empty"]
    header = json.loads(lines[0])
    pack = load_pack()
    if header.get("hash") != pack.hash:
        return [f"{path} was recorded for pack {header.get('hash')}, the pack is now {pack.hash}"]
    engine = DurableEngine(pack)
    problems = []
    for line in lines[1:]:
        row = json.loads(line)
        fired = sorted(engine.evaluate(row["facts"]))
        if fired != row["fired"]:
            problems.append(f"{row['facts']!r}: recorded {row['fired']}, durable_rules fires {fired}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="record durable_rules hits on the shipped pack")
    parser.add_argument("--check", action="store_true",
                        help="replay the file on durable_rules and compare, write nothing")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not durable_available():
        print("durable_rules is not importable here: record on Python 3.11/3.12 with "
              "pip install -e '.[test]'", file=sys.stderr)
        return 2
    if args.check:
        problems = check(args.out)
        if problems:
            print("\n".join(problems[:20]), file=sys.stderr)
            print(f"{args.out} is stale: regenerate it with {COMMAND}", file=sys.stderr)
            return 1
        print(f"{args.out} is current: durable_rules fires every recorded hit")
        return 0
    text = recording()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({text.count(chr(10)) - 1} fact sets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
