"""A command line's usage errors in the locale it asks for: ``--locale zh-CN`` writes argparse's
frame and messages (and payfix's own checks of an argument's value) from the pack's ``text``
texts, with option names, values and choices as given; without a locale, or in English, the
output is argparse's own, byte for byte."""

from __future__ import annotations

import argparse
import re
import string
from pathlib import Path

import pytest

from payfix.cli import build_parser, main
from payfix.cli_words import _MESSAGES, LocalisedParser, requested, said
from payfix.rules.bundled import bundled_pack
from payfix.vocab import ARG_TEXTS

from .conftest import EXAMPLES, ROOT

REPORT = str(EXAMPLES / "network_offline.json")
#: Command lines argparse refuses, each with the text its message is written from.
REFUSED: dict[str, list[str]] = {
    "arg_required": ["diagnose"],
    "arg_unrecognized": ["diagnose", REPORT, "--bogus"],
    "arg_choice": ["diagnose", REPORT, "--format", "nope"],
    "arg_value": ["fees", "quote", "1", "EUR", "--kind", "purchase", "--free-transfers-used", "x"],
    "arg_expected_one": ["diagnose", REPORT, "--format"],
    "arg_ambiguous": ["diagnose", REPORT, "--f", "json"],
    "arg_fraction": ["replay", "x.jsonl", "--out", "o", "--rejects", "r", "--max-reject-rate", "2"],
    "arg_at_least_one": ["replay", "x.jsonl", "--out", "o", "--rejects", "r", "--workers", "0"],
    "arg_positive": ["replay", "x.jsonl", "--out", "o", "--rejects", "r",
                     "--chunk-deadline", "0"],
    "arg_offset": ["fees", "quote", "1", "EUR", "--kind", "purchase",
                   "--at", "2026-01-01T00:00:00"],
}
_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    out = capsys.readouterr()
    assert out.out == ""
    return out.err


def _english_words(text: str, argv: list[str]) -> list[str]:
    """English words of ``text`` beyond the names of arguments (the usage lines list them all),
    quoted values, and the command's own words (its sub-commands, options and values)."""
    *usage, message = text.rstrip("\n").splitlines() or [""]
    given = {word for line in [*usage, *argv] for word in _WORD.findall(line)} | {"command"}
    message = re.sub(r"'[^']*'|--?[\w-]+", "", message)
    return [word for word in _WORD.findall(message) if word not in given]


@pytest.mark.parametrize("text", sorted(REFUSED))
def test_a_refused_command_line_is_written_in_zh_cn(text: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*REFUSED[text], "--locale", "zh-CN"]
    err = _refused(argv, capsys)
    assert err.startswith("用法：payfix"), err
    last = err.rstrip("\n").splitlines()[-1]
    assert "：错误：" in last, last
    assert _english_words(err, argv) == [], err


@pytest.mark.parametrize("text", sorted(REFUSED))
def test_without_a_locale_or_in_english_the_error_is_argparse_s_own(
        text: str, capsys: pytest.CaptureFixture[str]) -> None:
    plain = _refused(REFUSED[text], capsys)
    assert plain.startswith("usage: payfix")
    assert _refused([*REFUSED[text], "--locale", "en"], capsys) == plain
    # a locale the pack does not have falls back to its default, English
    assert _refused([*REFUSED[text], "--locale", "ja"], capsys) == plain


def test_each_message_is_matched_by_its_own_text(capsys: pytest.CaptureFixture[str]) -> None:
    """The messages the command lines above make are the ones their texts name."""
    en = bundled_pack().texts["text"]["en"]
    for text, argv in REFUSED.items():
        message = _refused(argv, capsys).rstrip("\n").splitlines()[-1].split(": error: ", 1)[1]
        name = next(name for name, pattern in _MESSAGES if pattern.fullmatch(message))
        assert name == text, (message, name)
        assert said(message, en) == message  # the English text writes argparse's message again


def test_messages_without_a_command_of_payfix_are_written_too() -> None:
    """argparse's messages payfix's own command lines cannot make (mutually exclusive options,
    counted arguments), from a parser of the same class."""
    parser = argparse.ArgumentParser(prog="p", exit_on_error=False)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--a", action="store_true")
    group.add_argument("--b", action="store_true")
    parser.add_argument("--pair", nargs=2)
    parser.add_argument("--many", nargs="+")
    zh = bundled_pack().texts["text"]["zh-CN"]
    messages = {}
    for argv in (["--a", "--b"], ["--a", "--pair", "1"], ["--a", "--many"]):
        with pytest.raises(argparse.ArgumentError) as error:
            parser.parse_args(argv)
        messages[str(error.value)] = said(str(error.value), zh)
    # a missing required group is no ArgumentError: parse_args calls error() with this message
    messages["one of the arguments --a --b is required"] = said(
        "one of the arguments --a --b is required", zh)
    assert len(messages) == 4
    for message, written in messages.items():
        assert written != message, message
        assert _english_words(written, ["--a", "--b", "--pair", "--many"]) == [], written


def test_the_texts_name_only_what_their_message_is_made_of() -> None:
    pack = bundled_pack()
    patterns = dict(_MESSAGES)
    assert set(patterns) | {"usage", "arg_error"} == set(ARG_TEXTS)
    for locale in pack.settings.locales:
        texts = pack.texts_for("text", locale)
        for name in ARG_TEXTS:
            used = {field for _, field, _, _ in string.Formatter().parse(texts[name]) if field}
            allowed = set(patterns[name].groupindex) if name in patterns else \
                {"prog", "message"} if name == "arg_error" else set()
            assert used <= allowed, (locale, name, used)


def test_the_locale_and_pack_are_read_before_parsing() -> None:
    assert requested(["diagnose", "r.json", "--locale", "zh-CN"]) == ("zh-CN", None)
    assert requested(["diagnose", "--rules=p", "--locale=fr", "r.json"]) == ("fr", "p")
    assert requested(["diagnose", "--", "--locale", "zh-CN"]) == (None, None)
    assert requested(["diagnose", "--locale"]) == (None, None)


def test_an_operator_pack_writes_the_errors_in_its_own_locale(
        tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """A third locale's texts, given by the pack ``--rules`` names, write the errors."""
    import shutil

    pack = tmp_path / "pack"  # type: ignore[operator]
    shutil.copytree(ROOT / "examples" / "custom_pack", pack)
    texts = (pack / "texts.yaml").read_text(encoding="utf-8")
    texts = texts.replace("\ntext:\n  fr:\n", "\ntext:\n  fr:\n    usage: \"utilisation : \"\n"
                          "    arg_error: \"{prog} : erreur : {message}\"\n"
                          "    arg_required: \"arguments obligatoires manquants : {args}\"\n", 1)
    (pack / "texts.yaml").write_text(texts, encoding="utf-8")
    err = _refused(["diagnose", "--rules", str(pack), "--locale", "fr"], capsys)
    assert err.startswith("utilisation : payfix diagnose")
    assert err.endswith("payfix diagnose : erreur : arguments obligatoires manquants : report\n")


def test_the_parser_class_is_argparse_without_words() -> None:
    assert LocalisedParser.texts() == (None, None)
    parser = LocalisedParser(prog="p")
    assert parser.format_usage() == argparse.ArgumentParser(prog="p").format_usage()


def _help_entries() -> dict[str, str]:
    """Every help text the command line writes, by the name its translation has (see
    :mod:`payfix.cli_words`), with argparse's own ``help`` and ``version``."""
    entries: dict[str, str] = {}

    def walk(parser: argparse.ArgumentParser, command: str) -> None:
        name = command or "payfix"
        if parser.description:
            entries[f"{name}.about"] = parser.description
        prose = [line for line in (parser.epilog or "").splitlines()[1:]
                 if line and not line.startswith(" ")]
        if parser.epilog and (prose or not parser.epilog.startswith("examples:\n")):
            entries[f"{name}.epilog"] = parser.epilog  # more than example command lines
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for line in action._choices_actions:
                    entries[f"{name}.{line.dest}"] = str(line.help)
                for sub, child in action.choices.items():
                    walk(child, f"{command}.{sub}" if command else sub)
            elif action.help not in (None, argparse.SUPPRESS) and action.dest not in ("help",
                                                                                     "version"):
                entries[f"{name}.{action.dest}"] = str(action.help)

    walk(build_parser(), "")
    return entries


def _commands() -> list[list[str]]:
    return [[] if key == "payfix.about" else key.removesuffix(".about").split(".")
            for key in _help_entries() if key.endswith(".about")] + [
        ["fees"], ["synth"], ["replay"], ["codes"]]


def test_zh_cn_gives_every_help_text_and_names_only_texts_the_commands_have() -> None:
    zh = bundled_pack().texts["help"]["zh-CN"]
    entries = _help_entries()
    generic = {key for key in zh if "." not in key}
    assert {key for key in zh if "." in key} <= set(entries)
    missing = [key for key in entries if key not in zh and key.rsplit(".", 1)[1] not in generic]
    assert missing == []


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c) or "payfix")
def test_help_is_written_in_zh_cn(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([*command, "--help", "--locale", "zh-CN"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("用法：payfix")
    usage, _, rest = text.partition("\n\n")
    given = set(_WORD.findall(usage)) | _VALUES
    rest = "\n".join(line for line in rest.splitlines()  # example command lines, as typed
                     if not line.strip().startswith(("payfix ", "curl ", "PAYFIX_", "--data")))
    rest = re.sub(r"'[^']*'|--?[\w-]+|[\w$-]*[._/:\[\]{}][\w.$/:\[\]{}-]*|\w*\d\w*", "", rest)
    assert [w for w in _WORD.findall(rest) if len(w) > 1 and w not in given] == [], text


#: What a user types or a product is called, written as is in any language.
_VALUES = {"json", "text", "reply", "agent", "customer", "auto", "durable", "compiled", "stripe",
           "adyen", "paypal", "checkout", "braintree", "hyperswitch", "alipay", "wechatpay",
           "card", "online", "wallet", "upi", "bundled", "report", "diagnosis", "local", "spark",
           "Schema", "Stripe", "Braintree", "Lines", "Markdown", "Spark", "Parquet", "localhost",
           "en", "zh", "export", "payfix", "Host", "file", "line", "col", "brand", "code",
           "scheme", "pip", "install", "schema", "id", "curl", "open", "http",
           "OpenAPI", "diagnose", "rules", "check", "test", "docs", "fees", "quote", "synth",
           "replay", "serve", "codes", "lookup", "list", "coverage"}


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c) or "payfix")
def test_english_help_is_argparse_s_own(command: list[str],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([*command, "--help"], [*command, "--help", "--locale", "en"]):
        with pytest.raises(SystemExit):
            main(argv)
        assert capsys.readouterr().out == _plain_help(command)


def _plain_help(command: list[str]) -> str:
    parser: argparse.ArgumentParser = build_parser()
    for name in command:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return parser.format_help()


def test_serve_refuses_its_settings_in_the_locale_asked_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """payfix serve's own lines (its refusals, what it wrote) follow --locale; in English as
    before. Its answers follow each request's locale; its structured logs stay as they are."""
    pytest.importorskip("uvicorn")
    monkeypatch.delenv("PAYFIX_API_KEYS", raising=False)
    keys = tmp_path / "keys.txt"
    keys.write_text("k" * 40 + "\n", encoding="utf-8")
    keys.chmod(0o644)
    cases = {
        "no_key": ([], "没有配置 API 密钥", "no API key configured"),
        "key_file_mode": (["--api-key-file", str(keys)], f"API 密钥文件 {keys} 可被其他用户读取或修改",
                          "can be read or changed by other users"),
        "max_batch": (["--no-auth", "--max-batch", "0"], "--max-batch 至少为 1",
                      "--max-batch must be at least 1"),
        "timeouts": (["--no-auth", "--header-timeout", "0"], "必须大于 0", "must be above 0"),
    }
    for name, (argv, chinese, english) in cases.items():
        assert main(["serve", *argv]) == 2
        said = capsys.readouterr().err
        assert said.startswith("payfix serve: "), (name, said)
        assert english in said, (name, said)
        assert main(["serve", *argv, "--locale", "zh-CN"]) == 2
        said = capsys.readouterr().err
        assert said.startswith("payfix serve："), (name, said)
        assert chinese in said, (name, said)
        shown = said.removeprefix("payfix serve：").replace(str(keys), "")
        assert _english_words(shown, ["chmod", "key1", "key2"]) == [], said
    assert main(["serve", "--openapi", str(tmp_path / "o.json"), "--locale", "zh-CN"]) == 0
    assert capsys.readouterr().err.strip().endswith(f"已写入 {tmp_path / 'o.json'}")
