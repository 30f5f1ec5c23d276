"""Reading the rule pack's code maps (``codes/*.yaml``) into :class:`~payfix.rules.pack.CodeMap`
objects, every problem reported through the loader's reader with its file and position."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from itertools import pairwise
from typing import Any

from payfix.rules import _packfiles as pf
from payfix.rules._yamlsrc import Reader, Source, closest, position, suggest
from payfix.rules.pack import CodeEntry, CodeMap
from payfix.vocab import CHANGES_REQUEST

__all__ = ["read_code_maps"]


def read_code_maps(sources: list[Source], reader: Reader, reasons: tuple[str, ...],
                   after_actions: Mapping[str, Mapping[str, str]]) -> dict[str, CodeMap]:
    """The code maps of already-read files, by scheme; problems are added to ``reader`` (the
    loader passes its own, so they are listed with every other pack problem). ``reasons`` is the
    pack's closed vocabulary every entry's reason must come from; ``after_actions`` gives an
    entry without ``after`` its action by reason and ``fix_by`` (``after: none`` says there is
    none).

    An entry's ``retry`` is the verdict for the same request: when its action changes the request
    (:data:`~payfix.vocab.CHANGES_REQUEST`: corrected data, an authentication, a new order ...) the
    same request is refused, and any verdict but ``never`` is a problem (``retry_contradicts_after``).

    A file with ``merge: true`` adds its entries to the map of its scheme, each replacing the entry
    of the same code (an operator's additions, without copying the bundled file); it names the
    source of its own entries, and takes ``fields`` and ``code_form`` from the map it extends. Its
    entries keep their own file and line, so a diagnosis they decide names the operator's file."""
    out: dict[str, CodeMap] = {}
    merges = []
    for src in sources:
        node = reader.load(src)
        model = reader.model(pf.CodeMapFile, node, src) if node is not None else None
        if model is None:
            continue
        if model.merge:
            merges.append((src, node, model))
            for key in ("fields", "code_form"):
                if key in model.model_fields_set:
                    reader.add("merge_redefines", f"{key}: a merge: true file takes {key} from the "
                               "map it adds to; remove it here (change it in that map)", src,
                               position(node, (key,)), name=key)
            continue
        if model.scheme in out:
            reader.add("duplicate_scheme", f"scheme {model.scheme!r} is mapped in two files",
                       src, position(node, ("scheme",)), scheme=model.scheme)
        if not model.fields:
            reader.add("missing_fields", "fields: list the report code fields this map answers, "
                       "most specific first (only a merge: true file may leave them out)", src,
                       position(node, ("scheme",)))
        codes, dated = _codes(reader, src, node, model, reasons, after_actions, None)
        form = model.code_form
        out[model.scheme] = CodeMap(model.scheme, model.source, model.fields, codes, src.shown,
                                    form.width if form else None,
                                    bool(form and form.case == "upper"), dated)
    for src, node, model in merges:
        base = out.get(model.scheme)
        if base is None:
            reader.add("merge_without_map", f"merge: true adds to the map of scheme "
                       f"{model.scheme!r}, which the pack does not have (a file at the same path "
                       "as a bundled map replaces it: give the additions a name of their own, "
                       f"e.g. codes/{model.scheme}_additions.yaml)", src, position(node, ("scheme",)),
                       scheme=model.scheme)
            continue
        codes, dated = _codes(reader, src, node, model, reasons, after_actions, src.shown)
        out[model.scheme] = replace(
            base, codes={**base.codes, **codes},
            dated={**{k: v for k, v in base.dated.items() if k not in codes}, **dated},
            source=f"{base.source}; {model.source} ({src.shown})")
    return out


def _codes(reader: Reader, src: Source, node: Any, model: pf.CodeMapFile,
           reasons: tuple[str, ...], after_actions: Mapping[str, Mapping[str, str]],
           file: str | None) -> tuple[dict[str, CodeEntry], dict[str, tuple[CodeEntry, ...]]]:
    """The entries of one file (``file``: theirs when they join another file's map), and those
    of its codes whose meaning carries dates."""
    codes: dict[str, CodeEntry] = {}
    dated: dict[str, tuple[CodeEntry, ...]] = {}
    for code, value in model.codes.items():
        many = isinstance(value, list)
        entries = []
        for i, entry in enumerate(value if isinstance(value, list) else [value]):
            pos = position(node, ("codes", code, i) if many else ("codes", code))
            entries.append(_entry(reader, src, code, entry, pos, reasons, after_actions, file))
        if _dates_in_order(reader, src, code, entries, position(node, ("codes", code))):
            codes[code] = entries[-1]
            if many or entries[0].valid_from or entries[0].valid_until:
                dated[code] = tuple(entries)
    return codes, dated


def _entry(reader: Reader, src: Source, code: str, entry: pf.CodeEntryFile,
           pos: tuple[int, int] | None, reasons: tuple[str, ...],
           after_actions: Mapping[str, Mapping[str, str]], file: str | None) -> CodeEntry:
    """One meaning of ``code``, checked against the pack's vocabulary (``file``: its own, when it
    joins another file's map)."""
    if entry.reason not in reasons:
        reader.add("unknown_reason", f"code {code!r}: reason {entry.reason!r} is not in "
                   f"pack.yaml reasons{suggest(entry.reason, reasons)}", src, pos, key="code",
                   code=code, name=entry.reason, hint=closest(entry.reason, reasons))
    if entry.retry == "later" and entry.wait_s is None:
        reader.add("missing_wait", f"code {code!r}: retry 'later' needs wait_s", src, pos, code=code)
    by = after_actions.get(entry.reason, {})
    after = None if entry.after == "none" else entry.after or by.get(entry.fix_by) or by.get("*")
    if after in CHANGES_REQUEST and entry.retry != "never":
        reader.add("retry_contradicts_after", f"code {code!r}: retry {entry.retry!r}, yet "
                   f"the request must change first ({after}); retry is the verdict for the "
                   "same request: 'never', with the action saying what makes a new one "
                   "succeed", src, pos, code=code, retry=entry.retry, after=after)
    return CodeEntry(entry.reason, entry.retry, entry.wait_s, entry.customer_safe, entry.fix_by,
                     (pos[0] + 1) if pos else 0, entry.note, entry.category, entry.escalate, after,
                     entry.valid_from, entry.valid_until, file)


def _dates_in_order(reader: Reader, src: Source, code: str, entries: list[CodeEntry],
                    pos: tuple[int, int] | None) -> bool:
    """The meanings of one code follow each other: each ends before the next begins (a meaning
    without ``valid_until`` is the last, one without ``valid_from`` the first)."""
    for entry in entries:
        if entry.valid_from and entry.valid_until and entry.valid_from > entry.valid_until:
            reader.add("dates_out_of_order", f"code {code!r}: valid_from {entry.valid_from} is "
                       f"after valid_until {entry.valid_until}", src, pos, key="reversed", code=code,
                       since=str(entry.valid_from), until=str(entry.valid_until))
            return False
    for earlier, later in pairwise(entries):
        if earlier.valid_until is None or later.valid_from is None \
                or earlier.valid_until >= later.valid_from:
            reader.add("dates_out_of_order", f"code {code!r}: its meanings must follow each other "
                       "in time, oldest first: each but the last needs valid_until, each but the "
                       "first valid_from, and each must end before the next begins", src, pos,
                       key="sequence", code=code)
            return False
    return True
