"""Fees in the diagnosis: the quote travels with it, and a fee-caused shortfall names both fixes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payfix import Diagnoser, InvalidReportError, RulePackError, load_pack
from payfix.fees import Usage, quote

from .conftest import example

DIAGNOSER = Diagnoser(engine="compiled", audience="agent")


@pytest.mark.parametrize(("locale", "parts"), [
    ("en", ("The fee of 0.60 EUR", "Top up exactly 0.60 EUR", "send 119.40 EUR instead",
            "needs 120.60 EUR")),
    ("zh-CN", ("加上 0.60 EUR 手续费", "请充值 0.60 EUR", "将金额改为 119.40 EUR", "共需 120.60 EUR")),
])
def test_fee_pushing_over_the_balance_names_fee_shortfall_and_max_sendable(
        locale: str, parts: tuple[str, ...]) -> None:
    """Amount equal to the balance, fee on top: a balance problem naming the fee, the exact
    shortfall to top up, and the largest amount that fits — in English and Chinese."""
    result = DIAGNOSER.diagnose(example("balance_fee_pushes_over.json"), locale=locale)
    first = result.remedies[0]
    assert first.id == "balance.fee_shortfall"
    text = " ".join((first.title, *first.steps))
    for part in parts:
        assert part in text
    assert result.fees is not None
    assert (result.fees.fee, result.fees.debited, result.fees.max_sendable, result.fees.shortfall) == (
        Decimal("0.60"), Decimal("120.60"), Decimal("119.40"), Decimal("0.60"))


@settings(max_examples=150, deadline=None)
@given(amount=st.integers(21, 2_000_000), extra=st.integers(0, 2_000))
def test_advised_max_sendable_fits_and_one_cent_more_does_not(amount: int, extra: int) -> None:
    """Whatever the amount, the max sendable the diagnosis advises plus its fee fits the balance
    exactly to the cent, and the diagnosis agrees with the fee engine."""
    report = example("balance_fee_pushes_over.json")
    value = Decimal(amount).scaleb(-2)
    report["attempt"]["amount"]["value"] = str(value)
    report["attempt"]["balance"]["available"]["value"] = str(value + Decimal(extra).scaleb(-2))
    result = DIAGNOSER.diagnose(report)
    assert result.fees is not None
    best = result.fees.max_sendable
    assert best is not None
    balance = value + Decimal(extra).scaleb(-2)
    schedule = DIAGNOSER.pack.fees[result.fees.schedule]
    usage = Usage(free_transfers_used=5)
    assert quote(best, "EUR", "p2p_transfer", schedule, usage).debited <= balance
    assert quote(best + Decimal("0.01"), "EUR", "p2p_transfer", schedule, usage).debited > balance
    fee_causes = value <= balance < result.fees.debited
    assert (result.remedies[0].id == "balance.fee_shortfall") == fee_causes
    assert result.fees.shortfall == max(Decimal(0), result.fees.debited - balance)


def test_a_fee_stated_by_the_processor_wins_over_the_schedule() -> None:
    """With attempt.fee given, no schedule is consulted and no max-sendable figure is invented."""
    report = example("balance_fee_pushes_over.json")
    report["attempt"]["fee"] = {"value": "2.00", "currency": "EUR"}
    result = DIAGNOSER.diagnose(report)
    assert result.fees is None
    first = result.remedies[0]
    assert first.id == "balance.fee_shortfall"
    assert "The fee of 2.00 EUR" in first.title
    assert not any("send" in step and "instead" in step for step in first.steps)


def test_unknown_fee_schedule_is_a_field_problem() -> None:
    """Naming a schedule the pack lacks is reported on attempt.fee_schedule with the known ids."""
    report = example("balance_fee_pushes_over.json")
    report["attempt"]["fee_schedule"] = "example.nope"
    with pytest.raises(InvalidReportError) as info:
        DIAGNOSER.diagnose(report)
    problem = info.value.problems[0]
    assert (problem.type, problem.loc) == ("unknown_fee_schedule", ("attempt", "fee_schedule"))
    assert "example.eur_instant_transfer" in problem.msg


def _eur_transfers(tmp_path: Path, pricing: str) -> Path:
    """An overlay whose EUR transfer schedule (the bundled one's id, replaced) prices with
    ``pricing``, YAML lines indented as schedule keys."""
    (tmp_path / "fees").mkdir()
    (tmp_path / "fees" / "eur_instant_transfer.yaml").write_text(
        "schedules:\n  - id: example.eur_instant_transfer\n    label: Operator EUR transfers\n"
        "    kinds: [p2p_transfer]\n    currency: EUR\n    payer: on_top\n"
        "    rounding: ROUND_HALF_UP\n" + pricing, encoding="utf-8")
    return tmp_path


def test_operator_fee_file_overlays_the_bundled_one(tmp_path: Path) -> None:
    """A fees/ file at the same path in an overlay replaces the bundled schedule."""
    overlay = _eur_transfers(tmp_path, '    fixed: "1.00"\n')
    result = Diagnoser(load_pack(overlay), "compiled").diagnose(example("balance_fee_pushes_over.json"))
    assert result.fees is not None
    assert result.fees.fee == Decimal("1.00")


def test_an_amount_above_a_closed_fee_table_is_not_priced(tmp_path: Path) -> None:
    """A schedule whose last tier is closed (as some operators publish: up to a maximum amount)
    prices an amount up to it; above it, the schedule does not price the payment: no fee quote
    when the pack picks one, a field problem when the report names it."""
    overlay = _eur_transfers(tmp_path, '    tiers:\n      - {up_to: "50.00", fixed: "0.20"}\n'
                                       '      - {up_to: "100.00", fixed: "0.40"}\n')
    closed = Diagnoser(load_pack(overlay), "compiled", audience="agent")
    report = example("balance_fee_pushes_over.json")  # EUR 120.00: above the table
    assert closed.diagnose(report).fees is None
    report["attempt"]["amount"]["value"] = "80.00"
    priced = closed.diagnose(report).fees
    assert priced is not None
    assert priced.fee == Decimal("0.40")
    report["attempt"]["amount"]["value"] = "120.00"
    report["attempt"]["fee_schedule"] = "example.eur_instant_transfer"
    with pytest.raises(InvalidReportError) as info:
        closed.diagnose(report)
    problem = info.value.problems[0]
    assert (problem.type, problem.loc) == ("fee_schedule_mismatch", ("attempt", "fee_schedule"))
    assert "prices amounts up to 100.00 EUR" in problem.msg


def test_a_weekend_markup_is_priced_by_the_attempts_own_time(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]
                                                              ) -> None:
    """A schedule with a Saturday markup (as exchange apps publish one) prices a Saturday attempt
    with it and a Wednesday one without; `payfix fees quote --at` quotes the same."""
    from payfix.cli import main

    overlay = _eur_transfers(tmp_path, '    percent: "0.5"\n    surcharges:\n'
                                       '      - {percent: "1", days: [sat], timezone: Europe/Berlin}\n')
    marked = Diagnoser(load_pack(overlay), "compiled", audience="agent")
    report = example("balance_fee_pushes_over.json")  # EUR 120.00
    report["attempt"]["at"] = "2026-06-06T10:00:00Z"  # a Saturday
    saturday = marked.diagnose(report).fees
    assert saturday is not None
    assert {c.name: c.amount for c in saturday.components} == {
        "percentage": Decimal("0.60"), "surcharge": Decimal("1.20")}
    report["attempt"]["at"] = "2026-06-03T10:00:00Z"  # a Wednesday
    wednesday = marked.diagnose(report).fees
    assert wednesday is not None
    assert [c.name for c in wednesday.components] == ["percentage"]
    assert main(["fees", "quote", "120.00", "EUR", "--kind", "p2p_transfer", "--rules",
                 str(tmp_path), "--at", "2026-06-06T10:00:00Z"]) == 0
    assert "surcharge     1.20 EUR" in capsys.readouterr().out


def test_unknown_placeholder_in_a_remedy_text_is_rejected(tmp_path: Path) -> None:
    """Remedy texts may only quote the known figures."""
    text = (Path(__file__).parents[1] / "rules" / "remedies.yaml").read_text(encoding="utf-8")
    (tmp_path / "remedies.yaml").write_text(text.replace("{shortfall} short", "{shortfal} short"),
                                            encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        load_pack(tmp_path)
    assert "unknown placeholder {shortfal} (did you mean 'shortfall'?)" in str(info.value)
