"""Alipay (open platform): a response such as ``alipay.trade.pay`` or ``alipay.trade.query``,
in its signed envelope (``{"alipay_trade_pay_response": {...}, "sign": "..."}``) or bare.

Codes, as Alipay documents them (https://opendocs.alipay.com/common/02km9f,
https://opendocs.alipay.com/open/02ekfp): the public ``code`` (``40004`` business failed,
``20000`` service unavailable, ``40002`` invalid parameter ...) says which kind of failure; the
``sub_code`` (``ACQ.BUYER_BALANCE_NOT_ENOUGH``) says which one and is the code of the ``alipay``
map, ``sub_msg`` its text. Amounts (``total_amount``) are decimal strings in yuan (CNY).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from payfix.inputs.adapters.base import OBJECT, Reading

NAME = "alipay"
TITLE = "Alipay"
KINDS = ("response",)


def _envelope(payload: Mapping[str, Any]) -> str | None:
    for key, value in payload.items():
        if isinstance(key, str) and key.startswith("alipay_") and key.endswith("_response") \
                and isinstance(value, OBJECT):
            return key
    return None


def detect(payload: Mapping[str, Any]) -> str | None:
    """``"response"``; ``None`` for no Alipay object."""
    if _envelope(payload) is not None:
        return "response"
    code = payload.get("code")
    if isinstance(code, str) and code.isdigit() and len(code) == 5 and "msg" in payload:
        return "response"
    return None


def read(r: Reading, kind: str) -> None:
    """Fill ``r`` from an Alipay response."""
    key = _envelope(r.payload)
    at, o = (f"{key}.", r.payload[key]) if key is not None else ("", r.payload)
    r.read.add("sign")
    r.code_in("response_code", o, at, "code")
    r.text_in(o, at, "msg", numbers=False)
    r.code_in("sub_code", o, at, "sub_code")
    r.message_in(o, at, "sub_msg")
    trade = r.text_in(o, at, "trade_no", numbers=False)
    order = r.text_in(o, at, "out_trade_no", numbers=False)
    r.put("id", trade or order)  # Alipay's trade number, else the merchant's order number
    r.put("amount", r.decimal_amount_in(o, at, "total_amount", "CNY"))
    r.assume("kind", "purchase", "an Alipay trade is a purchase unless the context says otherwise")
