"""The words sent and kept about a diagnosis: the reply to the payer (customer audience), the
agent's ticket note, and whether a wallet should tell the payer by itself (``notify``).

Every word comes from the pack's texts (``texts.yaml`` sections ``reply``, ``note`` and
``handoff``) in the diagnosis's locale; the figures come from the diagnosis being built. The
payer's reply is made of what the customer audience sees only (its remedies, the hand-off's
reference and channels), never a code, a rule or a fraud reason.

Example:
    >>> duration(5400, {"seconds": "{n} seconds", "minutes": "{n} minutes",
    ...                 "hours": "{n} hours", "days": "{n} days"})
    '90 minutes'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, timedelta
from typing import Any

from payfix.diagnosis.handoff import method_words
from payfix.models.diagnosis import Failure, RankedRemedy
from payfix.models.report import AttemptReport
from payfix.rules.pack import RulePack
from payfix.vocab import CHANGES_REQUEST

__all__ = ["duration", "notify_fields", "reply_fields", "template_of"]

#: Remedy categories a reply does not list: the payer is talking to support already, and
#: operations are the agent's own steps.
_NOT_FOR_THE_PAYER = frozenset({"support", "operations"})


def template_of(report: AttemptReport, verdict: str, after_action: str | None,
                escalate: bool) -> str:
    """Which message the payer gets: ``debited``, ``pending``, ``escalated``, ``try_again`` (the
    same payment may simply be tried again: nothing to do first) or ``self_service`` (the
    first that holds, in that order)."""
    attempt = report.attempt
    if attempt.funds_debited:
        return "debited"
    if attempt.outcome == "unknown":
        return "pending"
    if escalate:
        return "escalated"
    if verdict in ("now", "later") and after_action is None:
        return "try_again"
    return "self_service"


def duration(seconds: int, t: Mapping[str, str]) -> str:
    """A wait in the largest unit that keeps it at 2 or more, rounded up."""
    for unit, size in (("days", 86_400), ("hours", 3_600), ("minutes", 60)):
        if seconds >= 2 * size:
            return t[unit].format(n=-(-seconds // size))
    return t["seconds"].format(n=seconds)


def _utc(at: str) -> str:
    return at.replace("+00:00", "")[:16].replace("T", " ")


def _channels(pack: RulePack, chain: Sequence[str], t: Mapping[str, str]) -> str:
    return t["list_separator"].join(
        t["channel"].format(address=address, hours=hours) if hours else address
        for address, hours in (channel.words(chain) for channel in pack.settings.channels))


def _later(report: AttemptReport, seconds: int) -> str:
    return (report.attempt.at.astimezone(UTC) + timedelta(seconds=seconds)).isoformat()


def reply_fields(report: AttemptReport, attempt_id: str, remedies: Sequence[RankedRemedy],
                 retry: Mapping[str, Any], handoff: Mapping[str, Any] | None, codes: Sequence[str],
                 failure: Failure, told: Sequence[str] | None, pack: RulePack,
                 chain: Sequence[str]) -> dict[str, object]:
    """The :class:`~payfix.models.diagnosis.Reply` of a diagnosis being built: the payer's
    message (customer audience: ``told`` is ``None``) or the agent's note (``told``: the ids of
    the remedies the payer's reply lists; ``attempt_id`` masked; ``codes``: the escalation
    codes)."""
    verdict = str(retry["verdict"])
    template = template_of(report, verdict, retry.get("after_action"), handoff is not None)
    if told is not None:
        return {"template": template,
                "note": _note(report, attempt_id, remedies, retry, handoff, codes, failure,
                              frozenset(told), template, pack, chain)}
    return {"template": template,
            "message": _message(report, remedies, retry, handoff, template, pack, chain)}


def _message(report: AttemptReport, remedies: Sequence[RankedRemedy], retry: Mapping[str, Any],
             handoff: Mapping[str, Any] | None, template: str, pack: RulePack,
             chain: Sequence[str]) -> str:
    language, t = pack.texts_in("reply", chain)
    words = pack.texts_in("handoff", (language, *chain))[1]
    attempt = report.attempt
    at = attempt.at.astimezone(UTC).isoformat()
    amount = f"{attempt.amount.value} {attempt.amount.currency}"
    kind = words[attempt.kind]
    happened = t.get(f"happened_{template}", t["happened"])
    verdict = str(retry["verdict"])
    said = [happened.format(kind=kind, amount=amount, date=at[:10], method=method_words(report, words)),
            t[f"doing_{template}"].format(reference=handoff["reference"] if handoff else "")]
    if handoff is not None and template != "escalated":
        said.append(t["reference"].format(reference=handoff["reference"]))
    if verdict == "hold":
        said.append(t["hold"])
    join = t["sentence_separator"]
    blocks = [t["greeting"], join.join(said)]
    listed = [r for r in remedies if r.category not in _NOT_FOR_THE_PAYER]
    if listed:
        lines = [t["you_can"]]
        for number, remedy in enumerate(listed, 1):
            lines.append(f"{number}. {remedy.title}")
            lines += [f"   - {step}" for step in remedy.steps]
        blocks.append("\n".join(lines))
    wait = retry.get("wait_seconds")
    if template == "try_again" and verdict == "now":
        blocks.append(t["retry_now"])
    elif template == "try_again":
        blocks.append(t["retry_later"].format(wait=duration(int(wait), t)) if wait
                      else t["retry_later_unknown"])
    hear = _hear_back(report, template, retry, handoff, t)
    if hear:
        blocks.append(hear)
    blocks.append(join.join((t["channels"].format(channels=_channels(pack, chain, t)),
                             t["never_share"])))
    blocks.append(f"{t['sign_off']}\n{t['signature']}")
    return "\n\n".join(blocks)


def _hear_back(report: AttemptReport, template: str, retry: Mapping[str, Any],
               handoff: Mapping[str, Any] | None, t: Mapping[str, str]) -> str | None:
    if template == "debited":
        return t["hear_back_debited"]
    if template == "pending":
        if handoff is not None:
            return t["hear_back_pending"].format(time=_utc(str(handoff["not_before"])))
        wait = retry.get("wait_seconds")
        return t["hear_back_pending"].format(time=_utc(_later(report, int(wait)))) if wait \
            else t["hear_back_now"]
    if handoff is None:
        return None
    if handoff["when"] == "after":
        return t["hear_back_after"].format(time=_utc(str(handoff["not_before"])))
    return t["hear_back_now"]


def _note(report: AttemptReport, attempt_id: str, remedies: Sequence[RankedRemedy],
          retry: Mapping[str, Any], handoff: Mapping[str, Any] | None, codes: Sequence[str],
          failure: Failure, told: frozenset[str], template: str, pack: RulePack,
          chain: Sequence[str]) -> str:
    language, t = pack.texts_in("note", chain)
    words = pack.texts_in("handoff", (language, *chain))[1]
    attempt = report.attempt
    at = attempt.at.astimezone(UTC).isoformat()
    separator = t["list_separator"]
    lines = [t["head"].format(attempt_id=attempt_id, kind=words[attempt.kind],
                              amount=f"{attempt.amount.value} {attempt.amount.currency}",
                              when=_utc(at))]
    if handoff is not None:
        lines.append(t["reference"].format(reference=handoff["reference"],
                                           priority=t[f"priority_{handoff['priority']}"],
                                           **{"from": _utc(str(handoff["not_before"]))}))
    if failure.scheme is None:
        lines.append(t["no_answer"])
    else:
        code = t["code"].format(scheme=failure.scheme, field=failure.field or "",
                                code=failure.code or "",
                                path=t["path"].format(path=failure.path) if failure.path else "") \
            if failure.code is not None else ""
        reason = pack.settings.reason_names.get(language, {}).get(failure.reason, failure.reason)
        lines.append(t["reason"].format(reason=reason, code=code))
    verdict = str(retry["verdict"])
    if verdict == "hold":
        lines.append(words["hold"].strip())
    elif verdict != "unknown":
        after = retry.get("after_action")
        same = "_same" if verdict == "never" and after in CHANGES_REQUEST else ""
        advice = words[f"verdict_{verdict}{same}"]
        lines.append(t["retry"].format(verdict=advice))
        if after is not None:
            lines.append(words["after"].strip().format(action=words[f"after_{after}"]))
    lines.append(t["escalated"].format(codes=", ".join(codes)) if codes else t["not_escalated"])
    ours = [r.title for r in remedies if r.category == "operations"]
    if ours:
        lines.append(t["next"].format(steps=separator.join(ours)))
    theirs = [r.title for r in remedies if r.id in told and r.category not in _NOT_FOR_THE_PAYER]
    lines.append(t["customer"].format(template=template,
                                      steps=separator.join(theirs) or t["nothing"]))
    if handoff is not None and handoff["steps_tried"]:
        lines.append(t["tried"].format(steps=separator.join(handoff["steps_tried"])))
    return "\n".join(lines)


def notify_fields(report: AttemptReport, retry: Mapping[str, Any],
                  handoff: Mapping[str, Any] | None, *, escalate: bool) -> dict[str, object]:
    """The :class:`~payfix.models.diagnosis.Notify` of a diagnosis being built: never while the
    payer is away and the same payment is simply tried again; after the re-query window for an
    unconfirmed payment; else now, in the app while the payer is there, else by push."""
    verdict, wait = str(retry["verdict"]), retry.get("wait_seconds")
    template = template_of(report, verdict, retry.get("after_action"), escalate)
    attempt = report.attempt
    present = attempt.initiator == "customer" and attempt.payer_present is not False
    if not present and template == "try_again":
        return {"when": "never", "not_before": None, "channel": None, "template": template}
    channel = "in_app" if present else "push"
    if template == "pending":
        if handoff is not None and handoff["when"] == "after":
            return {"when": "after", "not_before": handoff["not_before"], "channel": channel,
                    "template": template}
        if wait:
            return {"when": "after", "not_before": _later(report, int(wait)), "channel": channel,
                    "template": template}
    return {"when": "now", "not_before": None, "channel": channel, "template": template}
