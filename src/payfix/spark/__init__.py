"""payfix on Apache Spark: diagnose DataFrames of reports with Arrow batch functions.

Needs the ``spark`` extra (``pip install "payfix[spark]"``); pyspark is imported only when a
function here is called, so ``import payfix.spark`` works without it. See ``docs/spark.md``.

* :func:`diagnose_dataframe` diagnoses a DataFrame (a ``report`` JSON column or flat columns) with
  ``mapInArrow``: each Python worker builds its Diagnoser once and diagnoses whole Arrow batches
  through :func:`payfix.batch.table.diagnose_table`, the function ``payfix replay`` uses. It
  returns the results (the columns of ``payfix replay``) and the rejects as two DataFrames.
* :func:`read_jsonl` reads JSON Lines files numbered exactly as ``payfix replay`` numbers them;
  :func:`diagnose_jsonl` reads and diagnoses them in one Python pass (what the job runs), and
  :func:`diagnose_parquet` does the same for Parquet files of flat columns.
* :class:`ShippedPack` is the rule pack travelling inside the job: executors read no rule files.
* :func:`main` is the replay job of ``python -m payfix.spark`` and ``examples/spark_job.py``;
  :func:`replay_command` runs a parsed ``payfix replay --engine-backend spark`` command.

Example:
    >>> shipped = ShippedPack.load()
    >>> shipped.hash.startswith("sha256:")
    True
    >>> spark = session("local[2]")  # doctest: +SKIP
    >>> results, rejects = diagnose_dataframe(read_jsonl(spark, ["in.jsonl"]), shipped)  # doctest: +SKIP
"""

from payfix.spark._files import diagnose_jsonl, read_jsonl
from payfix.spark._frames import Diagnosed, diagnose_dataframe
from payfix.spark._job import main, replay_command, session, write_rejects
from payfix.spark._pack import ShippedPack
from payfix.spark._parquet import diagnose_parquet

__all__ = [
    "Diagnosed",
    "ShippedPack",
    "diagnose_dataframe",
    "diagnose_jsonl",
    "diagnose_parquet",
    "main",
    "read_jsonl",
    "replay_command",
    "session",
    "write_rejects",
]
