"""The HTTP service, ``payfix serve`` (needs the extra ``payfix[service]``: FastAPI and uvicorn).

:func:`payfix.service.app.create_app` builds the app from a
:class:`~payfix.service.config.ServiceConfig`; docs/service.md describes the routes, keys, limits
and logs. Nothing is imported here, so ``payfix`` works without the extra.
"""
