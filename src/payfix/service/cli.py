"""``payfix serve``: the HTTP service's command line (the service itself needs ``payfix[service]``).

Nothing here imports FastAPI or uvicorn until ``serve`` runs, so ``payfix`` works without the
extra.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_subcommands", "run"]

EXIT_OK, EXIT_UNEXPECTED, EXIT_INVALID = 0, 1, 2

_EPILOG = """\
examples:
  PAYFIX_API_KEYS=change-me-long-key payfix serve --port 8080
  payfix serve --api-key-file keys.txt --rules examples/custom_pack --workers 2
  payfix serve --no-auth                       # local experiments only: no key asked
  payfix serve --openapi openapi.json          # write the OpenAPI document and exit

then:
  curl -s localhost:8080/readyz
  curl -s -H 'X-API-Key: change-me-long-key' -H 'Content-Type: application/json' \\
       --data @examples/reports/network_offline.json 'localhost:8080/v1/diagnose?audience=agent'
  open http://localhost:8080/console (support console); /docs (the API) with --docs
keys: PAYFIX_API_KEYS (comma-separated) and/or --api-key-file (one a line, # comments, mode
600); with no key the service refuses to start unless --no-auth is given (never both).
On a loopback address only the Host names localhost, 127.0.0.1 and ::1 are answered; on
another address name the ones clients use with --allowed-host. More: docs/service.md
"""


def add_subcommands(subparsers: Any) -> None:
    """Register ``serve`` on the top-level parser's subparsers."""
    serve = subparsers.add_parser(
        "serve", help="run the HTTP service (needs payfix[service])",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_EPILOG,
        description="Serve diagnoses over HTTP: POST /v1/diagnose, POST /v1/diagnose:batch, "
                    "GET /v1/codes/{scheme}/{code}, GET /v1/rules, /healthz, /readyz and the "
                    "support console at /console. Needs pip install 'payfix[service]'.")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: "
                                                           "127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--rules", default=None, metavar="DIR", help="overlay this pack directory")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--engine", choices=("compiled", "durable", "auto"), default="compiled",
                       help="rule engine (default compiled: same answers, fastest)")
    serve.add_argument("--api-key-file", default=None, metavar="FILE",
                       help="API keys, one a line (added to PAYFIX_API_KEYS)")
    serve.add_argument("--no-auth", action="store_true",
                       help="serve without API keys (never on a shared network)")
    serve.add_argument("--max-body-bytes", type=int, default=1_000_000, metavar="N",
                       help="largest request body accepted (default 1000000; 413 above)")
    serve.add_argument("--max-batch", type=int, default=100, metavar="N",
                       help="most reports in one batch request (default 100; 422 above)")
    serve.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                       help="a Host name clients use (repeat it); default on a loopback address: "
                            "localhost, 127.0.0.1, ::1; elsewhere: any name, with a warning")
    serve.add_argument("--docs", action="store_true",
                       help="serve /docs and /redoc (they load scripts from a CDN; off by default)")
    serve.add_argument("--header-timeout", type=float, default=10.0, metavar="SECONDS",
                       help="close a connection that sends no complete request headers within "
                            "this time (default 10)")
    serve.add_argument("--keep-alive-timeout", type=int, default=5, metavar="SECONDS",
                       help="close a keep-alive connection idle this long (default 5)")
    serve.add_argument("--log-level", choices=("debug", "info", "warning", "error"), default="info")
    serve.add_argument("--openapi", nargs="?", const="-", default=None, metavar="FILE",
                       help="write the OpenAPI document (to FILE, or standard output) and exit")
    serve.add_argument("--locale", default=None, metavar="LOCALE",
                       help="language of the lines serve writes here, e.g. zh-CN (its answers "
                            "follow each request's locale)")


def run(args: argparse.Namespace) -> int:
    """Run the ``serve`` command; returns the exit code."""
    try:
        import uvicorn

        from payfix.service.app import create_app
        from payfix.service.config import CONFIG_ENV, KEYS_ENV, ConfigError, ServiceConfig, load_keys
        from payfix.service.doors import LOOPBACK_NAMES, is_loopback
        from payfix.service.logs import log_config
        from payfix.service.protocol import HEADER_TIMEOUT_ENV, protocol_path
    except ImportError as error:
        print(f"payfix serve needs the service extra: pip install 'payfix[service]' ({error})",
              file=sys.stderr)
        return EXIT_UNEXPECTED
    from payfix.cli_lookup import in_locale
    from payfix.rules.bundled import pack_of

    # the words of serve's own lines (the service's pack may be what is wrong)
    words = pack_of(None).texts_for("text", getattr(args, "locale", None))
    openapi = args.openapi is not None
    loopback = is_loopback(args.host)
    hosts = tuple(args.allowed_host) or (LOOPBACK_NAMES if loopback else ())
    try:
        keys = () if openapi else load_keys(os.environ.get(KEYS_ENV), args.api_key_file)
        config = ServiceConfig(
            rules=args.rules, engine=args.engine, api_keys=keys, api_key_file=args.api_key_file,
            no_auth=args.no_auth or openapi, max_body_bytes=args.max_body_bytes,
            max_batch=args.max_batch, docs=args.docs, allowed_hosts=hosts)
        config.check()
        if args.header_timeout <= 0 or args.keep_alive_timeout <= 0:
            raise ConfigError("--header-timeout and --keep-alive-timeout must be above 0",
                              "timeouts")
    except ConfigError as error:
        said = in_locale([error.problem], args)[0].msg
        print(words["serve_refused"].format(reason=said), file=sys.stderr)
        return EXIT_INVALID
    app = create_app(config, prepare="none")  # loads the pack: a broken one stops here (exit 2)
    if openapi:
        text = json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
        if args.openapi == "-":
            sys.stdout.write(text)
        else:
            Path(args.openapi).write_text(text, encoding="utf-8")
            print(words["serve_wrote"].format(path=args.openapi), file=sys.stderr)
        return EXIT_OK
    if config.no_auth and not loopback:
        print(words["serve_open"].format(host=args.host), file=sys.stderr)
    elif config.no_auth:
        print(words["serve_trusted"], file=sys.stderr)
    if not hosts:
        print(words["serve_any_host"].format(host=args.host), file=sys.stderr)
    os.environ[CONFIG_ENV] = config.to_json()
    os.environ[HEADER_TIMEOUT_ENV] = str(args.header_timeout)
    uvicorn.run("payfix.service.worker:app", factory=True, host=args.host, port=args.port,
                workers=max(args.workers, 1), log_config=log_config(args.log_level),
                access_log=False, server_header=False, proxy_headers=False,
                http=protocol_path(), timeout_keep_alive=args.keep_alive_timeout)
    return EXIT_OK
