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


def placeholder_channels(pack: RulePack, locale: str | None = None) -> tuple[str, ...]:
    """One warning per support channel of ``pack`` that is still a placeholder: the bundled pack's
    example address, or a telephone number reserved for fiction; in ``locale`` (the pack's
    ``rules`` texts; default: its default locale).

    Example:
        >>> from payfix import load_pack
        >>> [line.split(":")[0] for line in placeholder_channels(load_pack())]
        ['channel in_app_chat', 'channel phone']
    """
    bundled = YAML(typ="safe").load((bundled_rules_dir() / "pack.yaml").read_text(encoding="utf-8"))
    examples = {(c.get("kind"), address) for c in bundled.get("channels", ())
                for address in _addresses(c.get("address"))}
    words = pack.texts_for("rules", locale)
    out = []
    for channel in pack.settings.channels:
        if (channel.kind, channel.address) in examples:
            text = words["channel_example"]
        elif channel.kind == "phone" and _FICTIONAL_PHONE.search(channel.address):
            text = words["channel_fiction"]
        else:
            continue
        out.append(text.format(id=channel.id, address=repr(channel.address)))
    return tuple(out)


def _addresses(given: object) -> tuple[object, ...]:
    """A channel's address as ``pack.yaml`` gives it: one text, or one per locale."""
    return tuple(given.values()) if isinstance(given, dict) else (given,)
