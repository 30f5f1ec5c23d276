"""The words around the remedies are the pack's data (``rules/texts.yaml``): the hand-off's
statement, labels and reminder and the payment-method names, per locale. An operator adds a
locale without Python; what a locale lacks comes from the default locale; a text payfix does not
write, a locale the pack does not list, or a default locale that lacks a text is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from payfix import Diagnoser, RulePackError, load_pack
from payfix.cli import main
from payfix.diagnosis.present import render_text
from payfix.rules._textfiles import TEXT_KEYS
from payfix.rules.loader import bundled_rules_dir

from .conftest import ROOT, example


def _overlay(tmp_path: Path, locales: list[str], texts: dict[str, object]) -> Path:
    """An overlay with pack.yaml listing ``locales`` and a texts.yaml of ``texts``."""
    yaml = YAML(typ="rt")
    folder = tmp_path / "overlay"
    folder.mkdir()
    settings = yaml.load((bundled_rules_dir() / "pack.yaml").read_text(encoding="utf-8"))
    settings["locales"] = locales
    with (folder / "pack.yaml").open("w", encoding="utf-8") as handle:
        yaml.dump(settings, handle)
    with (folder / "texts.yaml").open("w", encoding="utf-8") as handle:
        yaml.dump(texts, handle)
    return folder


def _bundled_texts() -> dict[str, dict[str, dict[str, str]]]:
    data = YAML(typ="safe").load((bundled_rules_dir() / "texts.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_bundled_texts_cover_every_text_in_both_locales() -> None:
    """en and zh-CN each give every text payfix writes, so neither falls back to the other."""
    texts = _bundled_texts()
    for section, keys in TEXT_KEYS.items():
        for locale in ("en", "zh-CN"):
            assert keys <= set(texts[section].get(locale, {})), (section, locale)


def test_an_operator_adds_a_locale_without_python(tmp_path: Path) -> None:
    """A French overlay gives its own statement, labels and method names; the texts it leaves out
    and the remedies (which have no French text) come from English."""
    texts = _bundled_texts()
    texts["handoff"]["fr"] = {
        "statement": "Un paiement ({kind}) de {amount} depuis {method}{payee} a échoué le {when} "
                     "UTC{reason}.",
        "purchase": "achat", "wallet_balance": "le solde du portefeuille",
        "reference": "Référence", "amount": "Montant",
        "reminder": "Contactez-nous uniquement par les canaux officiels indiqués ici."}
    texts["methods"]["fr"] = {"separator": ", ", "wallet_balance": "votre solde",
                              "credit_card": "une carte de crédit"}
    pack = load_pack(_overlay(tmp_path, ["en", "zh-CN", "fr"], texts))
    result = Diagnoser(engine="compiled", audience="agent", pack=pack).diagnose(
        example("escalate_funds_debited.json"), locale="fr")
    handoff = result.handoff
    assert handoff is not None
    assert handoff.statement.startswith("Un paiement (achat) de 268.00 CNY depuis le solde du "
                                        "portefeuille")
    assert "The payer's funds were debited" in handoff.statement  # not given in French: English
    assert [item.label for item in handoff.prepare][:1] == ["Référence"]
    assert handoff.reminder.startswith("Contactez-nous")
    assert result.remedies[0].title == pack.remedies[result.remedies[0].id].texts["en"].title


@pytest.mark.parametrize(("change", "problem"), [
    (lambda t: t["handoff"]["en"].update({"greeting": "Hello"}), "unknown_text"),
    (lambda t: t["handoff"]["en"].pop("reminder"), "missing_text"),
    (lambda t: t["methods"].update({"fr": {"separator": ", "}}), "unknown_locale"),
], ids=["unknown_text", "missing_text", "unknown_locale"])
def test_texts_that_cannot_be_used_are_refused(tmp_path: Path, change: object,
                                               problem: str) -> None:
    """A text payfix does not write (a typo), a default locale without one it writes, or a locale
    pack.yaml does not list is a load problem naming the file."""
    texts = _bundled_texts()
    change(texts)  # type: ignore[operator]
    with pytest.raises(RulePackError) as info:
        load_pack(_overlay(tmp_path, ["en", "zh-CN"], texts))
    assert problem in {p.type for p in info.value.problems}


def test_a_pack_without_texts_uses_the_bundled_ones(tmp_path: Path) -> None:
    """A base pack made without a texts.yaml writes its hand-offs with payfix's bundled texts."""
    base = tmp_path / "base"
    shutil.copytree(bundled_rules_dir(), base)
    (base / "texts.yaml").unlink()
    pack = load_pack(base=base)
    assert pack.texts == load_pack().texts


def test_a_merge_file_holds_only_what_it_adds(tmp_path: Path) -> None:
    """An overlay's texts.yaml with merge: true is laid over the bundled texts: it may give one
    text of one locale, the rest stays as bundled; a text payfix does not write is still refused."""
    folder = _overlay(tmp_path, ["en", "zh-CN"], {"merge": True, "reply": {"en": {
        "signature": "The Example Wallet team"}}})
    pack = load_pack(folder)
    bundled = load_pack().texts
    assert pack.texts["reply"]["en"]["signature"] == "The Example Wallet team"
    assert pack.texts["reply"]["en"]["greeting"] == bundled["reply"]["en"]["greeting"]
    assert pack.texts["handoff"] == bundled["handoff"]
    (folder / "texts.yaml").write_text("merge: true\nreply:\n  en:\n    greetings: Hi\n",
                                       encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        load_pack(folder)
    assert [p.type for p in info.value.problems] == ["unknown_text"]


def test_the_example_operator_pack_adds_french_without_python() -> None:
    """examples/custom_pack lists fr and gives it in data only: its texts.yaml (merge: true), three
    remedies in remedies/fr.yaml, its channels and reason names in pack.yaml. A French diagnosis
    of a debited payment is French in the hand-off, the reply, the ticket note, the text format
    and the fee quote; a remedy without French text is in English."""
    pack = load_pack(ROOT / "examples" / "custom_pack")
    assert pack.settings.locales == ("en", "zh-CN", "fr")
    report = example("escalate_funds_debited.json")
    customer = Diagnoser(pack, "compiled", replies=True).diagnose(report, locale="fr")
    assert customer.locale == "fr"
    assert customer.handoff is not None
    assert customer.reply is not None
    assert customer.handoff.statement.startswith("Un paiement (achat) de 268.00 CNY depuis le "
                                                 "solde du portefeuille vers Harbour Books")
    assert customer.handoff.channels[0].address == "Compte > Aide > Chat"
    assert customer.remedies[0].title == "Contactez le service client"
    message = customer.reply.message or ""
    assert message.startswith("Bonjour,\n\nVotre achat de 268.00 CNY du 2026-05-01 n'a pas abouti")
    assert message.endswith("Cordialement,\nLe service client")
    text = render_text(customer, pack)
    assert text.startswith("Paiement pay_20260501_0101 : ")
    assert "Transmettre à un humain : oui (funds_debited)" in text
    agent = Diagnoser(pack, "compiled", audience="agent", replies=True).diagnose(report,
                                                                                locale="fr")
    assert agent.reply is not None
    assert "Motif : erreur de traitement (iso8583 response_code=96)." in (agent.reply.note or "")
    english = Diagnoser(pack, "compiled", audience="agent").diagnose(
        example("escalate_suspected_fraud.json"), locale="fr")
    assert english.remedies[0].title == pack.remedies[english.remedies[0].id].texts["en"].title


def test_the_fee_quote_speaks_the_locale_asked(capsys: pytest.CaptureFixture[str]) -> None:
    """payfix fees quote --locale writes its labels in that locale (the figures as they are)."""
    argv = ["fees", "quote", "100.00", "EUR", "--kind", "p2p_transfer", "--fx-rate", "1.08",
            "--fx-currency", "USD", "--balance", "50"]
    assert main([*argv, "--locale", "zh-CN"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["费率表  example.eur_fx_transfer", "金额    100.00 EUR",
                     "  换汇按比例  3.00 EUR", "  换汇固定费用  0.50 EUR", "手续费  3.50 EUR",
                     "扣款    103.50 EUR", "到账    108.00 USD", "余额 50 EUR 最多可转出：48.06 EUR"]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "max sendable from 50 EUR: 48.06 EUR"


def test_the_french_example_adds_french_to_the_console() -> None:
    """The console's words come from the pack: the French example's texts put French in the
    console's language menu and its labels, the texts it leaves out in English."""
    from payfix.service.static import strings_module

    module = strings_module(load_pack(ROOT / "examples" / "custom_pack"))
    tables = json.loads(module.removeprefix("export default ").removesuffix(";\n"))
    assert list(tables) == ["en", "zh-CN", "fr"]
    assert tables["fr"]["languageName"] == "Français"
    assert tables["fr"]["diagnose"] == "Diagnostiquer"
    assert tables["fr"]["copyReply"] == tables["en"]["copyReply"]
    assert set(tables["fr"]) == set(tables["en"])


def test_a_console_text_the_default_locale_does_not_name_is_a_problem(tmp_path: Path) -> None:
    """An operator's console text must be one the console uses (one the default locale names): a
    misspelt name is a load problem, not a silently unused text."""
    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "examples" / "custom_pack", pack)
    with (pack / "texts.yaml").open("a", encoding="utf-8") as texts:
        texts.write('    diagnoze: "Diagnostiquer"\n')
    with pytest.raises(RulePackError) as caught:
        load_pack(pack)
    assert [(p.type, "'diagnoze'" in p.msg) for p in caught.value.problems] == [("unknown_text", True)]
