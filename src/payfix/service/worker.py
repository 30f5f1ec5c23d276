"""The app factory uvicorn calls in each worker process (``payfix.service.worker:app``).

``payfix serve`` puts its settings in the environment variable ``PAYFIX_SERVICE_CONFIG`` (JSON,
without keys); each worker reads them, reads the keys again (``PAYFIX_API_KEYS`` and the key
file), loads the pack and self-tests it at start-up, before it accepts a connection. With
several workers sharing one port, a worker still self-testing in the background would answer
503 next to ready ones, so a load balancer's ``/readyz`` could not tell; connections made
meanwhile wait in the listen queue.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from payfix.service.app import create_app
from payfix.service.config import CONFIG_ENV, ServiceConfig

__all__ = ["app"]


def app() -> FastAPI:
    """A fresh app from the settings ``payfix serve`` left in the environment."""
    text = os.environ.get(CONFIG_ENV)
    config = ServiceConfig.from_json(text) if text else ServiceConfig()
    return create_app(config, prepare="startup")
