"""Every answer in the golden record (:mod:`tests.golden`) is byte for byte what payfix says now."""

from __future__ import annotations

import json

from .golden import RECORD, digests


def test_every_answer_matches_the_golden_record() -> None:
    """Examples (both audiences and locales, JSON and text), seeded synthetic reports with their
    outlines, every mapped code and both schemas hash as recorded; none missing, none new."""
    recorded = json.loads(RECORD.read_text(encoding="utf-8"))
    now = digests()
    assert sorted(now) == sorted(recorded), "cases added or removed: rewrite the record"
    changed = sorted(case for case in now if now[case] != recorded[case])
    assert not changed, f"{len(changed)} answers changed, e.g. {changed[:5]}"
