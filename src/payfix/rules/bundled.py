"""The bundled rule pack, read once per process and shared by every caller that names no pack.

A :class:`~payfix.rules.pack.RulePack` is immutable, so one loaded copy serves every
:class:`~payfix.Diagnoser` built without a pack, :func:`payfix.diagnose` and the text renderers;
reading the pack's files (about half a second) happens once. :func:`~payfix.load_pack` still reads
the files afresh on every call, for a caller who changed them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from payfix.rules.loader import load_pack
from payfix.rules.pack import RulePack

__all__ = ["bundled_pack", "pack_of"]


@lru_cache(maxsize=1)
def bundled_pack() -> RulePack:
    """The bundled pack, loaded on first use.

    Example:
        >>> bundled_pack() is bundled_pack(), bundled_pack().info.hash == load_pack().info.hash
        (True, True)
    """
    return load_pack()


def pack_of(pack: RulePack | str | Path | None) -> RulePack:
    """The pack a caller names: a loaded pack as it is, an overlay directory laid over the bundled
    pack (read now), or ``None``: the shared :func:`bundled_pack`."""
    if isinstance(pack, RulePack):
        return pack
    return bundled_pack() if pack is None else load_pack(pack)
