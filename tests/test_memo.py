"""A Diagnoser's memos (outcome per fired-rule set, worded remedies, the not-fired trace) are caches:
answers are the same whether they hit, miss or have just been cleared."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payfix import Diagnoser
from payfix.diagnosis import diagnoser, explain

from .strategies import PACK, reports

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "reports"
_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fresh(report: dict[str, Any], audience: str, locale: str) -> str:
    """The diagnosis from a Diagnoser that has seen nothing else."""
    return Diagnoser(PACK, engine="compiled").diagnose(report, audience=audience,  # type: ignore[arg-type]
                                                 locale=locale).to_json()


@pytest.fixture(scope="module")
def shared() -> Diagnoser:
    return Diagnoser(PACK, engine="compiled")


@_SETTINGS
@given(st.lists(reports(), min_size=2, max_size=4), st.sampled_from(["agent", "customer"]),
       st.sampled_from(["en", "zh-CN"]))
def test_warm_memos_give_the_answers_of_a_fresh_diagnoser(shared: Diagnoser, batch: list[dict[str, Any]],
                                                         audience: str, locale: str) -> None:
    """After many other reports (memos warm, hits on repeated outcomes and wordings), each report's
    diagnosis is byte-identical to a fresh Diagnoser's."""
    for report in batch:
        warm = shared.diagnose(report, audience=audience, locale=locale).to_json()  # type: ignore[arg-type]
        assert warm == _fresh(report, audience, locale)


@_SETTINGS
@given(st.lists(reports(), min_size=3, max_size=6), st.sampled_from(["agent", "customer"]))
def test_memos_cleared_at_every_step_change_nothing(batch: list[dict[str, Any]], audience: str) -> None:
    """With the memo size at 1 (every insertion clears), answers equal a fresh Diagnoser's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(diagnoser, "MEMO_SIZE", 1)
        patch.setattr(explain, "MEMO_SIZE", 1)
        tiny = Diagnoser(PACK, engine="compiled")
        answers = [tiny.diagnose(r, audience=audience).to_json() for r in batch]  # type: ignore[arg-type]
        assert len(tiny._memos.outcomes) <= 1
        assert len(tiny._memos.worded) <= 1
    assert answers == [_fresh(r, audience, "en") for r in batch]


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_remembered_wording_is_not_reused_for_other_figures(shared: Diagnoser, locale: str) -> None:
    """Two fee shortfalls that fire the same rules but differ in amount each quote their own fee,
    shortfall and max sendable amount (the wording memo is keyed by the figures it quotes)."""
    base = json.loads((EXAMPLES / "balance_fee_pushes_over.json").read_text(encoding="utf-8"))
    seen = set()
    for amount in ("120.00", "80.00", "80.00", "120.00"):
        report = copy.deepcopy(base)
        report["attempt"]["amount"]["value"] = report["attempt"]["balance"]["available"]["value"] = amount
        top = shared.diagnose(report, audience="customer", locale=locale).remedies[0]
        assert top.id == "balance.fee_shortfall"
        assert top.model_dump() == Diagnoser(PACK, engine="compiled").diagnose(
            report, audience="customer", locale=locale).remedies[0].model_dump()
        seen.add(top.steps)
    assert len(seen) == 2


def test_locale_chains_stay_bounded_whatever_locales_callers_send() -> None:
    """Arbitrary locale strings (from a query parameter, say) cannot grow a Diagnoser's memory
    without bound, and each still falls back to a bundled locale."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(diagnoser, "MEMO_SIZE", 4)
        tiny = Diagnoser(PACK, engine="compiled")
        report = json.loads((EXAMPLES / "network_offline.json").read_text(encoding="utf-8"))
        for n in range(20):
            assert tiny.diagnose(report, locale=f"xx-{n}").locale == "en"
        assert len(tiny._memos.chains) <= 4


@_SETTINGS
@given(st.one_of(reports(), st.sampled_from(
           [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))])),
       st.sampled_from(["agent", "customer"]))
def test_outline_equals_the_full_diagnosis_reduced(shared: Diagnoser, report: dict[str, Any],
                                                  audience: str) -> None:
    """`outline` (the replay's path: no wording, no hand-off) gives exactly the figures of the full
    diagnosis for the same audience: remedies the audience sees and their order, reason and code
    as that audience may see them, retry verdict, escalation codes, fee."""
    outline = shared.outline(report, audience=audience)  # type: ignore[arg-type]
    full = shared.diagnose(report, audience=audience)  # type: ignore[arg-type]
    assert outline == diagnoser.Outline.of(full)
    if audience == "customer" and not full.failure.customer_safe:
        assert outline.code is None
        assert outline.reason == "declined"


def test_outline_rejects_what_diagnose_rejects(shared: Diagnoser) -> None:
    """An invalid report raises the same typed problems through `outline` as through `diagnose`."""
    from payfix.errors import InvalidReportError

    bad = {"attempt": {"id": "x", "kind": "lunch", "amount": {"value": "1.001", "currency": "EUR"}}}
    problems = []
    for call in (shared.diagnose, shared.outline):
        with pytest.raises(InvalidReportError) as caught:
            call(bad)
        problems.append([(p.type, p.loc) for p in caught.value.problems])
    assert problems[0] == problems[1]
    assert problems[0]


def _diagnose_once(identifier: str, name: str) -> None:
    """Diagnose, with a Diagnoser of its own, a transfer to ``identifier`` at merchant ``name``
    whose code needs support (so a hand-off is built); nothing is kept."""
    report = json.loads((EXAMPLES / "payee_bad_iban.json").read_text(encoding="utf-8"))
    report["attempt"]["payee"]["identifier"] = identifier
    escalating = json.loads((EXAMPLES / "escalate_code_requires_support.json").read_text(encoding="utf-8"))
    escalating["attempt"]["payee"] = {"type": "merchant", "name": name}
    escalating["attempt"]["processor"]["codes"] = {"decline_code": name}
    local = Diagnoser(PACK, engine="compiled")
    for audience in ("agent", "customer"):
        local.diagnose(json.dumps(report), audience=audience)  # type: ignore[arg-type]
        local.diagnose(json.dumps(escalating), audience=audience)  # type: ignore[arg-type]


#: Module-level caches payfix keeps: each keyed by pack or locale data, never by report content.
PACK_KEYED_CACHES = [
    "payfix.batch.synth._codes", "payfix.batch.synthprofile._bundled",
    "payfix.batch.synthprofile._codes_by_reason", "payfix.batch.synthnative._template",
    "payfix.diagnosis.codes._bundled",
    "payfix.diagnosis.diagnoser._bundled", "payfix.diagnosis.handoff._channels",
    "payfix.diagnosis.handoff._texts", "payfix.diagnosis.payee._compiled",
    "payfix.money.minor_unit_exponent", "payfix.rules.bundled.bundled_pack",
]


def _module_state() -> Iterator[tuple[str, object]]:
    import sys

    for module in [m for n, m in sys.modules.items() if n.startswith("payfix")]:
        for name, value in vars(module).items():
            yield f"{module.__name__}.{name}", value


def test_no_input_outlives_its_diagnoser_in_a_module_level_memo() -> None:
    """Payee identifiers, merchant names and processor codes are remembered only by the Diagnoser
    that met them: once it is gone, no module-level container holds them, and the only
    module-level caches are keyed by pack or locale data (a cache keyed by report content would
    keep personal data from one diagnosis into the next)."""
    import secrets

    identifier = "DE" + "".join(secrets.choice("0123456789") for _ in range(20))
    name = "Shop" + secrets.token_hex(6)
    _diagnose_once(identifier, name)
    holders = []
    for where, value in _module_state():
        if isinstance(value, dict):
            items = [*value.keys(), *value.values()]
        elif isinstance(value, list | set | tuple | frozenset):
            items = list(value)
        else:
            continue
        flat = [x for item in items for x in (item if isinstance(item, tuple) else (item,))]
        if any(isinstance(x, str) and (identifier in x or name in x) for x in flat):
            holders.append(where)
    assert not holders
    cached = {f"{value.__module__}.{value.__qualname__}"  # type: ignore[attr-defined]
              for _, value in _module_state() if hasattr(value, "cache_info")
              and getattr(value, "__module__", "").startswith("payfix")}
    assert cached <= set(PACK_KEYED_CACHES), cached - set(PACK_KEYED_CACHES)


def test_no_module_level_container_grows_while_diagnosing() -> None:
    """Every memo belongs to a Diagnoser: diagnosing every example (fee schedules, payee checks,
    code look-ups, both audiences) with a fresh Diagnoser leaves each module-level dict, list and
    set of payfix as large as it was, once the first diagnosis has imported what it needs."""
    examples = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.json"))]
    Diagnoser(PACK, engine="compiled").diagnose(examples[0])

    def sizes() -> dict[str, int]:
        return {where: len(value) for where, value in _module_state()
                if isinstance(value, dict | list | set) and not where.endswith(".__all__")}

    before = sizes()
    local = Diagnoser(PACK, engine="compiled")
    for text in examples:
        for audience in ("agent", "customer"):
            local.diagnose(text, audience=audience)  # type: ignore[arg-type]
    after = sizes()
    grown = {where: (before[where], size) for where, size in after.items()
             if where in before and size > before[where]}
    assert not grown
    assert len(local._memos.schedules._memo) > 0  # the examples do price fees
