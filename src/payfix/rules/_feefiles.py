"""Reading fee-schedule files (``rules/fees/*.yaml``) into :class:`~payfix.rules.schedules.FeeSchedule`
models, every problem with its file, line and column; used by the rule-pack loader only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    Field,
    ValidationError,
)

from payfix.errors import Problem, RulePackError
from payfix.inputs.intake import problem_ctx
from payfix.rules._packfiles import Text
from payfix.rules._yamlsrc import Reader, Source, plain, position, read_files
from payfix.rules.schedules import (
    DEFER_CHECKS,
    FeeSchedule,
    _Model,
    schedule_problems,
)

__all__ = ["FeeFile", "read_fee_files", "read_fee_sources"]



class FeeFile(_Model):
    """A fee file: one or more schedules (each validated as a :class:`FeeSchedule`)."""

    description: Text | None = None
    schedules: Annotated[tuple[Any, ...], Field(min_length=1)]


def read_fee_files(folder: Path, shown: str | None = None) -> dict[str, FeeSchedule]:
    """Schedules of every ``*.yaml`` in ``folder`` by id; files are shown as ``shown/<name>``
    (or their full path) in problems.

    Raises:
        RulePackError: listing every problem in every file, each with file, line and column.
    """
    if not folder.is_dir():
        raise RulePackError("fee schedule directory not found",
                            [Problem("fees.missing_dir", (), f"{folder} is not a directory", str(folder),
                                     ctx={"folder": str(folder)})])
    reader = Reader()
    sources = list(read_files(folder, "*.yaml", shown, reader.problems).values())
    out = read_fee_sources(sources, reader)
    if reader.problems:
        raise RulePackError(f"fee schedules have {len(reader.problems)} problem(s)", reader.problems)
    return out


def read_fee_sources(sources: list[Source], reader: Reader) -> dict[str, FeeSchedule]:
    """Schedules of already-read fee files by id; problems are added to ``reader`` (the rule-pack
    loader passes its own, so fee problems are listed with every other pack problem)."""
    out: dict[str, FeeSchedule] = {}
    defined: dict[str, str] = {}
    for src in sources:
        before = len(reader.problems)
        node = reader.load(src)
        if node is None:
            if len(reader.problems) == before and not src.refused:
                reader.add("fees.empty_file", "empty file: expected 'schedules:'", src, None)
            continue
        if _validate(reader, FeeFile, node, node, src, ()) is None:
            continue
        for i, raw in enumerate(node["schedules"]):
            loc: tuple[str | int, ...] = ("schedules", i)
            schedule = _validate(reader, FeeSchedule, raw, node, src, loc)
            if schedule is None:
                continue
            problems = schedule_problems(schedule)
            for where, type_, msg, ctx in problems:
                reader.add(type_, f"{_dotted(loc + where)}: {msg}", src, position(node, loc + where),
                           loc + where, path=_dotted(loc + where), **ctx)
            if schedule.id in defined:
                reader.add("fees.duplicate_id", f"{_dotted((*loc, 'id'))}: fee schedule {schedule.id!r} is "
                           f"already defined in "
                           f"{defined[schedule.id]}", src, position(node, (*loc, "id")), (*loc, "id"),
                           path=_dotted((*loc, "id")), id=schedule.id, file=defined[schedule.id])
            else:
                defined[schedule.id] = src.shown
                out[schedule.id] = schedule
    return out


def _validate(reader: Reader, model: type[FeeFile] | type[FeeSchedule], value: Any, node: Any,
              src: Source, prefix: tuple[str | int, ...]) -> Any:
    """``value`` (at ``prefix`` in the file ``node``) as ``model``, or None with its problems noted."""
    try:
        return model.model_validate(plain(value), context=DEFER_CHECKS)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            where = tuple(item["loc"])
            msg = {"extra_forbidden": "unknown key (not part of the fee-schedule format)",
                   "missing": "required key is missing"}.get(item["type"], item["msg"])
            if item["type"] == "value_error":
                msg = str(item.get("ctx", {}).get("error", msg))
            reader.add(f"fees.{item['type']}", f"{_dotted(prefix + where)}: {msg}", src,
                       position(node, prefix + where, item["type"] == "extra_forbidden"), prefix + where,
                       path=_dotted(prefix + where), **(problem_ctx(item.get("ctx")) or {}))
    return None


def _dotted(loc: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in loc) or "<file>"
