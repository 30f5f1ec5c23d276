"""The package follows the pipeline: each module imports only modules of its own layer or below
(foundation → inputs → rules → engines and knowledge → diagnosis → edges), so a lower step never
reaches into a later one. Imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: Layer of each module prefix, lowest first; the longest matching prefix decides.
LAYERS: dict[str, int] = {
    "payfix._version": 0, "payfix.vocab": 0, "payfix.money": 0, "payfix.masking": 0,
    "payfix.errors": 0, "payfix._memo": 0,
    "payfix.models": 1, "payfix.inputs": 1,
    "payfix.rules": 2, "payfix.fees": 2,
    "payfix.engines": 3, "payfix.knowledge": 3,
    "payfix.diagnosis": 4,
    "payfix": 5,  # the package's front door and the edges: cli, ruletests, testing, batch, service, spark
}
NAMES = ("foundation", "inputs", "rules", "engines and knowledge", "diagnosis", "edges")


def layer(module: str) -> int:
    """The layer of ``module`` (a dotted payfix module name)."""
    best = max((prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")),
               key=len)
    return LAYERS[best]


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The payfix modules ``path`` imports (``from payfix import x`` names ``payfix.x`` when that
    is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("payfix"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.startswith("payfix"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                is_module = (SRC / sub.replace(".", "/")).with_suffix(".py").exists() \
                    or (SRC / sub.replace(".", "/")).is_dir()
                found.add(sub if is_module else node.module)
    return found


MODULES = sorted(SRC.joinpath("payfix").rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_module_imports_one_above_its_layer(path: Path) -> None:
    """Every payfix import of this module names a module of the same layer or a lower one."""
    own = layer(module_name(path))
    above = sorted(m for m in imported(path) if layer(m) > own)
    assert not above, (f"{module_name(path)} ({NAMES[own]}) imports "
                       + ", ".join(f"{m} ({NAMES[layer(m)]})" for m in above))


def test_every_module_has_a_layer() -> None:
    """The map covers the whole package: no module falls back to the edges by accident."""
    core = [module_name(p) for p in MODULES if layer(module_name(p)) < 5]
    edges = {module_name(p).split(".")[1] if "." in module_name(p) else "payfix"
             for p in MODULES if layer(module_name(p)) == 5}
    assert edges == {"payfix", "__main__", "cli", "cli_lookup", "cli_words", "ruletests", "testing", "batch",
                     "service", "spark"}, edges
    assert len(core) > 20
