"""uvicorn's HTTP protocol with a deadline for request headers.

uvicorn closes a keep-alive connection idle after an answer (``timeout_keep_alive``), but a
connection that never sends a complete request (opened and left idle, or headers trickled a
byte at a time) is kept open for ever, holding a socket. :func:`protocol_path` names uvicorn's
protocol (``httptools`` when installed, else ``h11``) with one addition: when a connection has
been open, or idle since its last answer, for :func:`header_timeout` seconds without a request
whose headers are complete, it is closed. ``payfix serve --header-timeout`` sets the deadline
(environment variable ``PAYFIX_HEADER_TIMEOUT`` for the worker processes; default 10 s).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["HEADER_TIMEOUT_ENV", "GuardedH11Protocol", "header_timeout", "protocol_path"]

#: Seconds a connection may take to send complete request headers.
HEADER_TIMEOUT_ENV = "PAYFIX_HEADER_TIMEOUT"
DEFAULT_HEADER_TIMEOUT = 10.0


def header_timeout() -> float:
    """The deadline in seconds, from :data:`HEADER_TIMEOUT_ENV` (default 10)."""
    try:
        value = float(os.environ.get(HEADER_TIMEOUT_ENV, DEFAULT_HEADER_TIMEOUT))
    except ValueError:
        return DEFAULT_HEADER_TIMEOUT
    return value if value > 0 else DEFAULT_HEADER_TIMEOUT


class _HeaderDeadline:
    """Mixed into a uvicorn HTTP protocol class (see the module docstring)."""

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any
    _deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(header_timeout(), self._late)

    def _late(self) -> None:
        self._deadline = None
        waiting = self.cycle is None or self.cycle.response_complete  # no request under way
        if waiting and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)  # type: ignore[misc]


class GuardedH11Protocol(_HeaderDeadline, H11Protocol):
    """uvicorn's ``h11`` protocol with the header deadline."""


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools not installed: h11 only
    HAS_HTTPTOOLS = False
else:
    HAS_HTTPTOOLS = True

    class GuardedHttpToolsProtocol(_HeaderDeadline, HttpToolsProtocol):
        """uvicorn's ``httptools`` protocol with the header deadline."""


def protocol_path() -> str:
    """Import path of uvicorn's fastest available HTTP protocol with the header deadline (a
    string, so worker processes import it themselves)."""
    name = "GuardedHttpToolsProtocol" if HAS_HTTPTOOLS else "GuardedH11Protocol"
    return f"{__name__}:{name}"
