"""The public surface: `payfix.__all__` is sorted and names exactly the public objects."""

from __future__ import annotations

import inspect
import pkgutil

import payfix


def test_all_is_sorted_and_complete() -> None:
    """Every public name is exported, and the export list is sorted."""
    assert payfix.__all__ == sorted(payfix.__all__)
    public = {name for name in dir(payfix) if not name.startswith("_")}
    modules = {m.name for m in pkgutil.iter_modules(payfix.__path__)}
    assert public - modules == set(payfix.__all__) - {"__version__"}


def test_package_is_typed() -> None:
    """py.typed ships with the package so users' type checkers read payfix's annotations."""
    from importlib import resources

    assert resources.files("payfix").joinpath("py.typed").is_file()


def test_every_exported_object_has_a_docstring_with_an_example() -> None:
    """Each name in ``payfix.__all__`` (but the version string) documents itself with a doctest
    example, which ``--doctest-modules`` runs."""
    lacking = [name for name in payfix.__all__ if name != "__version__"
               and ">>>" not in (inspect.getdoc(getattr(payfix, name)) or "")]
    assert not lacking, f"add an Example: section to {', '.join(lacking)}"
