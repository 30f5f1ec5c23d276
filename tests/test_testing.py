"""payfix.testing: built reports are valid and changed exactly where asked, wrong paths are clear
errors, the pack's cases come back as reports, and the fixtures work as a plugin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import payfix
from payfix import Diagnoser, InvalidReportError, parse_report
from payfix.testing import FIXED_AT, REMOVE, build_report, make_report, pack_cases

DIAGNOSER = Diagnoser(engine="compiled")


def test_the_default_report_is_valid_and_diagnosed() -> None:
    """The built report validates as it stands, happens at FIXED_AT, and is diagnosed as the
    insufficient-funds decline it describes."""
    report = make_report()
    assert report.attempt.at.isoformat().replace("+00:00", "Z") == FIXED_AT
    assert DIAGNOSER.diagnose(build_report(), audience="agent").failure.reason \
        == "insufficient_funds"


@given(amount=st.decimals(min_value="0.01", max_value="99999.99", places=2),
       online=st.booleans(), latency=st.integers(min_value=0, max_value=60_000))
def test_overrides_land_where_named_and_nowhere_else(amount: object, online: bool,
                                                     latency: int) -> None:
    """Each dotted path sets that field; everything else equals the default report; the default
    itself is never changed by building."""
    before = json.dumps(build_report(), sort_keys=True)
    built = build_report(**{"attempt.amount.value": str(amount), "device.online": online,
                            "device.latency_ms": latency})
    assert built["attempt"]["amount"]["value"] == str(amount)
    assert (built["device"]["online"], built["device"]["latency_ms"]) == (online, latency)
    for path in ("attempt.amount.value", "device.online", "device.latency_ms"):
        section, *rest = path.split(".")
        node = built[section]
        for name in rest[:-1]:
            node = node[name]
        node.pop(rest[-1])
    reference = build_report()
    reference["attempt"]["amount"].pop("value")
    reference["device"].pop("online")
    reference["device"].pop("latency_ms")
    assert built == reference
    assert json.dumps(build_report(), sort_keys=True) == before


def test_remove_deletes_and_new_objects_are_created() -> None:
    """REMOVE drops a field; a path into a missing object creates it."""
    built = build_report(**{"attempt.processor": REMOVE, "attempt.balance.available":
                            {"value": "3.00", "currency": "EUR"}})
    assert "processor" not in built["attempt"]
    assert built["attempt"]["balance"] == {"available": {"value": "3.00", "currency": "EUR"}}
    assert make_report(**{"attempt.processor": REMOVE}).attempt.processor is None


def test_wrong_paths_are_clear_errors() -> None:
    """A path through a scalar is a ValueError naming both; a misspelt field is an
    InvalidReportError whose problem is at that field."""
    with pytest.raises(ValueError, match=r"'attempt\.id' is a str"):
        build_report(**{"attempt.id.x": 1})
    with pytest.raises(InvalidReportError) as caught:
        make_report(**{"device.onlien": True})
    assert [p.loc for p in caught.value.problems] == [("device", "onlien")]


def test_a_built_report_is_diagnosed_like_its_json() -> None:
    """A diagnosis of the built dict equals the diagnosis of the same report sent as JSON text
    through parse_report."""
    built = build_report(**{"device.online": False, "device.connection": "none"})
    assert DIAGNOSER.diagnose(built).to_json() \
        == DIAGNOSER.diagnose(parse_report(json.dumps(built))).to_json()


def test_pack_cases_are_reports_that_behave_as_the_case_says() -> None:
    """Every bundled case comes back with a valid report on which its rule fires exactly when
    the case says."""
    cases = pack_cases()
    assert len(cases) > 40
    for case in cases:
        fired = {hit.rule_id for hit in DIAGNOSER.diagnose(case.report, audience="agent").fired}
        assert (case.rule in fired) == case.fires, case.where


def test_fixtures_work_as_a_pytest_plugin(tmp_path: Path) -> None:
    """A user's test suite that names payfix.testing as a plugin gets the pack and the diagnoser
    fixtures."""
    source = str(Path(payfix.__file__).resolve().parents[1])  # this payfix, installed or not
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["payfix.testing"]\n', encoding="utf-8")
    (tmp_path / "test_user.py").write_text(
        "from payfix.testing import build_report\n\n"
        "def test_uses_fixtures(payfix_pack, payfix_diagnoser):\n"
        "    assert payfix_diagnoser.pack is payfix_pack\n"
        "    assert payfix_diagnoser.diagnose(build_report()).remedies\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(tmp_path)], capture_output=True, text=True, cwd=tmp_path,
                            timeout=300, env={**os.environ, "PYTHONPATH": source})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
