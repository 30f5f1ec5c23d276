"""Column maps: how the columns of someone else's CSV or Parquet file become a payfix report.

A column map is a YAML file (``payfix replay --column-map FILE``, or one bundled with payfix by
name, :data:`BUNDLED_MAPS`) that says, for each column used, which report field it fills, and for
money and times the unit, so nothing is guessed::

    name: my-ledger
    columns:
      txn_id: attempt.id
      created: {to: attempt.at, time: utc}          # naive times are UTC (also: unix, iso)
      amount_cents: {to: attempt.amount, unit: minor}   # integers of minor units (or: major)
      currency: {to: attempt.amount.currency, case: upper}
      funding: [{to: attempt.method.type, values: {credit: credit_card, debit: debit_card}},
                {to: attempt.method.card.funding}]
      decline: attempt.processor.codes.decline_code
      message: {to: attempt.processor.codes.decline_code,   # the code inside a fixed sentence
                prefix: "The bank returned the decline code `", suffix: "`."}
    set:                                             # the same value on every row
      attempt.kind: purchase
      attempt.processor.scheme: stripe
    only:                                            # other rows are rejected, with the reason
      status: [failed]

A money field (``attempt.amount``, ``attempt.fee``, ``attempt.balance.available`` ...) takes its
currency from its own ``.currency`` column if mapped, else the attempt's. Columns the map does not
name are not read (:meth:`ColumnMap.unused` lists them). A value a rule cannot convert is a
problem of its row, located by column. A code column fills ``attempt.processor.paths`` with its
column's name, so the diagnosis names the column its code came from (``<origin>.<column>``; the
origin is ``attempt.processor.origin``, or the map's name).

Example:
    >>> cmap = ColumnMap.parse({"columns": {"id": "attempt.id",
    ...     "cents": {"to": "attempt.amount", "unit": "minor"}, "cur": "attempt.amount.currency"},
    ...     "set": {"attempt.kind": "purchase", "attempt.method.type": "debit_card",
    ...             "attempt.at": "2026-03-01T10:00:00Z"}})
    >>> amount = cmap.report({"id": "t1", "cents": "2500", "cur": "JPY"})["attempt"]["amount"]
    >>> amount["value"], amount["currency"]
    ('2500', 'JPY')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent

from payfix.errors import InvalidReportError, Problem, ReportValueError
from payfix.inputs.intake import problem_ctx
from payfix.masking import shown
from payfix.models.report import AttemptReport, Money
from payfix.money import MAX_MINOR, from_minor, minor_unit_exponent

__all__ = ["BUNDLED_MAPS", "ColumnMap", "ColumnRule", "load_column_map"]

_MAX_MAP_CHARS = 256 * 1024

#: Column maps shipped with payfix (``src/payfix/inputs/maps/<name>.yaml``), by the name
#: ``--from`` takes.
BUNDLED_MAPS: tuple[str, ...] = ("stripe-export",)

_CODES = ("attempt", "processor", "codes")
_ORIGIN = ("attempt", "processor", "origin")
_SLUG = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_UTC_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,6})?)?$")
_AFFIX = Annotated[str, StringConstraints(min_length=1, max_length=200)]

Path_ = Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.[a-z_0-9]+)*$", max_length=120)]


class ColumnRule(BaseModel):
    """Where one column goes: ``to`` a report field; ``unit`` for money (``major``: decimal text,
    ``minor``: integers of the currency's smallest unit); ``time`` for times (``iso``: ISO 8601
    with an offset, ``utc``: a naive time in UTC, ``unix``: seconds since the epoch); ``case``;
    ``values`` to translate values (others are kept as they are; a value translated to null is
    not read; ``otherwise``, the value for any other); ``prefix`` and ``suffix`` to
    read the text between them (a value without them, and not in ``values``, is not read)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    to: Path_
    unit: Literal["major", "minor"] | None = None
    time: Literal["iso", "utc", "unix"] | None = None
    case: Literal["upper", "lower"] | None = None
    values: dict[str, str | None] = Field(default_factory=dict)
    otherwise: str | None = None
    prefix: _AFFIX | None = None
    suffix: _AFFIX | None = None


class _MapFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    source: str | None = None
    columns: dict[str, Path_ | ColumnRule | list[Path_ | ColumnRule]]
    set: dict[Path_, str | int | bool] = Field(default_factory=dict)
    only: dict[str, Annotated[list[Annotated[str, StringConstraints(max_length=200)]],
                              Field(min_length=1, max_length=50)]] = Field(default_factory=dict)


def _model_at(path: tuple[str, ...]) -> tuple[type[BaseModel] | None, bool]:
    """The model a report path ends in (``None`` for a scalar), and whether the path exists."""
    model: Any = AttemptReport
    for step in path:
        fields = getattr(model, "model_fields", None)
        if fields is None or step not in fields:
            return None, False
        annotation = fields[step].annotation
        model = next((a for a in getattr(annotation, "__args__", (annotation,))
                      if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return model, True


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """A parsed column map: its rules by column, its constants by path, and the values a column
    must hold for a row to be read (``only``)."""

    name: str | None
    rules: tuple[tuple[str, ColumnRule], ...]
    constants: tuple[tuple[tuple[str, ...], Any], ...]
    only: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def parse(cls, data: Any, where: str = "column map") -> ColumnMap:
        """Check a column map's content (parsed YAML).

        Raises:
            InvalidReportError: the map is not as documented (each problem names the key).
        """
        try:
            model = _MapFile.model_validate(data)
        except ValidationError as error:
            raise InvalidReportError(f"{where} is invalid", [
                Problem(e["type"], tuple(e["loc"]), str(e["msg"]), ctx=_map_ctx(e))
                for e in error.errors(include_url=False)]) from None
        rules: list[tuple[str, ColumnRule]] = []
        problems: list[Problem] = []
        for column, given in model.columns.items():
            for rule in given if isinstance(given, list) else [given]:
                rule = ColumnRule(to=rule) if isinstance(rule, str) else rule
                target, exists = _model_at(tuple(rule.to.split(".")))
                if not exists:
                    problems.append(Problem("unknown_field", ("columns", column), f"{rule.to!r} "
                                            "is not a report field; see `payfix schema`",
                                            ctx={"to": rule.to}))
                elif target is Money and rule.unit is None:
                    problems.append(Problem("unit_missing", ("columns", column), f"{rule.to} is "
                                            "money: say its unit, major (25.00) or minor (2500)",
                                            ctx={"to": rule.to}))
                elif target is not None and target is not Money:
                    problems.append(Problem("not_a_value", ("columns", column), f"{rule.to} is "
                                            "an object; map a column to one of its fields",
                                            ctx={"to": rule.to}))
                rules.append((column, rule))
        for path in model.set:
            if not _model_at(tuple(path.split(".")))[1]:
                problems.append(Problem("unknown_field", ("set", path),
                                        "not a report field; see `payfix schema`",
                                        ctx={"key": "set"}))
        if problems:
            raise InvalidReportError(f"{where} is invalid", problems)
        constants = tuple((tuple(path.split(".")), value) for path, value in model.set.items())
        if model.name is not None and _SLUG.match(model.name) and not any(
                path == _ORIGIN for path, _ in constants) and any(
                tuple(rule.to.split("."))[:3] == _CODES for _, rule in rules):
            constants += ((_ORIGIN, model.name),)
        only = tuple((column, tuple(values)) for column, values in model.only.items())
        return cls(model.name, tuple(rules), constants, only)

    def unused(self, columns: list[str]) -> list[str]:
        """The ``columns`` of a file the map does not read."""
        used = {column for column, _ in self.rules} | {column for column, _ in self.only}
        return [column for column in columns if column not in used]

    def _selected(self, row: Mapping[str, Any]) -> None:
        for column, accepted in self.only:
            value = row.get(column)
            text = "" if value is None else str(value).strip()
            if not any(text.casefold() == a.casefold() for a in accepted):
                raise InvalidReportError("row not read by this column map", [Problem(
                    "row_not_selected", (column,), f"{column} is {shown(text, 40)!r}; this map "
                    f"reads rows whose {column} is {' or '.join(map(repr, accepted))}",
                    input=shown(text, 40), ctx={"column": column, "value": repr(shown(text, 40)),
                                                "accepted": ", ".join(map(repr, accepted))})])

    def report(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """One row (column -> value) as a report mapping, ready for validation.

        Raises:
            InvalidReportError: a value cannot be converted (``loc``: the column).
        """
        self._selected(row)
        report: dict[str, Any] = {}
        for path, value in self.constants:
            _put(report, path, value)
        problems: list[Problem] = []
        money: list[tuple[str, tuple[str, ...], str, Any]] = []
        for column, rule in self.rules:
            value = row.get(column)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if isinstance(value, float) and value != value:  # NaN: an empty Parquet cell
                continue
            path = tuple(rule.to.split("."))
            try:
                if rule.unit is not None:
                    money.append((column, path, rule.unit, value))
                    continue
                value = _convert(value, rule)
                if value is None:
                    continue
                _put(report, path, value)
                if path[:3] == _CODES and len(path) == 4:
                    _put(report, ("attempt", "processor", "paths", path[3]), column)
            except ValueError as error:
                problems.append(_value_problem(column, error, value))
        for column, path, unit, value in money:  # after the currencies are placed
            try:
                _put(report, path, _money(report, path, unit, value))
            except ValueError as error:
                problems.append(_value_problem(column, error, value))
        if problems:
            raise InvalidReportError("row is invalid", problems)
        return report


def _value_problem(column: str, error: ValueError, value: Any) -> Problem:
    """A cell the map cannot convert, with what its message is made of."""
    ctx = {"key": error.key, **error.params} if isinstance(error, ReportValueError) else None
    return Problem("column_value", (column,), str(error), input=value, ctx=ctx)


def _map_ctx(item: Any) -> dict[str, Any] | None:
    """What a pydantic message about the map file is made of (an unknown or missing key is the
    file's own, not a report's: ``key`` ``map``)."""
    ctx = problem_ctx(item.get("ctx")) or {}
    if item["type"] in ("extra_forbidden", "missing"):
        ctx["key"] = "map"
    return ctx or None


def _put(report: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = report
    for step in path[:-1]:
        node = node.setdefault(step, {})
    if isinstance(value, dict) and isinstance(node.get(path[-1]), dict):
        node[path[-1]].update(value)
    else:
        node[path[-1]] = value


def _convert(value: Any, rule: ColumnRule) -> Any:
    """The value as the rule places it; ``None`` when a ``prefix``/``suffix`` rule does not apply."""
    if isinstance(value, str):
        value = value.strip()
        if rule.case is not None:
            value = value.upper() if rule.case == "upper" else value.lower()
        if value in rule.values:
            value = rule.values[value]
        elif rule.otherwise is not None:
            value = rule.otherwise
        elif rule.prefix is not None or rule.suffix is not None:
            value = _between(value, rule.prefix or "", rule.suffix or "")
        if value is None:
            return None
    elif rule.prefix is not None or rule.suffix is not None:
        return None
    if rule.time == "unix":
        seconds = int(value) if isinstance(value, int | str) and str(value).isdigit() else None
        if seconds is None or seconds > 4_102_444_800:
            raise ReportValueError("unix", "expected seconds since 1970-01-01 UTC")
        return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
    if rule.time == "utc":
        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
        text = str(value).replace(" ", "T", 1)
        if re.search(r"(Z|[+-]\d\d:?\d\d)$", text):
            raise ReportValueError("utc_offset", "a time with an offset in a column mapped as "
                                   "time: utc; use iso")
        if not _UTC_TIME.match(text):
            raise ReportValueError("utc", f"expected a UTC time as YYYY-MM-DD HH:MM[:SS], got "
                                   f"{shown(text, 32)!r} (a spreadsheet may have rewritten it in "
                                   "its own format)", value=repr(shown(text, 32)))
        return f"{text}Z"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _between(text: str, prefix: str, suffix: str) -> str | None:
    if len(text) <= len(prefix) + len(suffix) or not text.startswith(prefix) \
            or not text.endswith(suffix):
        return None
    inner = text[len(prefix):len(text) - len(suffix)].strip()
    return inner or None


def _money(report: dict[str, Any], path: tuple[str, ...], unit: str, value: Any) -> dict[str, Any]:
    node: Any = report
    for step in path:
        node = node.get(step, {}) if isinstance(node, dict) else {}
    currency = node.get("currency") if isinstance(node, dict) else None
    if currency is None:
        amount = report.get("attempt", {}).get("amount", {})
        currency = amount.get("currency") if isinstance(amount, dict) else None
    if not isinstance(currency, str) or minor_unit_exponent(currency) is None:
        raise ReportValueError("no_currency", "no ISO 4217 currency for this amount (map a "
                               "currency column, e.g. to attempt.amount.currency)")
    text = str(value).strip()
    if unit == "minor":
        if isinstance(value, bool) or not (isinstance(value, int) or text.isdigit()):
            raise ReportValueError("minor", "expected a whole number of minor units (2500 for "
                                   "25.00 USD)")
        minor = int(text)
        if minor > MAX_MINOR:
            raise ReportValueError("too_large", f"above the largest accepted amount, {MAX_MINOR} "
                                   "minor units", max=MAX_MINOR)
        return {"value": str(from_minor(minor, currency)), "currency": currency}
    try:
        Decimal(text)
    except InvalidOperation:
        raise ReportValueError("decimal", f"expected a decimal amount such as 25.00, got "
                               f"{shown(text, 24)!r}", value=repr(shown(text, 24))) from None
    return {"value": text, "currency": currency}


def load_column_map(name_or_path: str | Path) -> ColumnMap:
    """A bundled column map by name (:data:`BUNDLED_MAPS`) or a YAML file's.

    Raises:
        InvalidReportError: the file cannot be read or is not a column map.
    """
    if str(name_or_path) in BUNDLED_MAPS:
        text = resources.files("payfix.inputs").joinpath(f"maps/{name_or_path}.yaml").read_text(
            encoding="utf-8")
        where = f"bundled column map {name_or_path}"
    else:
        try:
            text = Path(name_or_path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidReportError("column map unreadable", [Problem(
                "file_unreadable", (), f"cannot read {name_or_path}: {error}",
                ctx={"file": str(name_or_path)})]) from None
        where = f"column map {name_or_path}"
    if len(text) > _MAX_MAP_CHARS:
        raise InvalidReportError(f"{where} is too large", [Problem(
            "too_large", (), f"a column map has at most {_MAX_MAP_CHARS} characters",
            ctx={"key": "map", "max": _MAX_MAP_CHARS})])
    yaml = YAML(typ="safe", pure=True)
    try:
        if any(isinstance(event, AliasEvent) for event in yaml.parse(text)):
            raise InvalidReportError(f"{where} uses an alias", [Problem(
                "yaml_alias", (), "YAML aliases (*name) are not accepted in a column map")])
        data = yaml.load(text)
    except YAMLError as error:
        raise InvalidReportError(f"{where} is not YAML", [Problem(
            "yaml_invalid", (), f"not YAML: {str(error)[:200]}",
            ctx={"detail": str(error)[:200]})]) from None
    return ColumnMap.parse(data, where)
