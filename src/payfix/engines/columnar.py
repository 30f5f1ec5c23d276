"""Rule evaluation over many fact sets at once, column by column (``pyarrow.compute``): the
rules step of a columnar replay.

A table of facts has one column per fact (:data:`~payfix.vocab.FACTS` types: ``int64``,
``bool``, ``string``) and one row per fact set; a null cell is a missing fact. Each condition of
the pack becomes a vectorised expression with the semantics of
:func:`payfix.rules.conditions.evaluate`: a comparison or membership test on a missing fact is
false (``!=`` and ``not in`` included), ``is missing`` is true, ``not`` is plain negation.
Conditions several rules share are evaluated once. Where a fact set cannot be a table row (an
integer beyond 64 bits), :func:`facts_table` refuses it and the caller evaluates that set with a
per-row engine.

Needs pyarrow (``pip install "payfix[batch]"``).

Example:
    >>> from payfix.rules.bundled import bundled_pack
    >>> engine = ColumnarEngine(bundled_pack())
    >>> table = facts_table([{"device.online": False}, {"device.online": True}])
    >>> [sorted(fired)[:1] for fired in engine.fired_sets(table)]
    [['network.offline'], []]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from payfix.rules.conditions import And, Cmp, Condition, In, Not, Or, Present
from payfix.rules.forms import shared_conditions
from payfix.rules.pack import RulePack
from payfix.vocab import FACTS, Scalar

__all__ = ["ColumnarEngine", "column_type", "facts_table"]

_TYPES = {"int": "int64", "bool": "bool_", "str": "string"}
_OPS = {"==": "equal", "!=": "not_equal", "<": "less", "<=": "less_equal", ">": "greater",
        ">=": "greater_equal"}


def column_type(name: str) -> Any:
    """The Arrow type of fact ``name``'s column (``int64``, ``bool``, ``string``)."""
    import pyarrow as pa

    return getattr(pa, _TYPES[FACTS[name].type])()


def facts_table(fact_sets: Sequence[Mapping[str, Scalar]]) -> Any:
    """The fact sets as an Arrow table: a typed column per fact of :data:`FACTS`, null where a
    set lacks the fact.

    Raises:
        OverflowError: an integer fact does not fit 64 bits (evaluate that set per row).
        KeyError: a fact payfix does not define.
    """
    import pyarrow as pa

    columns = {}
    for name in FACTS:
        values = [facts.get(name) for facts in fact_sets]
        try:
            columns[name] = pa.array(values, type=column_type(name))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as error:
            raise OverflowError(f"fact {name!r} cannot be a {FACTS[name].type} column: "
                                f"{error}") from None
    unknown = {name for facts in fact_sets for name in facts} - set(FACTS)
    if unknown:
        raise KeyError(f"facts payfix does not define: {sorted(unknown)}")
    return pa.table(columns)


class ColumnarEngine:
    """Every rule of a pack over a table of facts; stateless and thread-safe."""

    name = "columnar"

    def __init__(self, pack: RulePack) -> None:
        self._groups = shared_conditions(pack.rules)
        self.rule_ids = tuple(rule.id for rule in pack.rules)

    def fired_columns(self, table: Any) -> dict[str, Any]:
        """Rule id -> a boolean array: whether the rule fires on each row of ``table``."""
        out: dict[str, Any] = {}
        for condition, ids in self._groups:
            column = _holds(condition, table)
            for rule_id in ids:
                out[rule_id] = column
        return out

    def fired_sets(self, table: Any) -> list[frozenset[str]]:
        """The ids of the rules that fire on each row (what a per-row engine's ``evaluate``
        gives for each fact set)."""
        import pyarrow.compute as pc

        rows: list[list[str]] = [[] for _ in range(table.num_rows)]
        for rule_id, column in self.fired_columns(table).items():
            for index in pc.indices_nonzero(column).to_pylist():
                rows[index].append(rule_id)
        return [frozenset(ids) for ids in rows]


def _holds(cond: Condition, table: Any) -> Any:
    """A boolean array without nulls: ``cond`` on each row of ``table``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(cond, And | Or):
        combine = pc.and_ if isinstance(cond, And) else pc.or_
        result = _holds(cond.items[0], table)
        for item in cond.items[1:]:
            result = combine(result, _holds(item, table))
        return result
    if isinstance(cond, Not):
        return pc.invert(_holds(cond.item, table))
    column = table.column(cond.path)
    if isinstance(cond, Present):
        return column.is_valid() if cond.present else column.is_null()
    if isinstance(cond, In):
        found = pc.is_in(column, value_set=pa.array(cond.values, type=column.type))
        if cond.negated:  # a missing fact is in no list and out of none
            found = pc.and_(column.is_valid(), pc.invert(found))
        return pc.fill_null(found, False)
    assert isinstance(cond, Cmp)
    compared = getattr(pc, _OPS[cond.op])(column, pa.scalar(cond.value, type=column.type))
    return pc.fill_null(compared, False)
