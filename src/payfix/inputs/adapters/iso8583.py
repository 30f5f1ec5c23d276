"""ISO 8583: a response message as the common libraries give it decoded, a mapping from field
number to value: ``{"0": "0110", "39": "51"}`` as moov-io/iso8583 writes it (field ``"0"`` is the
message type) or ``{"t": "0110", "39": "51"}`` as pyiso8583 decodes it (``"t"``).

Field 39 (the response code) is a code of the ``iso8583`` map. The message names no card brand,
and several codes mean different things per brand: give it in the context
(``{"attempt": {"processor": {"brand": "visa"}}}``), with the attempt's amount and time. Field 2
(the card number) is never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payfix.inputs.adapters.base import Reading

NAME = "iso8583"
TITLE = "ISO 8583"
KINDS = ("message",)


def detect(payload: Mapping[str, Any]) -> str | None:
    """``"message"`` for a mapping with field 39 and a message type; ``None`` otherwise."""
    mti = payload.get("0", payload.get("t", payload.get("mti")))
    if "39" in payload and isinstance(mti, str) and len(mti) == 4 and mti.isdigit():
        return "message"
    return None


def read(r: Reading, kind: str) -> None:
    """Fill ``r`` from a decoded ISO 8583 message."""
    o = r.payload
    for key in ("0", "t", "mti"):
        r.text_in(o, "", key)
    r.code_in("response_code", o, "", "39")
    # the retrieval reference number, else the trace number
    r.put("id", r.text_in(o, "", "37", numbers=False) or r.text_in(o, "", "11"))
