"""The durable_rules engine: each rule set becomes one durable_rules ruleset on a private ``Host``.

The only module that imports ``durable``. Usage follows the measured envelope (``docs/engines.md``):

* a ``Host`` subclass whose timer loop never starts, owned by this engine (no module-global DSL);
* facts, not events (every matching rule fires), asserted with a fixed session id per ruleset and
  retracted after the hits are read — never ``delete_state``, whose cleanup path crashes;
* every asserted fact carries a marker field and every rule requires it, so no rule can match the
  session's own state object (which would loop forever);
* one lock held for a whole evaluation; the C binding holds the GIL anyway;
* "no rule matched" is an empty result; any other engine failure is an :class:`EngineError`;
* the C rulesets are freed when the engine is garbage-collected (:func:`_release`, run by a
  ``weakref.finalize`` that holds only the handles, never the engine).
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import warnings
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import durable.engine as durable_engine
import durable_rules_engine

from payfix.errors import EngineError
from payfix.rules.conditions import And, Cmp, Condition, In, Or, Present
from payfix.rules.forms import negation_normal_form
from payfix.rules.pack import RulePack, RuleSet
from payfix.vocab import Scalar

__all__ = ["DurableEngine", "to_durable"]

_MARKER = "payfix_fact"
_SID = "payfix"
_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_host_ids = itertools.count()


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A Host without the self-rearming dispatch timers (they race the caller and pin the host)."""

    def _run(self) -> None:
        return None


def to_durable(cond: Condition) -> dict[str, Any]:
    """The durable_rules expression for ``cond`` (negations pushed to the leaves first)."""
    return _expr(negation_normal_form(cond))


def _expr(cond: Condition) -> dict[str, Any]:
    if isinstance(cond, And):
        return {"$and": [_expr(i) for i in cond.items]}
    if isinstance(cond, Or):
        return {"$or": [_expr(i) for i in cond.items]}
    if isinstance(cond, Present):
        return {"$ex" if cond.present else "$nex": {cond.path: 1}}
    if isinstance(cond, In):
        if cond.negated:
            return {"$and": [{"$neq": {cond.path: v}} for v in cond.values]}
        if len(cond.values) == 1:
            return {cond.path: cond.values[0]}
        return {"$or": [{cond.path: v} for v in cond.values]}
    assert isinstance(cond, Cmp)
    if cond.op == "==":
        return {cond.path: cond.value}
    return {_OPS[cond.op]: {cond.path: cond.value}}


def _nest(facts: Mapping[str, Scalar], paths: tuple[str, ...]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path in paths:
        if path not in facts:
            continue
        head, _, tail = path.partition(".")
        nested.setdefault(head, {})[tail] = facts[path]
    return nested


def _release(created: list[tuple[str, int]], acted: set[str]) -> None:
    """Free the C rulesets in ``created`` (name, handle): first the session state, then the ruleset.

    ``delete_state`` frees pointers that durable_rules only sets once an action has started in the
    session, so it is called only for the rulesets named in ``acted``; the others (possible only
    when construction or the self-test failed) lose their session's pools but are still freed.
    """
    # Best effort at collection time (there is nowhere to report to); nothing uses a handle again.
    while created:
        name, handle = created.pop()
        if name in acted:
            with contextlib.suppress(Exception):
                durable_rules_engine.delete_state(handle, _SID)
        with contextlib.suppress(Exception):
            durable_rules_engine.delete_ruleset(handle)


class _Compiled:
    def __init__(self, ruleset: RuleSet, name: str, collect: Callable[[str], None],
                 acted: set[str]) -> None:
        self.name = name
        self.paths = tuple(sorted({p for rule in ruleset.rules for p in rule.facts}))
        self.definition: dict[str, Any] = {}
        for index, rule in enumerate(ruleset.rules):
            condition = {"$and": [{_MARKER: 1}, to_durable(rule.condition)]}
            self.definition[f"r{index}"] = {
                "all": [{"m": condition}],
                "pri": index,
                "run": _action(rule.id, collect, name, acted),
            }


def _action(rule_id: str, collect: Callable[[str], None], ruleset: str,
            acted: set[str]) -> Callable[[Any], None]:
    # Exactly one parameter: durable_rules treats two-parameter actions as asynchronous.
    def fired(_closure: Any) -> None:
        acted.add(ruleset)
        collect(rule_id)

    return fired


class DurableEngine:
    """Evaluates a pack on durable_rules; safe to share between threads (one lock per call)."""

    name = "durable"

    def __init__(self, pack: RulePack) -> None:
        self._lock = threading.Lock()
        self._fired: set[str] = set()
        self._fact_ids = itertools.count(1)
        host_id = next(_host_ids)
        # Shared with the finalizer, which must not reach the engine: (name, handle) of each
        # ruleset created in C, and the names of those in which an action has run.
        created: list[tuple[str, int]] = []
        acted: set[str] = set()
        finalizer = weakref.finalize(self, _release, created, acted)
        finalizer.atexit = False  # the process is ending: the OS takes the memory back
        self._rulesets = tuple(
            _Compiled(rs, f"payfix{host_id}_{rs.name}", self._fired.add, acted) for rs in pack.rulesets
        )
        self._host = _QuietHost()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                for compiled in self._rulesets:
                    self._host.register_rulesets({compiled.name: compiled.definition})
                    created.append((compiled.name, self._host.get_ruleset(compiled.name)._handle))
        except Exception as error:
            finalizer()
            raise EngineError(f"durable_rules rejected the rule pack: {error}") from error

    def evaluate(self, facts: Mapping[str, Scalar]) -> frozenset[str]:
        """Ids of the rules whose conditions hold for ``facts``."""
        with self._lock, warnings.catch_warnings():
            # Python 3.12 deprecates utcfromtimestamp, which durable_rules calls on every action.
            warnings.simplefilter("ignore", DeprecationWarning)
            self._fired.clear()
            try:
                for compiled in self._rulesets:
                    self._assert_and_retract(compiled, facts)
                return frozenset(self._fired)
            finally:
                self._fired.clear()

    def _assert_and_retract(self, compiled: _Compiled, facts: Mapping[str, Scalar]) -> None:
        fact = _nest(facts, compiled.paths)
        fact.update({"id": next(self._fact_ids), "sid": _SID, _MARKER: 1})
        try:
            self._host.assert_fact(compiled.name, fact)
        except durable_engine.MessageNotHandledException:
            pass  # no rule matched: an empty result, not an error
        except Exception as error:
            raise EngineError(f"durable_rules failed on rule set {compiled.name!r}: {error}") from error
        finally:
            try:
                self._host.retract_fact(compiled.name, fact)
            except durable_engine.MessageNotHandledException:
                pass
            except Exception as error:
                raise EngineError(
                    f"durable_rules failed to retract a fact from {compiled.name!r}: {error}"
                ) from error
