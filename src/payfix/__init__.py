"""payfix: why a payment failed, and what to do next.

Hand payfix a failed payment attempt with its device context; it evaluates rule sets (network,
balance, payee, payment method, account security) kept as data in a rule pack, and returns ranked
remedies, retry advice, an escalate-to-human flag and the evidence behind each. For support agents,
:func:`lookup_code` says what one processor code means and what the pack advises for it.

Example:
    >>> import payfix
    >>> d = payfix.diagnose({
    ...     "attempt": {"id": "a1", "at": "2026-03-01T10:00:00Z", "kind": "p2p_transfer",
    ...                 "amount": {"value": "50.00", "currency": "EUR"},
    ...                 "method": {"type": "wallet_balance"},
    ...                 "payee": {"type": "bank_account", "identifier": "DE89370400440532013001"}}},
    ...     engine="compiled")
    >>> d.remedies[0].id
    'payee.check_details'
"""

from payfix._version import __version__
from payfix.diagnosis.codes import CodeInfo, list_codes, lookup_code
from payfix.diagnosis.diagnoser import Diagnoser, Outline, diagnose
from payfix.engines import durable_available
from payfix.errors import (
    CodeLookupError,
    EngineError,
    EngineUnavailableError,
    InvalidPayloadError,
    InvalidReportError,
    PayfixError,
    Problem,
    RulePackError,
    UnknownCodeError,
    UnknownSchemeError,
)
from payfix.inputs.adapters import Adapted, adapt
from payfix.inputs.intake import parse_report
from payfix.models import AttemptReport, Diagnosis
from payfix.rules.loader import load_pack
from payfix.rules.pack import RulePack

__all__ = [
    "Adapted",
    "AttemptReport",
    "CodeInfo",
    "CodeLookupError",
    "Diagnoser",
    "Diagnosis",
    "EngineError",
    "EngineUnavailableError",
    "InvalidPayloadError",
    "InvalidReportError",
    "Outline",
    "PayfixError",
    "Problem",
    "RulePack",
    "RulePackError",
    "UnknownCodeError",
    "UnknownSchemeError",
    "__version__",
    "adapt",
    "diagnose",
    "durable_available",
    "list_codes",
    "load_pack",
    "lookup_code",
    "parse_report",
]
