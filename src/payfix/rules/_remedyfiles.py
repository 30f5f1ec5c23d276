"""Reading the rule pack's remedy catalogue (``remedies.yaml``, and an overlay's additions in
``remedies/*.yaml``) into :class:`~payfix.rules.pack.Remedy` objects, every problem reported
through the loader's reader with its file and position."""

from __future__ import annotations

from typing import Any

from payfix.errors import Problem
from payfix.rules import _packfiles as pf
from payfix.rules._yamlsrc import Reader, Source, closest, position, suggest
from payfix.rules.pack import PackSettings, Remedy, RemedyText
from payfix.vocab import PLACEHOLDER_RE, PLACEHOLDERS, TEXT_PLACEHOLDERS

__all__ = ["read_remedies"]


def read_remedies(main: Source | None, extra: list[Source], reader: Reader,
                  settings: PackSettings) -> dict[str, Remedy]:
    """The catalogue of ``main`` (``remedies.yaml``), then each of ``extra`` (``remedies/*.yaml``,
    in name order): an entry of an extra file adds a remedy, or replaces the one of the same id
    while keeping its place in the catalogue (ties in ranking break by it). Problems are added
    to ``reader``."""
    if main is None:
        reader.problems.append(Problem("pack.missing_file", (), "remedies.yaml not found",
                                       "remedies.yaml"))
        return {}
    out: dict[str, Remedy] = {}
    for src in (main, *extra):
        node = reader.load(src)
        model = reader.model(pf.RemediesFile, node, src) if node is not None else None
        if model is None:
            continue
        seen: set[str] = set()
        for i, entry in enumerate(model.remedies):
            if entry.id in seen:
                reader.add("duplicate_remedy", f"remedy {entry.id!r} is defined twice", src,
                           position(node, ("remedies", i)), id=entry.id)
            seen.add(entry.id)
            _check(reader, src, node, i, entry, settings)
            texts = {loc: RemedyText(t.title, t.steps) for loc, t in entry.text.items()}
            earlier = out.get(entry.id)
            out[entry.id] = Remedy(entry.id, entry.category, entry.weight, entry.self_service,
                                   entry.audience, texts, earlier.order if earlier else len(out),
                                   entry.next_payment)
    return out


def _check(reader: Reader, src: Source, node: Any, i: int, entry: pf.RemedyEntry,
           settings: PackSettings) -> None:
    """One entry against the pack's categories, default locale and placeholders."""
    if entry.category not in settings.categories:
        reader.add("unknown_category", f"category {entry.category!r} is not in pack.yaml "
                   f"categories{suggest(entry.category, settings.categories)}", src,
                   position(node, ("remedies", i, "category")), name=entry.category,
                   hint=closest(entry.category, settings.categories))
    if settings.default_locale not in entry.text:
        reader.add("missing_text", f"remedy {entry.id!r} has no text in the default locale "
                   f"{settings.default_locale!r}", src, position(node, ("remedies", i, "text")),
                   key="remedy", id=entry.id, locale=settings.default_locale)
    for locale, text in entry.text.items():
        for name in PLACEHOLDER_RE.findall(" ".join((text.title, *text.steps))):
            if name not in PLACEHOLDERS and name not in TEXT_PLACEHOLDERS:
                reader.add("unknown_placeholder", f"remedy {entry.id!r} ({locale}): unknown "
                           f"placeholder {{{name}}}{suggest(name, tuple(PLACEHOLDERS))}; "
                           f"known: {', '.join((*PLACEHOLDERS, *TEXT_PLACEHOLDERS))}", src,
                           position(node, ("remedies", i, "text", locale)), key="remedy",
                           id=entry.id, locale=locale, name=f"{{{name}}}",
                           hint=closest(name, tuple(PLACEHOLDERS)),
                           known=", ".join((*PLACEHOLDERS, *TEXT_PLACEHOLDERS)))
