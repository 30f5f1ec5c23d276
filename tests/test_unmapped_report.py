"""The unmapped-code report: a replay lists every (code family, field, code) its rows carried that
the rule pack has no code-map entry for, with the rows of each, in its summary, `_summary.json`
and the HTML report; `payfix replay --fail-on-unmapped` fails a run that met one."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow")

from payfix import Diagnoser
from payfix.batch import replay
from payfix.batch.cli import run
from payfix.batch.parts import unmapped_codes
from payfix.batch.replay import read_output
from payfix.batch.report import write_report
from payfix.batch.synthfiles import write_jsonl

from .replay_support import batch_parser


def _report(i: int, processor: dict[str, Any] | None) -> dict[str, Any]:
    attempt: dict[str, Any] = {"id": f"u-{i}", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
                               "amount": {"value": "12.00", "currency": "EUR"},
                               "method": {"type": "credit_card"}}
    if processor is not None:
        attempt["processor"] = processor
    return {"attempt": attempt}


#: What each row's processor answered, and how many rows answered so.
ANSWERS: list[tuple[dict[str, Any] | None, int]] = [
    ({"scheme": "iso8583", "codes": {"response_code": "Q9"}}, 5),  # no such ISO 8583 code
    ({"scheme": "stripe", "codes": {"decline_code": "not_a_stripe_code"}}, 3),
    ({"scheme": "hyperswitch", "codes": {"decline_code": "HE_01"}}, 2),  # a scheme without a map
    ({"scheme": "iso8583", "codes": {"response_code": "51"}}, 4),  # mapped
    ({"scheme": "stripe", "codes": {"decline_code": "expired_card"}}, 1),  # mapped
    (None, 2),  # no processor answer: no code at all
]


def _write(path: Path, answers: list[tuple[dict[str, Any] | None, int]]) -> int:
    rows = [_report(i, processor) for processor, n in answers for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


def test_the_replay_lists_every_unmapped_code_with_its_rows(tmp_path: Path) -> None:
    """Exactly the unmapped codes, each once, with as many rows as carried it; mapped codes and
    rows without a code are not listed. The same list is in the summary, `_summary.json`, the
    report's summary and its HTML page."""
    _write(tmp_path / "in.jsonl", ANSWERS)
    summary = replay([tmp_path / "in.jsonl"], tmp_path / "out", tmp_path / "rej.jsonl", workers=1,
                     chunk_rows=4, audience="agent")
    expected = [{"scheme": "iso8583", "field": "response_code", "code": "Q9", "rows": 5},
                {"scheme": "stripe", "field": "decline_code", "code": "not_a_stripe_code", "rows": 3},
                {"scheme": "hyperswitch", "field": "decline_code", "code": "HE_01", "rows": 2}]
    assert list(summary.unmapped) == expected
    written = json.loads((tmp_path / "out" / "_summary.json").read_text(encoding="utf-8"))
    assert written["unmapped_codes"] == expected
    report = write_report(tmp_path / "out", tmp_path / "report.html")
    assert report["unmapped_codes"] == expected
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Codes without a map" in page
    assert "not_a_stripe_code" in page


def test_the_output_rows_say_which_field_decided_and_whether_it_is_mapped(tmp_path: Path) -> None:
    """`code_field`, `code_known` and `retry_after_action` of each output row are the full
    diagnosis's `failure.field`, `failure.known` and `retry.after_action`."""
    write_jsonl(tmp_path / "in.jsonl", rows=120, seed=11, corrupt_share=0.0)
    replay([tmp_path / "in.jsonl"], tmp_path / "out", tmp_path / "rej.jsonl", workers=1,
           audience="agent")
    table = read_output(tmp_path / "out")
    diagnoser = Diagnoser(engine="compiled", audience="agent")
    lines = (tmp_path / "in.jsonl").read_text(encoding="utf-8").splitlines()
    for row in table.to_pylist():
        full = diagnoser.diagnose(lines[row["row"] - 1])
        assert (row["code_field"], row["code_known"], row["retry_after_action"]) == (
            full.failure.field, full.failure.known, full.retry.after_action)
    assert {row["code_known"] for row in table.to_pylist()} == {True, False}


def test_the_count_equals_a_count_over_the_output_rows(tmp_path: Path) -> None:
    """On synthetic data (every code family, corrupt rows among them) with unmapped codes mixed
    in, the listing is the count of the output's rows whose code is unmapped, grouped by family,
    field and code, across chunks."""
    write_jsonl(tmp_path / "synth.jsonl", rows=600, seed=5, corrupt_share=0.05)
    _write(tmp_path / "extra.jsonl", ANSWERS * 7)
    replay([tmp_path / "synth.jsonl", tmp_path / "extra.jsonl"], tmp_path / "out",
           tmp_path / "rej.jsonl", workers=2, chunk_rows=97)
    rows = read_output(tmp_path / "out").to_pylist()
    counted = Counter((r["code_family"], r["code_field"], r["code"]) for r in rows
                      if r["code"] is not None and not r["code_known"])
    listed = {(u["scheme"], u["field"], u["code"]): u["rows"] for u in unmapped_codes(tmp_path / "out")}
    assert listed == dict(counted)
    assert listed, "the synthetic data carries unmapped codes"


@pytest.mark.parametrize(("answers", "code"), [(ANSWERS, 1), (ANSWERS[3:], 0)],
                         ids=["unmapped-fails", "all-mapped-passes"])
def test_fail_on_unmapped_is_a_gate_for_operators(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  answers: list[tuple[dict[str, Any] | None, int]],
                                                  code: int) -> None:
    """`--fail-on-unmapped` exits 1 and names each unmapped code with its rows on stderr; with
    every code mapped it exits 0. Without the flag the run succeeds and says how many there were."""
    _write(tmp_path / "in.jsonl", answers)
    args = ["replay", str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out"), "--rejects",
            str(tmp_path / "rej.jsonl"), "--workers", "1"]
    assert run(batch_parser().parse_args([*args, "--fail-on-unmapped"])) == code
    captured = capsys.readouterr()
    if code:
        assert "no code-map entry for iso8583 response_code=Q9 (5 rows)" in captured.err
        assert "no code-map entry for hyperswitch decline_code=HE_01 (2 rows)" in captured.err
        assert "codes without a map: 3 distinct in 10 rows" in captured.out
    else:
        assert "no code-map entry" not in captured.err
    again = ["replay", str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out2"), "--rejects",
             str(tmp_path / "rej2.jsonl"), "--workers", "1"]
    assert run(batch_parser().parse_args(again)) == 0


def test_the_spark_backend_refuses_the_local_only_gate(capsys: pytest.CaptureFixture[str]) -> None:
    """The gate reads the local replay's parts: with the Spark backend the flag is refused (exit
    2, saying so) instead of silently ignored."""
    args = batch_parser().parse_args(["replay", "in.jsonl", "--out", "o", "--rejects", "r",
                                      "--engine-backend", "spark", "--fail-on-unmapped"])
    assert run(args) == 2
    assert "--fail-on-unmapped only apply to the local backend" in capsys.readouterr().err
