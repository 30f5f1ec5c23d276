"""WeChat Pay: a v2 answer (XML, given as the flat object of its elements as the SDKs parse it:
``return_code``, ``result_code``, ``err_code``, ``err_code_des``, ``total_fee`` ...) and a v3
error body (``{"code", "message", "detail"}``).

Codes, as WeChat Pay documents them
(https://pay.weixin.qq.com/wiki/doc/api/micropay.php?chapter=9_10&index=1,
https://pay.weixin.qq.com/docs/merchant/development/interface-rules/error-code.html): v2's
``err_code`` (``NOTENOUGH``, ``USERPAYING`` ...) and v3's ``code`` (``NOT_ENOUGH``,
``ORDER_CLOSED`` ...) are codes of the ``wechatpay`` map. A v2 ``return_code`` ``FAIL`` is a
communication failure (``return_msg`` says why), not a payment answer. v2 amounts
(``total_fee``) are integers of fen, in ``fee_type`` (CNY when absent, as documented).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from payfix.inputs.adapters.base import Reading

NAME = "wechatpay"
TITLE = "WeChat Pay"
KINDS = ("v2", "v3_error")
_V3_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")


def detect(payload: Mapping[str, Any]) -> str | None:
    """``"v2"`` or ``"v3_error"``; ``None`` for no WeChat Pay object."""
    if payload.get("return_code") in ("SUCCESS", "FAIL"):
        return "v2"
    code = payload.get("code")
    if isinstance(code, str) and _V3_CODE.match(code) and "message" in payload \
            and set(payload) <= {"code", "message", "detail"}:
        return "v3_error"
    return None


def read(r: Reading, kind: str) -> None:
    """Fill ``r`` from a WeChat Pay answer of ``kind``."""
    o = r.payload
    if kind == "v3_error":
        r.code_in("decline_code", o, "", "code")
        r.message_in(o, "", "message")
        r.read.add("detail")
        return
    r.text_in(o, "", "return_code", numbers=False)
    if r.text_in(o, "", "result_code", numbers=False) is None and o.get("return_code") == "FAIL":
        r.processor["answered"] = False
        r.processor["stage"] = "network"
    message = r.text_in(o, "", "return_msg", numbers=False)
    r.code_in("decline_code", o, "", "err_code")
    description = r.text_in(o, "", "err_code_des", numbers=False)
    if description is not None or message is not None:
        r.processor["message"] = (description or message or "")[:500]
    transaction = r.text_in(o, "", "transaction_id", numbers=False)
    order = r.text_in(o, "", "out_trade_no", numbers=False)
    r.put("id", transaction or order)  # WeChat Pay's transaction id, else the merchant's order
    currency = r.currency_in(o, "", "fee_type") or ("CNY" if o.get("fee_type") is None else None)
    r.put("amount", r.minor_amount_in(o, "", "total_fee", currency))
    r.assume("kind", "purchase", "a WeChat Pay order is a purchase unless the context says otherwise")
