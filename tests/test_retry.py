"""Retry advice as the card schemes count it: categories, advice codes, budgets and context."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from payfix import Diagnoser

from .conftest import example

AGENT = Diagnoser(engine="compiled", audience="agent")


def _card_report(codes: dict[str, str], *, initiator: str = "customer", scheme: str = "iso8583",
                 priors: int = 0, prior_initiator: str | None = None) -> dict[str, Any]:
    report = example("method_expired_card.json")
    attempt = report["attempt"]
    attempt["method"]["card"]["expiry_year"] = 2030
    attempt["processor"] = {"scheme": scheme, "brand": "visa", "codes": codes}
    attempt["initiator"] = initiator
    at = datetime.fromisoformat(attempt["at"].replace("Z", "+00:00"))
    report["history"] = [
        {"at": (at - timedelta(days=20) + timedelta(minutes=i)).isoformat(), "outcome": "failed",
         "scheme": scheme, "code": next(iter(codes.values())),
         "initiator": prior_initiator or initiator} for i in range(priors)]
    return report


@pytest.mark.parametrize(("codes", "kwargs", "expected"), [
    ({"response_code": "14"}, {}, ("never", None, "update_card", None, "correct_data")),
    ({"response_code": "51"}, {}, ("later", 86400, "after_top_up", 15, "top_up")),
    ({"response_code": "51"}, {"priors": 3}, ("later", 86400, "after_top_up", 12, "top_up")),
    ({"response_code": "51"}, {"priors": 15}, ("never", None, "other_method", 0, "other_method")),
    ({"response_code": "51"}, {"priors": 15, "prior_initiator": "merchant"},
     ("later", 86400, "after_top_up", 15, "top_up")),
    ({"response_code": "51", "merchant_advice_code": "03"}, {},
     ("never", None, "other_method", 15, "other_method")),
    ({"response_code": "51", "merchant_advice_code": "25"}, {},
     ("later", 86400, "after_top_up", 15, "top_up")),
    ({"response_code": "51", "merchant_advice_code": "29"}, {},
     ("later", 691200, "after_top_up", 15, "top_up")),
    ({"decline_code": "authentication_required"}, {"scheme": "stripe"},
     ("never", None, "with_3ds", None, "authenticate")),
    ({"decline_code": "authentication_required"}, {"scheme": "stripe", "initiator": "merchant"},
     ("never", None, "bring_payer_on_session", None, "authenticate")),
], ids=["visa-cat1-never", "visa-cat2-later", "budget-counts-priors", "budget-exhausted",
        "merchant-initiated-counted-apart", "mac03-forbids", "mac25-waits-24h", "mac29-waits-8d",
        "step-up-with-payer", "step-up-needs-payer-back"])
def test_retry_verdict_wait_how_and_budget(codes: dict[str, str], kwargs: dict[str, Any],
                                           expected: tuple[Any, ...]) -> None:
    """Each scheme rule tightens the code map's verdict the way the networks count it; the verdict
    is for the same request and ``after_action`` says what makes a new attempt succeed."""
    retry = AGENT.diagnose(_card_report(codes, **kwargs)).retry
    assert (retry.verdict, retry.wait_seconds, retry.how, retry.attempts_left,
            retry.after_action) == expected


def test_next_retry_time_is_the_attempt_time_plus_the_wait() -> None:
    """not_before says when a retry is allowed again (MAC 26: two days)."""
    report = _card_report({"response_code": "51", "merchant_advice_code": "26"})
    retry = AGENT.diagnose(report).retry
    assert retry.not_before == "2026-04-04T07:15:30+00:00"
    assert retry.basis == "iso8583:51, mastercard_mac:26"


def test_customers_do_not_see_the_basis_of_a_hidden_code() -> None:
    """The codes behind a fraud decline never reach the customer through the retry advice."""
    report = _card_report({"decline_code": "fraudulent"}, scheme="stripe")
    customer = Diagnoser(engine="compiled", audience="customer").diagnose(report)
    assert customer.retry.verdict == "never"
    assert customer.retry.basis is None


@pytest.mark.parametrize(("priors", "method_type", "expected"), [
    (9, None, ("later", 1)),
    (10, None, ("never", 0)),
    (10, "wallet_balance", ("later", 10)),
], ids=["one-left-today", "24h-budget-spent", "other-method-not-counted"])
def test_mastercard_excessive_attempts_in_24_hours(priors: int, method_type: str | None,
                                                   expected: tuple[str, int]) -> None:
    """Mastercard counts attempts per card in 24 h; tries with another method do not count."""
    report = _card_report({"response_code": "51"})
    report["attempt"]["processor"]["brand"] = "mastercard"
    at = datetime.fromisoformat(report["attempt"]["at"].replace("Z", "+00:00"))
    report["history"] = [
        {"at": (at - timedelta(hours=20) + timedelta(minutes=i)).isoformat(), "outcome": "failed",
         "scheme": "iso8583", "code": "51", **({"method_type": method_type} if method_type else {})}
        for i in range(priors)]
    retry = AGENT.diagnose(report).retry
    assert (retry.verdict, retry.attempts_left) == expected
    if expected[0] == "never":
        assert "mastercard_reattempts_24h" in (retry.basis or "")


@pytest.mark.parametrize(("method", "expected"), [
    ("debit_card", ("later", 86400, "after_top_up", 15)),
    ("wallet_balance", ("now", None, "after_top_up", None)),
    ("bank_account", ("later", 86400, "after_top_up", None)),
], ids=["visa-card-waits-and-counts", "wallet-pays-again-after-top-up", "bank-account-not-a-card"])
def test_card_scheme_rules_bind_card_payments_only(method: str, expected: tuple[Any, ...]) -> None:
    """Code 51 on a Visa card waits a day within Visa's 30-day budget; the same code on a wallet
    balance can be paid again as soon as the wallet is topped up, and no card budget counts the
    attempts of a bank-account payment."""
    report = _card_report({"response_code": "51"})
    report["attempt"]["method"] = ({"type": method} if not method.endswith("_card")
                                   else report["attempt"]["method"])
    retry = AGENT.diagnose(report).retry
    assert (retry.verdict, retry.wait_seconds, retry.how, retry.attempts_left) == expected


@pytest.mark.parametrize(("locale", "words"), [("en", "Retry advice: do not retry."),
                                               ("zh-CN", "重试建议：请勿重试。")])
def test_hand_off_states_the_retry_verdict_in_words(locale: str, words: str) -> None:
    """The hand-off statement gives the retry verdict in the statement's language, not as a slug."""
    report = example("escalate_suspected_fraud.json")
    diagnosis = Diagnoser(engine="compiled", audience="agent", locale=locale).diagnose(report)
    assert diagnosis.handoff is not None
    assert diagnosis.retry.verdict == "never"
    assert words in diagnosis.handoff.statement


def _pack_with_limits(tmp_path: Any, limits: str) -> Any:
    """The bundled pack with ``retry_limits`` replaced by ``limits`` (YAML text), as an overlay."""
    from payfix import load_pack
    from payfix.rules.loader import bundled_rules_dir

    text = (bundled_rules_dir() / "pack.yaml").read_text(encoding="utf-8")
    head, _, rest = text.partition("retry_limits:\n")
    tail = rest[rest.index("\n# Closed vocabulary"):]
    (tmp_path / "pack.yaml").write_text(head + limits + tail, encoding="utf-8")
    return load_pack(tmp_path)


def test_scheme_limits_are_pack_data(tmp_path: Any) -> None:
    """The Visa budget comes from pack.yaml retry_limits: a pack whose Visa limit counts over
    one day instead of 30 leaves the 20-day-old attempts uncounted; a pack without the limit
    counts nothing and forbids nothing."""
    report = _card_report({"response_code": "51"}, priors=15)
    assert AGENT.diagnose(report).retry.verdict == "never"
    one_day = _pack_with_limits(tmp_path, """retry_limits:
  visa_reattempts_30d:
    brands: [visa, unknown]
    never: [visa_1]
    categories: [visa_2, visa_3, visa_4]
    window_s: 86400
    source: a test
""")
    retry = Diagnoser(one_day, engine="compiled", audience="agent").diagnose(report).retry
    assert (retry.verdict, retry.attempts_left) == ("later", 15)
    none = _pack_with_limits(tmp_path, "retry_limits: {}\n")
    never_before = _card_report({"response_code": "14"})
    assert Diagnoser(none, engine="compiled").diagnose(never_before).retry.attempts_left is None


def test_a_limit_binds_only_on_the_days_it_is_in_force(tmp_path: Any) -> None:
    """valid_from / valid_until are compared with the attempt's own day: a limit that starts
    after the attempt does not count it."""
    report = _card_report({"response_code": "51"}, priors=15)  # attempted 2026-04-02
    later = _pack_with_limits(tmp_path, """retry_limits:
  visa_reattempts_30d:
    brands: [visa, unknown]
    categories: [visa_2, visa_3, visa_4]
    window_s: 2592000
    valid_from: 2026-04-03
    source: a test
""")
    assert Diagnoser(later, engine="compiled").diagnose(report).retry.verdict == "later"


@pytest.mark.parametrize(("limits", "kind"), [
    ("retry_limits:\n  no_such_threshold:\n    brands: [visa]\n    window_s: 60\n    source: x\n",
     "unknown_threshold"),
    ("retry_limits:\n  visa_reattempts_30d:\n    brands: [visa]\n    window_s: 60\n"
     "    valid_from: 2026-02-01\n    valid_until: 2026-01-01\n    source: x\n", "bad_dates"),
    ("retry_limits:\n  visa_reattempts_30d:\n    brands: [vissa]\n    window_s: 60\n    source: x\n",
     "pack.literal_error"),
])
def test_bad_retry_limits_are_pack_errors(tmp_path: Any, limits: str, kind: str) -> None:
    """A limit naming no threshold, with its dates reversed, or an unknown brand is refused by
    the loader with a typed problem."""
    from payfix import RulePackError

    with pytest.raises(RulePackError) as caught:
        _pack_with_limits(tmp_path, limits)
    assert kind in {p.type for p in caught.value.problems}
