"""The outermost layer of the app (plain ASGI): request ids, Host and cross-site checks
(:mod:`payfix.service.doors`), body size limit, access log, and the last catch for unexpected
errors.

* Every response carries ``X-Request-ID`` (made here; a client-sent id is not trusted or echoed)
  and ``X-Content-Type-Options: nosniff``; ``/v1`` answers ``Cache-Control: no-store``.
* A body over the limit is refused with 413 before it is read in full: at once when
  ``Content-Length`` says so, otherwise as soon as the streamed bytes pass the limit.
* One access line per request (see :mod:`payfix.service.logs`).
* An unexpected error becomes a 500 in the problems shape, logged with its type and request id only
  (an exception's message may quote the input).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from urllib.parse import parse_qs

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from payfix.errors import Problem
from payfix.service.doors import cross_site_problem, host_problem
from payfix.service.logs import ACCESS_LOGGER, access_line

__all__ = ["CLIENT_CLOSED", "ServiceMiddleware", "problems_body"]

#: Status logged for a request whose client went away before it was answered (as nginx does).
CLIENT_CLOSED = 499

#: Headers every answer gets unless it set them itself; ``Cache-Control`` on /v1 answers only
#: (diagnoses quote masked personal data: no cache keeps them).
_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store"))

_access = logging.getLogger(ACCESS_LOGGER)
_errors = logging.getLogger("payfix.service.error")


def problems_body(*problems: Problem) -> bytes:
    """``{"problems": [...]}`` as JSON bytes.

    Example:
        >>> problems_body(Problem("too_large", ("body",), "too big"))
        b'{"problems":[{"type":"too_large","loc":["body"],"msg":"too big"}]}'
    """
    return json.dumps({"problems": [p.to_dict() for p in problems]}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def _too_large(limit: int) -> Problem:
    return Problem("too_large", ("body",), f"request body over the limit of {limit} bytes",
                   ctx={"key": "body", "limit": limit})


#: Writes problems in a locale (``None``: as found): :func:`payfix.diagnosis.problemtext.localised`
#: over the served pack.
Localise = Callable[[Sequence[Problem], "str | None"], Sequence[Problem]]


def _as_found(problems: Sequence[Problem], _: str | None) -> Sequence[Problem]:
    return problems


def _locale(scope: Scope) -> str | None:
    """The ``locale`` the request's query names, if any (checked by the localiser's pack)."""
    query = scope.get("query_string", b"")
    values = parse_qs(query.decode("latin-1")).get("locale") if query else None
    return values[0] if values else None


class _BodyTooLargeError(Exception):
    pass


class ServiceMiddleware:
    """Wraps the app: see the module docstring."""

    def __init__(self, app: ASGIApp, max_body_bytes: int,
                 allowed_hosts: tuple[str, ...] = (), localise: Localise = _as_found) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.allowed_hosts = allowed_hosts
        self.localise = localise

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 0
        bytes_in = 0
        limit = self.max_body_bytes
        api = str(scope.get("path", "")).startswith("/v1/")

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.append((b"x-request-id", request_id.encode()))
                for name, value in _ALWAYS:
                    if name not in names and (name != b"cache-control" or api):
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        async def reply(code: int, *problems: Problem) -> None:
            body = problems_body(*self.localise(problems, _locale(scope)))
            await send_with_id({"type": "http.response.start", "status": code, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send_with_id({"type": "http.response.body", "body": body})

        async def receive_limited() -> Message:
            nonlocal bytes_in
            message = await receive()
            if message["type"] == "http.request":
                bytes_in += len(message.get("body", b""))
                if bytes_in > limit:
                    raise _BodyTooLargeError
            return message

        headers = list(scope.get("headers", ()))
        refused = host_problem(headers, self.allowed_hosts)
        door = (400, refused) if refused else cross_site_problem(str(scope.get("method", "")),
                                                                 headers)
        try:
            declared = _content_length(scope)
            if door is not None:
                await reply(door[0], door[1])
            elif declared is not None and declared > limit:
                await reply(413, _too_large(limit))
            else:
                await self.app(scope, receive_limited, send_with_id)
        except _BodyTooLargeError:
            if status == 0:
                await reply(413, _too_large(limit))
        except ClientDisconnect:
            status = status or CLIENT_CLOSED  # nobody to answer: the access line says so
        except Exception as error:
            _errors.error("unexpected error", extra={"fields": {
                "event": "error", "error": type(error).__name__, "request_id": request_id,
                "path": _route_path(scope)}})
            if status == 0:
                try:
                    await reply(500, Problem(
                        "internal_error", (), f"unexpected error; request id {request_id}",
                        ctx={"request_id": request_id}))
                except OSError:  # the client went away meanwhile
                    status = CLIENT_CLOSED
        finally:
            duration_ms = (time.perf_counter() - started_at) * 1000
            _access.info("access", extra={"fields": access_line(
                scope.get("method", ""), _route_path(scope), status, duration_ms, request_id,
                bytes_in)})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _route_path(scope: Scope) -> str:
    """The matched route's template (``/v1/codes/{scheme}/{code}``), never the values in the path;
    ``<no route>`` for a path no route matched (it could hold anything)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else "<no route>"
