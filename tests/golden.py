"""The golden record: what payfix says for a fixed set of inputs, as one SHA-256 per case.

A refactor must leave every answer byte for byte as it was: :func:`answers` renders every
bundled example report (both audiences, both bundled locales, JSON and text), 300 seeded
synthetic reports (both audiences, their outlines too), every code the bundled pack maps (looked
up in both locales) and both JSON Schemas, with the compiled engine; ``tests/data/golden.json``
holds their digests. When an output is meant to change, rewrite the record and review its diff
with the change:

    python -m tests.golden --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from payfix import Diagnoser, list_codes, load_pack
from payfix.batch.synth import synth_reports
from payfix.cli import main as cli_main
from payfix.diagnosis.present import render_text

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "tests" / "data" / "golden.json"
SYNTHETIC_ROWS = 300


def _schemas() -> Iterator[tuple[str, str]]:
    import contextlib
    import io

    for which in ((), ("diagnosis",)):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cli_main(["schema", *which])
        yield f"schema {' '.join(which) or 'report'}", out.getvalue()


def answers() -> Iterator[tuple[str, str]]:
    """``(case, output text)`` for every case, in a fixed order."""
    pack = load_pack()
    diagnoser = Diagnoser(pack, engine="compiled")
    for path in sorted((ROOT / "examples" / "reports").glob("*.json")):
        text = path.read_text(encoding="utf-8")
        for audience in ("agent", "customer"):
            for locale in pack.settings.locales:
                diagnosis = diagnoser.diagnose(text, audience=audience, locale=locale)
                yield f"{path.name} {audience} {locale} json", diagnosis.to_json()
                yield f"{path.name} {audience} {locale} text", render_text(diagnosis)
    for row, report in enumerate(synth_reports(SYNTHETIC_ROWS, seed=16), start=1):
        for audience in ("agent", "customer"):
            yield f"synthetic {row} {audience}", diagnoser.diagnose(report, audience=audience).to_json()
            yield f"synthetic {row} {audience} outline", repr(diagnoser.outline(report, audience=audience))
    for locale in pack.settings.locales:
        for info in list_codes(pack=pack, locale=locale):
            yield f"code {info.scheme} {info.brand} {info.code} {locale}", info.model_dump_json()
    yield from _schemas()


def digests() -> dict[str, str]:
    """The SHA-256 of every case's output."""
    return {case: hashlib.sha256(text.encode("utf-8")).hexdigest() for case, text in answers()}


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.golden --write")
    RECORD.write_text(json.dumps(digests(), indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {RECORD.relative_to(ROOT)}")
