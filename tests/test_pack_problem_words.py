"""A rule pack's own problems in the reader's language: every problem ``payfix rules check`` (or a
command loading a pack) reports about the pack's files carries what its message is made of, and
``--locale zh-CN`` writes it from the bundled ``problem`` texts, with the ids, keys, values and
positions as found. English is unchanged. The broken packs below provoke every kind of problem a
pack's files can have, each from the file that has it."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import string
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from payfix import RulePackError, load_pack
from payfix.cli import main
from payfix.diagnosis.problemtext import localised, text_name
from payfix.errors import MSG_LIMIT, Problem
from payfix.rules._feefiles import read_fee_files
from payfix.rules.bundled import bundled_pack
from payfix.rules.lint import lint_ruleset
from payfix.rules.loader import bundled_rules_dir
from payfix.vocab import PROBLEM_TEXTS

_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")
#: Keys of a pack's files and the values its vocabulary spells (written as the files write them).
_FILE_WORDS = {"payfix", "MiB", "id", "when", "remedy", "escalate", "fallback", "ruleset",
               "rulesets", "reasons", "locales", "escalations", "categories", "thresholds",
               "channels", "reason_names",
               "high_value_minor", "default", "valid_from", "valid_until", "wait_s", "retry",
               "later", "never", "fields", "merge", "true", "false", "present", "missing", "and",
               "or", "in", "is", "not", "schedules", "up_to", "tiers", "percent", "fixed",
               "maximum", "minimum", "amount", "amount_period", "transfers_per_month", "monthly",
               "lifetime", "start", "end", "string", "threshold", "int", "str", "bool",
               "escalation", "night", "from", "to", "approved", "Stripe", "Braintree", "Parquet",
               "time", "utc", "iso", "major", "minor", "chmod"}


def _english_words(problem: Problem, written: str) -> list[str]:
    """English words of ``written`` beyond the values the problem names, its file's keys, quoted
    and dotted names, and upper-case constants."""
    if len(written) >= MSG_LIMIT - 3:  # a message cut short ends in part of a word
        written = written.rsplit(" ", 1)[0]
    values = {str(v) for v in (problem.ctx or {}).values()}
    values |= {part for v in values for part in v.split(", ")}  # a list, maybe cut short
    for value in sorted(values, key=len, reverse=True):
        written = written.replace(value, "")
    written = re.sub(r"'[^']*'|\"[^\"]*\"|\{[^}]*\}|[\w$-]*[._/][\w.$/-]*|\b[A-Z_]{2,}\b", "",
                     written)
    return [w for w in _WORD.findall(written) if len(w) > 1 and w not in _FILE_WORDS]


def is_pack_text(name: str) -> bool:
    """Whether problem text ``name`` is about a file an operator or analyst writes (a pack's,
    a synth profile, a column map) or the options naming it."""
    return name.startswith((*_PACK_TEXT_PREFIXES, *_FILE_TEXT_PREFIXES)) or name in _FILE_TEXTS


_FILE_TEXT_PREFIXES = ("synth_", "replay_", "column_value_", "yaml_", "config_")
_FILE_TEXTS = frozenset({
    "value_error_float", "value_error_decimal", "extra_forbidden_map", "missing_map",
    "unknown_field", "unknown_field_set", "unit_missing", "not_a_value", "row_not_selected",
    "too_large_map"})


def template_english_words(template: str) -> list[str]:
    """English words of a pack problem's text beyond placeholders, quoted text, the names of the
    pack's keys and files, and identifiers."""
    text = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"|\{[^}]*\}|--?[\w-]+|[\w$-]*[._/][\w.$/-]*"
                  r"|\b[A-Z_]{2,}\b|\b\w*\d\w*\b", "", template)
    return [w for w in _WORD.findall(text) if len(w) > 1 and w not in _FILE_WORDS]


def _pack_yaml(change: Callable[[dict], None]) -> str:
    data = yaml.safe_load((bundled_rules_dir() / "pack.yaml").read_text(encoding="utf-8"))
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _broken_settings(data: dict) -> None:
    del data["escalations"]["no_credible_remedy"]
    data["generic_reasons"].append("insuficient_funds")
    data["reason_names"]["fr-XX"] = {}
    del data["high_value_minor"]["default"]
    data["channels"].append({"id": "mail", "kind": "email", "address": {"fr": "x@example.test"}})
    data["retry_limits"]["nothing_counted"] = {"brands": ["visa"], "window_s": 60, "source": "s"}
    data["retry_limits"]["mastercard_reattempts_24h"]["valid_from"] = "2026-01-02"
    data["retry_limits"]["mastercard_reattempts_24h"]["valid_until"] = "2026-01-01"
    data["wallet_id_pattern"] = "(a+)+"
    data["rulesets"].append("ghost")


_RULES = """ruleset: network
rules:
  - {id: network.a, when: "device.onlin == false", remedy: network.reconnect, confidence: 50}
  - {id: network.b, when: "device.online in [true]", remedy: network.reconnect, confidence: 50}
  - {id: network.c, when: "device.connection > 3", remedy: network.reconnect, confidence: 50}
  - {id: network.d, when: "device.online == 3", remedy: network.reconnect, confidence: 50}
  - {id: network.e, when: "device.connection == \\"wfi\\"", remedy: network.reconnect, confidence: 50}
  - {id: network.f, when: "device.online == false", remedy: network.reconect, confidence: 50}
  - {id: network.g, when: "device.online == false", remedy: network.reconnect, confidence: 50,
     escalate: fraud_reviw}
  - {id: wrong.h, when: "device.online == false", remedy: network.reconnect, confidence: 50}
  - {id: network.a, when: "device.online == true", remedy: network.reconnect, confidence: 50}
  - {id: network.i, when: "device.online == false and device.online == true",
     remedy: network.reconnect, confidence: 50}
  - {id: network.j, when: "device.online == false", remedy: network.reconnect, confidence: 50,
     fallback: true, escalate: no_credible_remedy}
  - {id: network.k, when: "device.online = false", remedy: network.reconnect, confidence: 50}
  - {id: network.l, when: "device.online == false device.online", remedy: network.reconnect,
     confidence: 50}
  - {id: network.m, when: "(device.online == false", remedy: network.reconnect, confidence: 50}
  - {id: network.n, when: "device.online is there", remedy: network.reconnect, confidence: 50}
  - {id: network.o, when: "attempt.amount_minor > 99999999999999999999", remedy: network.reconnect,
     confidence: 50}
  - {id: network.p, when: "attempt.amount_minor > $nothing", remedy: network.reconnect,
     confidence: 50}
  - {id: network.q, when: "device.online ==", remedy: network.reconnect, confidence: 50}
  - {id: network.r, when: "device.connection in [\\"wifi\\")", remedy: network.reconnect,
     confidence: 50}
  - {id: network.ab, when: "device.connection in [\\"wifi\\" \\"none\\"]", remedy: network.reconnect,
     confidence: 50}
  - {id: network.ac, when: "device.online == false and 3", remedy: network.reconnect, confidence: 50}
  - {id: network.ad, when: "device.online == )", remedy: network.reconnect, confidence: 50}
  - {id: network.s, when: "device.connection in \\"wifi\\"", remedy: network.reconnect, confidence: 50}
  - {id: network.t, when: "device.connection == \\"w\\\\qx\\"", remedy: network.reconnect,
     confidence: 50}
  - {id: network.u, when: "device.online == false ~", remedy: network.reconnect, confidence: 50}
  - {id: network.v, when: "device.connection not [\\"wifi\\"]", remedy: network.reconnect,
     confidence: 50}
  - {id: network.w, when: "", remedy: network.reconnect, confidence: 50}
  - {id: network.x, when: "device.online == false", remedy: network.reconnect, confidence: 500,
     colour: red}
  - {id: network.y, remedy: network.reconnect, confidence: 50}
  - {id: network.z, when: "device.online == false and", remedy: network.reconnect, confidence: 50}
  - {id: network.aa, when: "device.online == false)", remedy: network.reconnect, confidence: 50}
"""

_ENTRY = "customer_safe: true, fix_by: customer"
_CODES = {
    "codes/stripe_more.yaml": "scheme: stripe\nmerge: true\nfields: [decline_code]\nsource: s\n"
                              "retrieved: \"2026-11-25\"\n"
                              f"codes:\n  x1: {{reason: insufficient_funds, retry: never, {_ENTRY}}}\n",
    "codes/nomap_more.yaml": "scheme: nomap\nmerge: true\nsource: s\nretrieved: \"2026-11-25\"\n"
                             f"codes:\n  x1: {{reason: insufficient_funds, retry: never, {_ENTRY}}}\n",
    "codes/dup.yaml": "scheme: paypal\nsource: s\nretrieved: \"2026-11-25\"\nfields: []\ncodes:\n"
                      f"  a1: {{reason: insuficient_funds, retry: never, {_ENTRY}}}\n"
                      f"  a2: {{reason: insufficient_funds, retry: later, {_ENTRY}}}\n"
                      f"  a3: {{reason: insufficient_funds, retry: now, after: correct_data, {_ENTRY}}}\n"
                      f"  a4: {{reason: insufficient_funds, retry: never, valid_from: 2026-02-01,"
                      f" valid_until: 2026-01-01, {_ENTRY}}}\n"
                      f"  a5:\n    - {{reason: insufficient_funds, retry: never, {_ENTRY}}}\n"
                      f"    - {{reason: insufficient_funds, retry: never, {_ENTRY}}}\n",
    "codes/paypal_twice.yaml": "scheme: paypal\nsource: s\nretrieved: \"2026-11-25\"\n"
                               "fields: [decline_code]\n"
                               f"codes:\n  b1: {{reason: insufficient_funds, retry: never, {_ENTRY}}}\n",
}

_REMEDIES = """remedies:
  - id: network.extra
    category: netwrk
    weight: 1
    self_service: true
    audience: [customer, agent]
    text:
      zh-CN: {title: "t", steps: ["{amout}"]}
  - id: network.extra
    category: network
    weight: 1
    self_service: true
    audience: [customer, agent]
    text:
      en: {title: "t", steps: ["s"]}
"""

_TEXTS = """merge: true
text:
  fr-XX: {payment: "x"}
  zh-CN: {paymnt: "x"}
problem:
  zh-CN: {missing: "x {", string_too_long: "{max_len}"}
console:
  zh-CN: {notAText: "x"}
"""

_FEES = """schedules:
  - id: example.eur_instant_transfer
    label: l
    kinds: [purchase, purchase]
    currency: EUR
    payer: on_top
    rounding: ROUND_HALF_UP
    percent: "1"
    minimum: "5.001"
    maximum: "1.00"
    fixed: "0.50"
    tiers:
      - {up_to: "10.00", percent: "1"}
      - {percent: "1"}
      - {up_to: "5.00", percent: "1"}
      - {up_to: "20.00", percent: "1"}
    free: {transfers_per_month: 0, amount_period: monthly}
    surcharges: [{timezone: Mars/Base, start: "10:00", end: "09:00", percent: "1", days: [mon]}]
    valid_from: 2026-02-01
    valid_until: 2026-01-01
  - id: example.xyz
    label: l
    kinds: [purchase]
    currency: XYZ
    payer: on_top
    rounding: ROUND_HALF_UP
    percent: "1"
    fixed: "99999999999999999.00"
    free: {amount: "1.00"}
  - id: example.extra_key
    label: l
    kinds: [purchase]
    currency: EUR
    payer: on_top
    rounding: ROUND_HALF_UP
    percent: "1"
    colour: red
  - id: example.huge
    label: l
    kinds: [purchase]
    currency: EUR
    payer: on_top
    rounding: ROUND_HALF_UP
    percent: "1"
    fixed: "99999999999999999.00"
"""


def _overlays(tmp_path: Path) -> dict[str, Callable[[], object]]:
    """Broken packs, each provoking problems of one kind of file: a call that loads it."""
    def make(name: str, files: dict[str, str | bytes]) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        for rel, text in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                (folder / rel).write_bytes(text)
            else:
                (folder / rel).write_text(text, encoding="utf-8")
        return folder

    def pattern(value: str) -> dict[str, str]:
        def change(data: dict) -> None:
            data["wallet_id_pattern"] = value
        return {"pack.yaml": _pack_yaml(change)}

    many = "ruleset: network\nrules:\n" + "".join(
        f"  - {{id: network.r{i}, when: \"attempt.amount_minor == {i}\", remedy: network.reconnect, "
        "confidence: 50}\n" for i in range(401)) + (
        "  - {id: network.wide, remedy: network.reconnect, confidence: 50, when: \"(device.online"
        " == false or device.online is missing) and (attempt.amount_minor > 1 or attempt.kind =="
        " \\\"purchase\\\") and (attempt.amount_minor > 2 or attempt.amount_minor < 0) and"
        " (attempt.amount_minor > 3 or attempt.amount_minor < -1)\"}\n")
    outside = tmp_path / "outside.yaml"
    outside.write_text("ruleset: payee\nrules: []\n", encoding="utf-8")
    files = make("files", {})
    (files / "fees").mkdir()
    (files / "fees" / "dir.yaml").mkdir()
    (files / "codes").mkdir()
    (files / "codes" / "big.yaml").write_bytes(b"#" * (1 << 20) + b"\n")
    (files / "codes" / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (files / "security.yaml").symlink_to(outside)
    values = "ruleset: balance\nrules: []\nx: [" + ", ".join(["1"] * 50_001) + "]\n"
    overlays = {
        "settings": make("settings", {"pack.yaml": _pack_yaml(_broken_settings),
                                      "stray.yaml": "ruleset: stray\nrules: []\n"}),
        "pattern_alternation": make("pattern_alternation", pattern("(a|ab)*")),
        "pattern_paths": make("pattern_paths", pattern("a{0,100}b{0,100}c{0,100}")),
        "pattern_bad": make("pattern_bad", pattern("[a-")),
        "rules": make("rules", {"network.yaml": _RULES,
                                "balance.yaml": "ruleset: balanse\nrules:\n  - {id: balance.x, when: "
                                "\"device.online == false\", remedy: network.reconnect, confidence: 50}\n"}),
        "envelope": make("envelope", {"network.yaml": many}),
        "codes": make("codes", _CODES),
        "remedies": make("remedies", {"remedies/extra.yaml": _REMEDIES}),
        "texts": make("texts", {"texts.yaml": _TEXTS}),
        "texts_whole": make("texts_whole", {"texts.yaml": "text:\n  en: {payment: x}\n"}),
        "fees": make("fees", {"fees/eur_instant_transfer.yaml": _FEES,
                              "fees/empty.yaml": "# nothing\n",
                              "fees/twice.yaml": _FEES.split("  - id: example.xyz")[0],
                              "fees/floats.yaml": _FEES.split("  - id: example.xyz")[0].replace(
                                  'fixed: "0.50"', "fixed: 0.5").replace(
                                  'percent: "1"\n    minimum', 'percent: "one"\n    minimum')
                              .replace("example.eur_instant_transfer", "example.floats")}),
        "yaml": make("yaml", {"network.yaml": "ruleset: network\nrules: [\n",
                              "balance.yaml": "ruleset: balance\nrules: &a []\nx: *a\n",
                              "payee.yaml": "a:" + " [" * 40 + " ]" * 40 + "\n",
                              "method.yaml": b"ruleset: method\nrules: []\n\xff\xfe\n"}),
        "values": make("values", {"balance.yaml": values}),
    }
    empty = make("empty", {})
    calls: dict[str, Callable[[], object]] = {
        name: (lambda folder=folder: load_pack(folder)) for name, folder in overlays.items()}
    calls["files"] = lambda: load_pack(files)
    calls["empty_base"] = lambda: load_pack(base=empty)
    calls["no_fee_folder"] = lambda: read_fee_files(tmp_path / "no_such_folder")
    return calls


def _problems(load: Callable[[], object]) -> list[Problem]:
    with pytest.raises(RulePackError) as info:
        load()
    return list(info.value.problems)


@pytest.fixture(scope="module")
def problems(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Problem]]:
    return {name: _problems(load)
            for name, load in _overlays(tmp_path_factory.mktemp("packs")).items()}


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def test_every_problem_of_a_broken_pack_is_written_in_zh_cn(
        problems: dict[str, list[Problem]]) -> None:
    zh = bundled_pack().texts["problem"]["zh-CN"]
    for name, found in problems.items():
        assert found, name
        written = localised(found, bundled_pack(), "zh-CN")
        for problem, chinese in zip(found, written, strict=True):
            assert chinese.msg != problem.msg, (name, problem)
            assert (chinese.type, chinese.loc, chinese.file, chinese.line, chinese.col) == (
                problem.type, problem.loc, problem.file, problem.line, problem.col)
            assert _english_words(problem, chinese.msg) == [], (name, problem, chinese.msg)
            own = zh.get(text_name(problem))
            if own is not None:  # every value the text names is one the problem gives
                given = set(problem.ctx or {}) - {"key"}
                assert _placeholders(own) <= given, (text_name(problem), given)


def test_the_broken_packs_provoke_every_text_of_a_pack_s_files(
        problems: dict[str, list[Problem]]) -> None:
    """Every text of a pack file's problem (those the bundled zh-CN writes beyond a report's,
    a payload's and a request's) is one some broken pack above provokes."""
    provoked = {text_name(p) for found in problems.values() for p in found}
    provoked |= {f"{prefix}{name.split('.', 1)[1]}" for name in provoked
                 if name.startswith(("pack.", "fees.")) for prefix in ("file_", "")}
    pack_texts = {name for name in PROBLEM_TEXTS if name.startswith(_PACK_TEXT_PREFIXES)} | {
        "value_error_float", "value_error_decimal"}
    helpers = {"did_you_mean", "field_at"}  # parts of other texts
    # the vocabulary's 62 facts are far below the envelope's 197: see the test below
    unreachable = {"engine_envelope_facts"}
    assert pack_texts - helpers - unreachable - provoked == set()


def test_a_rule_set_reading_too_many_facts_is_written_in_zh_cn() -> None:
    rule = bundled_pack().rulesets[0].rules[0]
    many = dataclasses.replace(rule, facts=tuple(f"x.f{i}" for i in range(198)))
    ruleset = dataclasses.replace(bundled_pack().rulesets[0], rules=(many,))
    (message, ctx), = lint_ruleset(ruleset)
    problem = Problem("engine_envelope", (), message, ctx=ctx)
    written = localised([problem], bundled_pack(), "zh-CN")[0].msg
    assert written == "规则集 'network' 读取 198 个事实；范围最多 197 个"


#: The names of the texts of a pack file's problems.
_PACK_TEXT_PREFIXES = (
    "pack.", "fees.", "file_", "yaml_syntax", "missing_escalation", "unknown_reason_",
    "unknown_locale_", "missing_default", "missing_text_", "unknown_threshold", "bad_dates",
    "bad_pattern", "unsafe_pattern", "ruleset_name", "engine_envelope", "rule_id", "duplicate_",
    "unknown_remedy", "unknown_escalation", "condition_syntax", "unknown_fact", "bad_operator",
    "type_mismatch", "unknown_value", "unsatisfiable", "fallback_escalates", "merge_",
    "missing_fields", "missing_wait", "retry_contradicts_after", "dates_out_of_order",
    "unknown_category", "unknown_placeholder_", "unknown_text", "bad_placeholder")


def test_english_pack_problems_read_as_before(problems: dict[str, list[Problem]]) -> None:
    for found in problems.values():
        assert localised(found, bundled_pack(), "en") == tuple(found)
        assert localised(found, bundled_pack(), None) == tuple(found)
    rules = {p.msg for p in problems["rules"]}
    assert "unknown fact 'device.onlin' (did you mean 'device.online'?)" in rules
    assert "'=' is not an operator; use '==' to compare" in rules


def test_rules_check_writes_a_broken_pack_s_problems_in_zh_cn(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "network.yaml").write_text(_RULES, encoding="utf-8")
    assert main(["rules", "check", str(folder), "--locale", "zh-CN", "--format", "json"]) == 2
    shown = json.loads(capsys.readouterr().out)["problems"]
    by_msg = {p["msg"] for p in shown}
    assert "未知的事实 'device.onlin'（是否指 'device.online'\uff1f）" in by_msg
    assert "'=' 不是运算符；比较请用 '=='" in by_msg
    assert main(["rules", "check", str(folder), "--format", "json"]) == 2
    english = json.loads(capsys.readouterr().out)["problems"]
    assert [(p["type"], p["loc"], p["line"], p["col"]) for p in english] == [
        (p["type"], p["loc"], p["line"], p["col"]) for p in shown]


def test_a_copy_of_the_bundled_pack_has_no_problem(tmp_path: Path) -> None:
    """The texts added for a pack's problems leave a whole pack valid."""
    shutil.copytree(bundled_rules_dir(), tmp_path / "copy")
    assert load_pack(tmp_path / "copy").hash == bundled_pack().hash
