"""Errors raised by payfix, and the one shape every problem is reported in.

The exception tree::

    PayfixError
    ├── InvalidReportError (ValueError)    a report failed validation; carries problems
    │   └── InvalidPayloadError            a processor's payload cannot be read as its source documents it
    ├── RulePackError (ValueError)         a rule pack failed to load or lint; carries problems
    ├── CodeLookupError (LookupError)      a processor code look-up found nothing; carries a problem
    │   ├── UnknownSchemeError             no code map for the scheme (the message lists the known ones)
    │   └── UnknownCodeError               the scheme's code map has no entry for the code
    ├── ConditionSyntaxError (ValueError)  a rule condition cannot be parsed (``pos``: where)
    ├── FeeError (ValueError)              a fee cannot be quoted: bad amount or usage
    │   ├── ScheduleMismatchError          the schedule does not cover this payment
    │   └── FeeExceedsAmountError          a fee deducted from the amount is larger than it
    ├── EngineError (RuntimeError)         a rule engine failed (raised from the original error)
    │   └── EngineUnavailableError         the engine asked for cannot be used here
    ├── ConservationError (RuntimeError)   a replay's rows in ≠ rows out + rows rejected
    ├── WorkerError (RuntimeError)         a replay chunk failed twice, or no worker could start
    ├── ReplayRefusedError (ValueError)    a replay refused to start (input, output, resume); a problem
    ├── SynthError (ValueError)            synthetic data cannot be written as asked; carries problems
    ├── ConfigError (ValueError)           the service cannot start with these settings
    ├── BodyError (ValueError)             an HTTP request body cannot be used; carries problems
    └── ReportValueError (ValueError)      a report model's own check refused a value: met only
                                           inside pydantic, reported as a value_error problem

Every problem is a :class:`Problem` in the ``{type, loc, msg, ...}`` shape of pydantic-core:
``type`` is a stable ``snake_case`` slug that code may key on; ``msg`` is for people and may change.
A :class:`Problem` masks what it is given, whoever builds it: the ``str`` parts of ``loc`` (an
unknown field name may be a card number), ``msg`` (bounded, and masked unless the problem is in an
operator's file) and ``input`` (bounded, masked, and always JSON-safe), so every door that reports
problems reports them masked.

Example:
    >>> p = Problem(type="missing", loc=("attempt", "id"), msg="Field required")
    >>> p.render()
    'attempt.id: Field required [missing]'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from payfix.masking import mask_text, shown

__all__ = [
    "BodyError",
    "CodeLookupError",
    "ConditionSyntaxError",
    "ConfigError",
    "ConservationError",
    "EngineError",
    "EngineUnavailableError",
    "FeeError",
    "FeeExceedsAmountError",
    "InvalidPayloadError",
    "InvalidReportError",
    "PayfixError",
    "Problem",
    "ReplayRefusedError",
    "ReportValueError",
    "RulePackError",
    "ScheduleMismatchError",
    "SynthError",
    "UnknownCodeError",
    "UnknownSchemeError",
    "WorkerError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem with an input: a report field, or a place in a rule-pack file.

    Attributes:
        type: stable slug naming the kind of problem (``missing``, ``unknown_fact`` ...).
        loc: path to the offending field (report) or key (rule pack).
        msg: human-readable explanation, saying what is accepted.
        file: rule-pack file the problem is in, if any.
        line: 1-based line in ``file``, if known.
        col: 1-based column in ``file``, if known.
        input: the offending value if it is a scalar: strings are cut to 64 characters and
            masked, numbers of 7 or more digits masked as strings, non-finite floats given as
            strings (``"nan"``, ``"inf"``); objects and lists are not echoed (``loc`` points at
            them).
        ctx: what ``msg`` was written from, for writing it in another language
            (:mod:`payfix.problemtext`): ``key`` names the message when ``type`` alone does not
            (``json_invalid`` ``at`` a line), the rest are its values (``max_length``). Not part
            of the JSON form.

    Example:
        >>> problem = Problem("missing", ("attempt", "amount"), "Field required")
        >>> problem.render()
        'attempt.amount: Field required [missing]'
        >>> problem.to_dict()
        {'type': 'missing', 'loc': ['attempt', 'amount'], 'msg': 'Field required'}
    """

    type: str
    loc: tuple[str | int, ...]
    msg: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    input: Any = field(default=None, compare=False)
    ctx: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        loc = self.loc
        if any(isinstance(part, str) for part in loc):
            object.__setattr__(self, "loc", tuple(
                shown(part) if isinstance(part, str) else part for part in loc))
        msg = self.msg
        if self.file is None:
            msg = shown(msg, MSG_LIMIT)
        elif len(msg) > MSG_LIMIT or not msg.isascii():
            msg = msg[:MSG_LIMIT].encode("utf-8", "backslashreplace").decode("utf-8")
        object.__setattr__(self, "msg", msg)
        object.__setattr__(self, "input", _safe_input(self.input))

    def render(self) -> str:
        """Format as ``file:line:col: msg`` (rule packs) or ``loc: msg [type]`` (reports)."""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.col is not None:
                    where += f":{self.col}"
            return f"{where}: {self.msg}"
        loc = ".".join(str(part) for part in self.loc) or "<root>"
        return f"{loc}: {self.msg} [{self.type}]"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``type``, ``loc``, ``msg``, then position and input when present."""
        out: dict[str, Any] = {"type": self.type, "loc": list(self.loc), "msg": self.msg}
        if self.file is not None:
            out["file"] = self.file
            out["line"] = self.line
            out["col"] = self.col
        if self.input is not None:
            out["input"] = self.input
        return out


#: The longest problem message kept (a message quoting an input of any size is cut here).
MSG_LIMIT = 1000


def _safe_input(value: Any) -> Any:
    """``value`` as a problem may echo it: bounded, masked, and valid in strict JSON."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value.bit_length() > 64:
            return f"<an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits>"
        return value if -10**6 < value < 10**6 else mask_text(str(value))
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return shown(value)
    return None  # objects and lists are not echoed: the loc already points at them


class PayfixError(Exception):
    """Base class of every error payfix raises on purpose.

    Example:
        >>> issubclass(InvalidReportError, PayfixError), issubclass(InvalidReportError, ValueError)
        (True, True)
    """


class ReportValueError(PayfixError, ValueError):
    """A report value a model validator refuses, with what its message is made of: ``key`` names
    the message, ``params`` its values. pydantic reports it as a ``value_error`` whose ``msg`` is
    the English text; the key and values let the message be written in another language.

    Example:
        >>> error = ReportValueError("history_order", "history[0].at is after attempt.at", index=0)
        >>> str(error), error.key, error.params
        ('history[0].at is after attempt.at', 'history_order', {'index': 0})
    """

    def __init__(self, key: str, msg: str, **params: Any) -> None:
        super().__init__(msg)
        self.key = key
        self.params = params


class _ProblemsError(PayfixError):
    """An error that carries a tuple of :class:`Problem` (all of them, not the first)."""

    def __init__(self, summary: str, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = [summary, *(f"  {p.render()}" for p in self.problems)]
        super().__init__("\n".join(lines))


class InvalidReportError(_ProblemsError, ValueError):
    """A report (or a diagnosis request) is invalid; ``problems`` says where and why.

    Example:
        >>> from payfix import parse_report
        >>> try:
        ...     parse_report('{"attempt": {"id": "a1", "at": "2026-03-01T10:00:00Z"}}')
        ... except InvalidReportError as error:
        ...     print([(p.type, ".".join(map(str, p.loc))) for p in error.problems])
        [('missing', 'attempt.kind'), ('missing', 'attempt.amount'), ('missing', 'attempt.method')]
    """


class InvalidPayloadError(InvalidReportError):
    """A processor's payload (a Stripe error, an Adyen notification ...) cannot be read: it is not
    an object of the source named, no source recognises it, or a value is not of the documented
    type. ``problems`` locate it in the source's own object: ``loc`` starts with the source's
    name (``("stripe", "error", "decline_code")``).

    Example:
        >>> from payfix import adapt
        >>> try:
        ...     adapt({"error": {"type": "card_error", "decline_code": ["x"]}}, "stripe")
        ... except InvalidPayloadError as error:
        ...     print(error.problems[0].render())
        stripe.error.decline_code: expected text, got a list [source_type]
    """


class RulePackError(_ProblemsError, ValueError):
    """A rule pack is invalid; ``problems`` lists every problem with file, line and column.

    Example:
        >>> from payfix import load_pack
        >>> try:
        ...     load_pack("no/such/dir")
        ... except RulePackError as error:
        ...     print(error.problems[0].type)
        pack.missing_dir
    """


class CodeLookupError(PayfixError, LookupError):
    """A processor code look-up found nothing; ``problem`` says what, in the ``{type, loc, msg}``
    shape, and ``str(error)`` is its message.

    Example:
        >>> from payfix.diagnosis.codes import lookup_code
        >>> try:
        ...     lookup_code("iso8583", "ZZ9")
        ... except CodeLookupError as error:
        ...     print(error.problem.type, "|", error)
        unknown_code | unknown code 'ZZ9' for scheme 'iso8583'
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.msg)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes, like the built-ins
        return (_rebuild, (type(self), self.__dict__))


class UnknownSchemeError(CodeLookupError):
    """No code map for ``scheme``; ``known`` lists the schemes the pack maps (also in the message).

    Example:
        >>> error = UnknownSchemeError("visa", ("iso8583", "stripe"))
        >>> str(error)
        "unknown scheme 'visa'; known schemes: iso8583, stripe"
        >>> isinstance(error, LookupError), error.problem.type
        (True, 'unknown_scheme')
    """

    def __init__(self, scheme: str, known: Iterable[str], hint: str = "") -> None:
        self.scheme = scheme
        self.known: tuple[str, ...] = tuple(known)
        listed = ", ".join(self.known) or "none"
        typed = shown(scheme)  # what was typed is echoed: bounded, and a pasted card number masked
        super().__init__(Problem("unknown_scheme", ("scheme",),
                                 f"unknown scheme {typed!r}{hint}; known schemes: {listed}",
                                 input=typed, ctx={"scheme": typed, "known": listed}))


class UnknownCodeError(CodeLookupError):
    """``code`` is not in the code map of ``scheme`` (a known scheme).

    Example:
        >>> str(UnknownCodeError("iso8583", "X9"))
        "unknown code 'X9' for scheme 'iso8583'"
    """

    def __init__(self, scheme: str, code: str, hint: str = "") -> None:
        self.scheme = scheme
        self.code = code
        typed = shown(code)
        super().__init__(Problem("unknown_code", ("code",),
                                 f"unknown code {typed!r} for scheme {shown(scheme)!r}{hint}",
                                 input=typed, ctx={"scheme": shown(scheme), "code": typed}))


def _rebuild(cls: type[CodeLookupError], state: dict[str, Any]) -> CodeLookupError:
    error = cls.__new__(cls)
    CodeLookupError.__init__(error, state["problem"])
    error.__dict__.update(state)
    return error


class EngineError(PayfixError, RuntimeError):
    """A rule engine failed while compiling or evaluating rules.

    Example:
        >>> issubclass(EngineUnavailableError, EngineError), issubclass(EngineError, RuntimeError)
        (True, True)
    """


class EngineUnavailableError(EngineError):
    """The engine asked for cannot run here (not installed, or not for this Python).

    Example:
        >>> from payfix import Diagnoser
        >>> try:
        ...     Diagnoser(engine="nope")
        ... except EngineUnavailableError as error:
        ...     print(error)
        unknown engine 'nope'; choose one of auto, durable, compiled
    """


class ConditionSyntaxError(PayfixError, ValueError):
    """A rule condition could not be parsed; ``pos`` is the 0-based offset in the condition text.
    The loader reports it as a ``RulePackError`` problem with the file, line and column."""

    def __init__(self, msg: str, pos: int, **ctx: Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.pos = pos
        #: What ``msg`` is made of (``key`` names which message; see ``Problem.ctx``).
        self.ctx = ctx


class FeeError(PayfixError, ValueError):
    """A fee cannot be quoted: bad amount or usage (base of the fee errors). ``key`` and
    ``params`` say what the message is made of (for writing it in another language).

    Example:
        >>> error = FeeError("fx_rate must be positive", "fx_rate_positive")
        >>> str(error), error.key, error.params
        ('fx_rate must be positive', 'fx_rate_positive', {})
    """

    def __init__(self, msg: str, key: str | None = None, **params: Any) -> None:
        super().__init__(msg)
        self.key = key
        self.params = params


class ScheduleMismatchError(FeeError):
    """The schedule does not cover this payment: other kind, other currency, or out of its dates."""


class FeeExceedsAmountError(FeeError):
    """The fee is deducted from the amount and is larger than it: the payee would get less than 0."""


class ConservationError(PayfixError, RuntimeError):
    """Rows in did not equal rows out plus rows rejected, or the files disagree with the counts."""


class WorkerError(PayfixError, RuntimeError):
    """A chunk failed twice (its worker died or overran the deadline), or no worker could start.

    Chunks committed before it stay committed: resume the run to complete it."""


class ReplayRefusedError(PayfixError, ValueError):
    """A replay refused before it writes anything: an input it cannot read, a place it cannot
    write, a resume of another run. ``problem`` says why, with what its message is made of (so a
    door writes it in another language); ``str()`` is the English message."""

    def __init__(self, key: str, msg: str, **ctx: Any) -> None:
        super().__init__(msg)
        self.problem = Problem("replay", (), msg, ctx={"key": key, **ctx})


class SynthError(PayfixError, ValueError):
    """Synthetic data cannot be written as asked: a profile unknown or invalid, arguments that do
    not go together. ``problems`` say what, each with what its message is made of; ``str()`` is
    the English messages."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(problem.msg for problem in self.problems))


class ConfigError(PayfixError, ValueError):
    """The service cannot start with these settings; the message says what to do. ``problem``
    says it again with what the message is made of (``key`` and values), so ``payfix serve
    --locale`` writes it in another language."""

    def __init__(self, msg: str, key: str = "", **params: Any) -> None:
        super().__init__(msg)
        self.problem = Problem("config", (), msg, ctx={"key": key, **params} if key else None)


class BodyError(PayfixError, ValueError):
    """An HTTP request body cannot be used; ``problems`` says why."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__(problems[0].msg if problems else "invalid body")
        self.problems = problems
