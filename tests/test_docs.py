"""The documentation site builds strict, and its generated pages match what payfix says today.

Generated pages (docs/cli.md, docs/wire-format.md, docs/exceptions.md, docs/catalogue.md) are
checked in; refresh them all with ``python docs/_ext/payfix_gen.py``.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from payfix.rules.conditions import parse
from payfix.rules.loader import typecheck
from payfix.rules.pack import RulePack
from payfix.ruletests import run_rule_tests

from .conftest import ROOT

DOCS = ROOT / "docs"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("payfix_gen", DOCS / "_ext" / "payfix_gen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_build_strict_without_a_warning(tmp_path: Path) -> None:
    """`sphinx -W` builds docs/ into HTML with no warning at all: every page in a toctree, every
    link and anchor resolves, every included file exists (this is how CI keeps the docs building)."""
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT)
    assert "WARNING" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    built = {path.stem for path in (tmp_path / "html").glob("*.html")}
    assert {"index", "quickstart", "concepts", "cli", "wire-format", "catalogue", "exceptions",
            "custom-rules", "changelog", "performance"} <= built


@pytest.mark.parametrize("page", ["cli.md", "wire-format.md", "exceptions.md"])
def test_generated_page_is_fresh(page: str) -> None:
    """Each generated reference page equals what the generator writes from the code today."""
    fresh = _generator().PAGES[page]()
    stored = (DOCS / page).read_text(encoding="utf-8")
    assert stored == fresh, f"docs/{page} is stale: run `python docs/_ext/payfix_gen.py` and commit it"


def test_every_page_is_in_the_table_of_contents() -> None:
    """index.md names every page in docs/, so none is built but unreachable."""
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([a-z][a-z0-9-]*)$", index, re.M))
    pages = {path.stem for path in DOCS.glob("*.md")} - {"index"}
    assert pages <= listed, f"add to a toctree in docs/index.md: {sorted(pages - listed)}"


def test_custom_rules_tutorial_works_as_written(tmp_path: Path) -> None:
    """The files docs/custom-rules.md tells a user to write make a pack that loads and whose own
    cases pass, with the settings edit the page shows."""
    page = (DOCS / "custom-rules.md").read_text(encoding="utf-8")
    root = tmp_path / "my_rules"
    (root / "tests").mkdir(parents=True)
    settings = (ROOT / "rules" / "pack.yaml").read_text(encoding="utf-8")
    for line in re.search(r"```yaml\n(name: .*?)```", page, re.S).group(1).splitlines():  # type: ignore[union-attr]
        key = line.split(":", 1)[0]
        settings, count = re.subn(rf"^{key}: .*$", line, settings, count=1, flags=re.M)
        assert count == 1, key
    (root / "pack.yaml").write_text(settings, encoding="utf-8")
    written = []
    for block in re.findall(r"```yaml\n(# my_rules/.*?)```", page, re.S):
        target = tmp_path / block.splitlines()[0][2:]
        target.write_text(block, encoding="utf-8")
        written.append(target.name)
    assert written == ["bills.yaml", "bills.yaml"]
    result = run_rule_tests(root)
    assert result.failures == ()
    assert {c.rule for c in result.cases} >= {"bills.due_bill_short_of_funds"}


def test_quickstart_python_runs_as_written(tmp_path: Path) -> None:
    """The Python example of docs/quickstart.md runs from the repository root and prints remedies."""
    page = (DOCS / "quickstart.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", page, re.S).group(1)  # type: ignore[union-attr]
    script = tmp_path / "quickstart.py"
    script.write_text(code, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("1 ")


def test_generator_writes_every_page_into_a_directory(tmp_path: Path) -> None:
    """`python docs/_ext/payfix_gen.py DIR` writes each generated page, identical to the stored one."""
    assert _generator().main([str(tmp_path)]) == 0
    for page in ("cli.md", "wire-format.md", "exceptions.md", "catalogue.md"):
        assert (tmp_path / page).read_text(encoding="utf-8") == (DOCS / page).read_text(encoding="utf-8")


def test_rule_pack_examples_are_valid_conditions(pack: RulePack) -> None:
    """Every condition in the examples table of docs/rule-packs.md parses and type-checks against
    the bundled pack's facts, reasons and thresholds."""
    page = (DOCS / "rule-packs.md").read_text(encoding="utf-8")
    table = page.split("## Examples", 1)[1].split("\n## ", 1)[0]
    conditions = re.findall(r"^\| `(.+?)` \|", table, re.M)
    assert len(conditions) >= 5
    for text in conditions:
        condition = parse(text, pack.settings.thresholds)
        assert typecheck(condition, pack.settings.reasons) == [], text


def test_generator_examples_run() -> None:
    """The examples in the docstrings of docs/_ext/payfix_gen.py hold (it is outside src/, so the
    doctest run over src/payfix does not reach it)."""
    result = doctest.testmod(_generator(), optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5
    assert result.failed == 0
