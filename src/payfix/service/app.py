"""The HTTP service: ``create_app(config)`` returns the FastAPI app ``payfix serve`` runs.

| route | auth | what |
|---|---|---|
| ``POST /v1/diagnose?audience=&locale=&from=`` | key | one report (or a processor's object) → diagnosis |
| ``POST /v1/diagnose:batch?audience=&locale=`` | key | ``{"reports": [...]}`` → results in order |
| ``GET /v1/codes/{scheme}/{code}?brand=&locale=`` | key | what a processor code means |
| ``GET /v1/rules`` | key | rule pack id, hash, rule sets, counts, self-test |
| ``GET /healthz`` / ``GET /readyz`` | none | process alive / pack loaded and self-tested |
| ``GET /console``, ``/console/{file}`` | none | the support console's static files |
| ``GET /openapi.json`` | none | the OpenAPI document |
| ``GET /docs``, ``/redoc`` | none | its viewers, only with ``docs=True`` (they load CDN scripts) |

Every error answer is ``{"problems": [{type, loc, msg}, ...]}``. See docs/service.md.

Example:
    >>> from fastapi.testclient import TestClient
    >>> app = create_app(ServiceConfig(api_keys=("doc-key-123",)), prepare="startup")
    >>> with TestClient(app) as client:
    ...     client.get("/v1/rules").status_code, client.get("/readyz").status_code
    (401, 200)
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from payfix._version import __version__
from payfix.diagnosis.codes import BRANDS, lookup_code
from payfix.diagnosis.diagnoser import Diagnoser
from payfix.diagnosis.problemtext import localised
from payfix.errors import CodeLookupError, InvalidReportError, Problem
from payfix.inputs.adapters import SOURCES, adapt
from payfix.inputs.intake import problem_ctx as _ctx
from payfix.masking import mask_text
from payfix.models.diagnosis import Audience
from payfix.rules.channels import placeholder_channels
from payfix.rules.loader import load_pack
from payfix.service.bodies import BodyError, dumps_json, load_body, value_problems
from payfix.service.config import ServiceConfig
from payfix.service.guard import KeyRing, scrub_json
from payfix.service.logs import ensure_handler
from payfix.service.middleware import ServiceMiddleware
from payfix.service.schemas import ProblemsOut, component_schemas, ref
from payfix.service.state import ServiceState
from payfix.service.static import add_console_routes

__all__ = ["create_app"]

_log = logging.getLogger("payfix.service")

Prepare = Literal["background", "startup", "none"]


class _RefusedError(Exception):
    """An answer other than 2xx, raised from a dependency or an endpoint."""

    def __init__(self, status: int, *problems: Problem, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.problems = problems
        self.headers = headers


def _problems(status: int, problems: Iterable[Problem], keep: tuple[str, ...] = (),
              headers: dict[str, str] | None = None) -> Response:
    items = [p.to_dict() for p in problems]
    return Response(scrub_json(dumps_json({"problems": items}), keep), status, headers,
                    "application/json")


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ProblemsOut, "description": "a Host name this service does not answer to"},
    401: {"model": ProblemsOut, "description": "no or wrong X-API-Key"},
    403: {"model": ProblemsOut, "description": "a write sent by another site's page"},
    413: {"model": ProblemsOut, "description": "request body over the size limit"},
    415: {"model": ProblemsOut, "description": "a body not sent as application/json"},
    422: {"model": ProblemsOut, "description": "invalid input; every problem listed"},
    503: {"model": ProblemsOut, "description": "rule pack not loaded and self-tested yet"},
}


def _json_body(name: str, description: str,
               headers: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description,
                            "content": {"application/json": {"schema": ref(name)}}}
    if headers:
        body["headers"] = headers
    return body


def create_app(config: ServiceConfig, *, state: ServiceState | None = None,
               prepare: Prepare = "background") -> FastAPI:
    """The service app.

    Args:
        config: keys, limits, rule pack and engine (:class:`ServiceConfig`).
        state: a prepared (or unprepared) :class:`ServiceState` to share, e.g. between test apps.
        prepare: when the rule pack is self-tested: ``"background"`` (a thread started at
            start-up; ``/healthz`` answers at once, ``/readyz`` once done), ``"startup"`` (before
            the app accepts requests) or ``"none"`` (the caller does it).

    Raises:
        RulePackError: the rule pack does not load (checked here, so a broken pack fails fast).
    """
    config.check()
    if state is None:
        state = ServiceState(config, load_pack(config.rules))
    pack = state.pack if state.pack is not None else load_pack(config.rules)
    state.pack = pack
    keep = (pack.hash, *(address for channel in pack.settings.channels
                         for address in (channel.address, *(a for _, a, _ in channel.localized))))
    locales = tuple(pack.settings.locales)
    ring = KeyRing(config.api_keys)
    ensure_handler()
    if config.no_auth:
        _log.warning("serving without API keys (no_auth): every caller is trusted", extra={
            "fields": {"event": "no_auth", "auth": "none"}})
    for line in placeholder_channels(pack):
        _log.warning(line, extra={"fields": {"event": "placeholder_channel"}})

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not state.ready and prepare == "background":
            threading.Thread(target=state.prepare, name="payfix-self-test", daemon=True).start()
        elif not state.ready and prepare == "startup":
            await run_in_threadpool(state.prepare)
        yield

    app = FastAPI(title="payfix", version=__version__, lifespan=lifespan,
                  docs_url="/docs" if config.docs else None,
                  redoc_url="/redoc" if config.docs else None,
                  description="Why did a payment fail, and what next? Diagnoses failed-payment "
                              "reports with a reviewable rule pack. Send `X-API-Key` on /v1 calls.")
    app.state.payfix = state
    def said(problems: Sequence[Problem], locale: str | None) -> Sequence[Problem]:
        """Problems in the request's locale (one the pack serves), else as found."""
        return localised(problems, pack, locale) if locale in locales else problems

    app.add_middleware(ServiceMiddleware, max_body_bytes=config.max_body_bytes,
                       allowed_hosts=config.allowed_hosts, localise=said)

    key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="one of the service's API keys")

    async def require_key(key: str | None = Security(key_header)) -> None:
        # async: a plain def dependency would cost every request a hop to the thread pool
        if config.no_auth or ring.accepts(key):
            return
        raise _RefusedError(401, Problem("unauthorized", ("header", "X-API-Key"),
                                         "missing or wrong API key: send a valid key in X-API-Key"),
                            headers={"WWW-Authenticate": "X-API-Key"})

    def diagnoser() -> Diagnoser:
        if state.diagnoser is None:
            raise _RefusedError(503, *(state.problems or (Problem(
                "not_ready", (), "the rule pack is still being self-tested; try again shortly"),)))
        return state.diagnoser

    def chosen_locale(locale: str | None) -> str | None:
        if locale is not None and locale not in locales:
            raise _RefusedError(422, Problem("enum", ("query", "locale"),
                                             f"locale must be one of {', '.join(locales)}"))
        return locale

    def json_answer(text: str) -> Response:
        return Response(scrub_json(text, keep), 200, media_type="application/json")

    @app.exception_handler(_RefusedError)
    async def refused(request: Request, error: _RefusedError) -> Response:
        return _problems(error.status, said(error.problems, request.query_params.get("locale")),
                         keep, error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        return _problems(422, said([Problem(str(e.get("type", "invalid")), tuple(e.get("loc", ())),
                                            str(e.get("msg", "")), ctx=_ctx(e.get("ctx")))
                                    for e in error.errors()], request.query_params.get("locale")))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        kind = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return _problems(error.status_code, said([Problem(kind, (), str(error.detail))],
                                                 request.query_params.get("locale")),
                         headers=dict(error.headers or {}))

    auth = [Security(require_key)]
    locale_query = Query(None, description="locale of the texts (default: the pack's)",
                         json_schema_extra={"enum": list(locales)})
    audience_query = Query("customer", description="customer: safe wording, no trace; agent: "
                                                   "reasons, evidence and the rule trace")

    source_query = Query(None, alias="from", json_schema_extra={"enum": ["auto", *SOURCES]},
                         description="the body is this processor's own object (auto: detect it), "
                         "or {\"payload\": <object>, \"context\": <partial report>} with what "
                         "the object does not carry; the Payfix-Source header says what was read")

    @app.post("/v1/diagnose", dependencies=auth, summary="Diagnose one report",
              responses={200: _json_body("Diagnosis", "the diagnosis", headers={
                  "Payfix-Source": {"description": "with from=: the source and object read, "
                                    "e.g. 'stripe; kind=error; detected'",
                                    "schema": {"type": "string"}}}), **_ERRORS},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": {"oneOf": [ref("AttemptReport"), {
                      "type": "object", "title": "ProcessorPayload",
                      "description": "with from=: a processor's own object, or "
                                     "{payload, context}"}]}}}}})
    async def diagnose(request: Request, audience: Audience = audience_query,
                       locale: str | None = locale_query,
                       source: str | None = source_query) -> Response:
        engine, chosen = diagnoser(), chosen_locale(locale)
        if source is not None and source != "auto" and source not in SOURCES:
            accepted = f"auto, {', '.join(SOURCES)}"
            raise _RefusedError(422, Problem("enum", ("query", "from"), "from must be one of "
                                             f"{accepted}", input=source,
                                             ctx={"expected": accepted}))
        body = await request.body()
        try:  # parsing and diagnosing are CPU work: off the event loop, /healthz keeps answering
            text, read = await run_in_threadpool(_diagnose_one, engine, body, audience, chosen,
                                                 source)
        except (BodyError, InvalidReportError) as error:
            return _problems(422, localised(error.problems, engine.pack, chosen), keep)
        answer = json_answer(text)
        if read is not None:
            answer.headers["Payfix-Source"] = read
        return answer

    @app.post("/v1/diagnose:batch", dependencies=auth, summary="Diagnose many reports, in order",
              responses={200: _json_body("BatchResult", "one result per report, in order"),
                         **_ERRORS},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": ref("BatchRequest")}}}})
    async def diagnose_batch(request: Request, audience: Audience = audience_query,
                             locale: str | None = locale_query) -> Response:
        engine, chosen = diagnoser(), chosen_locale(locale)
        reports = await run_in_threadpool(_batch_reports, await request.body(), config.max_batch)
        text = await run_in_threadpool(_diagnose_all, engine, reports, audience, chosen)
        return json_answer(text)

    @app.get("/v1/codes/{scheme}/{code}", dependencies=auth, summary="What a processor code means",
             responses={200: _json_body("CodeInfo", "the code's meaning and advice"),
                        404: {"model": ProblemsOut, "description": "unknown scheme or code"},
                        **_ERRORS})
    async def code_info(scheme: str, code: str,
                        brand: str | None = Query(None, json_schema_extra={"enum": list(BRANDS)},
                                                  description="card brand"),
                        locale: str | None = locale_query) -> Response:
        engine, chosen = diagnoser(), chosen_locale(locale)
        if brand is not None and brand.lower() not in BRANDS:
            raise _RefusedError(422, Problem("enum", ("query", "brand"),
                                             f"brand must be one of {', '.join(BRANDS)}",
                                             ctx={"expected": ", ".join(BRANDS)}))
        try:
            info = lookup_code(scheme, code, brand=brand.lower() if brand else None,
                               pack=engine, locale=chosen)
        except CodeLookupError as error:
            return _problems(404, said([error.problem], chosen), keep)
        return json_answer(info.model_dump_json())

    @app.get("/v1/rules", dependencies=auth, summary="The rule pack being served",
             responses={200: _json_body("RulePackSummary", "pack id, hash, rule sets, counts"),
                        **_ERRORS})
    async def rules() -> Response:
        diagnoser()
        return json_answer(json.dumps(state.summary, ensure_ascii=False))

    @app.get("/healthz", summary="The process is alive", responses={
        200: {"description": "alive", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"status": {"const": "ok"}}}}}}})
    async def healthz() -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @app.get("/readyz", summary="The rule pack is loaded and self-tested", responses={
        200: {"description": "ready", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"status": {"const": "ready"}}}}}},
        503: _ERRORS[503]})
    async def readyz() -> Response:
        diagnoser()
        return json_answer(json.dumps({"status": "ready", "pack": state.summary["id"],
                                       "hash": state.summary["hash"]}))

    add_console_routes(app)
    _install_openapi(app, config)
    return app


def _diagnose_one(engine: Diagnoser, body: bytes, audience: Audience, locale: str | None,
                  source: str | None = None) -> tuple[str, str | None]:
    """One report's diagnosis as JSON, and with ``source`` what was read (the ``Payfix-Source``
    header); the body checked here first (see :mod:`.bodies`)."""
    report = load_body(body, ())
    if source is None:
        return engine.diagnose(report, audience=audience, locale=locale).to_json(), None
    context = None
    if isinstance(report, dict) and "payload" in report and set(report) <= {"payload", "context"}:
        report, context = report["payload"], report.get("context")
    adapted = adapt(report, source, context=context)
    read = f"{adapted.source}; kind={adapted.kind}" + ("; detected" if adapted.detected else "")
    return engine.diagnose(adapted.report, audience=audience, locale=locale).to_json(), read


def _batch_reports(body: bytes, limit: int) -> list[Any]:
    try:  # strings are checked report by report: one bad report fails alone
        data = load_body(body, ("body",), check_values=False)
    except BodyError as error:
        raise _RefusedError(422, *error.problems) from None
    if not isinstance(data, dict):
        raise _RefusedError(422, Problem("model_type", ("body",), "send an object {\"reports\": [...]}"))
    problems = [Problem("extra_forbidden", ("body", mask_text(str(key)[:100])), "unknown field")
                for key in data if key != "reports"]
    reports = data.get("reports")
    if not isinstance(reports, list):
        problems.append(Problem("list_type" if "reports" in data else "missing", ("body", "reports"),
                                "reports must be a list of report objects"))
    elif len(reports) > limit:
        problems.append(Problem("too_long", ("body", "reports"),
                                f"at most {limit} reports in one batch, got {len(reports)}",
                                ctx={"max_length": limit}))
    if problems:
        raise _RefusedError(422, *problems)
    return list(reports or ())


def _diagnose_all(engine: Diagnoser, reports: list[Any], audience: Audience,
                  locale: str | None) -> str:
    parts = []
    for report in reports:
        problems: Any = None
        if not isinstance(report, dict):
            problems = [Problem("model_type", (), "a report is a JSON object")]
        else:
            problems = value_problems(report)
        if not problems:
            try:
                parts.append('{"diagnosis":' + engine.diagnose(report, audience=audience,
                                                               locale=locale).to_json() + "}")
                continue
            except InvalidReportError as error:
                problems = error.problems
            except (ValueError, RecursionError) as error:  # fails this report, not the batch
                problems = [Problem("invalid", (), f"report not usable ({type(error).__name__})")]
        parts.append(dumps_json({"problems": [p.to_dict() for p in localised(
            problems, engine.pack, locale)]}))
    return '{"results":[' + ",".join(parts) + "]}"


def _install_openapi(app: FastAPI, config: ServiceConfig) -> None:
    """The app's OpenAPI document, with the report and diagnosis schemas from the models."""
    cached: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not cached:
            document = get_openapi(title=app.title, version=app.version,
                                   description=app.description, routes=app.routes)
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(component_schemas(config.max_batch))
            cached.update(document)
        return cached

    app.openapi = openapi  # type: ignore[method-assign]

