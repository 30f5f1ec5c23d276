"""Effective dates: a code's meaning may change on a day (Visa moved 57 from category 2 to 1 on
25 Oct 2026; 5C and 9G exist since 11 Apr 2025). A failure is evaluated under the rules of its own
day, or of the day `as_of` names (`Diagnoser(as_of=)`, `payfix replay --as-of`,
`payfix codes lookup --as-of`)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from payfix import Diagnoser, RulePackError, load_pack
from payfix.cli import main
from payfix.diagnosis.codes import lookup_code
from payfix.errors import UnknownCodeError
from payfix.rules.loader import bundled_rules_dir

from .strategies import PACK, reports

AGENT = Diagnoser(PACK, engine="compiled", audience="agent")
JUNE, NOVEMBER = "2026-06-01T10:00:00Z", "2026-11-01T10:00:00Z"


def _visa(code: str, at: str) -> dict[str, Any]:
    return {"attempt": {"id": "d-1", "at": at, "kind": "purchase",
                        "amount": {"value": "20.00", "currency": "USD"},
                        "method": {"type": "credit_card"},
                        "processor": {"scheme": "iso8583", "brand": "visa",
                                      "codes": {"response_code": code}}}}


def test_a_code_whose_category_changed_is_read_as_on_the_attempts_day() -> None:
    """Visa 57 before 25 Oct 2026 is category 2 (re-attempts allowed, counted); from that day it
    is category 1 (never). Each attempt gets its own day's meaning, and the trace names the line
    of the meaning that decided."""
    june = AGENT.diagnose(_visa("57", JUNE))
    november = AGENT.diagnose(_visa("57", NOVEMBER))
    assert (june.retry.verdict, june.retry.wait_seconds, june.retry.attempts_left) == ("later", 86400, 15)
    assert (november.retry.verdict, november.retry.attempts_left) == ("never", None)
    assert june.failure.source != november.failure.source
    assert june.failure.reason == november.failure.reason == "transaction_not_permitted"


@pytest.mark.parametrize(("at", "as_of", "verdict"), [
    (JUNE, date(2026, 11, 1), "never"),  # a June failure under November's rules
    (NOVEMBER, date(2026, 6, 1), "later"),  # a November failure under June's rules
    (JUNE, date(2026, 10, 24), "later"),  # the last day of category 2
    (JUNE, date(2026, 10, 25), "never"),  # the first day of category 1
])
def test_as_of_evaluates_under_the_rules_of_that_day(at: str, as_of: date, verdict: str) -> None:
    """`Diagnoser(as_of=)` applies the meanings in force on that day, whatever the attempt's."""
    diagnoser = Diagnoser(PACK, engine="compiled", audience="agent", as_of=as_of)
    assert diagnoser.diagnose(_visa("57", at)).retry.verdict == verdict
    assert diagnoser.outline(_visa("57", at)).retry == verdict


def test_a_code_introduced_on_a_day_is_unknown_before_it() -> None:
    """5C (Visa: blocked by the issuer's BIN rule) exists since 11 Apr 2025: a 2024 failure with it
    is an unmapped code, a 2025 one is mapped."""
    before = AGENT.diagnose(_visa("5C", "2024-12-01T10:00:00Z")).failure
    after = AGENT.diagnose(_visa("5C", "2025-05-01T10:00:00Z")).failure
    assert (before.known, before.reason) == (False, "unknown")
    assert (after.known, after.reason) == (True, "transaction_not_permitted")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_the_default_is_the_attempts_own_day(report: dict[str, Any]) -> None:
    """Without `as_of` each report is evaluated under its own day's rules: naming that day changes
    nothing, for either audience."""
    day = datetime.fromisoformat(report["attempt"]["at"].replace("Z", "+00:00")).date()
    pinned = Diagnoser(PACK, engine="compiled", as_of=day)
    for audience in ("agent", "customer"):
        assert pinned.diagnose(report, audience=audience).to_json() == AGENT.diagnose(  # type: ignore[arg-type]
            report, audience=audience).to_json()  # type: ignore[arg-type]


def test_the_look_up_answers_as_of_a_day(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a day the latest meaning answers, with the days it holds; with `--as-of` the
    meaning of that day; a code that meant nothing that day is an unknown code, saying so."""
    latest = lookup_code("iso8583", "57")
    assert (latest.retry, latest.category, latest.valid_from, latest.valid_until) == (
        "never", "visa_1", date(2026, 10, 25), None)
    earlier = lookup_code("iso8583", "57", as_of=date(2026, 1, 1))
    assert (earlier.retry, earlier.category, earlier.valid_until) == ("later", "visa_2", date(2026, 10, 24))
    with pytest.raises(UnknownCodeError, match="on 2025-01-01: the code had no meaning"):
        lookup_code("iso8583", "5C", as_of=date(2025, 1, 1))
    assert main(["codes", "lookup", "iso8583", "57", "--as-of", "2026-01-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["retry"] == "later"
    assert main(["codes", "lookup", "iso8583", "57"]) == 0
    assert "in force:       2026-10-25 to now" in capsys.readouterr().out


def _overlay(tmp_path: Path, entry: str) -> Path:
    codes = tmp_path / "codes"
    codes.mkdir()
    text = (bundled_rules_dir() / "codes" / "iso8583.yaml").read_text(encoding="utf-8")
    start = text.index('  "57":\n')
    end = text.index('\n  "', start + 8)
    (codes / "iso8583.yaml").write_text(text[:start] + entry + text[end:], encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("entry", [
    # overlapping: the first meaning ends after the second begins
    '  "57":\n    - {reason: generic_decline, retry: later, wait_s: 60, customer_safe: true, '
    'fix_by: issuer, valid_until: 2026-11-01}\n    - {reason: generic_decline, retry: never, '
    'customer_safe: true, fix_by: issuer, valid_from: 2026-10-25}',
    # newest first
    '  "57":\n    - {reason: generic_decline, retry: never, customer_safe: true, fix_by: issuer, '
    'valid_from: 2026-10-25}\n    - {reason: generic_decline, retry: later, wait_s: 60, '
    'customer_safe: true, fix_by: issuer, valid_until: 2026-10-24}',
    # a meaning that ends before it begins
    '  "57": {reason: generic_decline, retry: never, customer_safe: true, fix_by: issuer, '
    'valid_from: 2026-10-25, valid_until: 2026-01-01}',
], ids=["overlapping", "newest-first", "ends-before-it-begins"])
def test_meanings_that_do_not_follow_each_other_are_refused(tmp_path: Path, entry: str) -> None:
    """The loader refuses dates a look-up could not decide between, naming the file and line."""
    with pytest.raises(RulePackError) as caught:
        load_pack(_overlay(tmp_path, entry))
    (problem,) = caught.value.problems
    assert problem.type == "dates_out_of_order"
    assert "iso8583.yaml" in problem.render()


def _rows(path: Path, at: str, n: int = 6) -> None:
    path.write_text("".join(json.dumps({**_visa("57", at), "attempt": {
        **_visa("57", at)["attempt"], "id": f"d-{i}"}}) + "\n" for i in range(n)), encoding="utf-8")


def test_replay_as_of_evaluates_every_row_under_that_days_rules(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix replay --as-of DATE` replays June failures under November's rules; the job file
    records the day, and resuming with another day is refused."""
    pytest.importorskip("pyarrow")
    from payfix.batch.cli import run
    from payfix.batch.replay import read_output

    from .replay_support import batch_parser

    _rows(tmp_path / "june.jsonl", JUNE)
    own = ["replay", str(tmp_path / "june.jsonl"), "--out", str(tmp_path / "own"), "--rejects",
           str(tmp_path / "own.rej"), "--workers", "1"]
    assert run(batch_parser().parse_args(own)) == 0
    assert set(read_output(tmp_path / "own").column("retry_verdict").to_pylist()) == {"later"}
    pinned = ["replay", str(tmp_path / "june.jsonl"), "--out", str(tmp_path / "pinned"), "--rejects",
              str(tmp_path / "pinned.rej"), "--workers", "2", "--as-of", "2026-11-01"]
    assert run(batch_parser().parse_args(pinned)) == 0
    assert set(read_output(tmp_path / "pinned").column("retry_verdict").to_pylist()) == {"never"}
    job = json.loads((tmp_path / "pinned" / "_job.json").read_text(encoding="utf-8"))
    assert job["as_of"] == "2026-11-01"
    other = [*pinned[:-1], "2026-06-01", "--resume"]
    assert run(batch_parser().parse_args(other)) == 2
    assert "cannot resume: as_of differ" in capsys.readouterr().err
