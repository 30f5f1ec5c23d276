"""Batch replay: diagnose large files of failed-payment reports, and make synthetic ones.

* :func:`synth_reports` / :func:`write_jsonl` make realistic (optionally corrupted) reports,
  deterministically from a seed.
* :func:`replay` diagnoses JSON Lines files in chunks on worker processes and writes Parquet parts
  plus a rejects file, resumable after a crash (see ``docs/batch.md``).

pyarrow is needed for :func:`replay` only (extra ``payfix[batch]``).
"""

from payfix.batch.replay import (
    OUTPUT_COLUMNS,
    ConservationError,
    Progress,
    ReplaySummary,
    read_output,
    replay,
)
from payfix.batch.synth import CORRUPTIONS, SynthRow, synth_reports, synth_rows, write_jsonl

__all__ = [
    "CORRUPTIONS",
    "OUTPUT_COLUMNS",
    "ConservationError",
    "Progress",
    "ReplaySummary",
    "SynthRow",
    "read_output",
    "replay",
    "synth_reports",
    "synth_rows",
    "write_jsonl",
]
