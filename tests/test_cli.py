"""The command line: exit codes, problems as {type, loc, msg}, no traceback for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payfix import load_pack
from payfix.cli import main

from .conftest import EXAMPLES, example
from .strategies import reports

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=10,
)


def _run(tmp_path: Path, payload: bytes, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    path = tmp_path / "report.json"
    path.write_bytes(payload)
    code = main(["diagnose", str(path), "--format", "json", "--engine", "compiled"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else None


@st.composite
def broken_reports(draw: st.DrawFn) -> bytes:
    """A valid report with one field removed, retyped or added, or plain junk bytes."""
    report = draw(reports())
    how = draw(st.sampled_from(["drop", "retype", "extra", "junk", "not_object"]))
    if how == "junk":
        return draw(st.binary(max_size=40)).replace(b"{", b"")
    if how == "not_object":
        return json.dumps(draw(st.lists(json_values, max_size=2))).encode()
    node = report
    path = draw(st.sampled_from([("attempt",), ("attempt", "amount"), ("attempt", "method")]))
    for key in path:
        node = node[key]
    key = draw(st.sampled_from(sorted(node)))
    if how == "drop":
        if key in ("value", "currency", "type", "id", "at", "kind", "amount", "method"):
            del node[key]
        else:
            node["currency"] = "EURO"
    elif how == "retype":
        node[key] = draw(st.sampled_from([[1], {"x": 1}, -5, "???", 1e400]))
    else:
        node[draw(st.from_regex(r"zz[a-z]{1,5}", fullmatch=True))] = 1
    return json.dumps(report, default=str).encode()


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=broken_reports())
def test_invalid_input_exits_2_with_field_level_problems(payload: bytes, tmp_path_factory:
                                                         pytest.TempPathFactory,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Junk, wrong types, missing and unknown fields: exit 2 and {type, loc, msg} problems, never 1."""
    code, out = _run(tmp_path_factory.mktemp("r"), payload, capsys)
    if code == 0:  # the mutation happened to keep the report valid (e.g. an optional field dropped)
        return
    assert code == 2
    assert out["problems"]
    for problem in out["problems"]:
        assert set(problem) >= {"type", "loc", "msg"}
        assert isinstance(problem["loc"], list)


def test_missing_field_problem_names_the_field(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A report without attempt.amount says exactly that."""
    report = example("network_offline.json")
    del report["attempt"]["amount"]
    code, out = _run(tmp_path, json.dumps(report).encode(), capsys)
    assert code == 2
    assert out["problems"] == [{"type": "missing", "loc": ["attempt", "amount"],
                                "msg": "Field required"}]


def test_invalid_card_number_is_not_echoed_back(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """An error about a field holding a card number masks it in the problem's input."""
    report = example("network_offline.json")
    report["attempt"]["method"]["card"] = {"bin": "4111111111111111"}
    code, out = _run(tmp_path, json.dumps(report).encode(), capsys)
    assert code == 2
    assert "4111111111111111" not in json.dumps(out)


def test_console_script_prints_no_traceback_for_bad_input() -> None:
    """Through a real process: bad JSON on stdin gives exit 2 and no traceback."""
    proc = subprocess.run([sys.executable, "-m", "payfix", "diagnose", "-"], input=b"{oops",
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr
    assert b"json_invalid" in proc.stdout  # json is the default format


def test_text_format_reads_like_a_ticket(capsys: pytest.CaptureFixture[str]) -> None:
    """--format text prints the reason, retry advice, remedies and evidence."""
    assert main(["diagnose", str(EXAMPLES / "balance_short.json"), "--format", "text",
                 "--engine", "compiled"]) == 0
    out = capsys.readouterr().out
    assert "insufficient_funds (iso8583 response_code=51)" in out
    assert "Retry: now; before a new attempt: top up" in out
    assert "1. Your balance does not cover the payment" in out
    assert ("balance.short_of_amount: balance.applies=True, balance.shortfall_minor=5150, "
            "balance.fee_causes_shortfall=False") in out


def test_schema_command_prints_the_report_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix schema` prints a JSON Schema whose root requires an attempt."""
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "AttemptReport"
    assert "attempt" in schema["required"]


def test_rules_check_reports_ok_and_bad_packs(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix rules check` exits 0 on the bundled pack and 2 with positioned problems otherwise."""
    assert main(["rules", "check"]) == 0
    pack = load_pack()
    assert f"ok: {len(pack.rules)} rules in {len(pack.rulesets)} rule sets" in capsys.readouterr().out
    (tmp_path / "payee.yaml").write_text(
        "ruleset: payee\nrules:\n  - id: payee.x\n    when: payee.identifer_valid\n"
        "    remedy: payee.check_details\n    confidence: 50\n", encoding="utf-8")
    assert main(["rules", "check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "payee.yaml:4:11: unknown fact 'payee.identifer_valid' (did you mean " \
           "'payee.identifier_valid'?)" in err


def test_rules_test_command_runs_the_cases_and_prints_coverage(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix rules test` passes on the bundled pack and says every rule is covered."""
    assert main(["rules", "test"]) == 0
    out = capsys.readouterr().out
    pack = load_pack()
    total = len(pack.rules)
    assert f"coverage: {total}/{total} rules fired in a case, {total}/{total} seen not firing" in out


def test_fees_quote_prints_the_breakdown_and_max_sendable(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix fees quote` shows every component, the debit and the largest amount that fits."""
    assert main(["fees", "quote", "120.00", "EUR", "--kind", "p2p_transfer",
                 "--free-transfers-used", "5", "--balance", "120.00"]) == 0
    out = capsys.readouterr().out
    assert "percentage    0.60 EUR" in out
    assert "debited   120.60 EUR" in out
    assert "max sendable from 120.00 EUR: 119.40 EUR" in out
    assert main(["fees", "quote", "1", "XXX", "--kind", "purchase"]) == 2


def test_fees_quote_takes_an_exchange_rate_the_allowance_used_and_the_day(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`--fx-rate`/`--fx-currency` quote a cross-currency payment under the schedule with an FX fee
    (what reaches the payee, in their currency); `--free-amount-used` shrinks the free amount left;
    the rate without its currency, or a day the schedule is not valid, is refused (exit 2)."""
    assert main(["fees", "quote", "100.00", "EUR", "--kind", "p2p_transfer", "--fx-rate", "1.08",
                 "--fx-currency", "USD", "--format", "json"]) == 0
    fx = json.loads(capsys.readouterr().out)
    assert (fx["schedule"], fx["fee"], fx["debited"]) == ("example.eur_fx_transfer", "3.50", "103.50")
    assert (fx["received"], fx["received_currency"]) == ("108.00", "USD")
    fresh, used = (["fees", "quote", "25000.00", "CNY", "--kind", "withdrawal", "--format", "json",
                    *extra] for extra in ([], ["--free-amount-used", "20000.00"]))
    assert main(fresh) == 0
    assert json.loads(capsys.readouterr().out)["fee"] == "5.00"  # 5,000 above the free 20,000
    assert main(used) == 0
    assert json.loads(capsys.readouterr().out)["fee"] == "25.00"  # nothing free left
    assert main(["fees", "quote", "100.00", "EUR", "--kind", "p2p_transfer", "--fx-rate", "1.08"]) == 2
    assert "--fx-rate and --fx-currency go together" in capsys.readouterr().err



def test_fees_quote_on_a_day_the_schedule_is_not_valid_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--on` checks the schedule's days: a price that ended is not quoted for a later day."""
    (tmp_path / "fees").mkdir()
    (tmp_path / "fees" / "old.yaml").write_text(
        "schedules:\n  - {id: old.eur, label: Old price, kinds: [p2p_transfer], currency: EUR, "
        "payer: on_top, rounding: ROUND_HALF_UP, percent: \"1\", valid_until: 2026-01-31}\n",
        encoding="utf-8")
    args = ["fees", "quote", "100.00", "EUR", "--kind", "p2p_transfer", "--rules", str(tmp_path),
            "--schedule", "old.eur"]
    assert main([*args, "--on", "2026-01-15"]) == 0
    assert "fee       1.00 EUR" in capsys.readouterr().out
    assert main([*args, "--on", "2026-02-01"]) == 2
    assert "is not valid on 2026-02-01" in capsys.readouterr().err


def test_a_reader_that_stops_early_ends_the_command_quietly() -> None:
    """`payfix codes list | head -1`: when the reader has closed the pipe before the command
    writes, the command ends with exit 0 and says nothing on stderr (no "unexpected error", no
    traceback), as a filter does."""
    proc = subprocess.Popen([sys.executable, "-m", "payfix", "codes", "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # gone before the command has started: its first write meets a closed pipe
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert err == b""


def test_synth_then_replay_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix synth` and `payfix replay` run from the main command; counts are conserved."""
    data = tmp_path / "in.jsonl"
    assert main(["synth", "--rows", "300", "--seed", "3", "--corrupt-share", "0.1",
                 "--out", str(data)]) == 0
    assert main(["replay", str(data), "--out", str(tmp_path / "out"), "--rejects",
                 str(tmp_path / "rejects.jsonl"), "--workers", "1"]) == 0
    assert "rows in: 300, out: 270, rejected: 30" in capsys.readouterr().out


def test_help_tells_a_newcomer_what_to_type(capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix --help` ends with runnable first commands."""
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "payfix diagnose examples/reports/network_offline.json --format text" in out
    assert "payfix codes lookup iso8583 51" in out
