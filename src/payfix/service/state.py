"""What the service serves from: the rule pack, loaded and self-tested once, and one shared
:class:`~payfix.Diagnoser` (thread-safe; audience and locale are per call).

Readiness is a state, not a guess: :meth:`ServiceState.prepare` loads the pack, runs its rule
test cases (:func:`payfix.ruletests.run_rule_tests`) and only then sets the diagnoser. A failed
case keeps the service unready (``/readyz`` answers 503 with the problems); rules without a
positive and a negative case are reported, not fatal.

Example:
    >>> state = ServiceState(ServiceConfig(no_auth=True))
    >>> state.ready
    False
    >>> state.prepare()
    >>> state.ready, state.summary["self_test"]["failed"]
    (True, 0)
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from payfix.diagnosis.diagnoser import Diagnoser
from payfix.errors import PayfixError, Problem, RulePackError
from payfix.rules.loader import load_pack
from payfix.rules.pack import RulePack
from payfix.ruletests import run_rule_tests
from payfix.service.config import ServiceConfig

__all__ = ["ServiceState"]

_log = logging.getLogger("payfix.service")


class ServiceState:
    """The pack, the diagnoser and whether the service is ready (see the module docstring)."""

    def __init__(self, config: ServiceConfig, pack: RulePack | None = None) -> None:
        self.config = config
        self.pack: RulePack | None = pack
        self.diagnoser: Diagnoser | None = None
        self.problems: tuple[Problem, ...] = ()
        self.summary: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        """True once the pack is loaded and its rule test cases passed."""
        return self.diagnoser is not None

    def prepare(self) -> None:
        """Load the pack, build the diagnoser, run the rule tests; never raises (problems are kept
        in :attr:`problems` and logged). Calling it again once ready does nothing."""
        with self._lock:
            if self.ready:
                return
            try:
                self._prepare()
            except RulePackError as error:
                self.problems = error.problems
            except PayfixError as error:
                self.problems = (Problem("not_ready", (), str(error)),)
            except Exception as error:  # any other failure must not kill the process: stay unready
                self.problems = (Problem("not_ready", (), f"{type(error).__name__} while starting"),)
            for problem in self.problems:
                _log.error("not ready: %s", problem.render())

    def _prepare(self) -> None:
        config = self.config
        pack = self.pack if self.pack is not None else load_pack(config.rules)
        diagnoser = Diagnoser(pack, config.engine, replies=True)
        info = pack.info
        summary: dict[str, Any] = {
            "id": f"{info.name} {info.version}", "name": info.name, "version": info.version,
            "hash": info.hash, "engine": diagnoser.engine.name,
            "rule_sets": [{"name": rs.name, "rules": len(rs.rules)} for rs in pack.rulesets],
            "rules": sum(len(rs.rules) for rs in pack.rulesets), "remedies": len(pack.remedies),
            "code_maps": sorted(pack.codemaps), "locales": list(pack.settings.locales),
            "self_test": None,
        }
        if config.self_test:
            engine = "durable" if diagnoser.engine.name == "durable" else "compiled"
            result = run_rule_tests(config.rules, pack=pack, engine=engine)
            summary["self_test"] = {"cases": len(result.cases), "failed": len(result.failures),
                                    "coverage": result.coverage_line(),
                                    "uncovered": list(result.uncovered)}
            if result.failures:
                self.problems = tuple(
                    Problem("rule_test_failed", (case.rule,),
                            f"{case.where}: {case.name}: {'; '.join(case.problems)}")
                    for case in result.failures)
                self.pack, self.summary = pack, summary
                return
            for rule in result.uncovered:
                _log.warning("rule %s has no case where it fires and one where it does not", rule)
        self.pack, self.summary, self.problems = pack, summary, ()
        self.diagnoser = diagnoser
        _log.info("ready", extra={"fields": {
            "event": "ready", "pack": summary["id"], "hash": info.hash, "engine": summary["engine"],
            "self_test": (summary["self_test"] or {}).get("coverage", "off"),
            "auth": "none" if config.no_auth else "api_key", "api_keys": len(config.api_keys)}})
