"""Checks on a request before the app sees it: the ``Host`` it names, and whether a browser
sent it from another site.

* **Host.** With allowed names configured (``payfix serve`` sets ``localhost``, ``127.0.0.1`` and
  ``::1`` when it listens on a loopback address, or the ``--allowed-host`` names), a request whose
  ``Host`` header names anything else is refused with 400: a web page elsewhere cannot reach a
  local service by pointing its own DNS name at 127.0.0.1 (DNS rebinding).
* **Cross-site writes.** A ``POST`` (any method but ``GET``, ``HEAD`` and ``OPTIONS``) is refused
  with 403 when the browser says it comes from another site (``Sec-Fetch-Site: cross-site`` or
  ``same-site``, or an ``Origin`` other than the ``Host``), and with 415 when its ``Content-Type``
  is one a page elsewhere can send without asking (``text/plain``, form encodings): the API
  takes ``application/json``.

Example:
    >>> host_problem([(b"host", b"evil.example:8080")], ("localhost", "127.0.0.1")).type
    'host_not_allowed'
    >>> host_problem([(b"host", b"127.0.0.1:8080")], ("localhost", "127.0.0.1")) is None
    True
    >>> cross_site_problem("POST", [(b"host", b"h:1"), (b"content-type", b"text/plain")])[0]
    415
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from payfix.errors import Problem

__all__ = ["LOOPBACK_NAMES", "cross_site_problem", "host_problem", "is_loopback", "normal_host"]

#: The names a service listening on a loopback address answers to.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SIMPLE_TYPES = frozenset({"text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or name to listen on) is this machine only."""
    import ipaddress

    name = normal_host(host)
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def normal_host(value: str) -> str:
    """A ``Host`` header's name, lower case, without its port or IPv6 brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def host_problem(headers: Iterable[tuple[bytes, bytes]], allowed: tuple[str, ...]
                 ) -> Problem | None:
    """The problem with the request's ``Host`` header, or ``None`` (also when ``allowed`` is
    empty: any name)."""
    if not allowed:
        return None
    host = _header(headers, b"host")
    if host is not None and normal_host(host) in {normal_host(name) for name in allowed}:
        return None
    return Problem("host_not_allowed", ("header", "Host"),
                   "this service does not answer to that Host name; allowed: " + ", ".join(allowed))


def cross_site_problem(method: str, headers: Iterable[tuple[bytes, bytes]]
                       ) -> tuple[int, Problem] | None:
    """``(status, problem)`` when a write comes from another site, or ``None``."""
    if method.upper() in _SAFE_METHODS:
        return None
    headers = list(headers)
    fetch_site = (_header(headers, b"sec-fetch-site") or "").lower()
    origin = _header(headers, b"origin")
    host = _header(headers, b"host") or ""
    cross = fetch_site in ("cross-site", "same-site")
    if origin is not None:
        parts = urlsplit(origin)
        cross = cross or origin == "null" or parts.netloc.lower() != host.strip().lower()
    if cross:
        return 403, Problem("cross_site", ("header", "Origin"),
                            "requests from another site's page are refused")
    media_type = (_header(headers, b"content-type") or "").split(";", 1)[0].strip().lower()
    if media_type in _SIMPLE_TYPES:
        return 415, Problem("unsupported_media_type", ("header", "Content-Type"),
                            "send the body as application/json")
    return None
