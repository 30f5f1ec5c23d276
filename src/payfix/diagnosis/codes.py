"""Code look-up for support agents: what one processor code means, and what payfix would advise.

:func:`lookup_code` answers from the rule pack's code maps (``rules/codes/*.yaml``): the unified
reason, retry class and wait, whether the payer may see the reason, who can fix it, and the map line
it came from. Its ``remedies`` and ``escalate`` are not copied from anywhere: they go the way a
diagnosis goes. A minimal report carrying this code (and brand) is enriched by
:func:`~payfix.diagnosis.facts.derive_facts`, its ``failure.*`` facts are evaluated by the same
engine a :class:`~payfix.diagnosis.diagnoser.Diagnoser` uses, and the rules that fire are ranked by
:func:`~payfix.diagnosis.ranking.rank`. A real report adds device, balance, payee and history
facts, so its diagnosis can say more (or differ): this is the code's own contribution.

Example:
    >>> info = lookup_code("iso8583", "51")
    >>> info.reason, info.retry, info.wait_seconds, info.customer_safe
    ('insufficient_funds', 'later', 86400, True)
    >>> [remedy.id for remedy in info.remedies]
    ['method.use_another']
    >>> info.source.at.rpartition(":")[0]  # the map file, then the entry's line
    'rules/codes/iso8583.yaml'
"""

from __future__ import annotations

import difflib
import textwrap
from functools import lru_cache
from typing import Literal, cast, get_args

from pydantic import BaseModel, ConfigDict

from payfix.diagnosis.diagnoser import Diagnoser
from payfix.diagnosis.facts import Facts, derive_facts
from payfix.diagnosis.present import locale_chain, remedy_text
from payfix.diagnosis.ranking import rank
from payfix.diagnosis.view import visible_to
from payfix.errors import UnknownCodeError, UnknownSchemeError
from payfix.models.report import AttemptReport, ProcessorResponse
from payfix.rules.pack import CodeEntry, CodeMap, RulePack
from payfix.vocab import AfterAction

__all__ = [
    "BRANDS",
    "CodeInfo",
    "CodeRemedy",
    "CodeSource",
    "FamilyCoverage",
    "code_coverage",
    "list_codes",
    "lookup_code",
    "render_code_text",
]

#: Card brands a report may name (``processor.brand``); a map key ``"<brand>:<code>"`` is a
#: brand-specific entry only when its prefix is one of these.
BRANDS: tuple[str, ...] = tuple(
    value for arg in get_args(ProcessorResponse.model_fields["brand"].annotation)
    for value in get_args(arg)
)


RetryClass = Literal["now", "later", "never"]
_RETRY: dict[str, RetryClass] = {"now": "now", "later": "later", "never": "never"}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CodeRemedy(_Out):
    """A remedy the pack's rules lead to for the code: its id, its title in the chosen locale, its
    score (basis points, as in a diagnosis) and the rules that support it."""

    id: str
    title: str
    score: int
    rules: tuple[str, ...]


class CodeSource(_Out):
    """Where the answer comes from: ``at`` is the map file and the entry's line
    (``rules/codes/iso8583.yaml:42``), ``text`` the map's own ``source`` (the documents it follows)."""

    at: str
    text: str


class CodeInfo(_Out):
    """What one processor code means in payfix terms, and what the rule pack advises for it.

    Example:
        >>> info = lookup_code("iso8583", "51")
        >>> info.reason, info.retry, info.customer_safe, info.fix_by
        ('insufficient_funds', 'later', True, 'customer')

    Attributes:
        scheme: the code map's scheme (``iso8583``, ``stripe`` ...).
        code: the code as a processor sends it (without a brand prefix).
        brand: the card brand whose ``"brand:code"`` entry answered; ``None`` for the plain entry.
        reason: the unified failure reason (``pack.yaml`` ``reasons``).
        retry: the verdict for the same request: ``now``, ``later`` (after ``wait_seconds``) or
            ``never`` (the same request will not be approved).
        wait_seconds: how long to wait before a ``later`` retry; ``None`` otherwise.
        after_action: what must happen before a new attempt can succeed (``correct_data``,
            ``contact_issuer``, ``new_order`` ...; :data:`~payfix.vocab.AFTER_ACTIONS`), ``None``
            when nothing but the wait is needed.
        customer_safe: the reason may be shown to the payer (else the payer sees "declined").
        fix_by: who can fix it: ``customer``, ``issuer``, ``merchant``, ``support`` or ``none``.
        category: the network's decline category, if the map gives one (``visa_1`` .. ``visa_4``).
        escalate: the code alone calls for a human: the entry is flagged ``escalate``, or a rule
            that escalates fires on the code's facts.
        escalations: the escalation reasons raised by those rules, in pack order.
        remedies: the remedies the rules lead to, best first (agent view: every remedy).
        locale: the locale the remedy titles were taken from.
        note: the map's note on the entry.
        source: the map file and line of the entry, and the map's sources.
    """

    scheme: str
    code: str
    brand: str | None
    reason: str
    retry: RetryClass
    wait_seconds: int | None
    after_action: AfterAction | None
    customer_safe: bool
    fix_by: str
    category: str | None
    escalate: bool
    escalations: tuple[str, ...]
    remedies: tuple[CodeRemedy, ...]
    locale: str
    note: str | None
    source: CodeSource


class FamilyCoverage(_Out):
    """How much of one code family the pack maps, and from which documents.

    Attributes:
        scheme: the family (``adyen``, ``iso8583`` ...).
        file: the map file.
        fields: the report code fields the map answers, most specific first.
        codes: entries in the map (brand-specific ones included).
        brand_entries: of those, ``"brand:code"`` entries.
        retry: entries per retry class (``now``, ``later``, ``never``).
        hidden: entries whose reason the payer never sees (``customer_safe: false``).
        sources: the map's own ``source`` (the documents it follows, with their addresses).
    """

    scheme: str
    file: str
    fields: tuple[str, ...]
    codes: int
    brand_entries: int
    retry: dict[RetryClass, int]
    hidden: int
    sources: str


def code_coverage(pack: RulePack | Diagnoser | None = None) -> tuple[FamilyCoverage, ...]:
    """Per code family of the pack, by scheme name: how many codes are mapped and from which
    sources.

    Example:
        >>> [(f.scheme, f.codes) for f in code_coverage()][:2]
        [('adyen', 38), ('alipay', 57)]
    """
    pack = _diagnoser(pack).pack
    out = []
    for scheme in sorted(pack.codemaps):
        codemap = pack.codemaps[scheme]
        entries = codemap.codes.values()
        out.append(FamilyCoverage(
            scheme=scheme, file=codemap.file, fields=codemap.fields, codes=len(codemap.codes),
            brand_entries=sum(1 for key in codemap.codes if _split(key)[0] is not None),
            retry={cls: sum(1 for e in entries if e.retry == cls) for cls in _RETRY.values()},
            hidden=sum(1 for e in entries if not e.customer_safe),
            sources=" ".join(codemap.source.split())))
    return tuple(out)


@lru_cache(maxsize=1)
def _bundled() -> Diagnoser:
    return Diagnoser(engine="compiled")


def _diagnoser(pack: RulePack | Diagnoser | None) -> Diagnoser:
    if isinstance(pack, Diagnoser):
        return pack
    return _bundled() if pack is None else Diagnoser(pack, "compiled")


def _codemap(pack: RulePack, scheme: str) -> CodeMap:
    codemap = pack.codemaps.get(scheme)
    if codemap is None:
        known = sorted(pack.codemaps)
        brand = scheme.strip().lower()
        branded = [name for name in known
                   if any(key.startswith(f"{brand}:") for key in pack.codemaps[name].codes)]
        close = difflib.get_close_matches(brand, known, n=1, cutoff=0.6)
        hints = [f"did you mean {close[0]!r}?"] if close else []
        if brand in BRANDS and branded:
            hints.insert(0, f"{brand} is a card brand: look its codes up in {' or '.join(branded)} "
                            f"with brand {brand!r}")
        hint = f" ({'; '.join(hints)})" if hints else ""
        raise UnknownSchemeError(scheme, known, hint)
    return codemap


def _split(key: str) -> tuple[str | None, str]:
    """``"visa:70"`` → ``("visa", "70")``; a key without a brand prefix → ``(None, key)``."""
    prefix, sep, rest = key.partition(":")
    if sep and prefix in BRANDS and rest:
        return prefix, rest
    return None, key


def _suggest(code: str, keys: list[str]) -> str:
    folded = [key for key in keys if key.casefold() == code.casefold()]
    close = folded or difflib.get_close_matches(code, keys, n=3, cutoff=0.75)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(key) for key in close) + "?)"


def _code_facts(pack: RulePack, codemap: CodeMap, brand: str | None, code: str) -> Facts:
    """The ``failure.*`` facts of a minimal report whose only processor content is this code in
    the map's most specific field (and the brand of a brand-specific entry), derived as a
    diagnosis derives them."""
    report = AttemptReport.model_validate({
        "schema_version": "1",
        "attempt": {
            "id": "code_lookup", "at": "2000-01-01T00:00:00Z", "kind": "purchase",
            "amount": {"value": "1", "currency": "USD"}, "method": {"type": "debit_card"},
            "payee": {"type": "merchant"},
            "processor": {"scheme": codemap.scheme, "brand": brand,
                          "codes": {codemap.fields[0]: code}},
        },
    })
    facts = derive_facts(report, pack, priced=None)
    return {name: value for name, value in facts.items() if name.startswith("failure.")}


def _info(diagnoser: Diagnoser, codemap: CodeMap, key: str, entry: CodeEntry,
          chain: tuple[str, ...]) -> CodeInfo:
    pack = diagnoser.pack
    brand, code = _split(key)
    fired_ids = diagnoser.engine.evaluate(_code_facts(pack, codemap, brand, code))
    fired = [rule for rule in pack.rules if rule.id in fired_ids]
    escalations = tuple(dict.fromkeys(rule.escalate for rule in fired if rule.escalate is not None))
    remedies = tuple(
        CodeRemedy(id=scored.remedy.id, title=remedy_text(scored.remedy, chain).title,
                   score=scored.score, rules=tuple(rule.id for rule in scored.rules))
        for scored in rank(fired, pack) if visible_to(scored.remedy, "agent"))
    return CodeInfo(
        scheme=codemap.scheme, code=code, brand=brand, reason=entry.reason, retry=_RETRY[entry.retry],
        wait_seconds=entry.wait_s, after_action=cast("AfterAction | None", entry.after),
        customer_safe=entry.customer_safe, fix_by=entry.fix_by,
        category=entry.category, escalate=entry.escalate or bool(escalations),
        escalations=escalations, remedies=remedies, locale=chain[0], note=entry.note,
        source=CodeSource(at=f"{codemap.file}:{entry.line}", text=" ".join(codemap.source.split())))


def _chain(pack: RulePack, locale: str | None) -> tuple[str, ...]:
    return locale_chain(locale, pack.settings.locales, pack.settings.default_locale)


def lookup_code(scheme: str, code: str, *, brand: str | None = None,
                pack: RulePack | Diagnoser | None = None, locale: str | None = None) -> CodeInfo:
    """What ``code`` of ``scheme`` means, and what the rule pack advises for it.

    With ``brand`` (``visa``, ``mastercard`` ...) a ``"brand:code"`` entry wins over the plain one,
    as in a diagnosis; ``brand`` in the answer says whether one did. ``code`` may also be given as
    ``"visa:70"``. Codes are matched as the scheme writes them (the map's ``code_form``: an ISO
    8583 ``5`` is ``05``, ``n7`` is ``N7``), as in a diagnosis. ``pack`` defaults to
    the bundled pack; a :class:`~payfix.diagnosis.diagnoser.Diagnoser` may be given instead, whose
    pack and engine then answer (a caller holding one saves building another); ``locale`` picks
    the remedy titles' language (pack default if ``None``).

    Raises:
        UnknownSchemeError: the pack has no code map for ``scheme``; the message lists those it has.
        UnknownCodeError: the scheme's map has no entry for ``code``.

    Example:
        >>> lookup_code("iso8583", "70").reason
        'generic_decline'
        >>> visa = lookup_code("iso8583", "70", brand="visa")
        >>> visa.brand, visa.reason, visa.retry
        ('visa', 'authentication_required', 'now')
        >>> lookup_code("iso8583", "70", brand="amex").brand is None  # no amex entry: plain answers
        True
        >>> lookup_code("iso8583", "5").code, lookup_code("iso8583", "n7").code  # as networks write them
        ('05', 'N7')
        >>> lookup_code("stripe", "do_not_honour")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        payfix.errors.UnknownCodeError: unknown code 'do_not_honour' ... (did you mean 'do_not_honor'?)
    """
    diagnoser = _diagnoser(pack)
    pack = diagnoser.pack
    codemap = _codemap(pack, scheme)
    prefix, plain = _split(code)
    plain = codemap.normalise(plain)  # as the scheme writes it: ISO 8583 5 is 05, n7 is N7
    written = f"{prefix}:{plain}" if prefix else plain
    wanted = brand.strip().lower() if brand else None
    keys = ([f"{wanted}:{written}"] if wanted else []) + [written]
    for key in keys:
        entry = codemap.codes.get(key)
        if entry is not None:
            return _info(diagnoser, codemap, key, entry, _chain(pack, locale))
    raise UnknownCodeError(scheme, code, _suggest(code, list(codemap.codes)))


def list_codes(scheme: str | None = None, pack: RulePack | Diagnoser | None = None, *,
               locale: str | None = None) -> tuple[CodeInfo, ...]:
    """Every code of ``scheme`` (of every scheme, by scheme name, if ``None``), in map order,
    brand-specific entries included, each answered as :func:`lookup_code` answers it.

    Raises:
        UnknownSchemeError: the pack has no code map for ``scheme``.

    Example:
        >>> codes = list_codes("mastercard_mac")
        >>> len(codes), codes[0].code, codes[0].reason
        (16, '01', 'update_card_details')
    """
    diagnoser = _diagnoser(pack)
    pack = diagnoser.pack
    codemaps = [_codemap(pack, scheme)] if scheme is not None else [
        pack.codemaps[name] for name in sorted(pack.codemaps)]
    chain = _chain(pack, locale)
    return tuple(_info(diagnoser, codemap, key, entry, chain)
                 for codemap in codemaps for key, entry in codemap.codes.items())


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size * (2 if unit == "d" else 1) and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def render_code_text(info: CodeInfo, *, sources: bool = True) -> str:
    """One readable block for ``info``: reason, retry and wait, customer-safe, who can fix it,
    escalation, remedies, note and source line (and the map's sources when ``sources``).

    Example:
        >>> info = lookup_code("stripe", "expired_card")
        >>> print(render_code_text(info, sources=False), end="")  # doctest: +ELLIPSIS
        stripe expired_card: expired_card
          retry:          never
          first:          update card (before a new attempt)
          customer-safe:  yes (the payer may be told the reason)
          fix by:         customer
          escalate:       no
          remedies:       1. Update your card details  [method.update_card, score 95.00%]
          source:         rules/codes/stripe.yaml:...
    """
    label = f"{info.scheme} {info.code}" + (f" ({info.brand} entry)" if info.brand else "")
    retry: str = info.retry
    if info.wait_seconds:
        retry += f", after {info.wait_seconds} s"
        if _duration(info.wait_seconds) != f"{info.wait_seconds} s":
            retry += f" ({_duration(info.wait_seconds)})"
    safe = ("yes (the payer may be told the reason)" if info.customer_safe
            else "no (the payer sees a generic decline)")
    if not info.escalate:
        escalate = "no"
    elif info.escalations:
        escalate = f"yes ({', '.join(info.escalations)})"
    else:
        escalate = "yes (the code map flags this code)"
    rows = [("retry", retry)]
    if info.after_action:
        rows.append(("first", f"{info.after_action.replace('_', ' ')} (before a new attempt)"))
    rows += [("customer-safe", safe), ("fix by", info.fix_by)]
    if info.category:
        rows.append(("category", info.category))
    rows.append(("escalate", escalate))
    lines = [f"{label}: {info.reason}"] + [f"  {name + ':':<15} {value}" for name, value in rows]
    remedies = [f"{i}. {r.title}  [{r.id}, score {r.score / 100:.2f}%]"
                for i, r in enumerate(info.remedies, 1)] or ["none from the code alone"]
    lines.append(f"  {'remedies:':<15} {remedies[0]}")
    lines += [f"  {'':<15} {line}" for line in remedies[1:]]
    indent = " " * 18
    if info.note:
        lines.append(textwrap.fill(info.note, 100, initial_indent=f"  {'note:':<15} ",
                                   subsequent_indent=indent))
    lines.append(f"  {'source:':<15} {info.source.at}")
    if sources:
        lines.append(textwrap.fill(info.source.text, 100, initial_indent=indent,
                                   subsequent_indent=indent, break_on_hyphens=False,
                                   break_long_words=False))
    return "\n".join(lines) + "\n"
