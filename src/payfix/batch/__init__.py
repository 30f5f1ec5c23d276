"""Batch replay: diagnose large files of failed-payment reports, and make synthetic ones.

* :func:`synth_reports` / :func:`write_reports` make realistic (optionally corrupted) reports,
  deterministically from a seed, as dicts or JSON Lines / CSV / Parquet files.
* :func:`diagnose_table` diagnoses an Arrow table of nested or flat reports (:data:`FLAT_COLUMNS`,
  :func:`record_to_report`); replay workers and the Spark adapter share it.
* :func:`replay` diagnoses JSON Lines, CSV and Parquet files in chunks on worker processes and
  writes Parquet (or JSON Lines) parts plus a rejects file, resumable after a crash; the report
  (:mod:`payfix.batch.report`) and the what-if comparison (:mod:`payfix.batch.whatif`) are
  computed from the parts (see ``docs/batch.md``).

pyarrow is needed for tables, files and :func:`replay` (extra ``payfix[batch]``, which also
brings matplotlib for the report's charts).
"""

from payfix.batch.columns import FLAT_COLUMNS, record_to_report
from payfix.batch.replay import (
    Progress,
    ReplaySummary,
    read_output,
    replay,
)
from payfix.batch.synth import CORRUPTIONS, SynthRow, synth_reports, synth_rows
from payfix.batch.synthfiles import write_jsonl, write_reports
from payfix.batch.table import OUTPUT_COLUMNS, diagnose_table
from payfix.errors import ConservationError, WorkerError

__all__ = [
    "CORRUPTIONS",
    "FLAT_COLUMNS",
    "OUTPUT_COLUMNS",
    "ConservationError",
    "Progress",
    "ReplaySummary",
    "SynthRow",
    "WorkerError",
    "diagnose_table",
    "read_output",
    "record_to_report",
    "replay",
    "synth_reports",
    "synth_rows",
    "write_jsonl",
    "write_reports",
]
