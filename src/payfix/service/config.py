"""The service's settings, and where its API keys come from (no web framework imported here).

Keys come from the environment variable ``PAYFIX_API_KEYS`` (comma-separated) and from a key file
(one key a line; blank lines skipped; ``#`` at the start of a line or after a space begins a
comment; a UTF-8 byte-order mark is ignored). A key file other users can read or write is
refused (``chmod 600`` it). A service with no key refuses to start unless ``no_auth`` is set on
purpose, and ``no_auth`` next to configured keys is refused too (one or the other).

Example:
    >>> config = ServiceConfig(api_keys=("k1",), max_batch=10)
    >>> ServiceConfig.from_json(config.to_json(), {"PAYFIX_API_KEYS": "k1"}) == config
    True
    >>> "k1" in config.to_json()  # keys never travel in the serialised settings
    False
    >>> parse_keys(" a , b,,a ")
    ('a', 'b')
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from payfix.errors import ConfigError

__all__ = [
    "CONFIG_ENV",
    "KEYS_ENV",
    "ConfigError",
    "ServiceConfig",
    "load_keys",
    "parse_keys",
]

#: Comma-separated API keys.
KEYS_ENV = "PAYFIX_API_KEYS"
#: How ``payfix serve`` hands its settings to uvicorn's worker processes (JSON, keys left out).
CONFIG_ENV = "PAYFIX_SERVICE_CONFIG"

#: Keys shorter than this are refused: a short key is a guessable key.
MIN_KEY_LENGTH = 8


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Everything the app needs to know: rule pack, engine, keys and limits.

    Attributes:
        rules: overlay pack directory laid over the bundled pack (``None``: bundled only).
        engine: rule engine of the shared :class:`~payfix.Diagnoser`.
        api_keys: accepted keys (never logged, never serialised by :meth:`to_json`).
        api_key_file: file the keys were read from, re-read by each worker process.
        no_auth: serve without keys (explicitly asked for).
        max_body_bytes: largest request body accepted (413 above it).
        max_batch: most reports in one batch request (422 above it).
        self_test: run the pack's rule test cases before reporting ready.
        docs: serve ``/docs`` and ``/redoc`` (they load scripts from a CDN: off by default).
        allowed_hosts: ``Host`` names accepted (``()``: any); ``payfix serve`` sets the loopback
            names when it listens on a loopback address.
    """

    rules: str | None = None
    engine: str = "compiled"
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    api_key_file: str | None = None
    no_auth: bool = False
    max_body_bytes: int = 1_000_000
    max_batch: int = 100
    self_test: bool = True
    docs: bool = False
    allowed_hosts: tuple[str, ...] = ()

    def to_json(self) -> str:
        """The settings as JSON for worker processes, without the keys themselves."""
        data = asdict(self)
        data.pop("api_keys")
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, environ: Mapping[str, str] | None = None) -> ServiceConfig:
        """Settings from :meth:`to_json`, with the keys read again from ``environ`` and the file."""
        data: dict[str, Any] = json.loads(text)
        data["allowed_hosts"] = tuple(data.get("allowed_hosts", ()))
        config = cls(**data)
        env = os.environ if environ is None else environ
        return replace(config, api_keys=load_keys(env.get(KEYS_ENV), config.api_key_file))

    def check(self) -> None:
        """Raise :class:`ConfigError` when the service must not start with these settings."""
        if not self.api_keys and not self.no_auth:
            raise ConfigError(
                f"no API key configured: set {KEYS_ENV}=key1,key2 or pass --api-key-file FILE; "
                "to serve without authentication (local experiments only) pass --no-auth",
                "no_key", env=KEYS_ENV)
        if self.no_auth and self.api_keys:
            raise ConfigError(
                f"--no-auth given but {len(self.api_keys)} API key(s) are configured: "
                f"unset {KEYS_ENV} and --api-key-file to serve without keys, or drop --no-auth",
                "no_auth_with_keys", count=len(self.api_keys), env=KEYS_ENV)
        short = [k for k in self.api_keys if len(k) < MIN_KEY_LENGTH]
        if short:
            raise ConfigError(f"{len(short)} API key(s) shorter than {MIN_KEY_LENGTH} characters",
                              "short_keys", count=len(short), min=MIN_KEY_LENGTH)
        if self.max_body_bytes < 1024:
            raise ConfigError("--max-body-bytes must be at least 1024", "max_body", min=1024)
        if self.max_batch < 1:
            raise ConfigError("--max-batch must be at least 1", "max_batch")


def parse_keys(text: str | None) -> tuple[str, ...]:
    """Keys from a comma-separated list, stripped, de-duplicated, in order."""
    return _unique(part.strip() for part in (text or "").split(","))


def load_keys(env_value: str | None, key_file: str | Path | None) -> tuple[str, ...]:
    """Keys from the environment variable's value and the key file (one a line, ``#`` comments).

    Raises:
        ConfigError: the key file cannot be read.
    """
    keys = list(parse_keys(env_value))
    if key_file is not None:
        try:
            mode = Path(key_file).stat().st_mode
            lines = Path(key_file).read_text(encoding="utf-8-sig").splitlines()
        except OSError as error:
            reason = error.strerror or str(error)
            raise ConfigError(f"cannot read the API key file {key_file}: {reason}", "key_file",
                              file=str(key_file), reason=reason) from None
        except UnicodeDecodeError:
            raise ConfigError(f"the API key file {key_file} is not UTF-8 text", "key_file_utf8",
                              file=str(key_file)) from None
        if os.name == "posix" and mode & (stat.S_IROTH | stat.S_IWOTH | stat.S_IWGRP):
            raise ConfigError(
                f"the API key file {key_file} can be read or changed by other users "
                f"(mode {stat.S_IMODE(mode):04o}): run chmod 600 {key_file}", "key_file_mode",
                file=str(key_file), mode=f"{stat.S_IMODE(mode):04o}")
        keys += [_COMMENT.split(line, maxsplit=1)[0].strip() for line in lines]
    return _unique(keys)


#: A comment in a key file: ``#`` at the start of a line or after white space (a ``#`` inside a
#: key is part of it).
_COMMENT = re.compile(r"(?:^|\s)#")


def _unique(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for k in keys if k))
