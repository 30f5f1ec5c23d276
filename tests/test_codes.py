"""Processor code maps: what every mapped code means, when to retry it and whether the payer may see it.

The expected values below are literal tables kept in this file, independent of the YAML files under
rules/codes/, so a changed meaning in a map shows up here as a failing row.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError

from payfix import RulePackError, load_pack
from payfix.knowledge.lookup import lookup_failure
from payfix.models.report import ProcessorResponse
from payfix.rules.loader import bundled_rules_dir
from payfix.rules.pack import CodeEntry, RulePack

CODES_DIR = bundled_rules_dir() / "codes"
RETRIEVED = "2026-11-25"
#: Maps read later than the first six families, with the day each was read.
RETRIEVED_ON: dict[str, str] = {"adyen": "2026-12-05", "antom": "2026-12-05",
                                "braintree": "2026-12-05", "checkout": "2026-12-05",
                                "hyperswitch": "2026-12-05",
                                "razorpay": "2026-12-05", "razorpayx": "2026-12-05",
                                "wechatpay": "2026-12-05"}
MAX_WAIT_S = 90 * 86400

# (reason, retry class, customer_safe) for each code key of a map.
Row = tuple[str, str, bool]

ISO8583: dict[str, Row] = {
    "00": ("approved", "never", True),
    "08": ("approved", "never", True),
    "10": ("approved", "never", True),
    "11": ("approved", "never", True),
    "85": ("approved", "never", True),
    "01": ("generic_decline", "later", True),
    "02": ("generic_decline", "later", True),
    "05": ("do_not_honor", "later", True),
    "06": ("processing_error", "later", True),
    "21": ("generic_decline", "later", True),
    "03": ("transaction_not_permitted", "never", True),
    "visa:03": ("transaction_not_permitted", "later", True),
    "12": ("transaction_not_permitted", "never", True),
    "13": ("invalid_amount", "never", True),
    "23": ("merchant_error", "never", True),
    "30": ("merchant_error", "never", True),
    "40": ("transaction_not_permitted", "never", True),
    "58": ("transaction_not_permitted", "never", True),
    "60": ("merchant_error", "never", True),
    "64": ("invalid_amount", "never", True),
    "visa:64": ("compliance_hold", "never", False),
    "84": ("processing_error", "never", True),
    "87": ("transaction_not_permitted", "never", True),
    "B1": ("merchant_error", "never", True),
    "14": ("invalid_card_number", "never", True),
    "15": ("invalid_card_number", "never", True),
    "25": ("invalid_account", "never", True),
    "31": ("card_not_supported", "never", True),
    "39": ("invalid_account", "later", True),
    "42": ("invalid_account", "never", True),
    "44": ("invalid_account", "never", True),
    "46": ("account_closed", "never", True),
    "52": ("invalid_account", "later", True),
    "53": ("invalid_account", "later", True),
    "56": ("invalid_card_number", "never", True),
    "76": ("payee_not_found", "never", True),
    "visa:76": ("processing_error", "never", True),
    "mastercard:76": ("payee_not_found", "never", True),
    "77": ("invalid_account", "never", True),
    "visa:77": ("processing_error", "never", True),
    "mastercard:77": ("invalid_account", "never", True),
    "78": ("invalid_account", "never", True),
    "visa:78": ("restricted_card", "later", True),
    "mastercard:78": ("invalid_account", "never", True),
    "79": ("generic_decline", "never", True),
    "89": ("incorrect_pin", "never", True),
    "visa:89": ("payee_cannot_receive", "never", True),
    "P2": ("payee_not_found", "never", True),
    "33": ("expired_card", "never", True),
    "54": ("expired_card", "never", True),
    "55": ("incorrect_pin", "never", True),
    "70": ("generic_decline", "later", True),
    "visa:70": ("authentication_required", "never", True),
    "mastercard:70": ("generic_decline", "later", True),
    "82": ("incorrect_cvc", "never", True),
    "visa:82": ("incorrect_cvc", "never", True),
    "mastercard:82": ("transaction_not_permitted", "never", True),
    "N7": ("incorrect_cvc", "never", True),
    "1A": ("authentication_required", "never", True),
    "6P": ("authentication_failed", "never", True),
    "Q1": ("authentication_failed", "never", True),
    "51": ("insufficient_funds", "later", True),
    "61": ("limit_exceeded", "later", True),
    "65": ("limit_exceeded", "later", True),
    "mastercard:65": ("authentication_required", "never", True),
    "N3": ("transaction_not_permitted", "later", True),
    "N4": ("limit_exceeded", "later", True),
    "Z5": ("limit_exceeded", "later", True),
    "38": ("pin_tries_exceeded", "never", True),
    "75": ("pin_tries_exceeded", "later", True),
    "86": ("processing_error", "later", True),
    "57": ("transaction_not_permitted", "never", True),
    "62": ("restricted_card", "later", True),
    "36": ("restricted_card", "never", False),
    "5C": ("transaction_not_permitted", "later", True),
    "9G": ("restricted_card", "later", True),
    "R0": ("stop_recurring", "never", True),
    "R1": ("stop_recurring", "never", True),
    "R3": ("stop_recurring", "never", True),
    "04": ("pickup_card", "never", False),
    "07": ("suspected_fraud", "never", False),
    "34": ("suspected_fraud", "never", False),
    "35": ("pickup_card", "never", False),
    "37": ("security_violation", "never", False),
    "41": ("lost_or_stolen", "never", False),
    "43": ("lost_or_stolen", "never", False),
    "59": ("suspected_fraud", "later", False),
    "63": ("security_violation", "never", False),
    "66": ("security_violation", "never", False),
    "67": ("pickup_card", "never", False),
    "83": ("suspected_fraud", "never", False),
    "visa:83": ("suspected_fraud", "later", False),
    "mastercard:83": ("suspected_fraud", "never", False),
    "93": ("compliance_hold", "later", False),
    "09": ("payment_in_progress", "later", True),
    "19": ("try_again_later", "later", True),
    "20": ("processing_error", "later", True),
    "22": ("processing_error", "later", True),
    "28": ("issuer_unavailable", "later", True),
    "68": ("issuer_unavailable", "later", True),
    "88": ("processing_error", "never", True),
    "90": ("issuer_unavailable", "later", True),
    "91": ("issuer_unavailable", "later", True),
    "92": ("processing_error", "later", True),
    "94": ("duplicate_transaction", "never", True),
    "95": ("processing_error", "never", True),
    "96": ("processing_error", "later", True),
    "N0": ("processing_error", "later", True),
    "Z3": ("issuer_unavailable", "later", True),
}

MASTERCARD_MAC: dict[str, Row] = {
    "01": ("update_card_details", "never", True),
    "02": ("try_again_later", "later", True),
    "03": ("generic_decline", "never", True),
    "04": ("token_requirements", "never", True),
    "21": ("stop_recurring", "never", True),
    "22": ("merchant_error", "never", True),
    "24": ("try_again_later", "later", True),
    "25": ("try_again_later", "later", True),
    "26": ("try_again_later", "later", True),
    "27": ("try_again_later", "later", True),
    "28": ("try_again_later", "later", True),
    "29": ("try_again_later", "later", True),
    "30": ("try_again_later", "later", True),
    "40": ("card_not_supported", "never", True),
    "41": ("card_not_supported", "never", True),
    "43": ("generic_decline", "later", True),
}

STRIPE: dict[str, Row] = {
    "authentication_required": ("authentication_required", "never", True),
    "authentication_not_handled": ("authentication_required", "never", True),
    "mobile_device_authentication_required": ("authentication_required", "never", True),
    "offline_pin_required": ("authentication_required", "never", True),
    "online_or_offline_pin_required": ("authentication_required", "never", True),
    "incorrect_cvc": ("incorrect_cvc", "never", True),
    "invalid_cvc": ("incorrect_cvc", "never", True),
    "incorrect_number": ("invalid_card_number", "never", True),
    "invalid_number": ("invalid_card_number", "never", True),
    "invalid_expiry_month": ("invalid_expiry", "never", True),
    "invalid_expiry_year": ("invalid_expiry", "never", True),
    "incorrect_pin": ("incorrect_pin", "never", True),
    "invalid_pin": ("incorrect_pin", "never", True),
    "incorrect_zip": ("address_mismatch", "never", True),
    "incorrect_address": ("address_mismatch", "never", True),
    "confirm_card_data": ("update_card_details", "never", True),
    "expired_card": ("expired_card", "never", True),
    "new_account_information_available": ("update_card_details", "never", True),
    "invalid_account": ("invalid_account", "never", True),
    "card_not_supported": ("card_not_supported", "never", True),
    "currency_not_supported": ("currency_not_supported", "never", True),
    "pin_try_exceeded": ("pin_tries_exceeded", "never", True),
    "insufficient_funds": ("insufficient_funds", "later", True),
    "card_velocity_exceeded": ("limit_exceeded", "later", True),
    "withdrawal_count_limit_exceeded": ("limit_exceeded", "later", True),
    "invalid_amount": ("invalid_amount", "never", True),
    "do_not_honor": ("do_not_honor", "later", True),
    "generic_decline": ("generic_decline", "later", True),
    "call_issuer": ("generic_decline", "later", True),
    "no_action_taken": ("generic_decline", "later", True),
    "do_not_try_again": ("generic_decline", "never", True),
    "not_permitted": ("transaction_not_permitted", "never", True),
    "service_not_allowed": ("transaction_not_permitted", "never", True),
    "transaction_not_allowed": ("transaction_not_permitted", "never", True),
    "approve_with_id": ("try_again_later", "later", True),
    "reenter_transaction": ("try_again_later", "later", True),
    "try_again_later": ("try_again_later", "later", True),
    "issuer_not_available": ("issuer_unavailable", "later", True),
    "processing_error": ("processing_error", "later", True),
    "duplicate_transaction": ("duplicate_transaction", "never", True),
    "stop_payment_order": ("stop_recurring", "never", True),
    "revocation_of_authorization": ("stop_recurring", "never", True),
    "revocation_of_all_authorizations": ("stop_recurring", "never", True),
    "fraudulent": ("suspected_fraud", "never", False),
    "lost_card": ("lost_or_stolen", "never", False),
    "stolen_card": ("lost_or_stolen", "never", False),
    "merchant_blacklist": ("suspected_fraud", "never", False),
    "pickup_card": ("pickup_card", "never", False),
    "restricted_card": ("restricted_card", "never", False),
    "security_violation": ("security_violation", "never", False),
    "testmode_decline": ("merchant_error", "never", True),
    # Radar: a charge's outcome.reason when Radar blocked it or sent it to review
    "highest_risk_level": ("suspected_fraud", "never", False),
    "rule": ("suspected_fraud", "never", False),
    "elevated_risk_level": ("suspected_fraud", "never", False),
}

ALIPAY: dict[str, Row] = {
    "10000": ("approved", "never", True),
    "20000": ("outcome_unknown", "later", True),
    "20001": ("merchant_error", "never", True),
    "40001": ("merchant_error", "never", True),
    "40002": ("merchant_error", "never", True),
    "40004": ("unknown", "never", True),
    "40006": ("merchant_error", "never", True),
    "ACQ.SYSTEM_ERROR": ("outcome_unknown", "later", True),
    "ACQ.BUYER_BALANCE_NOT_ENOUGH": ("insufficient_funds", "now", True),
    "ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH": ("insufficient_funds", "now", True),
    "ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR": ("limit_exceeded", "later", True),
    "ACQ.BUYER_PAYMENT_AMOUNT_MONTH_LIMIT_ERROR": ("limit_exceeded", "never", True),
    "ACQ.NO_PAYMENT_INSTRUMENTS_AVAILABLE": ("card_not_supported", "never", True),
    "ACQ.PAYMENT_AUTH_CODE_INVALID": ("payment_code_expired", "never", True),
    "ACQ.CERT_EXPIRED": ("payment_code_expired", "never", True),
    "ACQ.PULL_MOBILE_CASHIER_FAIL": ("try_again_later", "now", True),
    "ACQ.PAYMENT_FAIL": ("generic_decline", "now", True),
    "ACQ.ERROR_BALANCE_PAYMENT_DISABLE": ("transaction_not_permitted", "now", True),
    "ACQ.MOBILE_PAYMENT_SWITCH_OFF": ("transaction_not_permitted", "now", True),
    "ACQ.USER_FACE_PAYMENT_SWITCH_OFF": ("transaction_not_permitted", "now", True),
    "ACQ.BUYER_SELLER_EQUAL": ("transaction_not_permitted", "never", True),
    "ACQ.BUYER_UNSUPPORT_ADVANCE": ("transaction_not_permitted", "never", True),
    "ACQ.BUYER_ENABLE_STATUS_FORBID": ("account_frozen", "never", True),
    "ACQ.ERROR_BUYER_CERTIFY_LEVEL_LIMIT": ("account_frozen", "never", True),
    "ACQ.PAYMENT_REQUEST_HAS_RISK": ("suspected_fraud", "never", False),
    "ACQ.AGREEMENT_NOT_EXIST": ("stop_recurring", "never", True),
    "ACQ.AGREEMENT_INVALID": ("stop_recurring", "never", True),
    "ACQ.AGREEMENT_STATUS_NOT_NORMAL": ("stop_recurring", "never", True),
    "ACQ.CYCLE_PAY_DATE_NOT_MATCH": ("merchant_error", "never", True),
    "ACQ.CYCLE_PAY_SINGLE_FEE_EXCEED": ("limit_exceeded", "never", True),
    "ACQ.CYCLE_PAY_TOTAL_FEE_EXCEED": ("limit_exceeded", "never", True),
    "ACQ.CYCLE_PAY_TOTAL_TIMES_EXCEED": ("limit_exceeded", "never", True),
    "ACQ.TRADE_HAS_SUCCESS": ("duplicate_transaction", "never", True),
    "ACQ.TRADE_HAS_CLOSE": ("merchant_error", "never", True),
    "ACQ.TRADE_BUYER_NOT_MATCH": ("transaction_not_permitted", "never", True),
    "ACQ.CONTEXT_INCONSISTENT": ("merchant_error", "never", True),
    "ACQ.INVALID_PARAMETER": ("merchant_error", "never", True),
    "ACQ.ACCESS_FORBIDDEN": ("merchant_error", "never", True),
    "ACQ.EXIST_FORBIDDEN_WORD": ("merchant_error", "never", True),
    "ACQ.PARTNER_ERROR": ("merchant_error", "never", True),
    "ACQ.TOTAL_FEE_EXCEED": ("invalid_amount", "never", True),
    "ACQ.INVALID_STORE_ID": ("merchant_error", "never", True),
    "ACQ.SUB_MERCHANT_CREATE_FAIL": ("merchant_error", "never", True),
    "ACQ.SUB_MERCHANT_TYPE_INVALID": ("merchant_error", "never", True),
    "ACQ.SECONDARY_MERCHANT_STATUS_ERROR": ("merchant_error", "never", True),
    "ACQ.MERCHANT_AGREEMENT_NOT_EXIST": ("merchant_error", "never", True),
    "ACQ.MERCHANT_AGREEMENT_INVALID": ("merchant_error", "never", True),
    "ACQ.MERCHANT_STATUS_NOT_NORMAL": ("merchant_error", "never", True),
    "ACQ.MERCHANT_UNSUPPORT_ADVANCE": ("merchant_error", "never", True),
    "ACQ.ORDER_UNSUPPORT_ADVANCE": ("transaction_not_permitted", "never", True),
    "ACQ.CARD_USER_NOT_MATCH": ("merchant_error", "never", True),
    "ACQ.CARD_TYPE_ERROR": ("merchant_error", "never", True),
    "ACQ.AMOUNT_OR_CURRENCY_ERROR": ("merchant_error", "never", True),
    "ACQ.CURRENCY_NOT_SUPPORT": ("currency_not_supported", "never", True),
    "ACQ.SELLER_BEEN_BLOCKED": ("payee_cannot_receive", "never", True),
    "ACQ.BEYOND_PAY_RESTRICTION": ("payee_cannot_receive", "never", True),
    "ACQ.BEYOND_PER_RECEIPT_RESTRICTION": ("payee_cannot_receive", "never", True),
}

WECHATPAY: dict[str, Row] = {
    "SYSTEMERROR": ("outcome_unknown", "later", True),
    "BANKERROR": ("outcome_unknown", "later", True),
    "USERPAYING": ("payment_in_progress", "later", True),
    "AUTHCODEEXPIRE": ("payment_code_expired", "never", True),
    "AUTH_CODE_ERROR": ("payment_code_expired", "never", True),
    "AUTH_CODE_INVALID": ("payment_code_expired", "never", True),
    "NOTENOUGH": ("insufficient_funds", "now", True),
    "NOTSUPORTCARD": ("card_not_supported", "never", True),
    "ORDERPAID": ("duplicate_transaction", "never", True),
    "ORDERCLOSED": ("merchant_error", "never", True),
    "ORDERREVERSED": ("merchant_error", "never", True),
    "OUT_TRADE_NO_USED": ("duplicate_transaction", "never", True),
    "BUYER_MISMATCH": ("transaction_not_permitted", "never", True),
    "TRADE_ERROR": ("account_frozen", "never", False),
    "PARAM_ERROR": ("merchant_error", "never", True),
    "NOAUTH": ("merchant_error", "never", True),
    "XML_FORMAT_ERROR": ("merchant_error", "never", True),
    "REQUIRE_POST_METHOD": ("merchant_error", "never", True),
    "SIGNERROR": ("merchant_error", "never", True),
    "LACK_PARAMS": ("merchant_error", "never", True),
    "NOT_UTF8": ("merchant_error", "never", True),
    "APPID_NOT_EXIST": ("merchant_error", "never", True),
    "MCHID_NOT_EXIST": ("merchant_error", "never", True),
    "APPID_MCHID_NOT_MATCH": ("merchant_error", "never", True),
    "INVALID_REQUEST": ("merchant_error", "never", True),
    # API v3
    "SYSTEM_ERROR": ("try_again_later", "later", True),
    "BANK_ERROR": ("issuer_unavailable", "later", True),
    "FREQUENCY_LIMITED": ("try_again_later", "later", True),
    "NOT_ENOUGH": ("insufficient_funds", "now", True),
    "ORDER_CLOSED": ("merchant_error", "never", True),
    "ORDER_NOT_EXIST": ("merchant_error", "never", True),
    "ORDERNOTEXIST": ("merchant_error", "never", True),
    "RESOURCE_NOT_EXISTS": ("merchant_error", "never", True),
    "ORDER_PAID": ("duplicate_transaction", "never", True),
    "INVALID_TRANSACTIONID": ("merchant_error", "never", True),
    "ACCOUNT_ERROR": ("account_frozen", "never", False),
    "ACCOUNTERROR": ("account_frozen", "never", False),
    "USER_ACCOUNT_ABNORMAL": ("account_closed", "never", True),
    "RULE_LIMIT": ("transaction_not_permitted", "never", True),
    "RULELIMIT": ("transaction_not_permitted", "never", True),
    "SIGN_ERROR": ("merchant_error", "never", True),
    "NO_AUTH": ("merchant_error", "never", True),
    "MCH_NOT_EXISTS": ("merchant_error", "never", True),
    "OPENID_MISMATCH": ("merchant_error", "never", True),
}

PAYPAL: dict[str, Row] = {
    "INSTRUMENT_DECLINED": ("generic_decline", "now", True),
    "REDIRECT_PAYER_FOR_ALTERNATE_FUNDING": ("generic_decline", "now", True),
    "PAYMENT_SOURCE_DECLINED_BY_PROCESSOR": ("generic_decline", "now", True),
    "PAYMENT_SOURCE_CANNOT_BE_USED": ("card_not_supported", "never", True),
    "CARD_TYPE_NOT_SUPPORTED": ("card_not_supported", "never", True),
    "CARD_EXPIRED": ("expired_card", "never", True),
    "CARD_CLOSED": ("account_closed", "never", True),
    "PAYMENT_SOURCE_INFO_CANNOT_BE_VERIFIED": ("authentication_failed", "never", True),
    "PAYMENT_DENIED": ("generic_decline", "never", True),
    "TRANSACTION_REFUSED": ("generic_decline", "never", True),
    "PAYER_CANNOT_PAY": ("transaction_not_permitted", "never", True),
    "PAYER_ACTION_REQUIRED": ("authentication_required", "never", True),
    "ORDER_NOT_APPROVED": ("payment_in_progress", "now", True),
    "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED": ("retry_budget_exhausted", "never", True),
    "TRANSACTION_LIMIT_EXCEEDED": ("limit_exceeded", "never", True),
    "SENDING_LIMIT_EXCEEDED": ("limit_exceeded", "later", True),
    "PAYER_ACCOUNT_RESTRICTED": ("account_frozen", "never", True),
    "PAYER_ACCOUNT_LOCKED_OR_CLOSED": ("account_frozen", "never", True),
    "COMPLIANCE_VIOLATION": ("compliance_hold", "never", False),
    "PAYEE_BLOCKED_TRANSACTION": ("suspected_fraud", "never", False),
    "TRANSACTION_BLOCKED_BY_PAYEE": ("suspected_fraud", "never", False),
    "PAYEE_ACCOUNT_RESTRICTED": ("payee_cannot_receive", "never", True),
    "PAYEE_ACCOUNT_LOCKED_OR_CLOSED": ("payee_cannot_receive", "never", True),
    "PAYEE_ACCOUNT_INVALID": ("payee_not_found", "never", True),
    "TRANSACTION_RECEIVING_LIMIT_EXCEEDED": ("payee_cannot_receive", "never", True),
    "CURRENCY_NOT_SUPPORTED": ("currency_not_supported", "never", True),
    "CURRENCY_MISMATCH": ("currency_not_supported", "never", True),
    "DUPLICATE_INVOICE_ID": ("duplicate_transaction", "never", True),
    "ORDER_ALREADY_CAPTURED": ("duplicate_transaction", "never", True),
    "ORDER_ALREADY_AUTHORIZED": ("duplicate_transaction", "never", True),
    "ORDER_EXPIRED": ("merchant_error", "never", True),
    "ORDER_COMPLETED_OR_VOIDED": ("transaction_not_permitted", "never", True),
    "AGREEMENT_ALREADY_CANCELLED": ("stop_recurring", "never", True),
    "AMOUNT_MISMATCH": ("merchant_error", "never", True),
    "ITEM_TOTAL_MISMATCH": ("merchant_error", "never", True),
    "INTERNAL_SERVER_ERROR": ("outcome_unknown", "later", True),
}


# Adyen refusalReasonCode (docs.adyen.com/development-resources/refusal-reasons).
ADYEN: dict[str, Row] = {
    "2": ("generic_decline", "later", True),
    "3": ("generic_decline", "later", True),
    "27": ("generic_decline", "later", True),
    "4": ("processing_error", "later", True),
    "9": ("issuer_unavailable", "later", True),
    "19": ("processing_error", "later", True),
    "6": ("expired_card", "never", True),
    "7": ("invalid_amount", "never", True),
    "8": ("invalid_card_number", "never", True),
    "10": ("card_not_supported", "never", True),
    "11": ("authentication_failed", "never", True),
    "12": ("insufficient_funds", "later", True),
    "17": ("incorrect_pin", "never", True),
    "18": ("pin_tries_exceeded", "never", True),
    "21": ("merchant_error", "never", True),
    "23": ("transaction_not_permitted", "never", True),
    "24": ("incorrect_cvc", "never", True),
    "26": ("stop_recurring", "never", True),
    "28": ("limit_exceeded", "later", True),
    "29": ("limit_exceeded", "later", True),
    "32": ("address_mismatch", "never", True),
    "33": ("authentication_required", "never", True),
    "34": ("invalid_account", "never", True),
    "35": ("invalid_account", "never", True),
    "36": ("authentication_required", "never", True),
    "37": ("authentication_required", "never", True),
    "38": ("authentication_required", "never", True),
    "39": ("authentication_failed", "never", True),
    "41": ("authentication_required", "never", True),
    "42": ("authentication_failed", "never", True),
    "43": ("authentication_required", "never", True),
    "46": ("retry_budget_exhausted", "never", True),
    "5": ("restricted_card", "never", False),
    "14": ("suspected_fraud", "never", False),
    "20": ("suspected_fraud", "never", False),
    "22": ("suspected_fraud", "never", False),
    "25": ("restricted_card", "never", False),
    "31": ("suspected_fraud", "never", False),
}

# Braintree processor_response_code (Braintree authorization responses; soft -> later, hard -> never,
# or now where only what the payer typed must be corrected).
# Hyperswitch unified_code: its five documented categories.
HYPERSWITCH: dict[str, Row] = {
    "UE_1000": ("generic_decline", "never", True),
    "UE_2000": ("merchant_error", "never", True),
    "UE_3000": ("processing_error", "later", True),
    "UE_4000": ("merchant_error", "never", True),
    "UE_9000": ("unknown", "never", True),
}

ANTOM: dict[str, Row] = {
    "SUCCESS": ("approved", "never", True),
    "PAYMENT_IN_PROCESS": ("payment_in_progress", "later", True),
    "UNKNOWN_EXCEPTION": ("outcome_unknown", "later", True),
    "REQUEST_TRAFFIC_EXCEED_LIMIT": ("outcome_unknown", "later", True),
    "PARAM_ILLEGAL": ("merchant_error", "never", True),
    "PROCESS_FAIL": ("processing_error", "never", True),
    "ACCESS_DENIED": ("merchant_error", "never", True),
    "INVALID_API": ("merchant_error", "never", True),
    "INVALID_CLIENT": ("merchant_error", "never", True),
    "INVALID_SIGNATURE": ("merchant_error", "never", True),
    "METHOD_NOT_SUPPORTED": ("merchant_error", "never", True),
    "KEY_NOT_FOUND": ("merchant_error", "never", True),
    "INVALID_CONTRACT": ("merchant_error", "never", True),
    "MERCHANT_NOT_REGISTERED": ("merchant_error", "never", True),
    "MERCHANT_KYB_NOT_QUALIFIED": ("compliance_hold", "never", False),
    "CURRENCY_NOT_SUPPORT": ("currency_not_supported", "never", True),
    "INVALID_ACCESS_TOKEN": ("token_requirements", "never", True),
    "USER_NOT_EXIST": ("invalid_account", "never", True),
    "USER_ACCOUNT_ABNORMAL": ("account_frozen", "never", True),
    "AMOUNT_EXCEED_LIMIT": ("limit_exceeded", "never", True),
    "RISK_REJECT": ("suspected_fraud", "never", False),
    "EXPIRED_CODE": ("payment_code_expired", "never", True),
}

RAZORPAY: dict[str, Row] = {
    "authentication_failed": ("authentication_failed", "never", True),
    "incorrect_otp": ("authentication_failed", "never", True),
    "invalid_otp": ("authentication_failed", "never", True),
    "otp_expired": ("authentication_required", "never", True),
    "otp_attempts_exceeded": ("pin_tries_exceeded", "never", True),
    "incorrect_pin": ("incorrect_pin", "never", True),
    "incorrect_atm_pin": ("incorrect_pin", "never", True),
    "pin_attempts_exceeded": ("pin_tries_exceeded", "never", True),
    "pin_not_set": ("authentication_required", "never", True),
    "invalid_device": ("authentication_required", "never", True),
    "payment_cancelled": ("authentication_failed", "never", True),
    "incorrect_card_details": ("update_card_details", "never", True),
    "incorrect_card_expiry_date": ("invalid_expiry", "never", True),
    "incorrect_cardholder_name": ("update_card_details", "never", True),
    "incorrect_cvv": ("incorrect_cvc", "never", True),
    "card_number_invalid": ("invalid_card_number", "never", True),
    "invalid_vpa": ("invalid_account", "never", True),
    "invalid_mobile_number": ("invalid_account", "never", True),
    "mobile_number_invalid": ("invalid_account", "never", True),
    "invalid_user_details": ("invalid_account", "never", True),
    "invalid_email": ("merchant_error", "never", True),
    "bank_account_invalid": ("invalid_account", "never", True),
    "bank_account_validation_failed": ("invalid_account", "never", True),
    "user_not_registered_for_netbanking": ("transaction_not_permitted", "never", True),
    "insufficient_funds": ("insufficient_funds", "never", True),
    "funds_blocked_by_mandate": ("insufficient_funds", "never", True),
    "card_declined": ("generic_decline", "never", True),
    "payment_declined": ("generic_decline", "never", True),
    "payment_failed": ("generic_decline", "never", True),
    "debit_declined": ("generic_decline", "never", True),
    "card_expired": ("expired_card", "never", True),
    "debit_instrument_blocked": ("restricted_card", "never", True),
    "debit_instrument_inactive": ("restricted_card", "never", True),
    "card_disabled_for_online_payments": ("transaction_not_permitted", "never", True),
    "card_not_enrolled": ("transaction_not_permitted", "never", True),
    "card_type_invalid": ("card_not_supported", "never", True),
    "transaction_limit_exceeded": ("limit_exceeded", "never", True),
    "transaction_daily_limit_exceeded": ("limit_exceeded", "later", True),
    "transaction_daily_count_exceeded": ("limit_exceeded", "later", True),
    "transaction_frequency_limit_exceeded": ("limit_exceeded", "never", True),
    "transaction_on_vpa_restricted": ("transaction_not_permitted", "never", True),
    "payment_risk_check_failed": ("suspected_fraud", "never", False),
    "compliance_violation": ("compliance_hold", "never", False),
    "authorisation_declined_by_psp": ("generic_decline", "never", True),
    "psp_app_not_available": ("issuer_unavailable", "later", True),
    "psp_not_available": ("issuer_unavailable", "later", True),
    "psp_app_not_supported": ("transaction_not_permitted", "never", True),
    "psp_not_registered": ("transaction_not_permitted", "never", True),
    "upi_app_technical_error": ("issuer_unavailable", "now", True),
    "upi_autopay_not_supported_on_psp": ("transaction_not_permitted", "never", True),
    "vpa_resolution_failed": ("processing_error", "never", True),
    "reqauth_mandate_not_acknowledged": ("issuer_unavailable", "later", True),
    "collect_request_pending": ("payment_in_progress", "later", True),
    "payment_collect_request_expired": ("payment_code_expired", "never", True),
    "collect_on_mcc_blocked": ("transaction_not_permitted", "never", True),
    "mandate_creation_declined": ("generic_decline", "now", True),
    "mandate_creation_failed": ("generic_decline", "now", True),
    "mandate_creation_expired": ("payment_code_expired", "never", True),
    "mandate_creation_timeout": ("try_again_later", "later", True),
    "credit_failed": ("transaction_not_permitted", "never", True),
    "credit_not_permitted": ("transaction_not_permitted", "never", True),
    "beneficiary_account_does_not_exist": ("payee_not_found", "never", True),
    "beneficiary_account_dormant": ("payee_cannot_receive", "never", True),
    "bank_technical_error": ("issuer_unavailable", "later", True),
    "bank_not_available": ("issuer_unavailable", "later", True),
    "bank_cutoff_in_progress": ("issuer_unavailable", "later", True),
    "issuer_technical_error": ("issuer_unavailable", "later", True),
    "gateway_technical_error": ("processing_error", "later", True),
    "payment_declined_due_to_high_traffic": ("try_again_later", "later", True),
    "invalid_response_from_gateway": ("processing_error", "later", True),
    "request_timed_out": ("try_again_later", "later", True),
    "duplicate_rrn_found": ("processing_error", "now", True),
    "record_not_found": ("processing_error", "now", True),
    "verification_failed": ("processing_error", "now", True),
    "capture_failed": ("processing_error", "later", True),
    "server_error": ("processing_error", "later", True),
    "payment_timed_out": ("payment_code_expired", "never", True),
    "payment_session_expired": ("payment_code_expired", "never", True),
    "payment_pending": ("payment_in_progress", "later", True),
    "deemed_transaction": ("payment_in_progress", "later", True),
    "payment_pending_approval": ("payment_in_progress", "later", True),
    "input_validation_failed": ("merchant_error", "never", True),
    "invalid_request": ("merchant_error", "never", True),
    "invalid_amount": ("invalid_amount", "never", True),
    "amount_less_than_minimum_amount": ("invalid_amount", "never", True),
    "payment_amount_tampered": ("security_violation", "never", False),
    "invalid_currency": ("currency_not_supported", "never", True),
    "invalid_order_id": ("merchant_error", "never", True),
    "order_already_paid": ("duplicate_transaction", "never", True),
    "order_payment_method_mismatch": ("merchant_error", "never", True),
    "order_amount_mismatch": ("merchant_error", "never", True),
    "mismatch_in_transaction_details": ("merchant_error", "never", True),
    "duplicate_request": ("duplicate_transaction", "never", True),
    "live_mode_not_enabled": ("merchant_error", "never", True),
    "merchant_not_activated": ("merchant_error", "never", True),
    "bank_not_enabled": ("merchant_error", "never", True),
    "card_network_not_enabled": ("card_not_supported", "never", True),
    "payment_method_not_enabled": ("merchant_error", "never", True),
    "upi_collect_not_enabled": ("merchant_error", "never", True),
    "upi_intent_not_enabled": ("merchant_error", "never", True),
    "recurring_payment_not_enabled": ("merchant_error", "never", True),
    "international_transaction_not_allowed": ("transaction_not_permitted", "never", True),
    "mcc_amount_limit_exceeded": ("limit_exceeded", "never", True),
    "intent_no_apps_error": ("merchant_error", "never", True),
    "duplicate_refund_id": ("duplicate_transaction", "never", True),
    "refund_limit_crossed": ("invalid_amount", "never", True),
    "credit_limit_exceeded": ("limit_exceeded", "never", True),
    "credit_limit_expired": ("transaction_not_permitted", "never", True),
    "credit_limit_inactive": ("transaction_not_permitted", "never", True),
    "credit_limit_not_approved": ("transaction_not_permitted", "never", True),
    "emi_greater_than_max_amount": ("limit_exceeded", "never", True),
    "emi_plan_unavailable": ("transaction_not_permitted", "never", True),
    "user_not_eligible": ("transaction_not_permitted", "never", True),
    "already_declined": ("generic_decline", "later", True),
    "joint_account_not_allowed": ("transaction_not_permitted", "never", True),
    "incorrect_ifsc": ("invalid_account", "never", True),
    "mandate_not_active": ("stop_recurring", "never", True),
    "payment_mandate_not_active": ("try_again_later", "later", True),
}

RAZORPAYX: dict[str, Row] = {
    "bank_account_closed": ("account_closed", "never", True),
    "bank_account_frozen": ("account_frozen", "never", True),
    "bank_account_invalid": ("invalid_account", "never", True),
    "beneficiary_account_dormant": ("payee_cannot_receive", "never", True),
    "beneficiary_bank_rejected": ("payee_cannot_receive", "never", True),
    "imps_not_allowed": ("transaction_not_permitted", "never", True),
    "invalid_ifsc_code": ("invalid_account", "never", True),
    "transaction_limit_exceeded": ("limit_exceeded", "never", True),
    "beneficiary_bank_failure": ("try_again_later", "later", True),
    "beneficiary_bank_offline": ("try_again_later", "later", True),
    "beneficiary_bank_technical_error": ("try_again_later", "later", True),
    "beneficiary_psp_offline": ("try_again_later", "later", True),
    "npci_beneficiary_timeout": ("try_again_later", "later", True),
    "amount_limit_exhausted_neft": ("limit_exceeded", "later", True),
    "beneficiary_account_invalid": ("invalid_account", "never", True),
    "beneficiary_vpa_invalid": ("invalid_account", "never", True),
    "insufficient_funds": ("insufficient_funds", "never", True),
    "invalid_beneficiary": ("payee_not_found", "never", True),
    "gateway_down": ("try_again_later", "later", True),
    "gateway_technical_error": ("try_again_later", "later", True),
    "gateway_timeout": ("try_again_later", "later", True),
    "server_error": ("processing_error", "never", True),
    "server_error_temporary": ("processing_error", "later", True),
    "beneficiary_bank_confirmation_pending": ("payment_in_progress", "later", True),
    "bank_window_closed": ("payment_in_progress", "later", True),
    "payout_bank_processing": ("payment_in_progress", "later", True),
    "amount_limit_exhausted": ("payment_in_progress", "later", True),
    "partner_bank_pending": ("payment_in_progress", "later", True),
    "gateway_degraded": ("payment_in_progress", "later", True),
    "beneficiary_bank_down": ("payment_in_progress", "later", True),
    "low_balance": ("insufficient_funds", "never", True),
    "syncing_balance": ("payment_in_progress", "later", True),
    "fee_recovery_pending": ("payment_in_progress", "later", True),
    "pending_approval": ("payment_in_progress", "later", True),
    "payout_rejected": ("merchant_error", "never", True),
    "payout_processed": ("approved", "never", True),
    "input_validation_failed": ("merchant_error", "never", True),
    "authentication_failed": ("merchant_error", "never", True),
    "payout_approval_not_allowed": ("merchant_error", "never", True),
}

BRAINTREE: dict[str, Row] = {
    "2000": ("do_not_honor", "later", True),
    "2038": ("generic_decline", "later", True),
    "2046": ("generic_decline", "later", True),
    "2011": ("generic_decline", "never", True),
    "2020": ("generic_decline", "never", True),
    "2041": ("generic_decline", "never", True),
    "2043": ("generic_decline", "never", True),
    "2044": ("generic_decline", "never", True),
    "2074": ("generic_decline", "never", True),
    "2001": ("insufficient_funds", "later", True),
    "2002": ("limit_exceeded", "later", True),
    "2003": ("limit_exceeded", "later", True),
    "2057": ("transaction_not_permitted", "later", True),
    "2004": ("expired_card", "never", True),
    "2005": ("invalid_card_number", "never", True),
    "2008": ("invalid_card_number", "never", True),
    "2009": ("invalid_card_number", "never", True),
    "2051": ("invalid_card_number", "never", True),
    "2006": ("invalid_expiry", "never", True),
    "2010": ("incorrect_cvc", "never", True),
    "2059": ("address_mismatch", "never", True),
    "2060": ("address_mismatch", "never", True),
    "2099": ("authentication_required", "never", True),
    "2007": ("invalid_account", "never", True),
    "2015": ("transaction_not_permitted", "never", True),
    "2019": ("transaction_not_permitted", "never", True),
    "2032": ("transaction_not_permitted", "never", True),
    "2076": ("transaction_not_permitted", "never", True),
    "2022": ("update_card_details", "never", True),
    "2023": ("card_not_supported", "never", True),
    "2024": ("card_not_supported", "never", True),
    "2029": ("card_not_supported", "never", True),
    "2017": ("stop_recurring", "never", True),
    "2018": ("stop_recurring", "never", True),
    "2048": ("invalid_amount", "never", True),
    "2016": ("duplicate_transaction", "never", True),
    "2033": ("processing_error", "later", True),
    "2034": ("processing_error", "later", True),
    "3000": ("issuer_unavailable", "later", True),
    "2025": ("merchant_error", "never", True),
    "2026": ("merchant_error", "never", True),
    "2027": ("merchant_error", "never", True),
    "2028": ("merchant_error", "never", True),
    "2030": ("merchant_error", "never", True),
    "2040": ("merchant_error", "never", True),
    "2042": ("merchant_error", "never", True),
    "2045": ("merchant_error", "never", True),
    "2064": ("currency_not_supported", "never", True),
    "2075": ("account_frozen", "never", True),
    "2077": ("suspected_fraud", "never", False),
    "2012": ("lost_or_stolen", "never", False),
    "2013": ("lost_or_stolen", "never", False),
    "2053": ("lost_or_stolen", "never", False),
    "2014": ("suspected_fraud", "never", False),
    "2021": ("security_violation", "never", False),
    "2047": ("pickup_card", "never", False),
}

# Checkout.com response_code (20xxx soft, 30xxx hard, 40xxx risk) and recommendation codes.
CHECKOUT: dict[str, Row] = {
    "20005": ("do_not_honor", "later", True),
    "20001": ("generic_decline", "later", True),
    "20002": ("generic_decline", "later", True),
    "20021": ("generic_decline", "later", True),
    "20099": ("generic_decline", "later", True),
    "20012": ("transaction_not_permitted", "never", True),
    "20057": ("transaction_not_permitted", "never", True),
    "20013": ("invalid_amount", "never", True),
    "20014": ("invalid_card_number", "never", True),
    "20019": ("try_again_later", "later", True),
    "20051": ("insufficient_funds", "later", True),
    "20054": ("expired_card", "never", True),
    "20055": ("incorrect_pin", "never", True),
    "20061": ("limit_exceeded", "later", True),
    "20065": ("limit_exceeded", "later", True),
    "20068": ("issuer_unavailable", "later", True),
    "20091": ("issuer_unavailable", "later", True),
    "20075": ("pin_tries_exceeded", "never", True),
    "20096": ("processing_error", "later", True),
    "200N7": ("incorrect_cvc", "never", True),
    "200R1": ("stop_recurring", "never", True),
    "200R3": ("stop_recurring", "never", True),
    "20150": ("authentication_failed", "never", True),
    "20151": ("authentication_failed", "never", True),
    "20154": ("authentication_required", "never", True),
    "20059": ("suspected_fraud", "never", False),
    "20062": ("restricted_card", "never", False),
    "20063": ("security_violation", "never", False),
    "30004": ("pickup_card", "never", False),
    "30007": ("pickup_card", "never", False),
    "30041": ("lost_or_stolen", "never", False),
    "30043": ("lost_or_stolen", "never", False),
    "30046": ("account_closed", "never", True),
    "40101": ("suspected_fraud", "never", False),
    "01": ("update_card_details", "never", True),
    "02": ("try_again_later", "later", True),
    "03": ("generic_decline", "never", True),
}


# scheme -> (expected rows, the report field a plain lookup uses)
FAMILIES: dict[str, tuple[dict[str, Row], str]] = {
    "iso8583": (ISO8583, "response_code"),
    "mastercard_mac": (MASTERCARD_MAC, "merchant_advice_code"),
    "stripe": (STRIPE, "decline_code"),
    "alipay": (ALIPAY, "sub_code"),
    "wechatpay": (WECHATPAY, "decline_code"),
    "paypal": (PAYPAL, "decline_code"),
    "adyen": (ADYEN, "decline_code"),
    "braintree": (BRAINTREE, "response_code"),
    "checkout": (CHECKOUT, "response_code"),
    "antom": (ANTOM, "decline_code"),
    "hyperswitch": (HYPERSWITCH, "decline_code"),
    "razorpay": (RAZORPAY, "decline_code"),
    "razorpayx": (RAZORPAYX, "decline_code"),
}
CASES = [(scheme, key, row) for scheme, (table, _) in FAMILIES.items() for key, row in table.items()]

STRIPE_ADVICE_CODES = ("do_not_try_again", "try_again_later", "confirm_card_data")

# Visa decline category of each Visa-listed code (on the "visa:" key where Visa's meaning differs).
VISA_CATEGORY: dict[str, str] = {
    **dict.fromkeys(["04", "07", "12", "14", "15", "41", "43", "46", "57", "R0", "R1", "R3"], "visa_1"),
    **dict.fromkeys(["visa:03", "19", "39", "51", "52", "53", "59", "61", "62", "65", "75", "visa:78",
                     "visa:83", "86", "91", "93", "96", "N3", "N4", "Z5", "5C", "9G"], "visa_2"),
    **dict.fromkeys(["54", "55", "visa:70", "visa:82", "N7", "1A", "6P"], "visa_3"),
    **dict.fromkeys(["01", "02", "05", "06", "13", "21"], "visa_4"),
}

# Codes that alone call for a human (escalate: true).
ESCALATE: dict[str, set[str]] = {
    "iso8583": {"visa:64", "93"},
    "mastercard_mac": set(),
    "stripe": set(),
    "alipay": {"ACQ.BUYER_ENABLE_STATUS_FORBID"},
    "wechatpay": {"TRADE_ERROR"},
    "paypal": {"PAYER_ACCOUNT_RESTRICTED", "PAYER_ACCOUNT_LOCKED_OR_CLOSED", "COMPLIANCE_VIOLATION"},
    "adyen": set(),
    "braintree": set(),
    "checkout": set(),
}

MAC_WAIT_S = {"24": 3600, "25": 86400, "26": 2 * 86400, "27": 4 * 86400, "28": 6 * 86400,
              "29": 8 * 86400, "30": 10 * 86400}


def _response(scheme: str, field: str, key: str) -> ProcessorResponse:
    brand, _, code = key.rpartition(":")
    return ProcessorResponse.model_validate(
        {"scheme": scheme, "brand": brand or None, "codes": {field: code}})


def _raw(path: Path) -> object:
    return YAML(typ="rt").load(io.StringIO(path.read_text(encoding="utf-8")))


def _entries(pack: RulePack) -> list[tuple[str, str, CodeEntry]]:
    return [(scheme, key, entry) for scheme, cm in pack.codemaps.items() for key, entry in cm.codes.items()]


@pytest.mark.parametrize(("scheme", "key", "row"), CASES, ids=[f"{s}:{k}" for s, k, _ in CASES])
def test_every_code_has_its_reason_retry_class_and_payer_safety(
        pack: RulePack, scheme: str, key: str, row: Row) -> None:
    """Looking a code up (with its brand for "brand:code" keys) yields the expected reason, retry
    class and customer_safe flag, from the map entry of that exact key."""
    field = FAMILIES[scheme][1]
    found = lookup_failure(_response(scheme, field, key), pack)
    assert found.entry is not None, f"{scheme} {key} is not mapped"
    assert found.entry is pack.codemaps[scheme].codes[key]
    assert (found.field, found.code) == (field, key.rpartition(":")[2])
    assert (found.entry.reason, found.entry.retry, found.entry.customer_safe) == row


@pytest.mark.parametrize("scheme", sorted(FAMILIES))
def test_the_table_covers_every_mapped_code(pack: RulePack, scheme: str) -> None:
    """Each family's map holds exactly the codes of its table: none untested, none missing."""
    assert set(pack.codemaps[scheme].codes) == set(FAMILIES[scheme][0])


def test_each_family_has_its_own_file_and_nothing_else(pack: RulePack) -> None:
    """One file per scheme under rules/codes/, named after the scheme, and no scheme without a table."""
    assert {p.stem for p in CODES_DIR.glob("*.yaml")} == set(FAMILIES) == set(pack.codemaps)


def test_every_reason_is_in_the_closed_vocabulary(pack: RulePack) -> None:
    """The expected reasons themselves come from pack.yaml's reasons list."""
    assert {row[0] for _, _, row in CASES} <= set(pack.settings.reasons)


@pytest.mark.parametrize("code", STRIPE_ADVICE_CODES)
def test_stripe_advice_codes_are_read_from_the_advice_field(pack: RulePack, code: str) -> None:
    """An advice code alone (no decline code) is found through the advice_code field."""
    found = lookup_failure(_response("stripe", "advice_code", code), pack)
    assert found.field == "advice_code"
    assert found.entry is not None
    assert (found.entry.reason, found.entry.retry, found.entry.customer_safe) == STRIPE[code]


def test_stripe_decline_code_decides_before_the_advice_code(pack: RulePack) -> None:
    """With both fields, the more specific decline code decides; the advice code decides only when
    the decline code is not in the map."""
    both = ProcessorResponse.model_validate({"scheme": "stripe", "codes": {
        "decline_code": "insufficient_funds", "advice_code": "do_not_try_again"}})
    found = lookup_failure(both, pack)
    assert (found.field, found.code) == ("decline_code", "insufficient_funds")
    assert found.entry is not None
    assert found.entry.reason == "insufficient_funds"
    unknown = ProcessorResponse.model_validate({"scheme": "stripe", "codes": {
        "decline_code": "a_code_stripe_adds_later", "advice_code": "do_not_try_again"}})
    found = lookup_failure(unknown, pack)
    assert (found.field, found.code) == ("advice_code", "do_not_try_again")
    assert found.entry is not None
    assert found.entry.retry == "never"


BRAND_CASES = [
    # (code, brand, key expected to decide)
    ("70", "visa", "visa:70"), ("70", "mastercard", "mastercard:70"), ("70", "amex", "70"),
    ("70", None, "70"),
    ("76", "visa", "visa:76"), ("76", "mastercard", "mastercard:76"), ("76", "jcb", "76"),
    ("77", "visa", "visa:77"), ("77", "mastercard", "mastercard:77"),
    ("78", "visa", "visa:78"), ("78", "mastercard", "mastercard:78"),
    ("82", "visa", "visa:82"), ("82", "mastercard", "mastercard:82"), ("82", "discover", "82"),
    ("83", "visa", "visa:83"), ("83", "mastercard", "mastercard:83"), ("83", None, "83"),
    ("03", "visa", "visa:03"), ("03", "mastercard", "03"),
    ("64", "visa", "visa:64"), ("64", "mastercard", "64"),
    ("65", "mastercard", "mastercard:65"), ("65", "visa", "65"),
    ("89", "visa", "visa:89"), ("89", "mastercard", "89"),
]


@pytest.mark.parametrize(("code", "brand", "key"), BRAND_CASES,
                         ids=[f"{c}-{b}" for c, b, _ in BRAND_CASES])
def test_brand_specific_entry_wins_over_the_plain_code(
        pack: RulePack, code: str, brand: str | None, key: str) -> None:
    """With ProcessorResponse(brand=...), a "brand:code" entry wins over the plain code; other or no
    brands fall back to the plain code."""
    response = ProcessorResponse.model_validate(
        {"scheme": "iso8583", "brand": brand, "codes": {"response_code": code}})
    found = lookup_failure(response, pack)
    assert found.entry is pack.codemaps["iso8583"].codes[key]
    assert found.code == code


def test_visa_and_mastercard_meanings_of_70_and_82_really_differ(pack: RulePack) -> None:
    """The brand keys are not copies: Visa 70/82 ask for corrected data, Mastercard 70/82 do not."""
    codes = pack.codemaps["iso8583"].codes
    assert (codes["visa:70"].reason, codes["mastercard:70"].reason) == (
        "authentication_required", "generic_decline")
    assert (codes["visa:82"].reason, codes["mastercard:82"].reason) == (
        "incorrect_cvc", "transaction_not_permitted")
    assert (codes["visa:83"].retry, codes["mastercard:83"].retry) == ("later", "never")


def test_visa_categories_are_tagged_and_set_the_retry_class(pack: RulePack) -> None:
    """Category 1 never retries, 2 retries later after a wait, 3 never retries the same data: a new
    attempt succeeds once the data is fixed (its after action, and the note, say so); only
    Visa-listed codes carry a category."""
    codes = pack.codemaps["iso8583"].codes
    tagged = {key: entry.category for key, entry in codes.items() if entry.category is not None}
    assert tagged == VISA_CATEGORY
    for key, category in VISA_CATEGORY.items():
        entry = codes[key]
        if category == "visa_1":
            assert entry.retry == "never", key
        elif category == "visa_2":
            assert entry.retry == "later", key
            assert entry.wait_s, key
        elif category == "visa_3":
            assert entry.retry == "never", key
            assert entry.after in ("correct_data", "update_card", "authenticate"), key
            assert entry.note, key
    for scheme, cm in pack.codemaps.items():
        if scheme != "iso8583":
            assert all(entry.category is None for entry in cm.codes.values()), scheme


def test_wait_is_given_exactly_when_retry_is_later(pack: RulePack) -> None:
    """retry "later" always has 0 < wait_s <= 90 days; "now" and "never" carry no wait."""
    for scheme, key, entry in _entries(pack):
        if entry.retry == "later":
            assert entry.wait_s is not None, (scheme, key)
            assert 0 < entry.wait_s <= MAX_WAIT_S, (scheme, key)
        else:
            assert entry.wait_s is None, (scheme, key)


def test_mastercard_advice_codes_wait_as_mastercard_says(pack: RulePack) -> None:
    """MAC 24-30 wait 1 h, 24 h, 2, 4, 6, 8, 10 days; MAC 03 and 21 never retry."""
    codes = pack.codemaps["mastercard_mac"].codes
    assert {key: codes[key].wait_s for key in MAC_WAIT_S} == MAC_WAIT_S
    assert codes["03"].retry == codes["21"].retry == "never"


@pytest.mark.parametrize("scheme", sorted(ESCALATE))
def test_only_codes_that_need_a_human_escalate(pack: RulePack, scheme: str) -> None:
    """escalate: true is set on compliance holds and accounts blocked at the provider, nowhere else."""
    codes = pack.codemaps[scheme].codes
    assert {key for key, entry in codes.items() if entry.escalate} == ESCALATE[scheme]


def test_unknown_outcomes_are_queried_before_anyone_retries_or_escalates(pack: RulePack) -> None:
    """An unknown outcome (Alipay SYSTEM_ERROR and 20000, WeChat SYSTEMERROR/BANKERROR, PayPal
    internal error, Antom's status-U codes) is queried first: retry later after a short wait, no
    immediate escalation from the code alone."""
    unknown = [(s, k, e) for s, k, e in _entries(pack) if e.reason == "outcome_unknown"]
    assert {(s, k) for s, k, _ in unknown} == {
        ("alipay", "ACQ.SYSTEM_ERROR"), ("alipay", "20000"), ("wechatpay", "SYSTEMERROR"),
        ("wechatpay", "BANKERROR"), ("paypal", "INTERNAL_SERVER_ERROR"),
        ("antom", "UNKNOWN_EXCEPTION"), ("antom", "REQUEST_TRAFFIC_EXCEED_LIMIT")}
    for scheme, key, entry in unknown:
        assert entry.retry == "later", (scheme, key)
        assert entry.wait_s is not None, (scheme, key)
        assert entry.wait_s <= 60, (scheme, key)
        assert not entry.escalate, (scheme, key)
        assert "query" in (entry.note or "") or "retrieve" in (entry.note or ""), (scheme, key)


def test_stripe_hides_fraud_loss_and_theft_from_the_payer(pack: RulePack) -> None:
    """Stripe's four do-not-reveal codes, pickup_card, restricted_card and security_violation
    (conservative) and Radar's blocks and reviews are the only Stripe codes not safe to show the
    payer."""
    codes = pack.codemaps["stripe"].codes
    assert {key for key, entry in codes.items() if not entry.customer_safe} == {
        "fraudulent", "lost_card", "stolen_card", "merchant_blacklist", "pickup_card",
        "restricted_card", "security_violation", "highest_risk_level", "rule",
        "elevated_risk_level"}


def test_fraud_and_compliance_reasons_are_never_shown_to_the_payer(pack: RulePack) -> None:
    """Across every map, suspected fraud, lost or stolen cards, pick-ups, security violations and
    compliance holds are customer_safe: false."""
    hidden = {"suspected_fraud", "lost_or_stolen", "pickup_card", "security_violation", "compliance_hold"}
    for scheme, key, entry in _entries(pack):
        if entry.reason in hidden:
            assert not entry.customer_safe, (scheme, key)


@pytest.mark.parametrize("path", sorted(CODES_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_no_code_key_appears_twice_in_a_file(path: Path) -> None:
    """A round-trip load of the raw file succeeds (ruamel rejects a repeated key, see the next test),
    every key is a string (a numeric code left unquoted, such as 05, would load as the integer 5), and
    no two keys differ only by letter case."""
    raw = _raw(path)
    assert isinstance(raw, dict)
    keys = list(raw["codes"])
    assert all(isinstance(key, str) for key in keys), [k for k in keys if not isinstance(k, str)]
    folded = [key.casefold() for key in keys]
    assert len(set(folded)) == len(folded)


def test_a_repeated_code_key_is_rejected_not_silently_overwritten(tmp_path: Path) -> None:
    """ruamel's round-trip loader raises DuplicateKeyError on a repeated key, and load_pack reports it
    as a positioned YAML error, so a second, conflicting entry can never replace the first."""
    text = (CODES_DIR / "stripe.yaml").read_text(encoding="utf-8") + (
        "  fraudulent: {reason: generic_decline, retry: never, customer_safe: true, fix_by: issuer}\n")
    with pytest.raises(DuplicateKeyError):
        YAML(typ="rt").load(io.StringIO(text))
    (tmp_path / "codes").mkdir()
    (tmp_path / "codes" / "stripe.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        load_pack(tmp_path)
    rendered = [problem.render() for problem in info.value.problems]
    assert any("codes/stripe.yaml" in line and 'duplicate key "fraudulent"' in line for line in rendered)


@pytest.mark.parametrize("path", sorted(CODES_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_every_file_names_its_sources_and_the_date_read(pack: RulePack, path: Path) -> None:
    """The leading comment block names source URLs and the date; `source` is non-empty with URLs and
    `retrieved` is that date."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    assert header, f"{path.name} has no header comment"
    retrieved = RETRIEVED_ON.get(path.stem, RETRIEVED)
    assert retrieved in "\n".join(header)
    assert "https://" in "\n".join(header)
    raw = _raw(path)
    assert isinstance(raw, dict)
    assert str(raw["retrieved"]) == retrieved
    assert raw["scheme"] == path.stem
    source = pack.codemaps[path.stem].source
    assert source.strip()
    assert "https://" in source
