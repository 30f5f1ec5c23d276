"""One exception tree: every public exception payfix defines lives in :mod:`payfix.errors` under
:class:`payfix.errors.PayfixError`, and keeps the built-in base callers may already catch."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import payfix
from payfix import errors


def payfix_modules() -> list[str]:
    """Every importable payfix module (optional extras that are not installed are skipped)."""
    names = []
    for info in pkgutil.walk_packages(payfix.__path__, "payfix."):
        if info.name in ("payfix.__main__", "payfix.spark.__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except ImportError:  # an extra not installed here (durable_rules, pyspark ...)
            continue
        names.append(info.name)
    return names


def test_every_public_exception_is_defined_in_the_errors_module() -> None:
    """No module but payfix.errors defines a public exception class; private helpers (a leading
    underscore) may live beside the code that raises them."""
    strays = []
    for name in payfix_modules():
        for attr, value in vars(importlib.import_module(name)).items():
            if inspect.isclass(value) and issubclass(value, BaseException) \
                    and value.__module__ == name and name != "payfix.errors" \
                    and not attr.startswith("_"):
                strays.append(f"{name}.{attr}")
    assert not strays


@pytest.mark.parametrize("name", [n for n in errors.__all__ if n != "Problem"])
def test_every_error_is_a_payfix_error(name: str) -> None:
    """Each exception in payfix.errors can be caught as PayfixError."""
    assert issubclass(getattr(errors, name), errors.PayfixError)


@pytest.mark.parametrize(("name", "base"), [
    ("ConservationError", RuntimeError), ("WorkerError", RuntimeError),
    ("FeeError", ValueError), ("ConfigError", ValueError), ("ConditionSyntaxError", ValueError),
    ("BodyError", ValueError), ("EngineError", RuntimeError), ("InvalidReportError", ValueError),
])
def test_errors_keep_the_builtin_base_callers_catch(name: str, base: type[Exception]) -> None:
    """Moving an error into the tree did not change what an ``except`` of its built-in base
    catches."""
    assert issubclass(getattr(errors, name), base)


def test_old_import_paths_of_public_errors_still_work() -> None:
    """Errors documented at their old homes are the same classes there."""
    from payfix.batch import ConservationError, WorkerError
    from payfix.fees import FeeError, ScheduleMismatchError
    from payfix.rules.conditions import ConditionSyntaxError
    from payfix.service.config import ConfigError

    assert (ConservationError, WorkerError, FeeError, ScheduleMismatchError, ConditionSyntaxError,
            ConfigError) == (errors.ConservationError, errors.WorkerError, errors.FeeError,
                             errors.ScheduleMismatchError, errors.ConditionSyntaxError,
                             errors.ConfigError)
