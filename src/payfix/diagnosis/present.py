"""Presentation: locale fallback, remedy wording and plain-text rendering of a diagnosis. What
each audience sees is decided in :mod:`payfix.diagnosis.view`.

Example:
    >>> locale_chain("zh", ("en", "zh-CN"), "en")
    ('zh-CN', 'en')
"""

from __future__ import annotations

from collections.abc import Mapping

from payfix.masking import mask_code
from payfix.models.diagnosis import Diagnosis
from payfix.models.report import AttemptReport
from payfix.rules.bundled import bundled_pack
from payfix.rules.pack import Remedy, RemedyText, RulePack, locale_chain
from payfix.vocab import CHANGES_REQUEST, PLACEHOLDER_RE, Scalar

__all__ = [
    "locale_chain",
    "method_names",
    "other_methods",
    "remedy_text",
    "render_text",
    "reply_text",
    "shown_facts",
]


def method_names(types: tuple[str, ...], names: Mapping[str, str]) -> str:
    """Payment method types as words, from a locale's ``methods`` texts (``texts.yaml``).

    >>> method_names(("wallet_balance", "credit_card"), {"separator": ", ",
    ...     "wallet_balance": "your wallet balance", "credit_card": "a credit card"})
    'your wallet balance, a credit card'
    """
    return names["separator"].join(names[t] for t in types)


def remedy_text(remedy: Remedy, chain: tuple[str, ...],
                values: Mapping[str, str] | None = None) -> RemedyText:
    """The remedy's text in the first locale of ``chain`` it has (the default always exists),
    with ``{placeholders}`` filled from ``values``; a step needing a figure the diagnosis does
    not have is left out."""
    text = next((remedy.texts[loc] for loc in chain if loc in remedy.texts),
                next(iter(remedy.texts.values())))
    known = values or {}

    def fill(line: str) -> str | None:
        names = PLACEHOLDER_RE.findall(line)
        if any(name not in known for name in names):
            return None
        return PLACEHOLDER_RE.sub(lambda m: known[m.group(1)], line)

    title = fill(text.title) or PLACEHOLDER_RE.sub("", text.title)
    steps = tuple(step for step in map(fill, text.steps) if step is not None)
    return RemedyText(title, steps)


#: A way to retry that its action already says (the text names it once).
_SAID_BY_ACTION = frozenset({("after_top_up", "top_up"), ("update_card", "update_card"),
                             ("other_method", "other_method"), ("query_first", "query_status")})


def render_text(diagnosis: Diagnosis, pack: RulePack | None = None) -> str:
    """A plain-text rendering for terminals and tickets, its labels in the diagnosis's locale from
    ``pack``'s texts (``texts.yaml`` section ``text``; ``None``: the bundled pack's)."""
    pack = bundled_pack() if pack is None else pack
    language, t = pack.texts_in("text", (diagnosis.locale,))
    reasons = pack.settings.reason_names.get(language, {})
    failure = diagnosis.failure
    # a reason hidden from the customer reads "declined", which is no reason of the pack
    reason = t["declined"] if failure.reason == "declined" else reasons.get(failure.reason,
                                                                            failure.reason)
    if failure.code is not None:
        head = t["coded"].format(reason=reason, scheme=failure.scheme, field=failure.field,
                                 code=failure.code)
        if failure.path is not None:
            head += t["read_from"].format(path=failure.path)
    elif failure.scheme is not None:
        head = t["no_code"].format(reason=reason, scheme=failure.scheme)
    else:
        head = t["no_answer"]
    lines = [t["payment"].format(id=diagnosis.attempt_id, head=head)]
    lines += [t["warning"].format(warning=warning) for warning in failure.warnings]
    if failure.evidence:
        lines.append(t["other_codes"].format(codes=t["list_separator"].join(
            t["other_code"].format(scheme=seen.scheme, field=seen.field, code=seen.code,
                                   reason=reasons.get(seen.reason, seen.reason) if seen.reason
                                   else t["unmapped"])
            for seen in failure.evidence)))
    lines.append(_retry_line(diagnosis, t))
    if diagnosis.escalate:
        lines.append(t["escalate_yes"].format(
            codes=", ".join(r.code for r in diagnosis.escalation_reasons)))
    else:
        lines.append(t["escalate_no"])
    lines.append("")
    for remedy in diagnosis.remedies:
        lines.append(t["remedy"].format(rank=remedy.rank, title=remedy.title, id=remedy.id,
                                        score=f"{remedy.score / 100:.2f}"))
        lines += [f"   - {step}" for step in remedy.steps]
    if not diagnosis.remedies:
        lines.append(t["no_remedy"])
    handoff = diagnosis.handoff
    if handoff is not None:
        when = t["handoff_now"] if handoff.when == "now" else t["handoff_after"].format(
            time=handoff.not_before)
        lines += ["", t["handoff"].format(reference=handoff.reference,
                                          priority=t[f"priority_{handoff.priority}"], when=when),
                  "", handoff.statement, "", t["prepare"]]
        lines += ["   - " + t["item"].format(label=item.label, value=item.value)
                  for item in handoff.prepare]
        if handoff.steps_tried:
            lines.append(t["tried"])
            lines += [f"   - {step}" for step in handoff.steps_tried]
        lines.append(t["channels"])
        lines += ["   - " + t["channel_hours" if c.hours else "channel"].format(
            kind=t.get(f"kind_{c.kind}", c.kind), address=c.address, hours=c.hours)
            for c in handoff.channels]
        lines.append(handoff.reminder)
    if diagnosis.fired:
        lines.append("")
        lines.append(t["evidence"])
        for hit in diagnosis.fired:
            facts = ", ".join(f"{k}={v}" for k, v in hit.facts.items())
            lines.append(f"   {hit.rule_id}: {facts}")
    lines.append("")
    lines.append(t["pack"].format(name=diagnosis.pack.name, version=diagnosis.pack.version,
                                  hash=diagnosis.pack.hash, engine=diagnosis.engine))
    return "\n".join(lines) + "\n"


def _retry_line(diagnosis: Diagnosis, t: Mapping[str, str]) -> str:
    retry = diagnosis.retry
    wait = t["wait"].format(n=retry.wait_seconds) if retry.wait_seconds else ""
    after = retry.after_action if retry.verdict != "hold" else None
    how = ""
    if retry.how and (retry.verdict != "never" or after in CHANGES_REQUEST) \
            and (retry.how, after) not in _SAID_BY_ACTION:
        how = t["how"].format(how=t[f"how_{retry.how}"])
    verdict = t[f"verdict_{retry.verdict}"]
    if after is None:
        return t["retry"].format(verdict=verdict, same="", wait=wait, how=how)
    # the verdict is for the same request; the action is what makes a new one succeed
    same = t["same_request"] if retry.verdict == "never" and after in CHANGES_REQUEST else ""
    return t["retry_after"].format(verdict=verdict, same=same, wait=wait, how=how,
                                   after=t[f"after_{after}"])


def reply_text(diagnosis: Diagnosis) -> str:
    """The diagnosis's reply as text: the message to the payer (customer audience) or the
    ticket note (agents)."""
    reply = diagnosis.reply
    text = None if reply is None else reply.message or reply.note
    return "" if text is None else text + "\n"


def other_methods(report: AttemptReport) -> tuple[str, ...]:
    """The payer's other payment methods (account order, without repeats): what a remedy text's
    ``{alternatives}`` quotes."""
    if report.account is None:
        return ()
    used = report.attempt.method.type
    return tuple(dict.fromkeys(m for m in report.account.methods if m != used))


#: Facts whose values are strings taken from the report as given (masked when shown).
_INPUT_FACTS = ("failure.code", "failure.scheme")


def shown_facts(facts: Mapping[str, Scalar], names: tuple[str, ...]) -> dict[str, Scalar | None]:
    """The values of ``names`` in ``facts`` as a trace shows them (``None`` for missing), in the
    order given, with the strings taken from the report as given (code, scheme) masked.

    Example:
        >>> shown_facts({"failure.code": "4111 1111 1111 1111", "device.online": False},
        ...             ("failure.code", "device.online", "attempt.kind"))
        {'failure.code': '************1111', 'device.online': False, 'attempt.kind': None}
    """
    view = {name: facts.get(name) for name in names}
    for name in _INPUT_FACTS:
        value = view.get(name)
        if isinstance(value, str):
            view[name] = mask_code(value)
    return view
