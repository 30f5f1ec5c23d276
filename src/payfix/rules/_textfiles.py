"""Reading the words payfix writes around the pack's remedies (``texts.yaml``): the support
hand-off's statement, labels and reminder, the names of payment methods, the reply to the payer
and the agent's ticket note, per locale.

Every text a locale lacks is taken from the pack's default locale, which must have them all; a
locale the pack does not list, or a text payfix does not know, is a problem. A pack without a
``texts.yaml`` of its own (a base pack made from scratch) uses payfix's bundled one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import Field, StringConstraints

from payfix.rules import _packfiles as pf
from payfix.rules._yamlsrc import Reader, Source, position, suggest
from payfix.rules.pack import PackSettings
from payfix.vocab import AFTER_ACTIONS, KINDS, METHOD_TYPES, REPLY_TEMPLATES

__all__ = ["TEXT_KEYS", "read_texts"]

#: The texts of each section payfix uses: every one is required of the default locale.
TEXT_KEYS: Mapping[str, frozenset[str]] = {
    "handoff": frozenset({
        *KINDS, "wallet_balance", "bank_account", "card", "card_any", "statement", "payee",
        "reason", "debited", "unknown", "account", "history", "retry", "verdict_now",
        "verdict_later", "verdict_never", "verdict_never_same", "after", "hold", "account_email",
        "account_phone", "attempt_id", "time", "amount", "method", "payee_item", "reference",
        "reminder", "tried_history", *(f"after_{action}" for action in AFTER_ACTIONS)}),
    "methods": frozenset({"separator", *METHOD_TYPES}),
    "reply": frozenset({
        "greeting", "happened", "happened_debited", "happened_pending",
        *(f"doing_{template}" for template in REPLY_TEMPLATES), "hold", "you_can", "retry_now",
        "retry_later", "retry_later_unknown", "hear_back_debited", "hear_back_pending",
        "hear_back_now", "hear_back_after", "channels", "never_share", "sign_off", "signature",
        "seconds", "minutes", "hours", "days", "list_separator",
        "sentence_separator", "channel", "reference"}),
    "note": frozenset({
        "head", "reference", "reason", "code", "path", "no_answer", "retry", "escalated",
        "not_escalated", "next", "customer", "nothing", "tried", "list_separator",
        *(f"priority_{p}" for p in ("low", "normal", "high", "urgent"))}),
}
#: Texts a locale may give and payfix uses when given (the account's state, else its code).
OPTIONAL_KEYS: Mapping[str, frozenset[str]] = {
    "handoff": frozenset({"status_locked", "status_frozen", "status_closed"}),
    "methods": frozenset(),
    "reply": frozenset(),
    "note": frozenset(),
}

#: A text may be empty (a separator: Chinese sentences follow each other without a space).
Table = Annotated[dict[pf.Word, Annotated[str, StringConstraints(max_length=2000)]],
                  Field(max_length=200)]


class _TextsFile(pf._File):
    handoff: dict[pf.Locale, Table]
    methods: dict[pf.Locale, Table]
    reply: dict[pf.Locale, Table] = Field(default_factory=dict)
    note: dict[pf.Locale, Table] = Field(default_factory=dict)


def read_texts(src: Source | None, reader: Reader, settings: PackSettings,
               bundled: Source | None = None) -> dict[str, dict[str, dict[str, str]]]:
    """Section -> locale -> text name -> text, each locale completed from the default locale's.
    ``src`` is the pack's ``texts.yaml`` (``None``: ``bundled``, payfix's own, is read).
    Problems are added to ``reader``."""
    src = src if src is not None else bundled
    if src is None:
        return {}
    node = reader.load(src)
    model = reader.model(_TextsFile, node, src) if node is not None else None
    if model is None:
        return {}
    default = settings.default_locale
    out: dict[str, dict[str, dict[str, str]]] = {}
    for section in TEXT_KEYS:
        tables = getattr(model, section)
        known = TEXT_KEYS[section] | OPTIONAL_KEYS[section]
        for locale, table in tables.items():
            at = position(node, (section, locale))
            if locale not in settings.locales:
                reader.add("unknown_locale", f"{section} has locale {locale!r}, which is not in "
                           f"pack.yaml locales{suggest(locale, settings.locales)}", src, at)
            for key in sorted(set(table) - known):
                reader.add("unknown_text", f"{section}.{locale} has {key!r}, a text payfix does "
                           f"not write{suggest(key, tuple(known))}", src, at)
        missing = sorted(TEXT_KEYS[section] - set(tables.get(default, {})))
        if missing:
            reader.add("missing_text", f"{section} of the default locale {default!r} lacks "
                       f"{', '.join(missing)}", src, position(node, (section,)))
            continue
        base = dict(tables[default])
        out[section] = {locale: {**base, **table} for locale, table in tables.items()}
    return out
