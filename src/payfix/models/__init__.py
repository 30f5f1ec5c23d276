"""The wire format: reports in (:mod:`payfix.models.report`), diagnoses out
(:mod:`payfix.models.diagnosis`). Both are frozen pydantic models.
"""

from payfix.models.diagnosis import (
    Audience,
    Diagnosis,
    EscalationReason,
    FactValue,
    Failure,
    PackInfo,
    RankedRemedy,
    RetryAdvice,
    RuleHit,
    RuleMiss,
)
from payfix.models.report import (
    SCHEMA_VERSION,
    Account,
    Attempt,
    AttemptReport,
    Balance,
    Card,
    DeviceContext,
    Money,
    Payee,
    PaymentMethod,
    PriorAttempt,
    ProcessorCodes,
    ProcessorResponse,
)

__all__ = [
    "SCHEMA_VERSION",
    "Account",
    "Attempt",
    "AttemptReport",
    "Audience",
    "Balance",
    "Card",
    "DeviceContext",
    "Diagnosis",
    "EscalationReason",
    "FactValue",
    "Failure",
    "Money",
    "PackInfo",
    "Payee",
    "PaymentMethod",
    "PriorAttempt",
    "ProcessorCodes",
    "ProcessorResponse",
    "RankedRemedy",
    "RetryAdvice",
    "RuleHit",
    "RuleMiss",
]
