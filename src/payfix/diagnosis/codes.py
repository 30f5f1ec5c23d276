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
from datetime import date
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
]

#: Card brands a report may name (``processor.brand``); a map key ``"<brand>:<code>"`` is a
#: brand-specific entry only when its prefix is one of these.
BRANDS: tuple[str, ...] = tuple(
    value for arg in get_args(ProcessorResponse.model_fields["brand"].annotation)
    for value in get_args(arg)
)


RetryClass = Literal["now", "later", "never"]
#: The day a meaning without dates is looked at (it holds on every day).
_ANY_DAY = date(2000, 1, 1)
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
        valid_from: the first day this meaning holds (``None``: since before the map's sources).
        valid_until: the last day it holds (``None``: still in force).
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
    valid_from: date | None
    valid_until: date | None
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


def _code_facts(pack: RulePack, codemap: CodeMap, brand: str | None, code: str,
                day: date) -> Facts:
    """The ``failure.*`` facts of a minimal report whose only processor content is this code in
    the map's most specific field (and the brand of a brand-specific entry), derived as a
    diagnosis derives them under the code's meaning on ``day``."""
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
    facts = derive_facts(report, pack, priced=None, day=day)
    return {name: value for name, value in facts.items() if name.startswith("failure.")}


def _info(diagnoser: Diagnoser, codemap: CodeMap, key: str, entry: CodeEntry,
          chain: tuple[str, ...]) -> CodeInfo:
    pack = diagnoser.pack
    brand, code = _split(key)
    day = entry.valid_from or entry.valid_until or _ANY_DAY  # a day on which ``entry`` holds
    fired_ids = diagnoser.engine.evaluate(_code_facts(pack, codemap, brand, code, day))
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
        valid_from=entry.valid_from, valid_until=entry.valid_until,
        source=CodeSource(at=codemap.where(entry), text=" ".join(codemap.source.split())))


def _chain(pack: RulePack, locale: str | None) -> tuple[str, ...]:
    return locale_chain(locale, pack.settings.locales, pack.settings.default_locale)


def lookup_code(scheme: str, code: str, *, brand: str | None = None,
                pack: RulePack | Diagnoser | None = None, locale: str | None = None,
                as_of: date | None = None) -> CodeInfo:
    """What ``code`` of ``scheme`` means, and what the rule pack advises for it.

    With ``brand`` (``visa``, ``mastercard`` ...) a ``"brand:code"`` entry wins over the plain one,
    as in a diagnosis; ``brand`` in the answer says whether one did. ``code`` may also be given as
    ``"visa:70"``. Codes are matched as the scheme writes them (the map's ``code_form``: an ISO
    8583 ``5`` is ``05``, ``n7`` is ``N7``), as in a diagnosis. ``pack`` defaults to
    the bundled pack; a :class:`~payfix.diagnosis.diagnoser.Diagnoser` may be given instead, whose
    pack and engine then answer (a caller holding one saves building another); ``locale`` picks
    the remedy titles' language (pack default if ``None``). ``as_of`` answers with the meaning the
    code had on that day (networks change codes: Visa moved 57 to category 1 on 25 Oct 2026);
    without it, the latest meaning answers, with its ``valid_from``/``valid_until``.

    Raises:
        UnknownSchemeError: the pack has no code map for ``scheme``; the message lists those it has.
        UnknownCodeError: the scheme's map has no entry for ``code``.

    Example:
        >>> lookup_code("iso8583", "70").reason
        'generic_decline'
        >>> visa = lookup_code("iso8583", "70", brand="visa")
        >>> visa.brand, visa.reason, visa.retry
        ('visa', 'authentication_required', 'never')
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
        entry = codemap.entry(key, as_of)
        if entry is not None:
            return _info(diagnoser, codemap, key, entry, _chain(pack, locale))
    if any(key in codemap.codes for key in keys):
        raise UnknownCodeError(scheme, code, f" on {as_of}: the code had no meaning in the map "
                                             "that day")
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
