"""``payfix rules check|test|docs --locale``: the pack tools write their own lines from the pack's
``rules`` and ``catalogue`` texts (en and zh-CN complete); English is the default and reads as
before; what the pack itself says (rule ids, conditions, descriptions, remedy texts, addresses)
is written as the pack gives it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from payfix.cli import main
from payfix.rules._textfiles import TEXT_KEYS
from payfix.rules.bundled import bundled_pack
from payfix.rules.catalogue import render_catalogue
from payfix.ruletests import problems_of, run_rule_tests

from .conftest import ROOT

_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")


def _english_words(text: str, allowed: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """English words of ``text`` beyond code spans, quoted text, placeholders, paths and
    ``allowed`` ids."""
    text = re.sub(r"`[^`]*`|'[^']*'|\{[a-z_]+\}|[\w.-]+\.(yaml|md)\b", "", text)
    return [w for w in _WORD.findall(text) if len(w) > 1 and w not in allowed]


@pytest.mark.parametrize("section", ["rules", "catalogue"])
def test_zh_cn_gives_every_text_of_the_pack_tools_without_english(section: str) -> None:
    zh = bundled_pack().texts["rules" if section == "rules" else "catalogue"]["zh-CN"]
    assert set(zh) >= TEXT_KEYS[section]
    commands = {"payfix", "rules", "docs", "codes", "list", "lookup", "fees", "quote", "locale",
                "out", "catalogue", "channels", "kind", "zh"}  # a command line quoted in a text
    for name, text in zh.items():
        assert _english_words(text, commands) == [], (name, text)


def _failing_overlay(tmp_path: Path) -> Path:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "network.yaml").write_text(
        "base:\n  attempt: {id: x, at: \"2026-03-01T10:00:00Z\", kind: purchase,\n"
        "            amount: {value: \"1.00\", currency: EUR}, method: {type: wallet_balance}}\n"
        "cases:\n  - name: claims offline fires on an online device\n    rule: network.offline\n"
        "    patch: {device: {online: true}}\n    fires: true\n    top: check_connection\n"
        "  - name: an invalid report\n    rule: network.offline\n"
        "    patch: {attempt: {amount: {value: \"1.005\"}}}\n    fires: false\n"
        "  - name: a rule that is not there\n    rule: network.nothing\n    fires: true\n",
        encoding="utf-8")
    return tmp_path


def test_a_failing_rule_test_is_said_in_zh_cn(tmp_path: Path) -> None:
    folder = _failing_overlay(tmp_path)
    result = run_rule_tests(folder, locale="zh-CN")
    failures = {case.name: case.problems for case in result.failures}
    assert failures["claims offline fires on an online device"][0].startswith(
        "应触发 network.offline；实际触发：")
    assert failures["an invalid report"] == ("报告无效：attempt.amount: 金额 1.005 的小数位多于 EUR 的 "
                                             "2 位 [value_error]",)
    assert failures["a rule that is not there"] == ("未知规则 'network.nothing'",)
    assert result.coverage_line().startswith("覆盖：")
    for problem in problems_of(result):
        text = problem.msg
        for name in failures:  # the cases' names are the pack's words
            text = text.replace(name, "")
        text = re.sub(r"[A-Za-z0-9_/.:-]*[./_][A-Za-z0-9_/.:-]*", "", text)  # ids and paths
        assert _english_words(text) == [], problem.msg


def test_english_rule_test_lines_read_as_before(tmp_path: Path) -> None:
    result = run_rule_tests(_failing_overlay(tmp_path))
    failures = {case.name: case.problems for case in result.failures}
    assert failures["a rule that is not there"] == ("unknown rule 'network.nothing'",)
    assert failures["an invalid report"] == ("invalid report: attempt.amount: Value error, value "
                                             "1.005 has more than 2 decimal places for EUR "
                                             "[value_error]",)
    assert re.fullmatch(r"coverage: \d+/66 rules fired in a case, \d+/66 seen not firing",
                        result.coverage_line())


def test_rules_check_and_test_speak_the_locale_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", "--locale", "zh-CN"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("规则包 payfix-default ")
    assert "5 个规则集共 66 条规则" in out
    assert err.startswith("警告：渠道 in_app_chat：")
    assert main(["rules", "check"]) == 0
    out, err = capsys.readouterr()
    assert re.match(r"rule pack payfix-default \S+ ok: 66 rules in 5 rule sets, \d+ remedies, "
                    r"code maps adyen, alipay", out)
    assert err.startswith("warning: channel in_app_chat: address ")
    assert main(["rules", "test", "--locale", "zh-CN", "--format", "json"]) == 0
    coverage = json.loads(capsys.readouterr().out)["coverage"]
    assert coverage == "覆盖：66/66 条规则在用例中触发过，66/66 条见过不触发"


def test_the_catalogue_in_zh_cn_has_chinese_headings_and_labels(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]
                                                               ) -> None:
    out = tmp_path / "catalogue.zh-CN.md"
    assert main(["rules", "docs", "--locale", "zh-CN", "--out", str(out)]) == 0
    assert capsys.readouterr().err == f"已写入 {out}\n"
    page = out.read_text(encoding="utf-8")
    headings = [line[3:] for line in page.splitlines() if line.startswith("## ")]
    assert headings == ["规则包", "规则", "补救措施", "转人工策略", "处理方代码映射", "费率表"]
    labels = [line.split("：")[0] for line in page.splitlines() if line.startswith("- ")
              and "：" in line and not line.startswith("- **")]
    assert labels
    assert all(_english_words(label) == [] for label in labels), set(labels)
    assert page == render_catalogue(bundled_pack(), "zh-CN")


def test_the_english_catalogue_is_the_committed_one() -> None:
    """The default catalogue is what docs/catalogue.md holds (the English labels as before)."""
    assert render_catalogue(bundled_pack()) == (ROOT / "docs" / "catalogue.md").read_text(
        encoding="utf-8")
