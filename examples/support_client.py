"""A support tool's client of the payfix service: send the report attached to a ticket, print the
hand-off a human agent works from. Standard library only (urllib).

Run a service, then the client:

    PAYFIX_API_KEYS=support-tool-key-1 payfix serve --port 8080 &
    PAYFIX_API_KEY=support-tool-key-1 python examples/support_client.py \\
        examples/reports/escalate_funds_debited.json --url http://127.0.0.1:8080

Exit codes: 0 printed, 1 the service could not be reached or refused the key, 2 the report is
invalid (its problems are printed, one a line).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any


def diagnose(url: str, key: str, report: bytes, locale: str = "en") -> dict[str, Any]:
    """POST the report to /v1/diagnose for the agent audience; the diagnosis as a dict.

    Raises:
        urllib.error.HTTPError: the service answered with an error (its body holds the problems).
    """
    query = urllib.parse.urlencode({"audience": "agent", "locale": locale})
    request = urllib.request.Request(
        f"{url.rstrip('/')}/v1/diagnose?{query}", data=report, method="POST",
        headers={"X-API-Key": key, "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.load(response)
    return answer


def ticket_note(diagnosis: dict[str, Any]) -> str:
    """The note for the ticket: what failed, what to advise, and the hand-off when a human must
    step in (identifiers already masked by the service)."""
    failure = diagnosis["failure"]
    lines = [f"Payment {diagnosis['attempt_id']}: {failure['reason']}"
             + (f" ({failure['scheme']} {failure['field']}={failure['code']})" if failure["code"] else "")]
    retry = diagnosis["retry"]
    lines.append(f"Retry: {retry['verdict']}" + (f" after {retry['wait_seconds']} s"
                                                  if retry.get("wait_seconds") else ""))
    for remedy in diagnosis["remedies"][:3]:
        lines.append(f"  {remedy['rank']}. {remedy['title']}")
    handoff = diagnosis.get("handoff")
    if not handoff:
        lines.append("No hand-off: the customer can fix this with the steps above.")
        return "\n".join(lines) + "\n"
    lines += ["", f"HAND-OFF {handoff['reference']}  priority {handoff['priority']}, "
              + ("now" if handoff["when"] == "now" else f"from {handoff['not_before']}"),
              handoff["statement"], "Have ready:"]
    lines += [f"  - {item['label']}: {item['value']}" for item in handoff["prepare"]]
    if handoff["steps_tried"]:
        lines += ["Already tried:", *(f"  - {step}" for step in handoff["steps_tried"])]
    lines += ["Official channels:",
              *(f"  - {c['kind']}: {c['address']}" + (f" ({c['hours']})" if c["hours"] else "")
                for c in handoff["channels"]),
              handoff["reminder"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the hand-off for a ticket's report.")
    parser.add_argument("report", help="the report JSON attached to the ticket, or - for stdin")
    parser.add_argument("--url", default=os.environ.get("PAYFIX_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--key", default=os.environ.get("PAYFIX_API_KEY"),
                        help="API key (default: $PAYFIX_API_KEY)")
    parser.add_argument("--locale", default="en", choices=("en", "zh-CN"))
    args = parser.parse_args(argv)
    if not args.key:
        parser.error("an API key is needed: --key or PAYFIX_API_KEY")
    data = sys.stdin.buffer.read() if args.report == "-" else Path(args.report).read_bytes()
    try:
        diagnosis = diagnose(args.url, args.key, data, args.locale)
    except urllib.error.HTTPError as error:
        try:
            problems = json.load(error).get("problems", [])
        except ValueError:
            problems = []
        for problem in problems:
            where = ".".join(str(part) for part in problem.get("loc", [])) or "<report>"
            print(f"{where}: {problem.get('msg')} [{problem.get('type')}]", file=sys.stderr)
        print(f"the service answered {error.code}", file=sys.stderr)
        return 2 if error.code == 422 else 1
    except urllib.error.URLError as error:
        print(f"cannot reach the service at {args.url}: {error.reason}", file=sys.stderr)
        return 1
    sys.stdout.write(ticket_note(diagnosis))
    return 0


if __name__ == "__main__":
    sys.exit(main())
