"""Shared fixtures: the bundled pack, a diagnoser per engine, the example reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from payfix import Diagnoser, durable_available, load_pack
from payfix.rules.pack import RulePack

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "reports"
ENGINES = ["compiled", "durable"] if durable_available() else ["compiled"]

settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def pack() -> RulePack:
    return load_pack()


@pytest.fixture(scope="session", params=ENGINES)
def diagnoser(request: pytest.FixtureRequest) -> Diagnoser:
    return Diagnoser(engine=request.param, audience="agent")


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
