"""The rule-pack catalogue (`payfix rules docs`) lists everything a pack decides with, stably."""

from __future__ import annotations

from pathlib import Path

import pytest

from payfix.cli import main
from payfix.rules.catalogue import render_catalogue
from payfix.rules.pack import RulePack

from .conftest import ROOT


def test_checked_in_catalogue_is_fresh(pack: RulePack) -> None:
    """docs/catalogue.md is the catalogue of the bundled pack as it is now."""
    stored = (ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8")
    assert stored == render_catalogue(pack), (
        "docs/catalogue.md is stale: run `payfix rules docs --out docs/catalogue.md` "
        "(or `python docs/_ext/payfix_gen.py`) and commit it")


def test_every_rule_remedy_code_map_and_fee_schedule_is_listed(pack: RulePack) -> None:
    """Each rule appears with its condition, remedy and file:line; each remedy with its text in
    every locale; each code map with its entry count and sources; each fee schedule by id."""
    page = render_catalogue(pack)
    for rule in pack.rules:
        assert f"#### {rule.id}\n" in page
        assert f"`{rule.file}:{rule.line}`" in page
        assert f"- remedy: `{rule.remedy}`, confidence {rule.confidence}%" in page
        if rule.escalate:
            assert f"- escalate: `{rule.escalate}`" in page
    for remedy in pack.remedies.values():
        assert f"\n### {remedy.id}\n" in page
        for locale in ("en", "zh-CN"):
            text = remedy.texts[locale]
            assert f"- **{locale}**: {text.title}" in page
            assert all(step in page for step in text.steps)
    for codemap in pack.codemaps.values():
        assert f"### {codemap.scheme}\n\n- entries: {len(codemap.codes)}\n" in page
        assert " ".join(codemap.source.split()) in page
    for schedule_id in pack.fees:
        assert f"| `{schedule_id}` |" in page


def test_catalogue_is_deterministic_and_in_pack_order(pack: RulePack) -> None:
    """The same pack gives byte-identical text, rules in pack order and remedies in catalogue order."""
    page = render_catalogue(pack)
    assert page == render_catalogue(pack)
    positions = [page.index(f"#### {rule.id}\n") for rule in pack.rules]
    assert positions == sorted(positions)
    remedies = sorted(pack.remedies.values(), key=lambda r: r.order)
    positions = [page.index(f"\n### {remedy.id}\n") for remedy in remedies]
    assert positions == sorted(positions)


def test_rules_docs_command_documents_an_overlay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix rules docs DIR --out FILE` writes the overlay's catalogue: its name, its own rule with
    the overlay file and line; without --out the same text goes to standard output."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "catalogue.md"
    assert main(["rules", "docs", "examples/custom_pack", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("# Rule pack catalogue: example-operator\n")
    assert "#### promo.large_purchase_short_of_funds" in page
    assert "`examples/custom_pack/promo.yaml:4`" in page
    capsys.readouterr()
    assert main(["rules", "docs", "examples/custom_pack"]) == 0
    assert capsys.readouterr().out == page


def test_rules_docs_on_a_broken_pack_exits_2_with_problems(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A pack with problems gets no catalogue: exit 2 and the problems, as for `rules check`."""
    (tmp_path / "network.yaml").write_text("ruleset: network\nrules: []\n", encoding="utf-8")
    out = tmp_path / "catalogue.md"
    assert main(["rules", "docs", str(tmp_path), "--out", str(out)]) == 2
    assert not out.exists()
    assert "network.yaml" in capsys.readouterr().err
