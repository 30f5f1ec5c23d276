"""A processor's answer resolved through the rule pack's code maps: which code field decided, and
the map's entry for it (reason, retry class, who can fix it, customer-safe or not).

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

from payfix.models.report import ProcessorResponse
from payfix.rules.pack import CodeEntry, RulePack

__all__ = ["FailureLookup", "lookup_failure"]


@dataclass(frozen=True, slots=True)
class FailureLookup:
    """The code map's verdict on a processor answer, and which field decided it."""

    scheme: str
    field: str | None
    code: str | None
    entry: CodeEntry | None


def lookup_failure(processor: ProcessorResponse, pack: RulePack) -> FailureLookup:
    """Pick the most specific code field the pack maps for this scheme.

    The map's ``fields`` give the precedence; a brand-specific entry (``"visa:70"``) wins over the
    plain code. With no mapped field, the first field that is present decides, as unknown.
    """
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
        if codemap is not None:
            keys = (f"{processor.brand}:{value}", value) if processor.brand else (value,)
            for key in keys:
                if key in codemap.codes:
                    return FailureLookup(processor.scheme, name, value, codemap.codes[key])
    if first_present is None:
        return FailureLookup(processor.scheme, None, None, None)
    return FailureLookup(processor.scheme, first_present[0], first_present[1], None)
