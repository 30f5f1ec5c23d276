"""The processor's answer inside a report (``attempt.processor``): its scheme, the code fields as
sent, and where an input adapter read them.

Example:
    >>> answer = ProcessorResponse.model_validate({"scheme": "stripe", "codes": {
    ...     "decline_code": "generic_decline"}, "related": [{"scheme": "iso8583",
    ...     "field": "response_code", "code": "51", "path": "error.network_decline_code"}]})
    >>> answer.related[0].scheme, answer.codes.decline_code
    ('iso8583', 'generic_decline')
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from payfix.models._base import ShortText, Slug, _Model
from payfix.vocab import CardBrand, CodeField, FailureStage

__all__ = ["ProcessorCodes", "ProcessorResponse", "RelatedCode"]


class ProcessorCodes(_Model):
    """Every code field the processor sent, as sent (strings; the code map decides which wins)."""

    decline_code: ShortText | None = None
    advice_code: ShortText | None = None
    network_code: ShortText | None = None
    merchant_advice_code: ShortText | None = None
    sub_code: ShortText | None = None
    response_code: ShortText | None = None


SourcePath = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class RelatedCode(_Model):
    """A code of another scheme in the same answer (Stripe's ``network_decline_code`` is an
    ISO 8583 response code, its ``network_advice_code`` a Mastercard advice code); the most
    specific code of the answer decides, the others are kept as evidence."""

    scheme: Slug
    field: CodeField
    code: ShortText
    path: SourcePath | None = None


class ProcessorResponse(_Model):
    """The processor's answer: which scheme its codes belong to, the codes, and where it failed.

    ``origin``, ``paths`` and ``related`` say where the codes were read (filled by the input
    adapters, :mod:`payfix.inputs.adapters`): the source (``"stripe"``), each code field's path
    in the source's own object (``{"decline_code": "error.decline_code"}``), and codes of other
    schemes found beside them.
    """

    scheme: Slug
    brand: CardBrand | None = None
    codes: ProcessorCodes = ProcessorCodes()
    origin: Slug | None = None
    paths: Annotated[dict[CodeField, SourcePath], Field(max_length=6)] = Field(default_factory=dict)
    related: Annotated[tuple[RelatedCode, ...], Field(max_length=8)] = ()
    message: Annotated[str, StringConstraints(max_length=500)] | None = None
    stage: (
        FailureStage | None
    ) = None
    answered: bool | None = None
