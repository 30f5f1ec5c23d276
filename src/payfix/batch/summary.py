"""What a replay reports while and after it runs: :class:`Progress` after every committed chunk,
:class:`ReplaySummary` at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

__all__ = ["Progress", "ReplaySummary"]


@dataclass(frozen=True, slots=True)
class ReplaySummary:
    """Totals of a replay (committed chunks of earlier runs included when resuming).

    ``seconds`` and ``rows_per_second`` measure this run only: rows diagnosed in this run divided
    by its wall-clock time. ``whatif`` is the comparison with the baseline pack, if one was given.
    ``unmapped`` lists every code family, field and code of the output the pack has no map entry
    for, with its rows (``{scheme, field, code, rows}``, most rows first).
    """

    rows_in: int
    rows_out: int
    rows_rejected: int
    seconds: float
    rows_per_second: float
    chunks: int
    chunks_resumed: int
    whatif: dict[str, Any] | None = None
    unmapped: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Progress:
    """Reported after each committed chunk: totals so far (resumed chunks included).

    ``fraction`` is how far through the inputs (by bytes read, or rows for Parquet) the run is,
    0..1; ``eta_seconds`` the time left at this run's pace (``None`` until it can be estimated).
    """

    chunk: int
    rows_done: int
    rows_out: int
    rows_rejected: int
    seconds: float
    rows_per_second: float
    fraction: float = 0.0
    eta_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, as printed by ``payfix replay`` when stderr is not a terminal."""
        return {"event": "chunk_committed", "chunk": self.chunk, "rows_done": self.rows_done,
                "rows_out": self.rows_out, "rows_rejected": self.rows_rejected,
                "seconds": round(self.seconds, 3), "rows_per_second": round(self.rows_per_second, 1),
                "fraction": round(self.fraction, 4),
                "eta_seconds": None if self.eta_seconds is None else round(self.eta_seconds, 1)}
