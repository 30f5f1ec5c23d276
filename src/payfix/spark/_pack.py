"""The rule pack as it travels with a Spark job: loaded and checked on the driver, shipped as bytes.

The driver loads the pack once (bundled pack, optionally with an operator overlay read from the
driver's disk), checks it, and pickles the loaded :class:`~payfix.rules.pack.RulePack`. The bytes go into
the closure of the batch function, so executors never read a file: each Python worker process
unpickles the pack and builds its :class:`~payfix.Diagnoser` the first time it sees the pack's
hash, and reuses it for every later batch and task (Spark reuses Python workers by default).

Example:
    >>> from payfix.rules.loader import load_pack
    >>> shipped = ShippedPack.load()
    >>> shipped.hash == load_pack().hash
    True
    >>> shipped.diagnoser("compiled", "agent") is shipped.diagnoser("compiled", "agent")
    True
"""

from __future__ import annotations

import pickle
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from payfix._version import __version__
from payfix.rules.pack import RulePack

if TYPE_CHECKING:
    from payfix.diagnosis.diagnoser import Diagnoser
    from payfix.models.diagnosis import Audience

__all__ = ["ShippedPack"]

_CACHE: dict[tuple[str, str, str], Diagnoser] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class ShippedPack:
    """A loaded rule pack as bytes, with its hash and the payfix version that pickled it.

    ``data`` is the pickled :class:`~payfix.rules.pack.RulePack` (about 80 kB for the bundled pack).
    Executors must run the same payfix version as the driver; :meth:`diagnoser` says so clearly
    instead of failing inside pickle.
    """

    hash: str
    payfix_version: str
    data: bytes

    @classmethod
    def load(cls, pack: RulePack | str | Path | None = None) -> ShippedPack:
        """Load (overlay directory or ``None`` for the bundled pack) or take a loaded pack, and pickle it.

        Raises:
            RulePackError: the pack has problems (raised on the driver, before any job starts).
        """
        from payfix.rules.loader import load_pack

        loaded = pack if isinstance(pack, RulePack) else load_pack(pack)
        return cls(loaded.hash, __version__, pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL))

    def pack(self) -> RulePack:
        """The unpickled rule pack.

        Raises:
            RuntimeError: this process runs another payfix version than the one that shipped it.
        """
        if self.payfix_version != __version__:
            raise RuntimeError(f"the rule pack was shipped by payfix {self.payfix_version} but this "
                               f"worker runs payfix {__version__}; install the same payfix on the "
                               "driver and the executors (docs/spark.md)")
        loaded = pickle.loads(self.data)
        if not isinstance(loaded, RulePack) or loaded.hash != self.hash:
            raise RuntimeError("the shipped rule pack is damaged: its hash does not match")
        return loaded

    def diagnoser(self, engine: str, audience: Audience) -> Diagnoser:
        """This process's Diagnoser for the pack, engine and audience; built on first use only."""
        from payfix.diagnosis.diagnoser import Diagnoser

        key = (self.hash, engine, audience)
        with _LOCK:
            found = _CACHE.get(key)
            if found is None:
                found = _CACHE[key] = Diagnoser(self.pack(), engine, audience=audience, trace=False)
            return found
