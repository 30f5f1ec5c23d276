"""Structured logs: one JSON object a line, personal data kept out.

Access lines carry the method, the route *template* (``/v1/codes/{scheme}/{code}``, never the
values in the path), the status, the duration, the request id and the body size; never a body,
a query string or a header. Every other line (uvicorn's own, errors) goes through
:class:`JsonFormatter`, which masks card numbers, e-mail addresses and phone numbers in the
message.

Example:
    >>> import logging
    >>> record = logging.LogRecord("payfix.service", logging.INFO, __file__, 1,
    ...                            "card %s", ("4111111111111111",), None)
    >>> line = json.loads(JsonFormatter().format(record))
    >>> line["level"], line["msg"]
    ('info', 'card ************1111')
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from payfix.masking import mask_text

__all__ = ["ACCESS_LOGGER", "JsonFormatter", "access_line", "log_config"]

#: Logger of the access lines (one per request).
ACCESS_LOGGER = "payfix.service.access"


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: ``ts``, ``level``, ``logger``, ``msg`` (masked) and the
    record's ``fields`` (an ``extra``), which are written as given: callers put no personal data
    there."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                  + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask_text(record.getMessage()),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__  # the type only: messages may quote input
        return json.dumps(out, ensure_ascii=False, default=str)


def access_line(method: str, path: str, status: int, duration_ms: float, request_id: str,
                bytes_in: int) -> dict[str, Any]:
    """The fields of one access line.

    Example:
        >>> access_line("POST", "/v1/diagnose", 200, 1.23456, "r1", 512)["duration_ms"]
        1.235
    """
    return {"event": "access", "method": method, "path": path, "status": status,
            "duration_ms": round(duration_ms, 3), "request_id": request_id, "bytes_in": bytes_in}


def log_config(level: str = "info") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for uvicorn and the service: JSON lines on stderr,
    uvicorn's own access log off (it would write query strings)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "payfix": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
        },
    }


def ensure_handler() -> None:
    """Give the ``payfix`` logger a JSON stderr handler when nothing configured one (in-process
    use of the app, e.g. under a test client or another ASGI server)."""
    logger = logging.getLogger("payfix")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
