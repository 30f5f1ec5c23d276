"""The runnable examples in examples/ work as they stand, and every script has a test that runs it.

To add an example script: write a test that runs it (here: ``_run("examples/NAME.py", ...)``) and
name that test in ``RUNNERS``; ``test_every_example_script_has_a_runner`` fails until you do.
"""

from __future__ import annotations

import json
import subprocess
import sys

from payfix import Diagnoser, load_pack
from payfix.ruletests import run_rule_tests

from .conftest import EXAMPLES, ROOT

#: Each script in examples/ and the tests that run it as a user would: a test of this module by
#: name, or ``tests/<file>.py::<test>`` for one that needs fixtures kept elsewhere (a live server).
RUNNERS: dict[str, tuple[str, ...]] = {
    "spark_job.py": ("test_spark_job_script_starts_and_explains_its_arguments",),
    "support_client.py": ("tests/test_service_server.py::test_support_client_prints_the_handoff",),
    "support_ticket.py": ("test_support_ticket_script_prints_a_ticket",),
    "wallet_backend.py": ("test_wallet_backend_answers_the_app_in_its_language",
                          "test_wallet_backend_rejects_bad_input_with_problems"),
}


def _test_exists(test: str) -> bool:
    if "::" not in test:
        return callable(globals().get(test))
    path, name = test.split("::", 1)
    module = ROOT / path
    return module.is_file() and f"def {name}(" in module.read_text(encoding="utf-8")


def test_every_example_script_has_a_runner() -> None:
    """Every examples/*.py is named in RUNNERS with tests that exist, so no script goes untested."""
    scripts = sorted(path.name for path in (ROOT / "examples").glob("*.py"))
    missing = [name for name in scripts if name not in RUNNERS]
    assert not missing, (
        f"examples without a runner: {', '.join(missing)}. Add a test that runs each script as a user "
        "would (here: _run('examples/NAME.py', ...)) and name it in RUNNERS in tests/test_examples.py.")
    gone = sorted(set(RUNNERS) - set(scripts))
    assert not gone, f"RUNNERS names scripts that no longer exist: {', '.join(gone)}"
    undefined = [test for tests in RUNNERS.values() for test in tests if not _test_exists(test)]
    assert not undefined, f"RUNNERS names tests that do not exist: {', '.join(undefined)}"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120,
                          check=False, cwd=ROOT)


def test_wallet_backend_answers_the_app_in_its_language() -> None:
    """The request-handler example returns 200 with customer-facing remedies in Chinese."""
    proc = _run("examples/wallet_backend.py", str(EXAMPLES / "balance_fee_pushes_over.json"), "zh-CN")
    assert proc.returncode == 0, proc.stderr
    status, body = proc.stdout.split("\n", 1)
    answer = json.loads(body)
    assert status == "200"
    assert answer["remedies"][0]["title"].startswith("加上 0.60 EUR 手续费")
    assert answer["human_follow_up"] is False


def test_wallet_backend_rejects_bad_input_with_problems(tmp_path: object) -> None:
    """Malformed input gets a 422 with field-level problems, not a traceback."""
    from pathlib import Path

    bad = Path(str(tmp_path)) / "bad.json"
    bad.write_text('{"attempt": {"id": "x"}}', encoding="utf-8")
    proc = _run("examples/wallet_backend.py", str(bad))
    assert proc.returncode == 1
    assert proc.stdout.startswith("422")
    assert "Traceback" not in proc.stderr


def test_support_ticket_script_prints_a_ticket() -> None:
    """The ticket example prints a subject with the priority and the hand-off body."""
    proc = _run("examples/support_ticket.py", str(EXAMPLES / "escalate_funds_debited.json"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Subject: [high] Payment pay_20260501_0101: processing_error")
    assert "Support hand-off PF-" in proc.stdout


def test_operator_pack_loads_adds_its_rule_and_passes_its_cases() -> None:
    """The custom pack overlays the bundled one: its own rule set, channels and test cases."""
    pack = load_pack(ROOT / "examples" / "custom_pack")
    assert [rs.name for rs in pack.rulesets][-1] == "promo"
    assert [c.id for c in pack.settings.channels] == ["in_app_chat", "web_form"]
    result = run_rule_tests(ROOT / "examples" / "custom_pack")
    promo = [c for c in result.cases if c.rule.startswith("promo.")]
    assert len(promo) == 2
    failed = [f"{c.where}: {c.name}" for c in result.failures]
    assert not failed, f"the operator pack fails its own cases: {failed}"
    report = json.loads((EXAMPLES / "balance_short.json").read_text(encoding="utf-8"))
    report["attempt"]["method"] = {"type": "debit_card"}
    report["attempt"]["kind"] = "purchase"
    diagnosis = Diagnoser(pack, "compiled", audience="agent").diagnose(report)
    assert "promo.large_purchase_short_of_funds" in {h.rule_id for h in diagnosis.fired}


def test_spark_job_script_starts_and_explains_its_arguments() -> None:
    """examples/spark_job.py runs as a script and explains its arguments without Spark starting.

    The job itself (payfix.spark.main, which the script calls) runs in local mode in test_spark.py.
    """
    proc = _run("examples/spark_job.py", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "--out" in proc.stdout
    assert "--rejects" in proc.stdout
