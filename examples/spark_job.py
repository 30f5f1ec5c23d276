"""Diagnose JSON Lines or Parquet reports on a Spark cluster: the ``payfix replay`` of many machines.

Submit it unchanged (payfix and pyarrow installed on the driver and every executor; see
docs/spark.md for Databricks, EMR and Kubernetes)::

    spark-submit examples/spark_job.py s3://bucket/failed/2026-11-01.jsonl.gz \\
        s3://bucket/failed/2026-11-02.jsonl.gz \\
        --out s3://bucket/diagnoses/2026-11 --rejects s3://bucket/rejects/2026-11 \\
        [--rules my_pack] [--engine compiled] [--partition-mb 64] [--max-reject-rate 0.05]

Each input is one file (no globs or directories: rows are numbered file by file, in the order
given). ``--rules`` names an overlay pack directory on the driver; it is loaded and checked there
and travels inside the job, so executors need no copy. Results are Parquet parts with the columns of
``payfix replay`` (reading the parts in name order gives input order), rejects JSON Lines parts
with the lines of ``payfix replay``. Exit code 0 done, 1 reject rate above the limit or rows not
conserved, 2 unreadable input, invalid pack or existing output.
"""

import sys

from payfix.spark import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
