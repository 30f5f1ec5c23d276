"""Replay over CSV, Parquet and JSON Lines: the flat mapping, diagnose_table, typed rejects,
masking, what-if and progress."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")

import pyarrow as pa

from payfix import Diagnoser
from payfix.batch import FLAT_COLUMNS, OUTPUT_COLUMNS, diagnose_table, record_to_report
from payfix.batch.cli import run
from payfix.batch.columns import report_to_record
from payfix.batch.replay import Progress, read_output, replay
from payfix.batch.synth import synth_rows
from payfix.batch.synthfiles import write_reports
from payfix.inputs.intake import parse_report

from .replay_support import batch_parser, read_rejects

ROOT = Path(__file__).resolve().parents[1]
# replays are slow to shrink: report the failing example as found
_NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
FORMATS = ("jsonl", "csv", "parquet", "csv.zst", "jsonl.zst", "jsonl.gz")


@pytest.fixture(scope="module")
def agent() -> Diagnoser:
    return Diagnoser(engine="compiled", audience="agent")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), index=st.integers(0, 30))
def test_flat_record_round_trip_keeps_every_valid_report(seed: int, index: int) -> None:
    """A valid synthetic report flattened to FLAT_COLUMNS (all values as text, as in CSV) and
    rebuilt by record_to_report validates to the same report."""
    row = list(synth_rows(index + 1, seed))[index]
    record = row.record
    assert set(record) - {"extra"} == set(FLAT_COLUMNS)
    del record["extra"]
    assert parse_report(record_to_report(record)) == parse_report(row.report)


@settings(max_examples=6, deadline=None, phases=_NO_SHRINK,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), share=st.sampled_from([0.0, 0.1, 0.3]))
def test_every_format_gives_the_same_output(seed: int, share: float, tmp_path_factory: pytest.TempPathFactory
                                            ) -> None:
    """The same synthetic rows as JSON Lines, CSV and Parquet (plain, gzip or zstd) give identical
    output parts and reject the same rows (a cut-off JSON line has no readable attempt id, so ids
    of rejects are not compared)."""
    tmp = tmp_path_factory.mktemp("formats")
    tables = {}
    rejected = {}
    for fmt in FORMATS:
        source = tmp / f"in.{fmt}"
        assert write_reports(source, 60, seed, share) == 60
        summary = replay([source], tmp / f"out-{fmt}", tmp / f"rej-{fmt}.jsonl", workers=1, chunk_rows=25)
        assert summary.rows_in == summary.rows_out + summary.rows_rejected == 60
        tables[fmt] = read_output(tmp / f"out-{fmt}")
        rejected[fmt] = [(r["row"], r["record"]) for r in read_rejects(tmp / f"rej-{fmt}.jsonl")]
    for fmt in FORMATS[1:]:
        assert tables[fmt].equals(tables["jsonl"]), fmt
        assert rejected[fmt] == rejected["jsonl"], fmt
    assert len(rejected["jsonl"]) == int(60 * share)


_HOW = st.sampled_from(["cut", "flip", "blank", "junk", "array"])
_MUTATIONS = st.lists(st.tuples(st.integers(0, 79), _HOW, st.integers(0, 400)), max_size=30)


@settings(max_examples=15, deadline=None, phases=_NO_SHRINK,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=_MUTATIONS)
def test_rows_are_conserved_under_random_corruption(mutations: list[tuple[int, str, int]],
                                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    """Whatever bytes a JSON Lines file's lines are corrupted with, every non-blank line is one row,
    and rows in = rows out + rows rejected, each reject carrying typed {type, loc, msg} problems."""
    lines = [row.line.encode() for row in synth_rows(80, 9)]
    for index, how, at in mutations:
        line = lines[index]
        at = at % max(len(line), 1)
        if how == "cut":
            lines[index] = line[:at]
        elif how == "flip":
            lines[index] = line[:at] + bytes([line[at] ^ 0x55]) + line[at + 1:] if line else b"\xff"
        elif how == "blank":
            lines[index] = b"   "
        elif how == "junk":
            lines[index] = line[:at] + b"\x00\xfe{]" + line[at:]
        else:
            lines[index] = b"[" + line + b"]"
    tmp = tmp_path_factory.mktemp("mutated")
    source = tmp / "in.jsonl"
    data = b"\n".join(lines) + b"\n"
    source.write_bytes(data)
    expected = sum(1 for line in data.split(b"\n") if line.strip())  # a flip can make a newline
    summary = replay([source], tmp / "out", tmp / "rej.jsonl", workers=1, chunk_rows=17)
    assert summary.rows_in == expected == summary.rows_out + summary.rows_rejected
    rows = read_output(tmp / "out").column("row").to_pylist()
    rejects = read_rejects(tmp / "rej.jsonl")
    assert sorted(rows + [r["row"] for r in rejects]) == list(range(1, expected + 1))
    for reject in rejects:
        assert reject["problems"]
        assert all(set(p) == {"type", "loc", "msg"} and p["type"] and p["msg"] for p in reject["problems"])


def test_diagnose_table_reads_nested_and_flat_tables_alike(agent: Diagnoser) -> None:
    """diagnose_table gives the same results for a `report` column of JSON text and for the flat
    columns of the same rows, numbers rows from first_row, and returns every invalid row as a
    reject with typed problems and its attempt id."""
    rows = list(synth_rows(40, 21, 0.2))
    nested = pa.table({"report": [row.line for row in rows]})
    flat = pa.Table.from_pylist([row.record for row in rows])
    a, a_rej = diagnose_table(agent, nested, 1001)
    b, b_rej = diagnose_table(agent, flat, 1001)
    assert a.column_names == list(OUTPUT_COLUMNS)
    assert a.equals(b)
    assert a.column("row").to_pylist() == [1000 + row.row for row in rows if row.kind is None]
    assert a_rej.column("row").to_pylist() == b_rej.column("row").to_pylist() == [
        1000 + row.row for row in rows if row.kind is not None]
    assert a_rej.column_names == ["row", "attempt_id", "problems"]
    for problems in a_rej.column("problems").to_pylist() + b_rej.column("problems").to_pylist():
        assert all(set(p) == {"type", "loc", "msg"} for p in json.loads(problems))
    assert diagnose_table(agent, flat.slice(0, 0), 1)[0].num_rows == 0


def test_flat_problems_are_typed(agent: Diagnoser) -> None:
    """An unknown column with a value is `extra_forbidden` at that column, a JSON column that is not
    JSON is `json_invalid` at that column, and both are named at once; empty cells are absent."""
    record = report_to_record(next(synth_rows(1, 4)).report)
    assert record_to_report(record | {"device_os": "  ", "nickname": ""}) == record_to_report(record)
    table = pa.Table.from_pylist([record | {"nickname": "Jo", "history": "[{"}])
    results, rejects = diagnose_table(agent, table, 1)
    assert results.num_rows == 0
    problems = json.loads(rejects.column("problems")[0].as_py())
    assert [(p["type"], p["loc"]) for p in problems] == [("json_invalid", ["history"]),
                                                         ("extra_forbidden", ["nickname"])]


def test_malformed_csv_records_are_rejected_in_place(tmp_path: Path) -> None:
    """A CSV record with the wrong number of fields is a `csv_invalid` reject with its record
    number; the records around it keep their row numbers, and quoted newlines do not split rows."""
    rows = list(synth_rows(6, 8))
    source = tmp_path / "in.csv"
    write_reports(source, 6, 8)
    text = source.read_text(encoding="utf-8").splitlines()
    text.insert(3, "only,three,fields")  # becomes record 3
    source.write_text("\n".join(text) + "\n\n", encoding="utf-8")
    summary = replay([source, source], tmp_path / "out", tmp_path / "rej.jsonl", workers=1, chunk_rows=4)
    assert (summary.rows_in, summary.rows_out, summary.rows_rejected) == (14, 12, 2)
    rejects = read_rejects(tmp_path / "rej.jsonl")
    assert [(r["row"], r["record"], r["problems"][0]["type"]) for r in rejects] == [
        (3, 3, "csv_invalid"), (10, 3, "csv_invalid")]
    assert read_output(tmp_path / "out").column("attempt_id").to_pylist() == [
        r.report["attempt"]["id"] for r in rows] * 2


def test_malformed_csv_records_keep_their_place_across_blocks(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The CSV reader reads blocks ahead; malformed records in many blocks are still each placed
    at their own record number, and every valid record keeps its number and order."""
    from payfix.batch import sources

    monkeypatch.setattr(sources, "_CSV_BLOCK_BYTES", 4096)
    write_reports(tmp_path / "a.csv", 600, 5)
    lines = (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()
    bad_at = [1, 5, 90, 91, 300, 301, 302, 599, 607]
    for record in bad_at:
        lines.insert(record, "x,y")  # line 0 is the header: index = record number
    (tmp_path / "b.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    chunks = list(sources.read_chunks(tmp_path / "b.csv", 128))
    assert [b for c in chunks for b, _ in c.bad] == bad_at
    records = [r for c in chunks for r in c.records]
    assert records == [r for r in range(1, 610) if r not in bad_at]
    ids = [i for c in chunks for i in c.table.column("attempt_id").to_pylist()]
    assert ids == [f"syn5-{n:08d}" for n in range(1, 601)]
    assert [c.first_record for c in chunks] == list(range(1, 610, 128))


def test_personal_data_never_leaves_unmasked(tmp_path: Path) -> None:
    """Card numbers, IBANs, e-mail addresses and phone numbers in the input appear in neither the
    output parts, the rejects nor the report; attempt ids that hold them are masked."""
    good = next(synth_rows(1, 6)).report
    pii = {"attempt": dict(good["attempt"], id="jane.doe@example.com")}
    bad_card = {"attempt": dict(good["attempt"], id="4111111111111111", kind="lunch",
                                payee={"type": "card", "identifier": "4111111111111111"})}
    bad_iban = {"attempt": dict(good["attempt"], id="DE89370400440532013001",
                                amount={"value": "DE89370400440532013001", "currency": "EUR"})}
    phone = {"attempt": dict(good["attempt"], id="+4915112345678"),
             "account": {"phone": "+4915112345678", "email": "jane.doe@example.com", "mood": "x"}}
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in (pii, bad_card, bad_iban, phone)) + "\n")
    argv = ["replay", str(source), "--out", str(tmp_path / "out"), "--rejects", str(tmp_path / "rej.jsonl"),
            "--workers", "1", "--output-format", "jsonl", "--report", str(tmp_path / "r" / "report.html"),
            "--max-reject-rate", "1"]  # mostly invalid rows on purpose: they must be masked too
    assert run(batch_parser().parse_args(argv)) == 0
    texts = [p.read_text(encoding="utf-8") for p in [*(tmp_path / "out").rglob("*.jsonl"),
                                                      tmp_path / "rej.jsonl", *(tmp_path / "r").iterdir()]]
    for text in texts:
        for secret in ("4111111111111111", "DE89370400440532013001", "jane.doe", "4915112345678"):
            assert secret not in text
    assert read_output(tmp_path / "out").column("attempt_id").to_pylist() == ["j***@example.com"]
    assert [r["attempt_id"] for r in read_rejects(tmp_path / "rej.jsonl")] == [
        "************1111", "DE****************3001", "+*********5678"]


def test_jsonl_output_parts_hold_the_same_rows_as_parquet(tmp_path: Path) -> None:
    """--output-format jsonl writes JSON Lines parts that read back equal to the Parquet parts, and
    conservation is checked against their line counts."""
    source = tmp_path / "in.csv.gz"
    write_reports(source, 300, 12, 0.1)
    replay([source], tmp_path / "p", tmp_path / "rp.jsonl", workers=1, chunk_rows=100)
    summary = replay([source], tmp_path / "j", tmp_path / "rj.jsonl", workers=1, chunk_rows=100,
                     output_format="jsonl")
    assert sorted(p.name for p in (tmp_path / "j").glob("part-*")) == [
        "part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    assert read_output(tmp_path / "j").equals(read_output(tmp_path / "p"))
    assert summary.rows_out == 270
    assert (tmp_path / "rj.jsonl").read_bytes() == (tmp_path / "rp.jsonl").read_bytes()


def test_resume_of_a_parquet_input_after_a_crash(tmp_path: Path) -> None:
    """A Parquet-input replay stopped after two committed chunks and resumed gives the rows of an
    uninterrupted run, none twice."""
    source = tmp_path / "in.parquet"
    write_reports(source, 900, 13, 0.05)
    whole = replay([source], tmp_path / "a", tmp_path / "ra.jsonl", workers=1, chunk_rows=200)
    seen: list[Progress] = []

    def crash(event: Progress) -> None:
        seen.append(event)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replay([source], tmp_path / "b", tmp_path / "rb.jsonl", workers=1, chunk_rows=200, progress=crash)
    again = replay([source], tmp_path / "b", tmp_path / "rb.jsonl", workers=1, chunk_rows=200, resume=True)
    assert (again.chunks, again.chunks_resumed, again.rows_out) == (5, 2, whole.rows_out)
    assert read_output(tmp_path / "b").equals(read_output(tmp_path / "a"))
    assert (tmp_path / "rb.jsonl").read_bytes() == (tmp_path / "ra.jsonl").read_bytes()


def test_progress_reports_fraction_and_eta(tmp_path: Path) -> None:
    """Progress events come once per chunk with a fraction that grows to 1 and an ETA once the
    run is under way."""
    source = tmp_path / "in.parquet"
    write_reports(source, 500, 14)
    events: list[Progress] = []
    replay([source], tmp_path / "out", tmp_path / "rej.jsonl", workers=1, chunk_rows=100,
           progress=events.append)
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert fractions[0] == pytest.approx(0.2)
    assert all(e.eta_seconds is not None for e in events)
    assert events[-1].to_dict()["eta_seconds"] == 0.0


def test_unsupported_or_unreadable_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An input with an unknown suffix, a compressed Parquet name or a file that is not Parquet is
    refused with exit 2 and a one-line message, not a traceback."""
    (tmp_path / "in.txt").write_text("x\n")
    (tmp_path / "in.parquet").write_bytes(b"not parquet at all")
    (tmp_path / "in.parquet.gz").write_bytes(gzip.compress(b"x"))
    for name in ("in.txt", "in.parquet", "in.parquet.gz"):
        argv = ["replay", str(tmp_path / name), "--out", str(tmp_path / f"o-{name}"),
                "--rejects", str(tmp_path / "r.jsonl"), "--workers", "1"]
        assert run(batch_parser().parse_args(argv)) == 2, name
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert name in err
    assert run(batch_parser().parse_args(["synth", "--rows", "3", "--seed", "1", "--out",
                                     str(tmp_path / "s.xml")])) == 2


def test_what_if_counts_match_the_two_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--baseline-rules diagnoses every row under both packs; the counts of changed top remedies
    and escalations equal a direct comparison of the two outputs, examples are real changed rows,
    and the command prints the what-if line. The overlay is the example operator pack with its
    latency threshold lowered to 300 ms, so that a fair share of the rows changes."""
    import shutil

    source = tmp_path / "in.csv"
    write_reports(source, 3000, 30)
    overlay = tmp_path / "overlay"
    shutil.copytree(ROOT / "examples" / "custom_pack", overlay)
    settings = (overlay / "pack.yaml").read_text(encoding="utf-8")
    assert "  poor_latency_ms: 1000\n" in settings
    (overlay / "pack.yaml").write_text(settings.replace("  poor_latency_ms: 1000\n",
                                                        "  poor_latency_ms: 300\n"), encoding="utf-8")
    argv = ["replay", str(source), "--out", str(tmp_path / "out"), "--rejects", str(tmp_path / "r.jsonl"),
            "--workers", "1", "--chunk-rows", "1000", "--rules", str(overlay),
            "--baseline-rules", "bundled"]
    assert run(batch_parser().parse_args(argv)) == 0
    out = capsys.readouterr().out
    whatif = json.loads((tmp_path / "out" / "_whatif.json").read_text())
    new = read_output(tmp_path / "out").to_pylist()
    old = read_output(tmp_path / "out", baseline=True).to_pylist()
    assert [r["row"] for r in new] == [r["row"] for r in old]
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a["top_remedy"] != b["top_remedy"]]
    escalated = [(a, b) for a, b in zip(old, new, strict=True) if a["escalate"] != b["escalate"]]
    assert whatif["rows_compared"] == len(new) == 3000
    assert whatif["top_remedy_changed"] == len(changed) > 0
    assert whatif["escalation_changed"] == len(escalated)
    for example in whatif["examples"]["top_remedy"]:
        a, b = next((a, b) for a, b in changed if b["row"] == example["row"])
        assert (example["baseline_top_remedy"], example["top_remedy"]) == (a["top_remedy"], b["top_remedy"])
    assert f"top remedy changed: {len(changed)}" in out


def test_recycled_workers_give_the_same_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With each worker process replaced after every chunk, a two-worker replay gives the same
    rows and rejects as one in-process run."""
    import sys

    replay_module = sys.modules["payfix.batch.replay"]  # the package's `replay` is the function

    source = tmp_path / "in.jsonl"
    write_reports(source, 400, 31, 0.05)
    replay([source], tmp_path / "one", tmp_path / "r1.jsonl", workers=1, chunk_rows=100)
    monkeypatch.setattr(replay_module, "_CHUNKS_PER_WORKER", 1)
    summary = replay([source], tmp_path / "two", tmp_path / "r2.jsonl", workers=2, chunk_rows=100)
    assert (summary.chunks, summary.rows_in) == (4, 400)
    assert read_output(tmp_path / "two").equals(read_output(tmp_path / "one"))
    assert (tmp_path / "r2.jsonl").read_bytes() == (tmp_path / "r1.jsonl").read_bytes()


_CELLS = st.one_of(st.none(), st.just(""), st.just("  "), st.just("not json ["),
                   st.just('["network.reconnect"]'), st.just("12.5"))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), rows=st.integers(1, 12), data=st.data())
def test_column_wise_reading_gives_each_row_its_record_to_report(seed: int, rows: int,
                                                                 data: st.DataObject) -> None:
    """The whole-table reader inside diagnose_table builds, for every row, exactly the report (or
    the problems) record_to_report builds from that row alone, whatever the column order (the
    attempt's currency first or last), with mostly-null, all-null, blank, NaN, bad-JSON and
    unknown columns."""
    from payfix.batch.columns import _flat_reports
    from payfix.errors import InvalidReportError

    records = [row.record for row in synth_rows(rows, seed)]
    names = list(FLAT_COLUMNS)
    for record in records:  # overwrite a few cells with awkward values
        for name in data.draw(st.lists(st.sampled_from(names), max_size=4), label="cells"):
            record[name] = data.draw(_CELLS, label=name)
        if data.draw(st.booleans(), label="unknown column"):
            record["tip"] = data.draw(st.one_of(st.none(), st.just("1.00")), label="tip")
    if data.draw(st.booleans(), label="a float column"):  # Parquet numbers: NaN means absent
        for record in records:
            record["device_packet_loss_pct"] = data.draw(
                st.sampled_from([None, float("nan"), 1.5, 0.1]), label="loss")
    columns = sorted({name for record in records for name in record})
    order = data.draw(st.permutations(columns), label="order")
    table = pa.table({name: [record.get(name) for record in records] for name in order})
    expected: list[object] = []
    for record in table.to_pylist():
        try:
            expected.append(record_to_report(record))
        except InvalidReportError as error:
            expected.append(list(error.problems))
    assert _flat_reports(table) == expected
