"""The support console's static files (``src/payfix/service/console/``) at ``/console``.

``/console`` and ``/console/`` give ``index.html``; ``/console/{file}`` a file of that folder and
nothing outside it (no parent paths, no hidden files); ``/console/strings.js``, the console's
own words, is made from the rule pack's texts (section ``console``), so a pack that adds a locale
adds it to the console too. No key is needed for the files themselves:
the page sends ``X-API-Key`` on its API calls. Every answer under ``/console`` carries
:data:`CSP` and asks the browser not to sniff types, frame the page or send a referrer.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response

from payfix.rules.pack import RulePack

__all__ = ["CONSOLE_DIR", "CSP", "add_console_routes", "strings_module"]

#: Where the console's files are (shipped inside the wheel).
CONSOLE_DIR = Path(__file__).resolve().parent / "console"

#: The console's Content-Security-Policy: everything from the service's own origin only.
CSP = ("default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
       "script-src 'self'; frame-ancestors 'none'")

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json",
    ".ico": "image/x-icon", ".woff2": "font/woff2", ".txt": "text/plain; charset=utf-8",
}


def console_file(path: str, root: Path = CONSOLE_DIR) -> Path | None:
    """The file ``path`` names inside ``root``, or ``None`` (missing, hidden, or outside it).

    Example:
        >>> console_file("index.html") == CONSOLE_DIR / "index.html"
        True
        >>> console_file("../app.py"), console_file(".hidden"), console_file("index.html\\x00")
        (None, None, None)
    """
    parts = [part for part in path.split("/") if part]
    if not parts or any(part.startswith(".") or "\\" in part or not part.isprintable()
                        for part in parts):  # control characters (a NUL) name no file
        return None
    target = root.joinpath(*parts).resolve()
    if root not in target.parents or not target.is_file():
        return None
    return target


def strings_module(pack: RulePack) -> str:
    """The console's words as the JavaScript module ``/console/strings.js``: every locale of the
    pack's ``console`` texts (each completed from the default locale), default locale first.

    Example:
        >>> from payfix import load_pack
        >>> text = strings_module(load_pack())
        >>> text.startswith('export default {"en": {'), '"zh-CN": {' in text
        (True, True)
    """
    tables = pack.texts["console"]
    default = pack.settings.default_locale
    ordered = {locale: tables[locale] for locale in sorted(tables, key=lambda loc: loc != default)}
    # JSON is a JavaScript expression; "<" escaped so no text can close a script element
    return "export default " + json.dumps(ordered, ensure_ascii=False).replace("<", "\\u003c") + ";\n"


def add_console_routes(app: FastAPI) -> None:
    """Register ``GET``/``HEAD`` ``/console``, ``/console/`` and ``/console/{path}``."""

    def answer(path: str) -> Response:
        target = console_file(path)
        if target is None:
            return Response(b'{"problems":[{"type":"not_found","loc":["path"],'
                            b'"msg":"no such console file"}]}', 404, HEADERS, "application/json")
        media_type = _TYPES.get(target.suffix.lower(), "application/octet-stream")
        return FileResponse(target, media_type=media_type, headers=HEADERS)

    @app.api_route("/console", methods=["GET", "HEAD"], include_in_schema=False)
    @app.api_route("/console/", methods=["GET", "HEAD"], include_in_schema=False)
    async def console_index() -> Response:
        return answer("index.html")

    @app.api_route("/console/strings.js", methods=["GET", "HEAD"], include_in_schema=False)
    async def console_strings() -> Response:
        return Response(strings_module(app.state.payfix.pack), 200, HEADERS,
                        "text/javascript; charset=utf-8")

    @app.api_route("/console/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def console_asset(path: str) -> Response:
        return answer(path)
