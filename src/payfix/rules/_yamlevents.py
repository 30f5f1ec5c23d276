"""libyaml's parser feeding ruamel's composer, for the bundled pack's own files.

Reading a pack is mostly YAML scanning and parsing, which ruamel does in Python (the bundled pack:
about 0.3 of its 0.45 s). PyYAML's binding of libyaml gives the same events (values, quoting
and flow styles, positions in characters) some thirty times faster; :class:`EventParser` hands
them to ruamel's composer and round-trip constructor as ruamel's own events, so the nodes, their
``lc`` positions, quoting and every check the composer makes (size, depth) stay as they were.

The two parsers do not agree on every malformed file: libyaml takes a few that ruamel refuses
(``>-#``, a block scalar opening on a line of spaces, a tab or a byte order mark inside a key). So
only the files payfix ships take this path (:attr:`Source.bundled
<payfix.rules._yamlsrc.Source>`), each checked in the test suite to read the same both ways;
an operator's files are read by ruamel alone, and a pack is accepted or refused the same
whether or not libyaml is installed. Even for a bundled file, ruamel reads it where libyaml is
missing or refuses it, or where the file holds what the parsers are known to place apart or name
differently: an anchor or alias (refused, as ruamel words it), an explicit tag, a ``%`` directive,
an explicit ``?`` key, a tab or another control character, a byte order mark, UTF-16, a NEL or
a Unicode line separator.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

from ruamel.yaml import events as rev
from ruamel.yaml.error import StreamMark
from ruamel.yaml.parser import Parser

_pyyaml: Any = None
_CParser: Any = None
try:  # PyYAML built with libyaml; without it every file takes the pure parser
    _pyyaml = importlib.import_module("yaml")
    _CParser = importlib.import_module("yaml._yaml").CParser
except (ImportError, AttributeError):  # pragma: no cover - no PyYAML, or one without libyaml
    _pyyaml = _CParser = None

__all__ = ["EventParser", "available", "translate"]


def available() -> bool:
    """Whether libyaml's parser can be used here."""
    return _CParser is not None


class _UntranslatedError(Exception):
    """The file holds what this path leaves to the pure parser, or libyaml refused it."""


#: Where the two parsers are known to differ, so the pure parser reads the file: a tab or another
#: control character (ruamel refuses some libyaml takes), a byte order mark (libyaml takes one
#: inside a key), NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR (a line break to one of them), and
#: UTF-16 (a NUL byte). Pack files are UTF-8 text without them.
_SPECIAL = re.compile(rb"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]|\xef\xbb\xbf|\xc2\x85|\xe2\x80[\xa8\xa9]")
#: A ``?`` that may open an explicit key (also matches some in quoted text or comments, which
#: then merely take the pure parser).
_EXPLICIT_KEY = re.compile(rb"(?:^|[\s\[{,\-])\?(?:\s|$)", re.MULTILINE)


def _mark(m: Any) -> StreamMark:
    return StreamMark("<file>", m.index, m.line, m.column)


def translate(data: bytes) -> Iterator[rev.Event]:
    """The events of ``data`` (a UTF-8 file's bytes) as ruamel's event objects, read as they are
    asked for (a composer that stops early reads no further).

    Raises:
        _UntranslatedError: libyaml is missing or refused the text, or the text holds what the
            pure parser reads instead (see the module's description), now or when reached.
    """
    if _pyyaml is None or _CParser is None:
        raise _UntranslatedError("no libyaml")
    if _SPECIAL.search(data) or _EXPLICIT_KEY.search(data):
        raise _UntranslatedError("a character or a construct where the parsers differ")
    return _events(_CParser(data))


def _events(parser: Any) -> Iterator[rev.Event]:
    """Translated events. One position differs between the parsers and is set as ruamel sets it:
    an empty value in a block mapping (``key:`` and nothing after it) sits, for ruamel, where the
    next event starts (libyaml puts it just after the colon)."""
    assert _pyyaml is not None
    levels: list[list[int]] = []  # per open collection: [is a block mapping, events inside]
    held: rev.ScalarEvent | None = None
    try:
        while True:
            try:
                raw = parser.get_event()
            except _pyyaml.YAMLError as error:
                raise _UntranslatedError(str(error)) from None
            if raw is None:
                return
            event = _event(raw)
            if held is not None:
                held.start_mark = held.end_mark = event.start_mark
                yield held
                held = None
            if isinstance(event, rev.CollectionEndEvent):
                levels.pop()
            elif isinstance(event, rev.NodeEvent):
                top = levels[-1] if levels else None
                if top is not None:
                    top[1] += 1
                    if (top[0] and top[1] % 2 == 0 and isinstance(event, rev.ScalarEvent)
                            and event.value == "" and event.style is None
                            and event.start_mark.index == event.end_mark.index):
                        held = event
                        continue
                if isinstance(event, rev.CollectionStartEvent):
                    block_mapping = isinstance(event, rev.MappingStartEvent) and not event.flow_style
                    levels.append([int(block_mapping), 0])
            yield event
    finally:
        parser.dispose()


def _event(e: Any) -> rev.Event:
    y = _pyyaml
    assert y is not None
    if getattr(e, "anchor", None) is not None:  # refused in pack files: ruamel words the problem
        raise _UntranslatedError("an anchor or an alias")
    start, end = _mark(e.start_mark), _mark(e.end_mark)
    if isinstance(e, y.ScalarEvent):
        if e.tag is not None:
            raise _UntranslatedError("tag")
        # libyaml writes a plain scalar's style as "", ruamel as None
        return rev.ScalarEvent(None, None, e.implicit, e.value, start, end, e.style or None)
    if isinstance(e, y.MappingStartEvent | y.SequenceStartEvent):
        if e.tag is not None:
            raise _UntranslatedError("tag")
        kind = rev.MappingStartEvent if isinstance(e, y.MappingStartEvent) else rev.SequenceStartEvent
        return kind(None, None, e.implicit, start, end, e.flow_style)
    if isinstance(e, y.MappingEndEvent):
        return rev.MappingEndEvent(start, end)
    if isinstance(e, y.SequenceEndEvent):
        return rev.SequenceEndEvent(start, end)
    if isinstance(e, y.DocumentStartEvent):
        if e.version is not None or e.tags:
            raise _UntranslatedError("directive")
        return rev.DocumentStartEvent(start, end, e.explicit)
    if isinstance(e, y.DocumentEndEvent):
        return rev.DocumentEndEvent(start, end, e.explicit)
    if isinstance(e, y.StreamStartEvent):
        return rev.StreamStartEvent(start, end, e.encoding)
    if isinstance(e, y.StreamEndEvent):
        return rev.StreamEndEvent(start, end)
    raise _UntranslatedError(type(e).__name__)  # pragma: no cover - libyaml has no other event


class EventParser(Parser):
    """ruamel's parser interface over events translated beforehand (:meth:`feed`)."""

    def __init__(self, loader: Any) -> None:
        super().__init__(loader)
        self._events: Iterator[rev.Event] = iter(())
        self._next: rev.Event | None = None

    def feed(self, events: Iterator[rev.Event]) -> None:
        """The events the next load composes."""
        self._events = events
        self._next = None

    def reset_parser(self) -> None:
        super().reset_parser()
        self._events = iter(())
        self._next = None

    def check_event(self, *choices: Any) -> bool:
        event = self.peek_event()
        if event is None:
            return False
        return not choices or isinstance(event, choices)

    def peek_event(self) -> Any:
        if self._next is None:
            self._next = next(self._events, None)
        return self._next

    def get_event(self) -> Any:
        event = self.peek_event()
        self._next = None
        return event
