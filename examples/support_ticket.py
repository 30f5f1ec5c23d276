"""A support-ticket script: turn a failed payment into a ticket body an agent can act on.

Reads a report (file or stdin), diagnoses it for the agent audience, and prints a ticket:
subject, priority, the hand-off statement, what the customer should have ready, the evidence and
the official channels. Personal data is already masked by payfix.

Run it:  python examples/support_ticket.py examples/reports/escalate_funds_debited.json
"""

from __future__ import annotations

import sys
from pathlib import Path

import payfix
from payfix.diagnosis.present import render_text


def ticket(report: bytes, locale: str = "en") -> str:
    """The ticket text for one report."""
    diagnosis = payfix.diagnose(report, audience="agent", locale=locale)
    priority = diagnosis.handoff.priority if diagnosis.handoff else "self-service"
    subject = f"[{priority}] Payment {diagnosis.attempt_id}: {diagnosis.failure.reason}"
    return f"Subject: {subject}\n\n{render_text(diagnosis)}"


if __name__ == "__main__":
    source = sys.argv[1] if len(sys.argv) > 1 else "-"
    data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    sys.stdout.write(ticket(data))
