"""The command line's usage errors and help in the reader's language.

argparse writes its errors in English (``the following arguments are required: report``). A
command asked for a locale (``--locale zh-CN`` anywhere on the line) writes them from the pack's
``text`` texts of that locale instead (``arg_*``; the pack is the one ``--rules`` names, else the
bundled one): the frame (``usage:``, ``payfix diagnose: error:``) and every message argparse and
payfix's own argument checks make, with the option names, values and choices as given. A message
the texts do not know stays as argparse wrote it; English output is argparse's own, unchanged.

``--help`` with a locale writes the help from the pack's ``help`` texts: a command's description
is named ``<command>.about`` (``rules.check.about``; the top command is ``payfix``), its closing
lines ``<command>.epilog``, an argument's help ``<command>.<dest>`` (``diagnose.format``), else
``<dest>`` alone for one every command words alike (``rules``), a sub-command's line
``<command>.<name>`` (``payfix.diagnose``); ``help``, ``version``, ``positional``, ``options`` and
``examples`` are argparse's own words. What a locale does not give stays English; option names,
metavars, choices and example command lines are as built.

Example:
    >>> words = {"usage": "用法：", "arg_error": "{prog}：错误：{message}",
    ...          "arg_required": "缺少参数：{args}"}
    >>> said("the following arguments are required: report, --kind", words)
    '缺少参数：report, --kind'
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from payfix.errors import RulePackError
from payfix.rules.bundled import pack_of

__all__ = ["LocalisedParser", "parser_class", "requested", "said"]

#: argparse's messages (as CPython 3.11 to 3.13 write them) and payfix's own argument checks, each
#: with the name of its text (:data:`payfix.vocab.ARG_TEXTS`) and the values it is made of.
_MESSAGES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.S)) for name, pattern in (
        ("arg_required", r"the following arguments are required: (?P<args>.+)"),
        ("arg_unrecognized", r"unrecognized arguments: (?P<args>.*)"),
        ("arg_one_of", r"one of the arguments (?P<args>.+) is required"),
        ("arg_ambiguous", r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)"),
        ("arg_choice", r"argument (?P<arg>.+?): invalid choice: (?P<value>.+) "
                       r"\(choose from (?P<choices>.+)\)"),
        ("arg_value", r"argument (?P<arg>.+?): invalid (?P<type>\S+) value: (?P<value>.+)"),
        ("arg_expected_one", r"argument (?P<arg>.+?): expected one argument"),
        ("arg_expected_at_most_one", r"argument (?P<arg>.+?): expected at most one argument"),
        ("arg_expected_at_least_one", r"argument (?P<arg>.+?): expected at least one argument"),
        ("arg_expected_n", r"argument (?P<arg>.+?): expected (?P<count>\d+) arguments?"),
        ("arg_not_allowed", r"argument (?P<arg>.+?): not allowed with argument (?P<other>.+)"),
        ("arg_ignored", r"argument (?P<arg>.+?): ignored explicit argument (?P<value>.+)"),
        # payfix's own checks of an argument's value (argparse.ArgumentTypeError)
        ("arg_fraction", r"argument (?P<arg>.+?): must be between 0 and 1"),
        ("arg_at_least_one", r"argument (?P<arg>.+?): must be >= 1"),
        ("arg_positive", r"argument (?P<arg>.+?): must be > 0"),
        ("arg_offset", r"argument (?P<arg>.+?): give the time with its UTC offset, .*"),
    ))


def said(message: str, words: Mapping[str, str]) -> str:
    """argparse's ``message`` in ``words`` (the pack's ``text`` texts of a locale); as written when
    it is none of the messages payfix knows."""
    for name, pattern in _MESSAGES:
        found = pattern.fullmatch(message)
        if found is not None and name in words:
            return words[name].format(**found.groupdict())
    return message


class LocalisedParser(argparse.ArgumentParser):
    """An argument parser that writes its usage errors, and its help where :attr:`help_texts`,
    in :attr:`locale` (``None``: argparse's English), from the texts of the pack in
    :attr:`rules` (else the bundled one), read when first needed: a command line that parses
    reads none. Sub-command parsers are made of the same class, so they write in the same
    words."""

    locale: str | None = None
    rules: str | None = None
    help_texts: bool = True

    @classmethod
    def texts(cls) -> tuple[Mapping[str, str] | None, Mapping[str, str] | None]:
        """``(words, helps)``: the pack's ``text`` and ``help`` texts of :attr:`locale` (the first
        of its fallback chain the pack has; ``helps`` empty without :attr:`help_texts`), or
        ``(None, None)`` without a locale. Read once per class."""
        if cls.locale is None:
            return None, None
        cached: tuple[Mapping[str, str], Mapping[str, str]] | None = cls.__dict__.get("_texts")
        if cached is None:
            try:
                pack = pack_of(cls.rules)
            except RulePackError:  # its problems are reported after parsing
                pack = pack_of(None)
            helps = pack.texts_for("help", cls.locale) if cls.help_texts and "help" in pack.texts \
                else {}
            cached = (dict(pack.texts_for("text", cls.locale)), dict(helps))
            cls._texts = cached  # type: ignore[attr-defined]
        return cached

    def format_help(self) -> str:
        helps = self.texts()[1]
        if not helps:
            return super().format_help()
        command = ".".join(self.prog.split()[1:]) or "payfix"
        saved: list[tuple[Any, str | None]] = []
        for action in self._actions:
            actions = [action, *getattr(action, "_choices_actions", ())]
            for item in actions:
                key = f"{command}.{item.dest}"
                text = helps.get(key, helps.get(item.dest)) if item is action else helps.get(key)
                if item.help not in (None, argparse.SUPPRESS) and text is not None:
                    saved.append((item, item.help))
                    item.help = text
        description, epilog = self.description, self.epilog
        self.description = helps.get(f"{command}.about", description)
        if f"{command}.epilog" in helps:
            self.epilog = helps[f"{command}.epilog"]
        elif epilog is not None and epilog.startswith("examples:\n") and "examples" in helps:
            self.epilog = helps["examples"] + epilog[len("examples:"):]
        self._wide = True  # lines wrapped by display width (see _get_formatter)
        try:
            text = super().format_help()
        finally:
            for item, original in saved:
                item.help = original
            self.description, self.epilog, self._wide = description, epilog, False
        return _headings(text, helps)

    #: Whether the help being written is in a locale's words (argparse asks for a formatter when
    #: an argument is added too: that must not read any texts).
    _wide = False

    def _get_formatter(self) -> argparse.HelpFormatter:
        formatter = super()._get_formatter()
        if self._wide:
            formatter._split_lines = _wide_lines  # type: ignore[method-assign]
        return formatter

    def format_usage(self) -> str:
        usage = super().format_usage()
        words = self.texts()[0]
        if words is not None and usage.startswith("usage: "):
            return words["usage"] + usage[len("usage: "):]
        return usage

    def error(self, message: str) -> NoReturn:
        words = self.texts()[0]
        if words is None:
            super().error(message)
        self.print_usage(sys.stderr)
        self.exit(2, words["arg_error"].format(prog=self.prog, message=said(message, words)) + "\n")


#: A run the lines never break inside: a word, a number, an option, a path, a placeholder.
_UNBROKEN = re.compile(r"[\w./:\-\[\]{}'\"$@=+*<>,;()!?%&|#~^`\\]+|\s+|.", re.S)


def _wide_lines(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, a wide (CJK) character taking two: broken
    between wide characters or at spaces, never inside a word of narrow ones."""
    lines: list[str] = []
    line, used = "", 0
    for piece in _UNBROKEN.findall(" ".join(text.split())):
        size = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in piece)
        if piece.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        if used + size > width and line.strip():
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + piece, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _headings(text: str, helps: Mapping[str, str]) -> str:
    """argparse's own headings of a help text in ``helps``' words."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if i == 0 and line.startswith("usage: ") and "usage" in helps:
            lines[i] = helps["usage"] + line[len("usage: "):]
        elif line in ("positional arguments:", "options:") and line[:-1].split()[0] in helps:
            lines[i] = helps[line[:-1].split()[0]]
    return "\n".join(lines)


def requested(argv: Sequence[str]) -> tuple[str | None, str | None]:
    """``(locale, rules)``: the values of ``--locale`` and ``--rules`` on the command line, before
    it is parsed (either ``None`` when absent)."""
    found: dict[str, str | None] = {"--locale": None, "--rules": None}
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        name, eq, value = arg.partition("=")
        if name in found:
            if eq:
                found[name] = value
            elif i + 1 < len(argv):
                found[name] = argv[i + 1]
    return found["--locale"], found["--rules"]


def parser_class(argv: Sequence[str], *, help_texts: bool = True) -> type[LocalisedParser]:
    """The parser class for ``argv``: one that writes in the locale it asks for (the first of its
    fallback chain the pack has; its help too, with ``help_texts``), from the pack it names (the
    bundled one when that pack cannot be read: its problems are reported after parsing). The
    texts are read only if an error or the help is written."""
    locale, rules = requested(argv)
    if locale is None:
        return LocalisedParser
    return type("LocalisedParser", (LocalisedParser,),
                {"locale": locale, "rules": rules, "help_texts": help_texts})
