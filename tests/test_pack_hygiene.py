"""Operator packs that cannot go wrong silently: a rule-set file pack.yaml does not list is a
problem, not ignored; support channels still at their placeholder values are flagged by `payfix
rules check` and by the service at start-up; codes are matched as their scheme writes them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from payfix import Diagnoser, RulePackError, load_pack
from payfix.diagnosis.codes import lookup_code
from payfix.rules.channels import placeholder_channels
from payfix.rules.loader import bundled_rules_dir

from .conftest import example

_BROKEN_RULESET = """ruleset: fraud
rules:
  - id: fraud.velocity
    when: history.failures_24h > "five"
    remedy: security.reset_credentials
    confidence: 70
  - id: fraud.new_device
    when: device.is_new
    remedy: nothing.here
    confidence: 60
"""


def test_a_rule_set_file_pack_yaml_does_not_list_is_a_problem(tmp_path: Path) -> None:
    """An overlay's fraud.yaml, absent from pack.yaml rulesets, used to load as "ok" with its two
    errors never seen; now the pack refuses it and says how to fix it."""
    (tmp_path / "fraud.yaml").write_text(_BROKEN_RULESET, encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_pack(tmp_path)
    (problem,) = caught.value.problems
    assert problem.type == "pack.unlisted_ruleset"
    assert "fraud.yaml" in problem.render()
    assert "add 'fraud' to rulesets" in problem.msg
    done = subprocess.run([sys.executable, "-m", "payfix", "rules", "check", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "pack.unlisted_ruleset" in done.stderr


def test_listing_the_rule_set_brings_its_errors_to_light(tmp_path: Path) -> None:
    """Once listed, the file's own errors are reported, each positioned."""
    (tmp_path / "fraud.yaml").write_text(_BROKEN_RULESET, encoding="utf-8")
    yaml = YAML(typ="rt")
    pack_yaml = yaml.load((bundled_rules_dir() / "pack.yaml").read_text(encoding="utf-8"))
    pack_yaml["rulesets"].append("fraud")
    with (tmp_path / "pack.yaml").open("w", encoding="utf-8") as out:
        yaml.dump(pack_yaml, out)
    with pytest.raises(RulePackError) as caught:
        load_pack(tmp_path)
    types = sorted(p.type for p in caught.value.problems)
    assert "unknown_remedy" in types
    assert len(types) >= 2


def _channels_overlay(tmp_path: Path, phone: str) -> Path:
    tmp_path.mkdir()
    yaml = YAML(typ="rt")
    pack_yaml = yaml.load((bundled_rules_dir() / "pack.yaml").read_text(encoding="utf-8"))
    pack_yaml["channels"] = [
        {"id": "in_app_chat", "kind": "in_app", "address": "Profile > Help > Chat"},
        {"id": "phone", "kind": "phone", "address": phone}]
    with (tmp_path / "pack.yaml").open("w", encoding="utf-8") as out:
        yaml.dump(pack_yaml, out)
    return tmp_path


def test_placeholder_channels_are_flagged_until_the_operator_sets_its_own(tmp_path: Path) -> None:
    """The bundled example channels are flagged; an operator's own are not; a telephone number
    reserved for fiction (555-0100 to 555-0199) is flagged whoever wrote it."""
    assert [w.split(":")[0] for w in placeholder_channels(load_pack())] == [
        "channel in_app_chat", "channel phone"]
    own = load_pack(_channels_overlay(tmp_path / "own", "+49 30 1234567"))
    assert placeholder_channels(own) == ()
    fiction = load_pack(_channels_overlay(tmp_path / "fiction", "+1 212 555 0142"))
    (warning,) = placeholder_channels(fiction)
    assert warning.startswith("channel phone:")
    assert "reserved for fiction" in warning


def test_rules_check_prints_the_warnings_and_still_passes(tmp_path: Path) -> None:
    """`payfix rules check` on the bundled pack: exit 0, the summary, and a warning per
    placeholder channel on stderr; `--format json` lists them under "warnings"."""
    run = [sys.executable, "-m", "payfix", "rules", "check"]
    done = subprocess.run(run, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0
    assert " ok: " in done.stdout
    assert done.stderr.count("warning: channel ") == 2
    data = json.loads(subprocess.run([*run, "--format", "json"], capture_output=True, text=True,
                                     timeout=120, check=True).stdout)
    assert len(data["warnings"]) == 2


def test_the_service_warns_of_placeholder_channels_at_start_up() -> None:
    """Building the service app logs one JSON warning per placeholder channel."""
    import logging

    from payfix.service.app import create_app
    from payfix.service.config import ServiceConfig

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger = logging.getLogger("payfix.service")
    logger.addHandler(handler)
    try:
        create_app(ServiceConfig(no_auth=True), prepare="none")
    finally:
        logger.removeHandler(handler)
    events = [r for r in records if getattr(r, "fields", {}).get("event") == "placeholder_channel"]
    assert len(events) == 2
    assert all(r.levelno == logging.WARNING for r in events)


@pytest.mark.parametrize(("scheme", "sent", "key", "reason"), [
    ("iso8583", "5", "05", "do_not_honor"),
    ("iso8583", " 51 ", "51", "insufficient_funds"),
    ("iso8583", "n7", "N7", "incorrect_cvc"),
    ("mastercard_mac", "3", "03", None),
])
def test_codes_are_read_as_their_scheme_writes_them(scheme: str, sent: str, key: str,
                                                    reason: str | None) -> None:
    """An ISO 8583 response code is two characters (a 5 is 05, n7 is N7) and a Mastercard advice
    code two digits, in a diagnosis and in a look-up; the report's own spelling is what the
    diagnosis shows."""
    info = lookup_code(scheme, sent)
    assert info.code == key
    if reason is None:
        return
    assert info.reason == reason
    report = example("unknown_code_checklist.json")
    report["attempt"]["processor"]["codes"] = {"response_code": sent}
    failure = Diagnoser(engine="compiled", audience="agent").diagnose(report).failure
    assert failure is not None
    assert (failure.code, failure.reason, failure.known) == (sent.strip(), reason, True)


def test_a_scheme_without_a_code_form_matches_codes_as_written() -> None:
    """Stripe's codes are words: no padding, no case change (Do_Not_Honor is not a Stripe code)."""
    with pytest.raises(LookupError):
        lookup_code("stripe", "Do_Not_Honor")
