"""The service's documents as JSON Schema, for the OpenAPI description.

The request body of ``POST /v1/diagnose`` *is* the report's JSON Schema (``payfix schema``), and
its answer the diagnosis's (``payfix schema diagnosis``): both are taken from the models, with
their ``$defs`` moved under ``components/schemas``, so the OpenAPI document cannot drift from
the wire format.

Example:
    >>> schemas = component_schemas(max_batch=100)
    >>> schemas["BatchRequest"]["properties"]["reports"]["maxItems"]
    100
    >>> schemas["AttemptReport"]["title"], schemas["Diagnosis"]["title"]
    ('AttemptReport', 'Diagnosis')
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from payfix.diagnosis.codes import CodeInfo
from payfix.models.diagnosis import Diagnosis
from payfix.models.report import AttemptReport

__all__ = ["REF", "ProblemOut", "ProblemsOut", "component_schemas", "ref"]

#: Where component schemas live in the OpenAPI document.
REF = "#/components/schemas/{model}"


def ref(name: str) -> dict[str, str]:
    """A JSON reference to a component schema."""
    return {"$ref": REF.format(model=name)}


class ProblemOut(BaseModel):
    """One problem: ``type`` is a stable slug, ``loc`` where, ``msg`` for people."""

    model_config = ConfigDict(title="Problem")

    type: str
    loc: list[str | int]
    msg: str
    input: Any = Field(default=None, description="the offending value, masked (when useful)")


class ProblemsOut(BaseModel):
    """Every error answer: all the problems found, not the first."""

    model_config = ConfigDict(title="Problems")

    problems: list[ProblemOut]


def component_schemas(max_batch: int) -> dict[str, Any]:
    """The schemas the service's operations refer to, by name."""
    _, top = models_json_schema(
        [(AttemptReport, "validation"), (Diagnosis, "serialization"), (CodeInfo, "serialization")],
        ref_template=REF)
    schemas: dict[str, Any] = dict(top["$defs"])
    schemas["BatchRequest"] = {
        "title": "BatchRequest", "type": "object", "additionalProperties": False,
        "required": ["reports"],
        "properties": {"reports": {"type": "array", "items": ref("AttemptReport"),
                                   "maxItems": max_batch}}}
    schemas["BatchResult"] = {
        "title": "BatchResult", "type": "object", "required": ["results"],
        "properties": {"results": {"type": "array", "items": {"oneOf": [
            {"type": "object", "required": ["diagnosis"],
             "properties": {"diagnosis": ref("Diagnosis")}},
            {"type": "object", "required": ["problems"],
             "properties": {"problems": {"type": "array", "items": ref("Problem")}}}]}}}}
    schemas["RulePackSummary"] = {
        "title": "RulePackSummary", "type": "object",
        "required": ["id", "name", "version", "hash", "engine", "rule_sets", "rules"],
        "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "string"},
            "hash": {"type": "string"}, "engine": {"type": "string"},
            "rule_sets": {"type": "array", "items": {
                "type": "object", "properties": {"name": {"type": "string"},
                                                 "rules": {"type": "integer"}}}},
            "rules": {"type": "integer"}, "remedies": {"type": "integer"},
            "code_maps": {"type": "array", "items": {"type": "string"}},
            "locales": {"type": "array", "items": {"type": "string"}},
            "self_test": {"anyOf": [{"type": "object"}, {"type": "null"}]}}}
    return schemas
