"""Embedding payfix in a wallet backend: one request handler per failed payment.

The handler takes the JSON a wallet app posts when a payment fails, diagnoses it with a Diagnoser
built once at start-up (thread-safe, no I/O per call), and answers the app with what the customer
should see: the top remedies in the customer's language, whether to retry, and whether a human
will follow up. Bad input gets a 422 with field-level problems, never a stack trace.

Run it:  python examples/wallet_backend.py examples/reports/balance_fee_pushes_over.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import payfix

# Build once per process: the rule pack is loaded, compiled and self-tested here.
DIAGNOSER = payfix.Diagnoser(engine="auto", audience="customer")


def handle_failed_payment(body: bytes, accept_language: str = "en") -> tuple[int, dict[str, Any]]:
    """Return (HTTP status, JSON body) for one failed-payment report posted by the app."""
    try:
        diagnosis = DIAGNOSER.diagnose(body, locale=accept_language)
    except payfix.InvalidReportError as error:
        return 422, {"problems": [p.to_dict() for p in error.problems]}
    return 200, {
        "remedies": [{"title": r.title, "steps": list(r.steps)} for r in diagnosis.remedies[:3]],
        "retry": diagnosis.retry.verdict,
        "human_follow_up": diagnosis.escalate,
        "reference": diagnosis.handoff.reference if diagnosis.handoff else None,
    }


def main(argv: list[str]) -> int:
    status, body = handle_failed_payment(Path(argv[1]).read_bytes(), argv[2] if len(argv) > 2 else "en")
    print(status)
    print(json.dumps(body, ensure_ascii=False, indent=2))
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
