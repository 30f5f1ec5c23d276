"""Bounded memos of pure functions, shared by the diagnoser and the fee code.

A memo is a plain dict cleared whole when it reaches its bound: it holds immutable results only,
so clearing it changes speed, never an answer, and concurrent threads at worst compute a value
twice. :func:`remember_for` keys by an object's identity (hashing a pydantic model costs more
than the lookup saves) and keeps the object in the entry, so its id cannot be reused while the
entry lives.

Example:
    >>> memo: dict[tuple[object, ...], tuple[object, int]] = {}
    >>> owner = object()
    >>> remember_for(memo, owner, ("a",), lambda: 1, 8), remember_for(memo, owner, ("a",), lambda: 2, 8)
    (1, 1)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

__all__ = ["remember", "remember_for"]

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


def remember(memo: dict[_K, _V], key: _K, value: _V, bound: int) -> None:
    """Store ``value`` under ``key``, clearing ``memo`` first when it holds ``bound`` entries."""
    if len(memo) >= bound:
        memo.clear()
    memo[key] = value


def remember_for(memo: dict[tuple[object, ...], tuple[object, _V]], owner: object,
                 key: tuple[Hashable, ...], make: Callable[[], _V], bound: int) -> _V:
    """The value remembered for ``owner`` (by identity) and ``key``, made by ``make()`` the first
    time."""
    full = (id(owner), *key)
    entry = memo.get(full)
    if entry is None or entry[0] is not owner:
        entry = (owner, make())
        remember(memo, full, entry, bound)
    return entry[1]
