"""payfix on Spark (local[2]): the same rows as the single-machine replay, the pack inside the job.

One SparkSession (one JVM) serves the whole module; inputs are a few hundred rows split into
several partitions, so numbering across partitions and inputs is exercised. Skips, naming what is
missing, only where no Java runtime exists.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from payfix.batch import read_output, replay, synth_reports, write_jsonl
from payfix.batch.cli import add_subcommands
from payfix.batch.columns import report_to_record
from payfix.batch.table import diagnose_table
from payfix.diagnosis.diagnoser import Diagnoser
from payfix.rules.loader import load_pack
from payfix.spark import ShippedPack, diagnose_dataframe, main, read_jsonl, replay_command, session
from payfix.spark import _pack as shipped_module

# PySpark 4 warns on pandas 3 wherever it checks for pandas; payfix's Arrow path never uses pandas
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

ROOT = Path(__file__).resolve().parents[1]
CUSTOM_PACK = ROOT / "examples" / "custom_pack"
SPLIT_BYTES = 128 * 1024  # several partitions per plain input file


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").is_file():
        return str(Path(home, "bin", "java"))
    return shutil.which("java")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A local[2] session whose Python workers run this interpreter (so they import this payfix)."""
    if _java() is None:
        pytest.skip("Spark tests need a Java runtime: no java on PATH and JAVA_HOME is not set")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYSPARK_PYTHON", sys.executable)
        patch.setenv("PYSPARK_DRIVER_PYTHON", sys.executable)
        spark = session("local[2]", app_name="payfix tests", conf={
            "spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "2",
            "spark.default.parallelism": "2", "spark.sql.files.maxPartitionBytes": str(SPLIT_BYTES),
            "spark.driver.memory": "1g", "spark.sql.session.timeZone": "UTC",
            # small inputs: quick JIT and no generated code beat peak speed here
            "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
            "spark.sql.codegen.wholeStage": "false"})
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two inputs in this order: plain JSON Lines with blank lines and a line that is not UTF-8
    in it, and a gzip file."""
    root = tmp_path_factory.mktemp("spark_in")
    first, second = root / "day1.jsonl", root / "day2.jsonl.gz"
    write_jsonl(first, 360, 5, 0.05)
    lines = first.read_bytes().splitlines(keepends=True)
    lines[100:100] = [b"\n", b"  \n", b'{"attempt": {"id": "not utf-8 \xff\xfe"}}\n']
    lines.insert(0, b"\n")
    first.write_bytes(b"".join(lines))
    write_jsonl(second, 140, 6, 0.05)
    return [first, second]


@pytest.fixture(scope="module")
def single_machine(inputs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``payfix replay`` of the inputs on one machine: its result rows and its rejects lines."""
    root = tmp_path_factory.mktemp("replay")
    summary = replay(inputs, root / "out", root / "rejects.jsonl", workers=1, chunk_rows=64)
    return {"summary": summary, "table": read_output(root / "out"),
            "rejects": (root / "rejects.jsonl").read_text(encoding="utf-8").splitlines()}


def _parts(directory: Path, pattern: str) -> list[Path]:
    return [Path(p) for p in sorted(glob.glob(str(directory / pattern)))]


def test_spark_results_equal_the_single_machine_replay_row_for_row(
        spark: Any, inputs: list[Path], single_machine: dict[str, Any]) -> None:
    """Diagnosing the replay's inputs on Spark (several partitions, two inputs, blank lines) gives
    exactly the replay's result rows, numbered the same, in the same order, with the same schema;
    and the rejects carry the same rows, attempt ids, sources, records, lines and problems."""
    frame = read_jsonl(spark, [str(p) for p in inputs])
    assert frame.rdd.getNumPartitions() >= 3
    diagnosed = diagnose_dataframe(frame, persist=True)
    try:
        got = diagnosed.results.toArrow()
        got_rejects = diagnosed.rejects.toArrow().to_pylist()
    finally:
        diagnosed.unpersist()
    expected = single_machine["table"]
    assert got.schema.equals(expected.schema, check_metadata=False)
    assert got.num_rows == expected.num_rows == single_machine["summary"].rows_out
    assert got.to_pylist() == expected.to_pylist()
    assert [json.dumps({**r, "problems": json.loads(r["problems"])}, ensure_ascii=False)
            for r in got_rejects] == single_machine["rejects"]
    assert len(got_rejects) == single_machine["summary"].rows_rejected > 0


def test_job_writes_the_replay_output_and_exits_like_replay(
        spark: Any, inputs: list[Path], single_machine: dict[str, Any], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m payfix.spark`` writes Parquet parts that, read in name order, are the replay's
    rows, and rejects lines identical to the replay's; it prints the replay's count line; it exits
    1 when the reject rate is above --max-reject-rate (outputs still written) and 2 rather than
    write into an existing output directory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out, rejects = tmp_path / "out", tmp_path / "rejects"
    argv = [*map(str, inputs), "--out", str(out), "--rejects", str(rejects)]
    assert main([*argv, "--max-reject-rate", "0.01"], spark) == 1
    summary = single_machine["summary"]
    printed = capsys.readouterr()
    assert f"rows in: {summary.rows_in}, out: {summary.rows_out}, rejected: {summary.rows_rejected}" \
        in printed.out
    assert "above --max-reject-rate" in printed.err
    table = pa.concat_tables([pq.read_table(p) for p in _parts(out, "part-*.parquet")])
    assert table.to_pylist() == single_machine["table"].to_pylist()
    lines = [line for p in _parts(rejects, "part-*") for line in p.read_text(encoding="utf-8").splitlines()]
    assert lines == single_machine["rejects"]
    assert main(argv, spark) == 2
    assert "already exists" in capsys.readouterr().err


def test_parquet_inputs_give_the_replay_rows_and_rejects(spark: Any, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Two Parquet inputs of flat columns (with rows whose unknown column has a value) give on Spark
    exactly the single-machine replay's result rows and reject lines, numbered across the inputs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from payfix.batch.synthfiles import write_reports

    inputs = [tmp_path / "a.parquet", tmp_path / "b.parquet"]
    write_reports(inputs[0], 200, 7, 0.1)
    write_reports(inputs[1], 100, 8, 0.1)
    replay(inputs, tmp_path / "replay", tmp_path / "replay_rejects.jsonl", workers=1, chunk_rows=64)
    out, rejects = tmp_path / "out", tmp_path / "rejects"
    assert main([*map(str, inputs), "--out", str(out), "--rejects", str(rejects)], spark) == 0
    assert "rows in: 300, " in capsys.readouterr().out
    table = pa.concat_tables([pq.read_table(p) for p in _parts(out, "part-*.parquet")])
    assert table.to_pylist() == read_output(tmp_path / "replay").to_pylist()
    lines = [line for p in _parts(rejects, "part-*") for line in p.read_text(encoding="utf-8").splitlines()]
    assert lines == (tmp_path / "replay_rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert any('"extra_forbidden"' in line for line in lines)


def test_payfix_replay_runs_on_spark_with_engine_backend_spark(
        spark: Any, inputs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``payfix replay`` parsed by its own parser, with the two options --engine-backend and
    --spark-master, runs the Spark job through replay_command and exits 0 with the replay's count
    line; a local-only option such as --workers or --resume exits 2 naming it."""
    parser = argparse.ArgumentParser(prog="payfix")
    commands = parser.add_subparsers(dest="command", required=True)
    add_subcommands(commands)
    base = ["replay", str(inputs[1]), "--out", str(tmp_path / "out"), "--rejects", str(tmp_path / "rej"),
            "--engine-backend", "spark", "--max-reject-rate", "0.5"]
    assert replay_command(parser.parse_args([*base, "--workers", "2", "--resume"]), spark) == 2
    assert "--workers, --resume only apply to the local backend" in capsys.readouterr().err
    assert replay_command(parser.parse_args(base), spark) == 0
    assert "rows in: 140, out: " in capsys.readouterr().out


def test_an_input_must_be_one_file(spark: Any, inputs: list[Path]) -> None:
    """A directory or glob as one input is refused, naming it, rather than numbered in the order
    Spark happens to list its files."""
    with pytest.raises(ValueError, match="each input must be one file, this names 2"):
        read_jsonl(spark, [str(inputs[0].parent)])
    with pytest.raises(ValueError, match="each input must be one file"):
        read_jsonl(spark, [str(inputs[0].parent / "day*")])


def test_the_rule_pack_travels_with_the_job(spark: Any, inputs: list[Path], tmp_path: Path) -> None:
    """An overlay pack is read on the driver only: deleting its directory before Spark runs
    anything still gives the overlay's diagnoses, with its hash in every row, equal to a
    single-machine replay under the same overlay."""
    overlay = tmp_path / "pack"
    shutil.copytree(CUSTOM_PACK, overlay)
    shipped = ShippedPack.load(overlay)
    frame = read_jsonl(spark, [str(inputs[1])])
    results, _ = diagnose_dataframe(frame, shipped)
    shutil.rmtree(overlay)
    got = results.toArrow()
    custom_hash = load_pack(CUSTOM_PACK).hash
    assert custom_hash != load_pack().hash
    assert set(got.column("pack_hash").to_pylist()) == {custom_hash}
    replay([inputs[1]], tmp_path / "out", tmp_path / "rejects.jsonl", workers=1, rules=CUSTOM_PACK)
    assert got.to_pylist() == read_output(tmp_path / "out").to_pylist()


def test_flat_columns_without_a_row_column_are_numbered_in_partition_order(spark: Any) -> None:
    """A DataFrame of flat columns (one renamed back with columns=) and no row column, in four
    partitions, one of them empty, is numbered 1..N in partition order and diagnosed exactly as
    diagnose_table diagnoses the same rows on one machine."""
    import pyarrow as pa

    records = [report_to_record(r) for r in synth_reports(120, 9, 0.1)]
    names = list(records[0])
    schema = ", ".join(f"`{'id' if n == 'attempt_id' else n}` string" for n in names)
    rows = [tuple(rec[n] for n in names) for rec in records]
    context = spark.sparkContext
    rdd = context.parallelize(rows[:70], 2).union(context.parallelize([], 1)).union(
        context.parallelize(rows[70:], 1))
    frame = spark.createDataFrame(rdd, schema)
    assert frame.rdd.getNumPartitions() == 4
    results, rejects = diagnose_dataframe(frame, columns={"id": "attempt_id"})
    diagnoser = Diagnoser(engine="compiled", audience="agent")
    want_results, want_rejects = diagnose_table(diagnoser, pa.Table.from_pylist(records), 1)
    assert results.toArrow().to_pylist() == want_results.to_pylist()
    assert rejects.toArrow().to_pylist() == want_rejects.to_pylist()
    assert want_rejects.num_rows > 0


def test_shipped_pack_builds_one_diagnoser_per_process_and_checks_the_version() -> None:
    """A worker builds one Diagnoser per pack, engine and audience and reuses it; a pack shipped
    by another payfix version is refused with a message saying what to install, not a pickle error."""
    shipped = ShippedPack.load(CUSTOM_PACK)
    first = shipped.diagnoser("compiled", "agent")
    assert shipped.diagnoser("compiled", "agent") is first
    assert first.pack.hash == load_pack(CUSTOM_PACK).hash
    assert shipped.diagnoser("compiled", "customer") is not first
    other = ShippedPack(shipped.hash, "0.0.0-other", shipped.data)
    shipped_module._CACHE.clear()
    with pytest.raises(RuntimeError, match="install the same payfix"):
        other.diagnoser("compiled", "agent")


@pytest.mark.parametrize("command", [["-m", "payfix.spark"], [str(ROOT / "examples" / "spark_job.py")]])
def test_job_entry_points_parse_their_arguments(command: list[str]) -> None:
    """``python -m payfix.spark`` and ``examples/spark_job.py`` (what spark-submit runs) are the
    same job: both print its usage, and both exit 2 on a CSV input before starting Spark."""
    shown = subprocess.run([sys.executable, *command, "--help"], capture_output=True, text=True,
                           timeout=60, check=True)
    assert "--rejects DIR" in shown.stdout
    assert "--rules DIR" in shown.stdout
    refused = subprocess.run([sys.executable, *command, "in.csv", "--out", "o", "--rejects", "r"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "reads JSON Lines" in refused.stderr


def test_importing_payfix_spark_does_not_import_pyspark() -> None:
    """``import payfix.spark`` works where pyspark is missing (doctests import every module)."""
    code = "import sys, payfix.spark; assert 'pyspark' not in sys.modules, 'pyspark imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_undecodable_lines_are_rejects_on_spark_as_in_replay(spark: Any, tmp_path: Path) -> None:
    """A JSON Lines line with bytes that are not UTF-8 and one with a lone surrogate escape are
    rejects on Spark, with the same rows and problem types as the single-machine replay; every
    other row is diagnosed."""
    source = tmp_path / "in.jsonl"
    write_jsonl(source, 60, 12, 0)
    lines = source.read_bytes().split(b"\n")
    lines[10] = lines[10].replace(b"syn12", b"s\xffyn12", 1)
    lines[40] = lines[40][:-1] + b', "metadata": {"note": "\\ud800"}}'
    source.write_bytes(b"\n".join(lines))
    summary = replay([source], tmp_path / "out", tmp_path / "rejects.jsonl", workers=1)
    expected = [(r["row"], r["problems"][0]["type"]) for r in map(json.loads, (tmp_path / "rejects.jsonl")
                                                                   .read_text(encoding="utf-8").splitlines())]
    assert expected == [(11, "json_invalid"), (41, "json_invalid")]
    diagnosed = diagnose_dataframe(read_jsonl(spark, [str(source)]), persist=True)
    try:
        rows_out = diagnosed.results.count()
        got = [(r["row"], json.loads(r["problems"])[0]["type"])
               for r in diagnosed.rejects.toArrow().to_pylist()]
    finally:
        diagnosed.unpersist()
    assert sorted(got) == expected
    assert rows_out == summary.rows_out == 58


LEDGER_MAP = """\
columns:
  txn: attempt.id
  when: {to: attempt.at, time: utc}
  cents: {to: attempt.amount, unit: minor}
  cur: {to: attempt.amount.currency, case: upper}
  reason: attempt.processor.codes.decline_code
set:
  attempt.kind: purchase
  attempt.method.type: credit_card
  attempt.processor.scheme: stripe
"""


def test_a_column_mapped_parquet_gives_the_replay_rows_on_spark(
        spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--column-map reads a Parquet file's own columns on Spark exactly as payfix replay reads
    them: the same result rows (minor units converted by each row's currency) and rejects."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "ledger.yaml").write_text(LEDGER_MAP, encoding="utf-8")
    rows = 120
    pq.write_table(pa.table({
        "txn": [f"t{i}" for i in range(rows)],
        "when": [f"2026-03-01 10:{i % 60:02d}:00" for i in range(rows)],
        "cents": [str(100 + i) if i % 10 else "12.5" for i in range(rows)],
        "cur": ["usd", "jpy", "bhd"] * (rows // 3),
        "reason": ["insufficient_funds", "expired_card", None, "do_not_honor"] * (rows // 4),
        "note": ["x"] * rows}), tmp_path / "ledger.parquet")
    args = ["--column-map", str(tmp_path / "ledger.yaml")]
    from payfix.batch.cli import row_reader

    replay([tmp_path / "ledger.parquet"], tmp_path / "replay", tmp_path / "replay_rejects.jsonl",
           workers=1, chunk_rows=50, reader=row_reader(None, str(tmp_path / "ledger.yaml"), None))
    out, rejects = tmp_path / "out", tmp_path / "rejects"
    assert main([str(tmp_path / "ledger.parquet"), "--out", str(out), "--rejects", str(rejects),
                 *args], spark) == 0
    assert f"rows in: {rows}, out: {rows - rows // 10}, rejected: {rows // 10}" in \
        capsys.readouterr().out
    table = pa.concat_tables([pq.read_table(p) for p in _parts(out, "part-*.parquet")])
    assert table.to_pylist() == read_output(tmp_path / "replay").to_pylist()
    lines = [line for p in _parts(rejects, "part-*") for line in p.read_text(encoding="utf-8").splitlines()]
    assert lines == (tmp_path / "replay_rejects.jsonl").read_text(encoding="utf-8").splitlines()


def test_processor_objects_replay_on_spark_as_in_replay(
        spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--from stripe reads JSON Lines of Stripe's documented objects on Spark exactly as payfix
    replay reads them: the same result rows, and a line that is no Stripe object is a reject."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from payfix.batch.table import RowReader

    payloads = [json.loads(p.read_text(encoding="utf-8"))["payload"]
                for p in sorted((ROOT / "tests" / "data" / "payloads" / "stripe").glob("*.json"))]
    lines = [json.dumps(p) for p in payloads] + ['{"hello": "world"}']
    (tmp_path / "stripe.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    context = {"attempt": {"at": "2026-03-01T10:00:00Z"}}
    (tmp_path / "context.json").write_text(json.dumps(context), encoding="utf-8")
    replay([tmp_path / "stripe.jsonl"], tmp_path / "replay", tmp_path / "replay_rejects.jsonl",
           workers=1, reader=RowReader(source="stripe", context=context))
    out, rejects = tmp_path / "out", tmp_path / "rejects"
    assert main([str(tmp_path / "stripe.jsonl"), "--out", str(out), "--rejects", str(rejects),
                 "--from", "stripe", "--context", str(tmp_path / "context.json")], spark) == 0
    assert f"rows in: {len(lines)}, out: {len(payloads)}, rejected: 1" in capsys.readouterr().out
    table = pa.concat_tables([pq.read_table(p) for p in _parts(out, "part-*.parquet")])
    assert table.to_pylist() == read_output(tmp_path / "replay").to_pylist()


def test_the_stripe_dashboard_export_replays_on_spark_as_in_replay(
        spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--from stripe-export reads the Dashboard's export on Spark (as Parquet, the job's columnar
    input, its column names kept) exactly as payfix replay reads the CSV: the same result rows
    and the same rejects (the Paid row, the row with no funding)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from payfix.batch.cli import row_reader

    export = ROOT / "tests" / "data" / "exports" / "stripe_unified_payments.csv"
    with export.open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    pq.write_table(pcsv.read_csv(export, convert_options=pcsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()))), tmp_path / "export.parquet")
    replay([export], tmp_path / "replay", tmp_path / "replay_rejects.jsonl", workers=1,
           reader=row_reader("stripe-export", None, None))
    out, rejects = tmp_path / "out", tmp_path / "rejects"
    assert main([str(tmp_path / "export.parquet"), "--out", str(out), "--rejects", str(rejects),
                 "--from", "stripe-export"], spark) == 0
    assert "rows in: 7, out: 5, rejected: 2" in capsys.readouterr().out
    table = pa.concat_tables([pq.read_table(p) for p in _parts(out, "part-*.parquet")])
    assert table.to_pylist() == read_output(tmp_path / "replay").to_pylist()
    spark_rejects = [{k: v for k, v in json.loads(line).items() if k != "source"}
                     for p in _parts(rejects, "part-*")
                     for line in p.read_text(encoding="utf-8").splitlines()]
    assert spark_rejects == [
        {k: v for k, v in json.loads(line).items() if k != "source"}  # the file's name differs
        for line in (tmp_path / "replay_rejects.jsonl").read_text(encoding="utf-8").splitlines()]


def test_the_job_writes_rejects_in_the_locale_asked_for_as_replay_does(
        spark: Any, inputs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--locale zh-CN: the Spark job's rejects carry the messages payfix replay --locale zh-CN
    writes (rows, types and places as in English), and its closing line is in that locale."""
    replay(inputs, tmp_path / "replay", tmp_path / "replay_rejects.jsonl", workers=1,
           chunk_rows=64, locale="zh-CN")
    out, rejects = tmp_path / "out", tmp_path / "rejects"
    assert main([*map(str, inputs), "--out", str(out), "--rejects", str(rejects),
                 "--locale", "zh-CN"], spark) == 0
    assert "输入 " in capsys.readouterr().out
    spark_rejects = sorted((json.loads(line) for p in _parts(rejects, "part-*")
                            for line in p.read_text(encoding="utf-8").splitlines()),
                           key=lambda r: r["row"])
    local = [json.loads(line) for line in
             (tmp_path / "replay_rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert spark_rejects
    assert [r["problems"] for r in spark_rejects] == [r["problems"] for r in local]
    assert any("\u4e00" <= ch <= "\u9fff" for r in spark_rejects for p in r["problems"]
               for ch in p["msg"])
