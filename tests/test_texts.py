"""The words around the remedies are the pack's data (``rules/texts.yaml``): the hand-off's
statement, labels and reminder and the payment-method names, per locale. An operator adds a
locale without Python; what a locale lacks comes from the default locale; a text payfix does not
write, a locale the pack does not list, or a default locale that lacks a text is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from payfix import Diagnoser, RulePackError, load_pack
from payfix.rules._textfiles import TEXT_KEYS
from payfix.rules.loader import bundled_rules_dir

from .conftest import example


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
            assert keys <= set(texts[section][locale]), (section, locale)


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
