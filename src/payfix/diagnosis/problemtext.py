"""Problems in the reader's language: a problem's ``msg`` written from the pack's texts.

Every problem payfix reports is written in English where it is found (the validators, the
adapters, the doors). A problem about what a person gave (a report, a processor's payload, a
request body) also carries what its message is made of (:attr:`~payfix.errors.Problem.ctx`), and
the doors that answer in a locale (``payfix diagnose --locale``, the service's ``locale=``, the
console) write it again from ``texts.yaml`` section ``problem`` of that locale. A message the
locale has no text for stays English; ``type``, ``loc`` and ``input`` never change.

The text of a problem is named by its ``type``, or ``<type>_<key>`` when ``ctx`` names a
``key`` (one type, several messages: ``json_invalid_at``, ``value_error_decimal_places``); its
placeholders are the values :data:`payfix.vocab.PROBLEM_TEXTS` lists for it.

Example:
    >>> from payfix.errors import Problem
    >>> from payfix.rules.bundled import bundled_pack
    >>> problem = Problem("string_too_long", ("attempt", "id"), "String should have at most 64 "
    ...                   "characters", ctx={"max_length": 64})
    >>> localised([problem], bundled_pack(), "zh-CN")[0].msg
    '文本最多 64 个字符'
    >>> localised([problem], bundled_pack(), "en")[0].msg
    'String should have at most 64 characters'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from payfix.errors import Problem
from payfix.rules.pack import RulePack

__all__ = ["localised", "text_name"]


def text_name(problem: Problem) -> str:
    """The name of ``problem``'s text: its ``type``, or ``<type>_<key>`` with a ``ctx`` key."""
    key = (problem.ctx or {}).get("key")
    return f"{problem.type}_{key}" if key else problem.type


def localised(problems: Iterable[Problem], pack: RulePack | None,
              locale: str | None) -> tuple[Problem, ...]:
    """``problems`` with each ``msg`` the pack's ``problem`` text of ``locale`` (the first of
    its fallback chain the pack has), where it has one; unchanged without a locale or pack."""
    problems = tuple(problems)
    if locale is None or pack is None or "problem" not in pack.texts:
        return problems
    table = pack.texts_for("problem", locale)
    return tuple(_written(problem, table) for problem in problems)


def _written(problem: Problem, table: Mapping[str, str]) -> Problem:
    name = text_name(problem)
    ctx = problem.ctx or {}
    template, frame = table.get(name), None
    if template is None and name.startswith(_FILE_PREFIXES) and "path" in ctx:
        # a pack file's structural problem (``pack.missing``, ``fees.value_error_float``): the
        # check's own text, said of the key it is at
        bare = name.split(".", 1)[1]
        template, frame = table.get(f"file_{bare}", table.get(bare)), table.get("field_at")
    if template is None:
        return problem
    values = {key: value for key, value in ctx.items() if key != "key"}
    if "hint" in values:  # the closest known word to a misspelt one, or none
        hint = values["hint"]
        values["hint"] = table.get("did_you_mean", "").format(word=repr(hint)) if hint else ""
    try:
        msg = template.format_map(_Values(values))
        if frame is not None:
            msg = frame.format(path=ctx["path"], message=msg)
    except (ValueError, IndexError, AttributeError):  # a template the pack check let through
        return problem
    return dataclasses.replace(problem, msg=msg)


#: The types of a rule pack's, a fee file's and a synth profile's structural problems
#: (``pack.<pydantic type>``).
_FILE_PREFIXES = ("pack.", "fees.", "profile.")


class _Values(dict[str, Any]):
    """A placeholder the problem gives no value for is written empty."""

    def __missing__(self, key: str) -> str:
        return ""
