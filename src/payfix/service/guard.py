"""Two guards every response passes: API keys compared in constant time, and card numbers masked.

:class:`KeyRing` compares SHA-256 digests of the offered key with every configured key using
:func:`hmac.compare_digest`, always all of them, so neither the key's length nor which key matched
shows in the time taken.

:func:`scrub_json` is the last line of defence on the way out. The core masks the fields it
knows hold personal data; this catches personal data pasted where none was expected (a payee
name, a processor message) and echoed back: every string of the answer goes through
:func:`payfix.masking.mask_text` (card numbers, IBANs, phone numbers, e-mail addresses), keeping
the document valid JSON. Attempt ids (``attempt_id`` and the same id quoted elsewhere: support
staff quote them back, and they hold dates such as ``pay_20260314_1``) get card numbers (any run
of twelve or more digits keeps its last four) and e-mail addresses masked, not shorter digit
runs; the exact ``keep`` strings (the rule pack's hash, its published support addresses) are
left as they are, and so are the hand-off's reference (``reference``, and where a statement
quotes it). Numbers of twelve or more integer digits become masked strings.

Example:
    >>> ring = KeyRing(("correct-horse-1",))
    >>> ring.accepts("correct-horse-1"), ring.accepts("wrong"), ring.accepts(None)
    (True, False, False)
    >>> scrub_card_numbers('{"id": "pay 4111 1111 1111 1111", "at": "2026-05-01T04:30:00Z"}')
    '{"id": "pay ************1111", "at": "2026-05-01T04:30:00Z"}'
    >>> scrub_json('{"input": 4111111111111111, "x": 2.5890419884777833e-42}')
    '{"input":"************1111","x":2.5890419884777833e-42}'
    >>> scrub_json('{"attempt_id": "pay_20260314_1", "name": "ann@example.com +44 20 7946 0958"}')
    '{"attempt_id":"pay_20260314_1","name":"a***@example.com ********0958"}'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from payfix.masking import mask_text

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


def scrub_json(text: str, keep: str | Collection[str] = ()) -> str:
    """The JSON document ``text`` with every string masked (see the module docstring); a
    document in which :func:`payfix.masking.mask_text` finds nothing is returned as it is."""
    kept = frozenset((keep,) if isinstance(keep, str) else keep) - {""}
    if _LONG_DIGITS.search(text) is None and mask_text(text) == text:
        return text
    data = json.loads(text)
    ids = kept | _strings_under(data, "attempt_id")
    # inside a text, a reference and a kept text (the pack's own channels) stay as they are and
    # an attempt id is shown as the id itself is
    refs = {**{ref: ref for ref in _strings_under(data, "reference")},
            **{i: _id_shown(i) for i in ids if len(i) >= 6}, **{k: k for k in kept}}
    refs = dict(sorted(refs.items(), key=lambda item: -len(item[0])))  # the longest first
    return json.dumps(_scrub(data, kept, ids, refs), ensure_ascii=False, separators=(",", ":"))


def _strings_under(data: Any, key: str) -> frozenset[str]:
    """The strings held under ``key`` anywhere in ``data`` (walked without recursion)."""
    found: set[str] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            value = item.get(key)
            if isinstance(value, str):
                found.add(value)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return frozenset(found)


def _id_shown(value: str) -> str:
    """An attempt id as the answer shows it: card numbers masked, and e-mail addresses."""
    value = scrub_card_numbers(value)
    return mask_text(value) if "@" in value else value


def _masked_around(text: str, refs: Mapping[str, str]) -> str:
    """``text`` through :func:`payfix.masking.mask_text`, the hand-off references and kept texts
    in it left as they are (a reference is ten hexadecimal characters, which may look like a
    phone number; an official channel's number is one)."""
    for ref in refs:
        if ref in text:
            return refs[ref].join(_masked_around(part, refs) for part in text.split(ref))
    return mask_text(text)


def _scrub(value: Any, kept: frozenset[str], ids: frozenset[str], refs: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        if value in kept:
            return value
        if value not in ids:
            return _masked_around(value, refs)
        return _id_shown(value)
    if isinstance(value, dict):
        return {scrub_card_numbers(k): _scrub(v, kept, ids, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, kept, ids, refs) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e11:
        whole = str(abs(int(value))) if value == value and abs(value) != float("inf") else ""
        return scrub_card_numbers(whole) if len(whole) >= 12 else value
    return value
