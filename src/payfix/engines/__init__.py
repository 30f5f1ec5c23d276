"""Rule engines: interchangeable back ends that compile the same parsed rules.

Each engine answers one question for a fact set: *which rules fire?* Everything else (evidence,
ranking, explanations) is computed from the parsed rules, so it is the same whichever engine ran.

* ``durable`` — durable_rules, the reference engine (extra ``payfix[durable]``, Python < 3.13);
* ``compiled`` — the same conditions compiled to Python closures, available everywhere.

``auto`` picks ``durable`` where it imports and ``compiled`` elsewhere.
"""

from payfix.engines.base import ENGINE_NAMES, Engine, create_engine, durable_available, self_test

__all__ = ["ENGINE_NAMES", "Engine", "create_engine", "durable_available", "self_test"]
