"""Additive overlays: an operator adds or re-words remedies (`remedies/*.yaml`) and adds or
re-maps codes (`codes/*.yaml` with `merge: true`) without copying, and then silently losing,
the bundled files; a diagnosis decided by an operator's entry names the operator's file."""

from __future__ import annotations

from pathlib import Path

import pytest

from payfix import Diagnoser, RulePackError, load_pack
from payfix.diagnosis.codes import lookup_code

from .conftest import example

BUNDLED = load_pack()

_CODES = """# Our acquirer's own codes, from its integration guide (section 4.2).
scheme: iso8583
merge: true
source: Example acquirer integration guide, section 4.2 (internal)
retrieved: "2026-12-01"
codes:
  "Q9": {reason: issuer_unavailable, retry: later, wait_s: 600, customer_safe: true, fix_by: none}
  "05": {reason: do_not_honor, retry: never, customer_safe: true, fix_by: issuer}
"""

_REMEDIES = """remedies:
  - id: network.reconnect
    category: network
    weight: 90
    self_service: true
    audience: [customer, agent]
    text:
      en:
        title: "Get back online with MyWallet, then pay again"
        steps: ["Turn off airplane mode.", "Check MyWallet's payment history before paying again."]
  - id: support.visit_branch
    category: support
    weight: 30
    self_service: false
    audience: [customer]
    text:
      en:
        title: "Visit a MyWallet service point"
        steps: ["Bring an identity document."]
"""


def _overlay(tmp_path: Path, codes: str | None = _CODES, remedies: str | None = _REMEDIES,
             codes_name: str = "iso8583_local.yaml") -> Path:
    if codes is not None:
        (tmp_path / "codes").mkdir()
        (tmp_path / "codes" / codes_name).write_text(codes, encoding="utf-8")
    if remedies is not None:
        (tmp_path / "remedies").mkdir()
        (tmp_path / "remedies" / "mywallet.yaml").write_text(remedies, encoding="utf-8")
    return tmp_path


def test_merged_codes_add_to_and_replace_entries_of_the_bundled_map(tmp_path: Path) -> None:
    """The operator's file adds Q9 and re-maps 05; every other bundled entry, the map's fields and
    code form stay; the map's source names both."""
    pack = load_pack(_overlay(tmp_path, remedies=None))
    iso, bundled = pack.codemaps["iso8583"], BUNDLED.codemaps["iso8583"]
    assert set(iso.codes) == set(bundled.codes) | {"Q9"}
    assert (iso.codes["05"].retry, iso.codes["51"]) == ("never", bundled.codes["51"])
    assert (iso.fields, iso.width, iso.upper) == (bundled.fields, bundled.width, bundled.upper)
    assert "Example acquirer integration guide" in iso.source
    assert bundled.source in iso.source


def test_a_diagnosis_decided_by_an_operators_entry_names_the_operators_file(tmp_path: Path) -> None:
    """The trace (agents) and the code look-up say which file and line decided: the operator's for
    their entries, the bundled map's for the rest."""
    overlay = _overlay(tmp_path, remedies=None)
    agent = Diagnoser(overlay, engine="compiled", audience="agent")
    report = example("escalate_repeated_failure.json")  # ISO 8583 05
    failure = agent.diagnose(report).failure
    assert failure.source == f"{tmp_path / 'codes' / 'iso8583_local.yaml'}:8"
    assert agent.diagnose(report).retry.verdict == "never"
    report["attempt"]["processor"]["codes"] = {"response_code": "51"}
    assert agent.diagnose(report).failure.source.startswith("rules/codes/iso8583.yaml:")
    info = lookup_code("iso8583", "Q9", pack=agent)
    assert (info.reason, info.source.at) == ("issuer_unavailable",
                                             f"{tmp_path / 'codes' / 'iso8583_local.yaml'}:7")


def test_a_merge_file_at_the_bundled_maps_own_path_says_how_to_name_it(tmp_path: Path) -> None:
    """At `codes/iso8583.yaml` the file replaces the bundled map (same path), so there is nothing
    to merge into: the problem says to give the additions a name of their own."""
    with pytest.raises(RulePackError) as caught:
        load_pack(_overlay(tmp_path, remedies=None, codes_name="iso8583.yaml"))
    (problem,) = caught.value.problems
    assert problem.type == "merge_without_map"
    assert "codes/iso8583_additions.yaml" in problem.msg


def test_remedy_files_add_and_reword_remedies_keeping_their_place(tmp_path: Path) -> None:
    """`remedies/*.yaml` re-words network.reconnect (same place in the catalogue, so ranking ties
    break as before) and adds a remedy; the other bundled remedies stay as they were."""
    pack = load_pack(_overlay(tmp_path, codes=None))
    assert set(pack.remedies) == set(BUNDLED.remedies) | {"support.visit_branch"}
    assert pack.remedies["network.reconnect"].order == BUNDLED.remedies["network.reconnect"].order
    assert pack.remedies["support.visit_branch"].order == len(BUNDLED.remedies)
    assert pack.remedies["method.use_another"] == BUNDLED.remedies["method.use_another"]
    top = Diagnoser(pack, engine="compiled").diagnose(example("network_offline.json")).remedies[0]
    assert top.title == "Get back online with MyWallet, then pay again"


def test_a_remedy_file_is_checked_like_the_catalogue(tmp_path: Path) -> None:
    """An added remedy with an unknown category is a problem in its own file."""
    broken = _REMEDIES.replace("category: support", "category: branches")
    with pytest.raises(RulePackError) as caught:
        load_pack(_overlay(tmp_path, codes=None, remedies=broken))
    (problem,) = caught.value.problems
    assert problem.type == "unknown_category"
    assert "remedies/mywallet.yaml" in problem.render()


def test_a_merge_file_cannot_redefine_the_maps_fields(tmp_path: Path) -> None:
    """A merge file's `fields` or `code_form` would be ignored (they are the extended map's), so
    they are refused, each named, instead of read silently."""
    with pytest.raises(RulePackError) as caught:
        load_pack(_overlay(tmp_path, remedies=None, codes=_CODES.replace(
            "merge: true\n", "merge: true\nfields: [decline_code]\ncode_form: {width: 3}\n")))
    assert [(p.type, p.msg.split(":")[0]) for p in caught.value.problems] == [
        ("merge_redefines", "fields"), ("merge_redefines", "code_form")]
