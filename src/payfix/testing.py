"""Helpers for testing code that embeds payfix: report builders, the rule pack's own test cases
as ready reports, and pytest fixtures.

* :func:`build_report` gives a complete, valid report as a ``dict`` (a EUR 25.00 card purchase at
  a merchant that the issuer declined for insufficient funds, on a phone with a good Wi-Fi
  connection), changed where you say by dotted paths: ``build_report(**{"device.online": False})``.
  :data:`REMOVE` deletes a field. :func:`make_report` does the same and validates the result into
  an :class:`~payfix.models.AttemptReport` (a wrong path is an
  :class:`~payfix.InvalidReportError` naming the field).
* :func:`pack_cases` gives every case of a rule pack's ``tests/`` folder with its report merged,
  for tests that want realistic reports of every situation the pack knows.
* Fixtures ``payfix_pack`` (the bundled pack) and ``payfix_diagnoser`` (a compiled
  :class:`~payfix.Diagnoser` on it), both built once per test session: add
  ``pytest_plugins = ["payfix.testing"]`` to your ``conftest.py``.

There is no clock to fake: a diagnosis takes every time it uses from the report (``attempt.at``,
card expiry, the attempt chain), never from the machine. The builders put the attempt at
:data:`FIXED_AT`; set ``attempt.at`` to move it.

Example:
    >>> data = build_report(**{"device.online": False, "device.connection": "none"})
    >>> data["device"]["online"], data["attempt"]["at"] == FIXED_AT
    (False, True)
    >>> from payfix import Diagnoser
    >>> Diagnoser(engine="compiled").diagnose(data).remedies[0].id
    'network.reconnect'
    >>> make_report(**{"attempt.amount.value": "12.50"}).attempt.amount.value
    Decimal('12.50')
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Final

from payfix.diagnosis.diagnoser import Diagnoser
from payfix.inputs.intake import parse_report
from payfix.models.report import AttemptReport
from payfix.rules.loader import load_pack
from payfix.rules.pack import RulePack
from payfix.ruletests import PackCase, read_cases

__all__ = ["FIXED_AT", "REMOVE", "PackCase", "build_report", "make_report", "pack_cases"]

#: The instant every built report's attempt happens at, unless ``attempt.at`` is given.
FIXED_AT: Final = "2026-03-02T10:15:00Z"


class _Remove:
    """The type of :data:`REMOVE`."""

    def __repr__(self) -> str:
        return "REMOVE"


#: Give a path this value to delete the field (an optional one: a required one makes the report
#: invalid, which is what a test of bad input wants).
REMOVE: Final = _Remove()

_BASE: Final[dict[str, Any]] = {
    "schema_version": "1",
    "attempt": {
        "id": "pay_test_0001",
        "at": FIXED_AT,
        "kind": "purchase",
        "amount": {"value": "25.00", "currency": "EUR"},
        "method": {"type": "debit_card", "credential": "pan",
                   "card": {"brand": "visa", "funding": "debit", "last4": "4242",
                            "expiry_month": 12, "expiry_year": 2030}},
        "payee": {"type": "merchant", "name": "Corner Coffee", "country": "DE"},
        "processor": {"scheme": "iso8583", "brand": "visa", "codes": {"response_code": "51"},
                      "stage": "authorisation"},
        "initiator": "customer",
        "payer_present": True,
    },
    "device": {"online": True, "connection": "wifi", "latency_ms": 40, "signal_level": 4},
    "account": {"status": "active", "country": "DE"},
}


def build_report(base: dict[str, Any] | None = None, /, **paths: Any) -> dict[str, Any]:
    """A report as a ``dict``: ``base`` (default: the module's complete card purchase) deep-copied,
    then each ``"dotted.path": value`` set (objects on the way are created) or, with
    :data:`REMOVE`, deleted. The result is not validated (see :func:`make_report`).

    Raises:
        ValueError: a path runs through a value that is not an object (names the path).

    Example:
        >>> build_report(**{"attempt.amount": {"value": "5", "currency": "JPY"}})["attempt"]["amount"]
        {'value': '5', 'currency': 'JPY'}
        >>> build_report(**{"attempt.kind.x": 1})
        Traceback (most recent call last):
        ...
        ValueError: cannot set 'attempt.kind.x': 'attempt.kind' is a str, not an object
    """
    report = copy.deepcopy(_BASE if base is None else base)
    for path, value in paths.items():
        names = path.split(".")
        node: Any = report
        for depth, name in enumerate(names[:-1]):
            node = node.setdefault(name, {})
            if not isinstance(node, dict):
                at = ".".join(names[:depth + 1])
                raise ValueError(f"cannot set {path!r}: {at!r} is a {type(node).__name__}, "
                                 "not an object")
        if value is REMOVE:
            node.pop(names[-1], None)
        else:
            node[names[-1]] = copy.deepcopy(value)
    return report


def make_report(base: dict[str, Any] | None = None, /, **paths: Any) -> AttemptReport:
    """:func:`build_report`, validated.

    Raises:
        InvalidReportError: the built report is invalid; each problem names its field.

    Example:
        >>> from payfix import InvalidReportError
        >>> try:
        ...     make_report(**{"attempt.amount.valeu": "1"})
        ... except InvalidReportError as error:
        ...     [p.loc for p in error.problems]
        [('attempt', 'amount', 'valeu')]
    """
    return parse_report(build_report(base, **paths))


def pack_cases(overlay: str | Path | None = None) -> tuple[PackCase, ...]:
    """The rule test cases of the bundled pack (or ``overlay`` laid over it), each with its
    merged report, its rule and what it expects (see :mod:`payfix.ruletests`).

    Example:
        >>> case = next(c for c in pack_cases() if c.rule == "network.offline" and c.fires)
        >>> case.report["device"]["online"]
        False
    """
    return read_cases(overlay)


try:
    import pytest
except ImportError:  # pragma: no cover - pytest is a test-time dependency
    pass
else:
    @pytest.fixture(scope="session")
    def payfix_pack() -> RulePack:
        """The bundled rule pack, loaded once per session."""
        return load_pack()

    @pytest.fixture(scope="session")
    def payfix_diagnoser(payfix_pack: RulePack) -> Diagnoser:
        """A compiled :class:`~payfix.Diagnoser` on the bundled pack, built once per session."""
        return Diagnoser(payfix_pack, "compiled")
