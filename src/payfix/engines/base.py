"""The engine protocol, engine selection and the start-up self-test."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Protocol

from payfix.errors import EngineError, EngineUnavailableError
from payfix.rules.conditions import evaluate
from payfix.rules.pack import RulePack
from payfix.rules.witness import witness
from payfix.vocab import FACTS, Scalar, fact_domain

__all__ = ["ENGINE_NAMES", "Engine", "create_engine", "durable_available", "self_test"]

ENGINE_NAMES = ("auto", "durable", "compiled")


class Engine(Protocol):
    """A compiled rule pack: ``evaluate`` returns the ids of the rules that fire on ``facts``."""

    name: str

    def evaluate(self, facts: Mapping[str, Scalar]) -> frozenset[str]:
        """Ids of the rules whose conditions hold for ``facts`` (missing fact = absent key)."""
        ...


def durable_available() -> bool:
    """True when durable_rules can be imported here (installed, and Python < 3.13).

    Example:
        >>> import sys
        >>> durable_available() if sys.version_info >= (3, 13) else False
        False
    """
    try:
        return importlib.util.find_spec("durable_rules_engine") is not None and _imports()
    except ImportError:
        return False


def _imports() -> bool:
    try:
        import durable.engine  # noqa: F401
    except ImportError:
        return False
    return True


def create_engine(pack: RulePack, name: str = "auto") -> Engine:
    """Compile ``pack`` for engine ``name`` (``auto``, ``durable`` or ``compiled``) and self-test it.

    Raises:
        EngineUnavailableError: ``durable`` was asked for and cannot be imported here.
        EngineError: the engine failed to compile the pack or its self-test.
    """
    if name not in ENGINE_NAMES:
        raise EngineUnavailableError(f"unknown engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
    if name == "auto":
        name = "durable" if durable_available() else "compiled"
    engine: Engine
    if name == "durable":
        if not durable_available():
            raise EngineUnavailableError(
                "engine 'durable' needs durable_rules: pip install 'payfix[durable]' (Python < 3.13); "
                "engine 'compiled' gives the same results everywhere"
            )
        from payfix.engines.durable import DurableEngine

        engine = DurableEngine(pack)
    else:
        from payfix.engines.compiled import CompiledEngine

        engine = CompiledEngine(pack)
    self_test(engine, pack)
    return engine


def self_test(engine: Engine, pack: RulePack) -> None:
    """Prove every rule can fire on ``engine``: each rule's witness must fire exactly the rules the
    reference semantics says it fires.

    Raises:
        EngineError: naming the first rule whose witness gave a different result.
    """
    types = {name: spec.type for name, spec in FACTS.items()}
    reasons = pack.settings.reasons
    for rule in pack.rules:
        facts = witness(rule.condition, types, lambda path: fact_domain(path, reasons))
        if facts is None:
            raise EngineError(f"rule {rule.id!r} can never fire")
        expected = frozenset(r.id for r in pack.rules if evaluate(r.condition, facts))
        got = engine.evaluate(facts)
        if got != expected:
            raise EngineError(
                f"engine {engine.name!r} failed its self-test on rule {rule.id!r}: "
                f"fired {sorted(got)}, expected {sorted(expected)}"
            )
