"""A processor's answer resolved through the rule pack's code maps: which code decided, where it was
read, and the map's entry for it (reason, retry class, who can fix it, customer-safe or not).

Example:
    >>> from payfix.models.report import ProcessorResponse
    >>> from payfix.rules.loader import load_pack
    >>> answer = ProcessorResponse.model_validate({"scheme": "iso8583", "codes": {"response_code": "51"}})
    >>> lookup = lookup_failure(answer, load_pack())
    >>> lookup.field, lookup.entry.reason
    ('response_code', 'insufficient_funds')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from payfix.errors import InvalidReportError, Problem
from payfix.models.report import ProcessorResponse
from payfix.rules.pack import CodeEntry, CodeMap, RulePack

__all__ = ["FailureLookup", "lookup_failure", "require_code_map", "unmapped_schemes"]


@dataclass(frozen=True, slots=True)
class FailureLookup:
    """The code map's verdict on a processor answer: the code that decided (its scheme, field and
    where in the source object it was read), and every other code of the answer as ``evidence``
    (each a :class:`FailureLookup` of its own, without evidence)."""

    scheme: str
    field: str | None
    code: str | None
    entry: CodeEntry | None
    path: str | None = None
    evidence: tuple[FailureLookup, ...] = ()


def _entry(codemap: CodeMap | None, brand: str | None, value: str,
           day: date | None) -> CodeEntry | None:
    """A brand-specific entry (``"visa:70"``) before the plain code's; the code as the scheme
    writes it (an ISO 8583 ``5`` is ``05``), with the meaning it had on ``day``."""
    if codemap is None:
        return None
    value = codemap.normalise(value)
    if brand is not None:
        entry = codemap.entry(f"{brand}:{value}", day)
        if entry is not None:
            return entry
    return codemap.entry(value, day)


def _primary(processor: ProcessorResponse, pack: RulePack, day: date | None) -> FailureLookup:
    codes = processor.codes
    codemap = pack.codemaps.get(processor.scheme)
    order = codemap.fields if codemap else tuple(type(codes).model_fields)
    first_present: tuple[str, str] | None = None
    for name in order:
        value = getattr(codes, name, None)
        if value is None:
            continue
        if first_present is None:
            first_present = (name, value)
        entry = _entry(codemap, processor.brand, value, day)
        if entry is not None:
            return FailureLookup(processor.scheme, name, value, entry, _path(processor, name))
    if first_present is None:
        return FailureLookup(processor.scheme, None, None, None)
    name, value = first_present
    return FailureLookup(processor.scheme, name, value, None, _path(processor, name))


def _located(processor: ProcessorResponse, path: str | None) -> str | None:
    """``path`` in the source's object, prefixed with the source (``"stripe.error.decline_code"``)."""
    if path is None or processor.origin is None:
        return path
    return f"{processor.origin}.{path}"


def _path(processor: ProcessorResponse, name: str) -> str | None:
    return _located(processor, processor.paths.get(name))  # type: ignore[call-overload]


def _specificity(found: FailureLookup, generic: tuple[str, ...]) -> int:
    """2: a mapped code that names a cause; 1: mapped, but its reason names none; 0: unmapped."""
    if found.entry is None:
        return 0
    return 1 if found.entry.reason in generic else 2


def lookup_failure(processor: ProcessorResponse, pack: RulePack,
                   day: date | None = None) -> FailureLookup:
    """Pick the most specific code of the answer, each code with the meaning it had on ``day``
    (the attempt's day, or a diagnosis's ``as_of``; ``None``: the latest meaning).

    Within the answer's own scheme the map's ``fields`` give the precedence, and a brand-specific
    entry (``"visa:70"``) wins over the plain code; with no mapped field, the first field present
    decides, as unknown. Codes of other schemes in the answer (``related``) decide only when they
    are more specific: mapped where the scheme's own code is not, or naming a cause where its
    reason is one of the pack's ``generic_reasons``. Every other code present is kept as
    ``evidence``, the answer's own fields first.
    """
    primary = _primary(processor, pack, day)
    best = primary
    related: list[FailureLookup] = []
    if processor.related:
        generic = pack.settings.generic_reasons
        rank = _specificity(primary, generic) if primary.code is not None else -1
        for item in processor.related:
            found = FailureLookup(item.scheme, item.field, item.code,
                                  _entry(pack.codemaps.get(item.scheme), processor.brand, item.code,
                                         day),
                                  _located(processor, item.path))
            related.append(found)
            if _specificity(found, generic) > rank:
                best, rank = found, _specificity(found, generic)
    codemap = pack.codemaps.get(processor.scheme)
    evidence = []
    fields = codemap.fields if codemap else ()
    for name in (*fields, *(f for f in type(processor.codes).model_fields if f not in fields)):
        value = getattr(processor.codes, name, None)
        if value is not None and not (best is primary and name == primary.field):
            evidence.append(FailureLookup(processor.scheme, name, value,
                                          _entry(codemap, processor.brand, value, day),
                                          _path(processor, name)))
    evidence.extend(found for found in related if found is not best)
    if not evidence:
        return best
    return FailureLookup(best.scheme, best.field, best.code, best.entry, best.path, tuple(evidence))


def unmapped_schemes(found: FailureLookup, pack: RulePack) -> tuple[str, ...]:
    """The schemes of the answer (the deciding code's first, then the evidence's) the pack has
    no code map for, each once."""
    schemes = (found.scheme, *(seen.scheme for seen in found.evidence))
    return tuple(dict.fromkeys(s for s in schemes if s not in pack.codemaps))


def require_code_map(found: FailureLookup, pack: RulePack) -> None:
    """Refuse an answer whose deciding code is of a scheme the pack has no code map for.

    Raises:
        InvalidReportError: with one ``unknown_scheme`` problem listing the schemes mapped.
    """
    if found.scheme not in pack.codemaps:
        raise InvalidReportError("no code map for the processor's scheme", [Problem(
            "unknown_scheme", ("attempt", "processor", "scheme"),
            f"the rule pack has no code map for this scheme; it maps "
            f"{', '.join(sorted(pack.codemaps))}", input=found.scheme)])
