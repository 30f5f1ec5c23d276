"""Two guards every response passes: API keys compared in constant time, and card numbers masked.

:class:`KeyRing` compares SHA-256 digests of the offered key with every configured key using
:func:`hmac.compare_digest`, always all of them, so neither the key's length nor which key matched
shows in the time taken.

:func:`scrub_card_numbers` is the last line of defence on the way out: any run of twelve or more
digits (spaces or hyphens allowed between them) keeps its last four digits only. The core masks
the fields it knows hold personal data; this catches a card number pasted where none was expected
(a payment id, a payee name, a processor message) and echoed back. :func:`scrub_json` applies
it to every string of a JSON document (numbers of twelve or more digits become masked strings),
keeping the document valid JSON.

Example:
    >>> ring = KeyRing(("correct-horse-1",))
    >>> ring.accepts("correct-horse-1"), ring.accepts("wrong"), ring.accepts(None)
    (True, False, False)
    >>> scrub_card_numbers('{"id": "pay 4111 1111 1111 1111", "at": "2026-05-01T04:30:00Z"}')
    '{"id": "pay ************1111", "at": "2026-05-01T04:30:00Z"}'
    >>> scrub_json('{"input": 4111111111111111, "x": 2.5890419884777833e-42}')
    '{"input":"************1111","x":2.5890419884777833e-42}'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["KeyRing", "scrub_card_numbers", "scrub_json"]

_LONG_DIGITS = re.compile(r"(?<!\d)\d(?:[ -]?\d){11,}")


class KeyRing:
    """The accepted API keys, held as digests; :meth:`accepts` takes the same time for any key."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._digests = tuple(_digest(key) for key in keys)

    def __len__(self) -> int:
        return len(self._digests)

    def accepts(self, offered: str | None) -> bool:
        """Whether ``offered`` is one of the keys (``None`` or empty: never)."""
        probe = _digest(offered or "")
        found = False
        for digest in self._digests:  # no early exit: every key is compared every time
            found |= hmac.compare_digest(probe, digest)
        return found and bool(offered)


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


def _mask(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "*" * (len(digits) - 4) + digits[-4:]


def scrub_card_numbers(text: str, keep: str = "") -> str:
    """``text`` with every run of 12+ digits masked but for its last four; ``keep`` (a known safe
    string such as the rule pack's hash, whose hex may hold long digit runs) is left as it is."""
    if not keep or keep not in text:
        return _LONG_DIGITS.sub(_mask, text)
    return keep.join(_LONG_DIGITS.sub(_mask, part) for part in text.split(keep))


def scrub_json(text: str, keep: str = "") -> str:
    """The JSON document ``text`` with :func:`scrub_card_numbers` applied to every string (keys
    too) and every number of twelve or more integer digits replaced by its masked string. A
    document with no run of twelve digits anywhere is returned as it is (the usual case)."""
    if _LONG_DIGITS.search(text) is None:
        return text
    return json.dumps(_scrub(json.loads(text), keep), ensure_ascii=False, separators=(",", ":"))


def _scrub(value: Any, keep: str) -> Any:
    if isinstance(value, str):
        return scrub_card_numbers(value, keep)
    if isinstance(value, dict):
        return {scrub_card_numbers(k, keep): _scrub(v, keep) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, keep) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e11:
        whole = str(abs(int(value))) if value == value and abs(value) != float("inf") else ""
        return scrub_card_numbers(whole) if len(whole) >= 12 else value
    return value
