"""Support channels an operator has not made its own yet: every hand-off names the pack's channels
to customers, so a channel still at the bundled example value (``pack.yaml`` ships examples to
replace) or at a telephone number reserved for fiction is flagged by ``payfix rules check`` and by
the service at start-up."""

from __future__ import annotations

import re

from ruamel.yaml import YAML

from payfix.rules.loader import bundled_rules_dir
from payfix.rules.pack import RulePack

__all__ = ["placeholder_channels"]

#: Telephone numbers reserved for fiction (NANP 555-0100 to 555-0199): never a real channel.
_FICTIONAL_PHONE = re.compile(r"555[\s.-]*01\d\d\s*$")


def placeholder_channels(pack: RulePack) -> tuple[str, ...]:
    """One warning per support channel of ``pack`` that is still a placeholder: the bundled pack's
    example address, or a telephone number reserved for fiction.

    Example:
        >>> from payfix import load_pack
        >>> [line.split(":")[0] for line in placeholder_channels(load_pack())]
        ['channel in_app_chat', 'channel phone']
    """
    bundled = YAML(typ="safe").load((bundled_rules_dir() / "pack.yaml").read_text(encoding="utf-8"))
    examples = {(c.get("kind"), address) for c in bundled.get("channels", ())
                for address in _addresses(c.get("address"))}
    out = []
    for channel in pack.settings.channels:
        if (channel.kind, channel.address) in examples:
            why = "is the bundled example"
        elif channel.kind == "phone" and _FICTIONAL_PHONE.search(channel.address):
            why = "is a number reserved for fiction (555-0100 to 555-0199)"
        else:
            continue
        out.append(f"channel {channel.id}: address {channel.address!r} {why}; every hand-off "
                   "names it to customers: set your own in pack.yaml channels")
    return tuple(out)


def _addresses(given: object) -> tuple[object, ...]:
    """A channel's address as ``pack.yaml`` gives it: one text, or one per locale."""
    return tuple(given.values()) if isinstance(given, dict) else (given,)
