"""What-if: how the diagnoses of a replay change between a baseline rule pack and the new one.

``payfix replay ... --rules NEW --baseline-rules OLD`` diagnoses every valid row under both packs
(parsed once, diagnosed twice) and writes the baseline's rows to ``_baseline/``; :func:`compare`
then walks both part sets chunk by chunk (rows are aligned: validity does not depend on the pack)
and counts the rows whose top remedy or escalation changed, with examples. Attempt ids in the
examples are already masked (:func:`payfix.batch.columns.mask_id`).

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from payfix.batch.replay import replay
    >>> from payfix.batch.synthfiles import write_jsonl
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = write_jsonl(tmp / "in.jsonl", rows=30, seed=2)
    >>> s = replay([tmp / "in.jsonl"], tmp / "out", tmp / "rej.jsonl", workers=1, baseline="bundled")
    >>> s.whatif["rows_compared"], s.whatif["top_remedy_changed"], s.whatif["escalation_changed"]
    (30, 0, 0)
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from payfix.batch.parts import iter_parts

__all__ = ["EXAMPLES", "compare"]

#: Examples kept per kind of change.
EXAMPLES = 10
_COLUMNS = ["row", "attempt_id", "top_remedy", "escalate", "escalation_codes", "failure_reason"]


def compare(out: Path, examples: int = EXAMPLES) -> dict[str, Any]:
    """Compare the output and the baseline parts of the replay in ``out`` (streamed, one chunk at
    a time). Returns counts, the most frequent top-remedy transitions and up to ``examples``
    examples each of a changed top remedy and a changed escalation."""
    compared = remedy_changed = escalation_changed = gained = lost = unmatched = 0
    transitions: Counter[tuple[str, str]] = Counter()
    remedy_examples: list[dict[str, Any]] = []
    escalation_examples: list[dict[str, Any]] = []
    pairs = zip(iter_parts(out, _COLUMNS), iter_parts(out, _COLUMNS, key="baseline"), strict=False)
    for new_table, old_table in pairs:
        new = {r["row"]: r for r in new_table.to_pylist()}
        old = {r["row"]: r for r in old_table.to_pylist()}
        unmatched += len(new.keys() ^ old.keys())
        for row in sorted(new.keys() & old.keys()):
            a, b = old[row], new[row]
            compared += 1
            example = {"row": row, "attempt_id": b["attempt_id"], "failure_reason": b["failure_reason"],
                       "baseline_top_remedy": a["top_remedy"], "top_remedy": b["top_remedy"],
                       "baseline_escalate": a["escalate"], "escalate": b["escalate"],
                       "baseline_escalation_codes": a["escalation_codes"],
                       "escalation_codes": b["escalation_codes"]}
            if a["top_remedy"] != b["top_remedy"]:
                remedy_changed += 1
                transitions[(a["top_remedy"] or "(none)", b["top_remedy"] or "(none)")] += 1
                if len(remedy_examples) < examples:
                    remedy_examples.append(example)
            if a["escalate"] != b["escalate"]:
                escalation_changed += 1
                gained += b["escalate"]
                lost += a["escalate"]
                if len(escalation_examples) < examples:
                    escalation_examples.append(example)
    return {
        "rows_compared": compared,
        "rows_unmatched": unmatched,
        "top_remedy_changed": remedy_changed,
        "escalation_changed": escalation_changed,
        "escalation_gained": gained,
        "escalation_lost": lost,
        "top_remedy_transitions": [
            {"from": f, "to": t, "rows": n}
            for (f, t), n in sorted(transitions.items(), key=lambda x: (-x[1], x[0]))[:20]],
        "examples": {"top_remedy": remedy_examples, "escalation": escalation_examples},
    }
