"""The words every layer shares: the facts rules may read, the kinds of payments, methods and payees,
the figures a remedy text may quote, and the limits identifiers are held to.

Everything here is plain data (no I/O, no other payfix module imported), so models, rule packs,
engines and the diagnosis steps all take their vocabulary from one place.

Example:
    >>> sorted(FACTS)[:3]
    ['account.status', 'attempt.amount_minor', 'attempt.currency']
    >>> KINDS
    ('purchase', 'p2p_transfer', 'bill_payment', 'withdrawal', 'top_up')
    >>> fact_domain("attempt.initiator", ())
    ('customer', 'merchant')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = [
    "AFTER_ACTIONS", "ARG_TEXTS", "CHANGES_REQUEST", "FACTS", "IDENTIFIER_PROBLEMS", "KINDS",
    "MAX_WALLET_ID_LENGTH", "METHOD_TYPES", "NEXT_PAYMENTS", "PAYEE_TYPES", "PLACEHOLDERS", "PLACEHOLDER_RE",
    "PROBLEM_TEXTS",
    "REASONS_DOMAIN", "REPLY_TEMPLATES", "TEXT_PLACEHOLDERS", "AccountStatus", "AfterAction",
    "AttemptOutcome", "CardBrand", "CodeField", "Connection", "Credential", "FactSpec",
    "FailureStage", "Initiator", "MethodStatus", "MethodType", "NameCheck", "NextPayment",
    "PayeeType", "PaymentKind", "ReplyTemplate", "Scalar", "fact_domain",
]

#: A fact's value: money in minor units, durations and basis points are ``int``.
Scalar = int | bool | str

PaymentKind = Literal["purchase", "p2p_transfer", "bill_payment", "withdrawal", "top_up"]
MethodType = Literal["wallet_balance", "debit_card", "credit_card", "prepaid_card", "bank_account"]
PayeeType = Literal["merchant", "wallet_user", "bank_account", "card", "phone", "email"]
CardBrand = Literal["visa", "mastercard", "amex", "discover", "unionpay", "jcb", "other"]
Credential = Literal["pan", "network_token", "wallet_token", "bank_credentials"]
MethodStatus = Literal["active", "suspended", "removed"]
AccountStatus = Literal["active", "locked", "frozen", "closed"]
Initiator = Literal["customer", "merchant"]
AttemptOutcome = Literal["failed", "unknown"]
Connection = Literal["wifi", "cellular", "ethernet", "none", "unknown"]
FailureStage = Literal["validation", "risk", "authentication", "authorisation", "capture", "network"]
NameCheck = Literal["match", "partial_match", "no_match", "unavailable"]
#: The processor code fields a report may carry (``attempt.processor.codes``).
CodeField = Literal["decline_code", "advice_code", "network_code", "merchant_advice_code", "sub_code",
                    "response_code"]

#: What must happen before a new attempt can succeed (a retry advice's ``after_action``; a code
#: map's ``after``): the payer corrects what they typed, brings an updated card, authenticates or
#: tops up; the payer contacts their issuer, the payee or the wallet's support; the merchant starts
#: a new order, fixes its integration or gets the payer's new consent; someone queries the first
#: attempt's status; or the payer pays another way.
AfterAction = Literal["correct_data", "update_card", "authenticate", "top_up", "contact_issuer",
                      "contact_payee", "contact_support", "new_order", "merchant_fix",
                      "renew_mandate", "query_status", "other_method"]
AFTER_ACTIONS: tuple[str, ...] = get_args(AfterAction)
#: The actions after which the new attempt is not the same request (other data, an added
#: authentication, a new order, another method): the same request is refused, so a code whose
#: action is one of these has the retry verdict ``never`` for the same data.
CHANGES_REQUEST = frozenset({"correct_data", "update_card", "authenticate", "new_order",
                             "merchant_fix", "renew_mandate", "other_method"})

#: What a remedy leads to, as a payment: ``none`` (no new payment: contact someone, check a
#: status, stop), ``same`` (the same request again: reconnect, wait, then try again) or
#: ``changed`` (a new payment with other data, funds, authentication or method). A remedy the
#: retry verdict contradicts is not offered: none that pays again on ``hold``, none that repeats
#: the same request on ``never``.
NextPayment = Literal["none", "same", "changed"]
NEXT_PAYMENTS: tuple[str, ...] = get_args(NextPayment)

#: Which message a diagnosis's reply is (``Reply.template``, ``Notify.template``): the money was
#: taken although the payment failed (``debited``), no final answer yet (``pending``), a person
#: takes it over (``escalated``), it may simply be tried again (``try_again``), or the payer can
#: fix it (``self_service``).
ReplyTemplate = Literal["debited", "pending", "escalated", "try_again", "self_service"]
REPLY_TEMPLATES: tuple[str, ...] = get_args(ReplyTemplate)

#: Kinds of payment, payment method types and payee types, in the report format's order.
KINDS: tuple[str, ...] = get_args(PaymentKind)
METHOD_TYPES: tuple[str, ...] = get_args(MethodType)
PAYEE_TYPES: tuple[str, ...] = get_args(PayeeType)

#: Every problem slug a payee identifier check may return.
IDENTIFIER_PROBLEMS = ("checksum", "country", "format", "length", "unknown_number")

#: Longest identifier a pack's ``wallet_id_pattern`` is applied to (the report format's cap on
#: ``payee.identifier``); a pattern's safety is judged for inputs of this length.
MAX_WALLET_ID_LENGTH = 128

#: Figures a remedy text may quote as ``{name}``, and the money fact (minor units) each shows.
PLACEHOLDERS = {
    "amount": "attempt.amount_minor",
    "fee": "balance.fee_minor",
    "max_sendable": "balance.max_sendable_minor",
    "required": "balance.required_minor",
    "shortfall": "balance.shortfall_minor",
}
#: Placeholders filled with words rather than amounts.
TEXT_PLACEHOLDERS = ("alternatives",)
#: A placeholder in a remedy text.
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class FactSpec:
    """A fact's type (``int``, ``bool`` or ``str``), meaning, and allowed strings (if closed).

    ``domain == ("<reasons>",)`` means the pack's closed vocabulary of failure reasons.
    """

    type: str
    doc: str
    domain: tuple[str, ...] | None = None


REASONS_DOMAIN = ("<reasons>",)

#: Every fact a rule may read. Names are stable once released; add, never rename.
FACTS: dict[str, FactSpec] = {
    "account.status": FactSpec("str", "payer account status", get_args(AccountStatus)),
    "attempt.amount_minor": FactSpec("int", "attempted amount in minor units"),
    "attempt.currency": FactSpec("str", "ISO 4217 code of the amount"),
    "attempt.funds_debited": FactSpec("bool", "the payer's funds were debited although it failed"),
    "attempt.high_value": FactSpec("bool", "amount at or above the pack's high_value_minor"),
    "attempt.initiator": FactSpec("str", "who initiated the payment", get_args(Initiator)),
    "attempt.kind": FactSpec("str", "kind of payment", KINDS),
    "attempt.outcome": FactSpec("str", "failed, or outcome not known yet", get_args(AttemptOutcome)),
    "attempt.payer_present": FactSpec("bool", "the payer was present (on-session)"),
    "balance.applies": FactSpec("bool", "the wallet balance funds this payment"),
    "balance.available_minor": FactSpec("int", "available balance in minor units (same currency)"),
    "balance.currency_matches": FactSpec("bool", "balance currency equals the amount currency"),
    "balance.fee_causes_shortfall": FactSpec(
        "bool", "the amount alone fits the balance, the amount plus its fee does not"
    ),
    "balance.fee_minor": FactSpec(
        "int", "fee for this attempt (the report's, else the schedule's quote), minor units"
    ),
    "balance.max_sendable_minor": FactSpec(
        "int", "largest amount whose amount plus fee fits the available balance, minor units"
    ),
    "balance.over_daily_limit": FactSpec("bool", "amount above what remains of the daily limit"),
    "balance.over_monthly_limit": FactSpec("bool", "amount above what remains of the monthly limit"),
    "balance.over_transaction_limit": FactSpec("bool", "amount above the per-payment limit"),
    "balance.pending_holds_minor": FactSpec("int", "pending holds on the balance, minor units"),
    "balance.required_minor": FactSpec("int", "amount plus known fee, minor units"),
    "balance.short_because_of_holds": FactSpec(
        "bool", "short now, but available plus pending holds would cover it"
    ),
    "balance.shortfall_minor": FactSpec("int", "required minus available when positive, else 0"),
    "device.app_outdated": FactSpec("bool", "app version below the minimum supported"),
    "device.captive_portal": FactSpec("bool", "Wi-Fi asks for a sign-in page before traffic passes"),
    "device.clock_skew_s": FactSpec("int", "absolute device clock error in seconds"),
    "device.country_mismatch": FactSpec(
        "bool", "the connection appears to come from another country than the account's"
    ),
    "device.connection": FactSpec(
        "str", "connection type", get_args(Connection)
    ),
    "device.latency_ms": FactSpec("int", "measured round-trip latency in ms"),
    "device.online": FactSpec("bool", "the device had a network connection"),
    "device.packet_loss_bp": FactSpec("int", "packet loss in basis points (100 = 1%)"),
    "device.public_wifi": FactSpec("bool", "connected through public Wi-Fi"),
    "device.roaming": FactSpec("bool", "mobile data roaming"),
    "device.rooted": FactSpec("bool", "the device is rooted or jailbroken"),
    "device.signal_level": FactSpec("int", "signal strength 0 (none) to 4 (full)"),
    "device.two_factor_enabled": FactSpec("bool", "two-factor authentication is on"),
    "device.vpn": FactSpec("bool", "a VPN was active"),
    "failure.answered": FactSpec("bool", "the processor answered before the connection failed"),
    "failure.code": FactSpec("str", "the processor code that decided the reason"),
    "failure.customer_safe": FactSpec("bool", "the reason may be shown to the payer"),
    "failure.escalate": FactSpec("bool", "the code map says this code alone needs a human"),
    "failure.field": FactSpec(
        "str",
        "which processor code field decided",
        get_args(CodeField),
    ),
    "failure.fix_by": FactSpec(
        "str", "who can fix it", ("customer", "issuer", "merchant", "support", "none")
    ),
    "failure.known": FactSpec("bool", "the processor code is in the pack's code map"),
    "failure.reason": FactSpec("str", "unified failure reason", REASONS_DOMAIN),
    "failure.retry": FactSpec("str", "retry class of the code", ("now", "later", "never")),
    "failure.scheme": FactSpec("str", "code scheme of the processor answer"),
    "failure.stage": FactSpec(
        "str",
        "where the attempt failed",
        get_args(FailureStage),
    ),
    "history.auth_failures_24h": FactSpec(
        "int", "earlier tries in the 24 h before that failed authentication or PIN checks"
    ),
    "history.credentials_reset_tried": FactSpec(
        "bool", "the payer already tried resetting the password or PIN (remedies_tried holds "
        "security.reset_credentials)"
    ),
    "history.failures_24h": FactSpec("int", "earlier failed tries in the 24 h before"),
    "history.remedies_tried": FactSpec("int", "distinct remedies the payer already tried"),
    "history.same_code_failures": FactSpec("int", "earlier failed tries with the same code"),
    "method.card_expired": FactSpec("bool", "card expiry month ended before the attempt"),
    "method.credential": FactSpec(
        "str", "credential presented", get_args(Credential)
    ),
    "method.status": FactSpec("str", "payment method status", get_args(MethodStatus)),
    "method.type": FactSpec("str", "payment method type", METHOD_TYPES),
    "payee.identifier_problem": FactSpec("str", "what is wrong with the identifier", IDENTIFIER_PROBLEMS),
    "payee.amount_ratio_bp": FactSpec(
        "int", "amount over the median of earlier payments to this payee, basis points"
    ),
    "payee.identifier_valid": FactSpec("bool", "identifier passes its format and checksum"),
    "payee.is_payer": FactSpec("bool", "the payee identifier is the payer's own e-mail or phone"),
    "payee.name_check": FactSpec(
        "str", "recipient name check result", get_args(NameCheck)
    ),
    "payee.type": FactSpec("str", "kind of payee", PAYEE_TYPES),
}


def fact_domain(name: str, pack_reasons: tuple[str, ...]) -> tuple[str, ...] | None:
    """Allowed string values of fact ``name`` (the pack's reasons for ``failure.reason``)."""
    spec = FACTS[name]
    return pack_reasons if spec.domain == REASONS_DOMAIN else spec.domain


#: The texts a command line's usage errors are written in (``texts.yaml`` section ``text``): the
#: frame, argparse's messages and payfix's own checks of an argument's value (see
#: :mod:`payfix.cli_words`).
ARG_TEXTS: tuple[str, ...] = (
    "usage", "arg_error", "arg_required", "arg_unrecognized", "arg_one_of", "arg_ambiguous",
    "arg_choice", "arg_value", "arg_expected_one", "arg_expected_at_most_one",
    "arg_expected_at_least_one", "arg_expected_n", "arg_not_allowed", "arg_ignored",
    "arg_fraction", "arg_at_least_one", "arg_positive", "arg_offset")

_VALUE_ERROR = "value_error_"
_SOURCE_TYPE = "source_type_"

#: Every problem text a pack may give (``texts.yaml`` section ``problem``: a problem's ``type``,
#: or ``<type>_<key>`` for a type of several messages), with the values its placeholders may
#: name (see :mod:`payfix.diagnosis.problemtext`).
PROBLEM_TEXTS: Mapping[str, frozenset[str]] = {name: frozenset(params) for name, params in {
    # pydantic's own checks of the report's fields (their ``ctx``)
    "missing": (), "extra_forbidden": (), "string_type": (), "string_too_long": ("max_length",),
    "string_too_short": ("min_length",), "string_pattern_mismatch": ("pattern",),
    "literal_error": ("expected",), "enum": ("expected",), "int_type": (), "int_parsing": (),
    "int_from_float": (), "bool_type": (), "bool_parsing": (), "decimal_type": (),
    "decimal_parsing": (), "finite_number": (), "float_type": (), "float_parsing": (),
    "datetime_type": (), "datetime_parsing": (), "datetime_from_date_parsing": (),
    "timezone_aware": (), "greater_than_equal": ("ge",), "less_than_equal": ("le",),
    "greater_than": ("gt",), "less_than": ("lt",), "model_type": (), "model_attributes_type": (),
    "dict_type": (), "list_type": (), "tuple_type": (), "too_long": ("max_length",),
    "too_short": ("min_length",), "string_unicode": (), "missing_context": ("source", "kind"),
    "int_parsing_size": (), "string_not_ascii": (), "multiple_of": ("multiple_of",),
    "decimal_max_digits": ("max_digits",), "decimal_max_places": ("decimal_places",),
    "decimal_whole_digits": ("whole_digits",), "datetime_object_invalid": (),
    "datetime_past": (), "datetime_future": (), "timezone_naive": (), "date_type": (),
    "date_parsing": (), "date_from_datetime_parsing": (), "date_from_datetime_inexact": (),
    "date_past": (), "date_future": (), "time_type": (), "time_parsing": (),
    "none_required": (), "set_type": (), "frozen_set_type": (), "iterable_type": (),
    "mapping_type": (), "union_tag_invalid": ("tag", "expected_tags"),
    "union_tag_not_found": ("discriminator",), "invalid_key": (), "recursion_loop": (),
    # the service's own answers
    "unauthorized": (), "not_ready": (), "too_large_body": ("limit",), "host_not_allowed": (),
    "cross_site": (), "unsupported_media_type": (), "internal_error": ("request_id",),
    "not_found": (), "method_not_allowed": (), "http_error": (), "invalid": (),
    # code look-ups and fee quotes
    "unknown_scheme": ("scheme", "known"), "unknown_code": ("scheme", "code"),
    "unknown_fee_schedule": ("kind", "currency", "known"), "fx_incomplete": (),
    "file_unreadable": ("file",), "context_without_source": (),
    "fee_error_finite": ("what",), "fee_error_places": ("what", "value", "places", "currency"),
    "fee_error_at_offset": (), "fee_error_negative": ("what",), "fee_error_fx_together": (),
    "fee_error_fx_rate_positive": (), "fee_error_currency": ("currency",),
    "fee_error_kind": ("kind", "kinds"), "fee_error_schedule_kind": ("schedule", "kind", "kinds"),
    "fee_error_schedule_currency": ("schedule", "expected", "currency"),
    "fee_error_schedule_dates": ("schedule", "on", "since", "until"), "fee_error_fx_same": (),
    "fee_error_amount_range": ("amount", "max"),
    "fee_error_schedule_largest": ("schedule", "max", "currency"),
    "fee_error_fee_exceeds": ("fee", "amount", "currency"),
    # the report models' own checks (``value_error`` with a key)
    f"{_VALUE_ERROR}currency": (), f"{_VALUE_ERROR}integer_amount": ("value",),
    f"{_VALUE_ERROR}amount_twice": (),
    f"{_VALUE_ERROR}minor_range": ("max", "value"),
    f"{_VALUE_ERROR}decimal_places": ("value", "places", "currency"),
    f"{_VALUE_ERROR}amount_too_large": ("max", "currency"), f"{_VALUE_ERROR}schema_version": ("value",),
    f"{_VALUE_ERROR}conversion_same_currency": (), f"{_VALUE_ERROR}fx_and_conversion": (),
    f"{_VALUE_ERROR}converted_too_large": ("max",), f"{_VALUE_ERROR}fee_currency": (),
    f"{_VALUE_ERROR}free_amount_currency": (), f"{_VALUE_ERROR}history_order": ("index",),
    # reading JSON text
    "json_invalid": (), "json_invalid_at": ("line", "col"), "json_invalid_utf8": (),
    "json_invalid_deep": (), "json_invalid_digits": (), "json_invalid_empty": (),
    # reading a batch file's records
    "line_too_long": ("line", "limit"), "input_truncated": (), "csv_invalid": ("fields", "expected"),
    "utf8_invalid": ("columns",),
    # a column map and the cells it reads
    "extra_forbidden_map": (), "missing_map": (), "unknown_field": ("to",), "unknown_field_set": (),
    "unit_missing": ("to",), "not_a_value": ("to",), "row_not_selected": ("column", "value", "accepted"),
    "column_value_unix": (), "column_value_utc_offset": (), "column_value_utc": ("value",),
    "column_value_no_currency": (), "column_value_minor": (), "column_value_too_large": ("max",),
    "column_value_decimal": ("value",), "too_large_map": ("max",), "yaml_alias": (),
    "yaml_invalid": ("detail",),
    # payfix serve refusing its settings
    "config_no_key": ("env",), "config_no_auth_with_keys": ("count", "env"),
    "config_short_keys": ("count", "min"), "config_max_body": ("min",), "config_max_batch": (),
    "config_key_file": ("file", "reason"), "config_key_file_utf8": ("file",),
    "config_key_file_mode": ("file", "mode"), "config_timeouts": (),
    # a replay that refuses to start
    "replay_not_dir": ("path",), "replay_is_dir": ("path",), "replay_base_not_dir": ("path", "base"),
    "replay_unwritable": ("path", "reason"), "replay_resume_differs": ("names",),
    "replay_resume_chunk": ("chunk",), "replay_unsupported": ("path",),
    "replay_parquet_compressed": ("path", "suffix"), "replay_not_csv": ("path", "detail"),
    "replay_csv_after": ("path", "record", "detail"), "replay_not_parquet": ("path", "detail"),
    # a synthetic-data profile and the synth command's arguments
    "synth_no_profile": ("name", "profiles"), "synth_not_profile": ("file", "detail"),
    "synth_native_lacks": ("names",), "synth_rows": (), "synth_corrupt_share": (), "synth_native": (),
    "synth_profile_shares": ("file",), "synth_profile_reason": ("file", "reason"),
    "synth_profile_approved": ("file",), "synth_profile_sources": ("file", "names"),
    "synth_profile_schemes": ("file", "names"), "synth_profile_currencies": ("file", "names"),
    "synth_profile_method_kind": ("file",), "synth_profile_escalation": ("file",),
    "synth_profile_no_code": ("file", "names"), "synth_profile_weight": ("file", "name"),
    "synth_profile_night": ("file",),
    # a rule pack's own files: what `payfix rules check` (and a command loading a pack) reports
    "did_you_mean": ("word",), "field_at": ("path", "message"), "file_extra_forbidden": (),
    "file_missing": (), "value_error_float": (), "value_error_decimal": (),
    "pack.unreadable": ("detail",), "pack.outside_folder": (), "pack.not_a_file": (),
    "pack.file_too_large": ("size", "max"), "pack.yaml_alias": ("what",),
    "pack.yaml_too_many_values": ("max",), "pack.yaml_too_deep": ("max",), "yaml_syntax": ("detail",),
    "yaml_syntax_unreadable": ("detail",), "pack.missing_file_pack": (),
    "pack.missing_file_ruleset": ("name",), "pack.unlisted_ruleset": ("file", "name"),
    "missing_escalation": (), "unknown_reason_settings": ("section", "name", "hint"),
    "unknown_locale_reason_names": ("locale", "hint"), "missing_default": (),
    "unknown_locale_channel": ("channel", "locale", "hint"),
    "missing_text_channel": ("channel", "locale"), "unknown_threshold": ("name",),
    "bad_dates": ("name",), "bad_pattern": ("detail",), "unsafe_pattern_nested": ("max",),
    "unsafe_pattern_alternation": ("max",), "unsafe_pattern_paths": ("max",), "ruleset_name": ("name",),
    "engine_envelope_rules": ("name", "count", "max"), "engine_envelope_terms": ("id", "count", "max"),
    "engine_envelope_nodes": ("name", "count", "max"),
    "engine_envelope_conditions": ("name", "count", "max"),
    "engine_envelope_facts": ("name", "count", "max"), "rule_id": ("id", "ruleset"),
    "duplicate_rule": ("id", "file"), "unknown_remedy": ("name", "hint"),
    "unknown_escalation": ("name", "hint"), "condition_syntax_escape": ("char",),
    "condition_syntax_character": ("char",), "condition_syntax_single_equals": (),
    "condition_syntax_expected": ("what", "found"), "condition_syntax_expected_end": ("what",),
    "condition_syntax_expected_fact": ("found",), "condition_syntax_expected_fact_end": (),
    "condition_syntax_unexpected": ("found",), "condition_syntax_unexpected_name": ("found",),
    "condition_syntax_is": (), "condition_syntax_integer": ("value", "max"),
    "condition_syntax_threshold": ("name", "known"), "condition_syntax_value": ("found",),
    "condition_syntax_value_end": (), "condition_syntax_list": ("found",),
    "unknown_fact": ("fact", "hint"), "bad_operator_in_bool": ("fact",),
    "bad_operator_order": ("op", "fact", "type"), "type_mismatch": ("fact", "type", "kind", "value"),
    "unknown_value": ("value", "fact", "hint", "allowed"), "unsatisfiable": ("id",),
    "fallback_escalates": ("id",), "merge_redefines": ("name",), "duplicate_scheme": ("scheme",),
    "missing_fields": (), "merge_without_map": ("scheme",),
    "unknown_reason_code": ("code", "name", "hint"), "missing_wait": ("code",),
    "retry_contradicts_after": ("code", "retry", "after"),
    "dates_out_of_order_reversed": ("code", "since", "until"), "dates_out_of_order_sequence": ("code",),
    "duplicate_remedy": ("id",), "unknown_category": ("name", "hint"),
    "missing_text_remedy": ("id", "locale"),
    "unknown_placeholder_remedy": ("id", "locale", "name", "hint", "known"),
    "missing_text_section": ("section", "locale", "names"),
    "unknown_text_console": ("locale", "names", "default"),
    "unknown_locale_texts": ("section", "locale", "hint"),
    "unknown_text": ("section", "locale", "name", "hint"), "bad_placeholder": ("locale", "name"),
    "unknown_placeholder_problem": ("locale", "name", "names", "allowed"),
    "fees.missing_dir": ("folder",), "fees.empty_file": (), "fees.duplicate_id": ("path", "id", "file"),
    "fees.unknown_currency": ("path", "currency"),
    "fees.minor_unit": ("path", "value", "places", "currency"), "fees.too_large": ("path", "value"),
    "fees.min_above_max": ("path", "maximum", "minimum"), "fees.duplicate_kind": ("path",),
    "fees.timezone": ("path", "zone"), "fees.surcharge_hours": ("path", "start", "end"),
    "fees.dates": ("path", "until", "since"), "fees.tiers_and_flat": ("path", "name"),
    "fees.tier_missing_bound": ("path",), "fees.tier_order": ("path", "value", "previous"),
    "fees.empty_allowance": ("path",), "fees.missing_period": ("path",),
    "fees.missing_amount": ("path",),
    # reading a processor's payload
    f"{_SOURCE_TYPE}text": (), f"{_SOURCE_TYPE}object": (), f"{_SOURCE_TYPE}flag": (),
    f"{_SOURCE_TYPE}integer": (), f"{_SOURCE_TYPE}decimal": (), f"{_SOURCE_TYPE}list": (),
    "source_kind": ("source", "kinds"), "source_kind_event": (), "unknown_source": ("accepted",),
    "unknown_source_name": ("accepted",), "context_conflict": ("source",), "currency": (),
    "amount_range": ("max",), "amount_places": ("value", "places", "iso", "currency"),
    "amount_decimal": (), "amount_finite": (), "time": (), "expiry_month": (), "expiry_year": (),
}.items()}
