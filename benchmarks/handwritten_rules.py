"""The shipped rules written by hand as plain Python ``if`` statements: the benchmark's baseline.

This is what a developer would write without a rule engine: read each fact once, test it with
ordinary comparisons. It follows the pack's missing-fact semantics (a comparison on a missing fact
is false, ``!=`` included; ``not`` is plain negation) and is checked against the compiled engine by
``tests/test_equivalence.py``, which also fails when the shipped rules change and ``RULES`` (the
conditions implemented here, as :func:`payfix.rules.conditions.render` writes them) is out of date.
"""

from __future__ import annotations

from collections.abc import Mapping

Scalar = int | bool | str

#: Rule id -> the condition implemented below (thresholds resolved).
RULES = {
    "network.offline": 'device.online == false or device.connection == "none"',
    "network.poor_quality": "not device.online == false and (device.latency_ms >= 1500 or "
                            "device.packet_loss_bp >= 500 or device.signal_level <= 1)",
    "network.timeout_before_answer": '(failure.stage == "network" and failure.answered == false and '
                                     'not attempt.funds_debited == true) or '
                                     '(failure.reason == "try_again_later" and device.online != true)',
    "network.outcome_unknown": 'attempt.outcome == "unknown" or failure.reason in '
                               '["outcome_unknown", "payment_in_progress"]',
    "network.timeout_after_answer": 'failure.stage == "network" and failure.answered == true',
    "network.captive_portal": 'device.captive_portal == true and device.connection == "wifi"',
    "network.country_mismatch": "device.country_mismatch == true and (device.vpn == true or "
                                "device.roaming == true)",
    "network.public_wifi": 'device.public_wifi == true and device.connection == "wifi"',
    "network.vpn_active": 'device.vpn == true and failure.reason in ["transaction_not_permitted", '
                          '"suspected_fraud", "generic_decline"]',
    "network.clock_skew": "device.clock_skew_s > 300",
    "balance.short_of_amount": "balance.applies == true and balance.shortfall_minor > 0 and not "
                               "balance.fee_causes_shortfall == true",
    "balance.fee_pushes_over": "balance.applies == true and balance.fee_causes_shortfall == true",
    "balance.issuer_insufficient_funds": 'failure.reason == "insufficient_funds" and not '
                                         "balance.applies == true",
    "balance.wallet_insufficient_funds": 'failure.reason == "insufficient_funds" and balance.applies == true '
                                         "and not balance.fee_causes_shortfall == true",
    "balance.funds_on_hold": "balance.short_because_of_holds == true",
    "balance.limit_reached": 'failure.reason == "limit_exceeded"',
    "balance.over_transaction_limit": "balance.over_transaction_limit == true",
    "balance.over_period_limit": "balance.over_daily_limit == true or balance.over_monthly_limit == true",
    "balance.other_currency": "balance.applies == true and balance.currency_matches == false",
    "payee.identifier_invalid": "payee.identifier_valid == false",
    "payee.not_found": 'failure.reason == "payee_not_found"',
    "payee.cannot_receive": 'failure.reason == "payee_cannot_receive"',
    "payee.name_mismatch": 'payee.name_check in ["no_match", "partial_match"]',
    "payee.amount_anomaly": "payee.amount_ratio_bp >= 50000",
    "payee.invalid_amount": 'failure.reason == "invalid_amount"',
    "payee.self_transfer": "payee.is_payer == true",
    "payee.account_invalid": 'failure.reason in ["invalid_account", "invalid_card_number"] and attempt.kind '
                             'in ["p2p_transfer", "withdrawal", "bill_payment"]',
    "method.card_expired": '(method.card_expired == true or failure.reason == "expired_card") and not '
                           'failure.reason in ["suspected_fraud", "lost_or_stolen", "pickup_card", '
                           '"security_violation"]',
    "method.card_data_wrong": 'failure.reason in ["incorrect_cvc", "invalid_card_number"] and attempt.kind '
                              'in ["purchase", "top_up"]',
    "method.not_supported": 'failure.reason in ["card_not_supported", "transaction_not_permitted", '
                            '"restricted_card"]',
    "method.issuer_declined": 'failure.reason in ["do_not_honor", "generic_decline"]',
    "method.issuer_declined_alternative": 'failure.reason in ["do_not_honor", "generic_decline"]',
    "method.issuer_unavailable": 'failure.reason in ["issuer_unavailable", "processing_error", '
                                 '"try_again_later"] and not failure.retry == "never" and '
                                 'not attempt.funds_debited == true',
    "method.address_mismatch": 'failure.reason == "address_mismatch"',
    "method.authentication": 'failure.reason in ["authentication_required", "authentication_failed"]',
    "method.update_details": 'failure.reason in ["update_card_details", "invalid_expiry", '
                             '"token_requirements"]',
    "method.payment_code_expired": 'failure.reason == "payment_code_expired"',
    "method.pin": 'failure.reason in ["incorrect_pin", "pin_tries_exceeded"]',
    "method.currency_not_supported": 'failure.reason == "currency_not_supported"',
    "method.retry_budget_exhausted": 'failure.reason == "retry_budget_exhausted"',
    "method.recurring_stopped": 'failure.reason == "stop_recurring"',
    "method.already_processing": 'failure.reason in ["payment_in_progress", "duplicate_transaction"]',
    "method.suspended": 'method.status in ["suspended", "removed"]',
    "security.account_frozen": 'account.status == "frozen" or failure.reason == "account_frozen" or '
                               '(account.status == "locked" and not (history.auth_failures_24h >= 3 '
                               'and not history.credentials_reset_tried == true))',
    "security.locked_after_auth_failures": 'account.status == "locked" and '
                                           'history.auth_failures_24h >= 3 and '
                                           'not history.credentials_reset_tried == true',
    "security.account_closed": 'account.status == "closed" or failure.reason == "account_closed"',
    "security.fraud_suspected": 'failure.reason in ["suspected_fraud", "lost_or_stolen", '
                                '"pickup_card", "security_violation"]',
    "security.auth_failures": "history.auth_failures_24h >= 3",
    "security.two_factor_off": 'device.two_factor_enabled == false and failure.reason in '
                               '["authentication_required", "authentication_failed"]',
    "security.rooted_device": "device.rooted == true",
    "security.app_outdated": "device.app_outdated == true",
    "security.funds_debited": 'attempt.funds_debited == true and attempt.outcome == "failed"',
    "security.outcome_unknown": 'attempt.outcome == "unknown"',
    "security.reverse_debit": 'attempt.funds_debited == true and attempt.outcome == "failed"',
    "security.query_status": 'attempt.outcome == "unknown"',
    "security.repeated_failure": "history.same_code_failures >= 3 or (history.same_code_failures >= 1 and "
                                 "history.remedies_tried >= 1)",
    "security.compliance_hold": 'failure.reason == "compliance_hold"',
    "security.merchant_fault": 'failure.reason == "merchant_error" or failure.fix_by == "merchant"',
    "security.code_requires_support": "failure.escalate == true",
    "security.high_value_processing_error": 'attempt.high_value == true and failure.reason in '
                                            '["processing_error", "issuer_unavailable", "outcome_unknown", '
                                            '"try_again_later"]',
    "network.fallback_check_connection": 'attempt.outcome == "failed" and not attempt.funds_debited == true '
                                         'and device.online is missing and (failure.stage is missing or '
                                         'failure.stage == "network")',
    "balance.fallback_check_balance": 'attempt.outcome == "failed" and not attempt.funds_debited == true '
                                      'and balance.applies == true and balance.available_minor is missing',
    "payee.fallback_check_details": 'attempt.outcome == "failed" and not attempt.funds_debited == true '
                                    'and attempt.kind in ["p2p_transfer", "withdrawal", "bill_payment"] '
                                    'and not payee.identifier_valid == false',
    "method.fallback_other_method": 'attempt.outcome == "failed" and not attempt.funds_debited == true',
    "method.fallback_contact_support": 'attempt.outcome == "failed" and not attempt.funds_debited == true',
    "method.hidden_decline_safe_step": 'failure.reason in ["suspected_fraud", "lost_or_stolen", '
                                       '"pickup_card", "security_violation"] and not '
                                       'attempt.funds_debited == true',
}


def fired(f: Mapping[str, Scalar]) -> frozenset[str]:
    """Ids of the shipped rules that hold for facts ``f`` (a missing fact is an absent key)."""
    hits: list[str] = []
    hit = hits.append
    get = f.get
    online = get("device.online")
    connection = get("device.connection")
    vpn = get("device.vpn")
    reason = get("failure.reason")
    stage = get("failure.stage")
    applies = get("balance.applies")
    kind = get("attempt.kind")
    account = get("account.status")
    outcome = get("attempt.outcome")

    # network
    if online is False or connection == "none":
        hit("network.offline")
    if online is not False:
        latency = get("device.latency_ms")
        loss = get("device.packet_loss_bp")
        signal = get("device.signal_level")
        if ((latency is not None and latency >= 1500) or (loss is not None and loss >= 500)
                or (signal is not None and signal <= 1)):
            hit("network.poor_quality")
    answered = get("failure.answered")
    if ((stage == "network" and answered is False and get("attempt.funds_debited") is not True)
            or (reason == "try_again_later" and online is False)):
        hit("network.timeout_before_answer")
    if stage == "network" and answered is True:
        hit("network.timeout_after_answer")
    if outcome == "unknown" or reason in ("outcome_unknown", "payment_in_progress"):
        hit("network.outcome_unknown")
    if connection == "wifi":
        if get("device.captive_portal") is True:
            hit("network.captive_portal")
        if get("device.public_wifi") is True:
            hit("network.public_wifi")
    if get("device.country_mismatch") is True and (vpn is True or get("device.roaming") is True):
        hit("network.country_mismatch")
    if vpn is True and reason in ("transaction_not_permitted", "suspected_fraud", "generic_decline"):
        hit("network.vpn_active")
    skew = get("device.clock_skew_s")
    if skew is not None and skew > 300:
        hit("network.clock_skew")

    # balance
    fee_causes = get("balance.fee_causes_shortfall") is True
    if applies is True:
        shortfall = get("balance.shortfall_minor")
        if fee_causes:
            hit("balance.fee_pushes_over")
        elif shortfall is not None and shortfall > 0:
            hit("balance.short_of_amount")
        if get("balance.currency_matches") is False:
            hit("balance.other_currency")
    if reason == "insufficient_funds":
        if applies is not True:
            hit("balance.issuer_insufficient_funds")
        elif not fee_causes:
            hit("balance.wallet_insufficient_funds")
    if get("balance.short_because_of_holds") is True:
        hit("balance.funds_on_hold")
    if reason == "limit_exceeded":
        hit("balance.limit_reached")
    if get("balance.over_transaction_limit") is True:
        hit("balance.over_transaction_limit")
    if get("balance.over_daily_limit") is True or get("balance.over_monthly_limit") is True:
        hit("balance.over_period_limit")

    # payee
    if get("payee.identifier_valid") is False:
        hit("payee.identifier_invalid")
    if reason == "payee_not_found":
        hit("payee.not_found")
    if reason == "payee_cannot_receive":
        hit("payee.cannot_receive")
    if get("payee.name_check") in ("no_match", "partial_match"):
        hit("payee.name_mismatch")
    ratio = get("payee.amount_ratio_bp")
    if ratio is not None and ratio >= 50000:
        hit("payee.amount_anomaly")
    if get("payee.is_payer") is True:
        hit("payee.self_transfer")
    if reason == "invalid_amount":
        hit("payee.invalid_amount")
    if reason in ("invalid_account", "invalid_card_number") and kind in ("p2p_transfer", "withdrawal",
                                                                         "bill_payment"):
        hit("payee.account_invalid")

    # method
    if (get("method.card_expired") is True or reason == "expired_card") and reason not in (
            "suspected_fraud", "lost_or_stolen", "pickup_card", "security_violation"):
        hit("method.card_expired")
    if reason in ("incorrect_cvc", "invalid_card_number") and kind in ("purchase", "top_up"):
        hit("method.card_data_wrong")
    if reason in ("card_not_supported", "transaction_not_permitted", "restricted_card"):
        hit("method.not_supported")
    if reason in ("do_not_honor", "generic_decline"):
        hit("method.issuer_declined")
        hit("method.issuer_declined_alternative")
    if (reason in ("issuer_unavailable", "processing_error", "try_again_later")
            and get("failure.retry") != "never" and get("attempt.funds_debited") is not True):
        hit("method.issuer_unavailable")
    if reason == "address_mismatch":
        hit("method.address_mismatch")
    if reason in ("authentication_required", "authentication_failed"):
        hit("method.authentication")
        if get("device.two_factor_enabled") is False:
            hit("security.two_factor_off")
    if reason in ("update_card_details", "invalid_expiry", "token_requirements"):
        hit("method.update_details")
    if reason == "payment_code_expired":
        hit("method.payment_code_expired")
    if reason in ("incorrect_pin", "pin_tries_exceeded"):
        hit("method.pin")
    if reason == "currency_not_supported":
        hit("method.currency_not_supported")
    if reason == "retry_budget_exhausted":
        hit("method.retry_budget_exhausted")
    if reason == "stop_recurring":
        hit("method.recurring_stopped")
    if reason in ("payment_in_progress", "duplicate_transaction"):
        hit("method.already_processing")
    if get("method.status") in ("suspended", "removed"):
        hit("method.suspended")

    # security
    auth_failures = get("history.auth_failures_24h")
    many_auth_failures = auth_failures is not None and auth_failures >= 3
    reset_untried = get("history.credentials_reset_tried") is not True
    if (account == "frozen" or reason == "account_frozen"
            or (account == "locked" and not (many_auth_failures and reset_untried))):
        hit("security.account_frozen")
    if account == "locked" and many_auth_failures and reset_untried:
        hit("security.locked_after_auth_failures")
    if account == "closed" or reason == "account_closed":
        hit("security.account_closed")
    if reason in ("suspected_fraud", "lost_or_stolen", "pickup_card", "security_violation"):
        hit("security.fraud_suspected")
    if many_auth_failures:
        hit("security.auth_failures")
    if get("device.rooted") is True:
        hit("security.rooted_device")
    if get("device.app_outdated") is True:
        hit("security.app_outdated")
    if get("attempt.funds_debited") is True and outcome == "failed":
        hit("security.funds_debited")
    if outcome == "unknown":
        hit("security.outcome_unknown")
    if get("attempt.funds_debited") is True and outcome == "failed":
        hit("security.reverse_debit")
    if outcome == "unknown":
        hit("security.query_status")
    same_code = get("history.same_code_failures")
    if same_code is not None and (same_code >= 3 or (same_code >= 1 and (
            (tried := get("history.remedies_tried")) is not None and tried >= 1))):
        hit("security.repeated_failure")
    if reason == "compliance_hold":
        hit("security.compliance_hold")
    if reason == "merchant_error" or get("failure.fix_by") == "merchant":
        hit("security.merchant_fault")
    if get("failure.escalate") is True:
        hit("security.code_requires_support")
    if get("attempt.high_value") is True and reason in ("processing_error", "issuer_unavailable",
                                                         "outcome_unknown", "try_again_later"):
        hit("security.high_value_processing_error")

    # fallbacks (the checklist; settled after evaluation) and the hidden-decline safe step
    debited = get("attempt.funds_debited") is True
    if outcome == "failed" and not debited:
        if online is None and (stage is None or stage == "network"):
            hit("network.fallback_check_connection")
        if applies is True and get("balance.available_minor") is None:
            hit("balance.fallback_check_balance")
        if kind in ("p2p_transfer", "withdrawal", "bill_payment") and \
                get("payee.identifier_valid") is not False:
            hit("payee.fallback_check_details")
        hit("method.fallback_other_method")
        hit("method.fallback_contact_support")
    if reason in ("suspected_fraud", "lost_or_stolen", "pickup_card", "security_violation") \
            and not debited:
        hit("method.hidden_decline_safe_step")
    return frozenset(hits)
