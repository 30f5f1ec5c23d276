"""What an error may echo is bounded and masked, the masker's work is linear in its input, and
problems are always strict JSON: no input, however large or odd, stalls a worker or breaks an
output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payfix import masking
from payfix.errors import MSG_LIMIT, InvalidReportError, Problem
from payfix.inputs.intake import parse_report

from .conftest import EXAMPLES

try:  # the parser of the re module (sre_parse before Python 3.11)
    from re import _constants as re_constants  # type: ignore[attr-defined]
    from re import _parser as re_parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as re_constants
    import sre_parse as re_parser

#: Inputs that made a pattern rescan a long run from every position (1 MB each), as source.
ADVERSARIAL = """["1" * 2**20, "1 " * 2**19, "a" * 2**20, "A1" * 2**19, "@" * 2**20, "a@" * 2**19,
               "+1" * 2**19, "1-" * 2**19, "AB12" * 2**18, "AB12 " * 200_000,
               ("AB12" + "A" * 40 + " ") * 23_000, "a@" + "a." * 2**19, "(1" * 2**19,
               "a.b+c-1 @x." * 95_000]"""

_GUARD = """
import sys
from payfix.masking import mask_id, mask_pans, mask_text, shown
from payfix import masking
from payfix.errors import Problem
for text in ADVERSARIAL:
    for mask in (mask_text, mask_id, mask_pans, shown):
        mask(text)
    Problem("x", (text,), text, input=text).to_dict()
print("ok")
"""


def test_masking_a_megabyte_of_adversarial_text_finishes() -> None:
    """Every masker and a Problem built from them finish on 1 MB of each adversarial shape (digit,
    letter, ``@`` and IBAN-like runs): a hang guard of 120 s in a child process fails the test
    instead of hanging (the e-mail pattern took about 11 minutes per megabyte)."""
    code = f"ADVERSARIAL = {ADVERSARIAL}\n{_GUARD}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def _report(**attempt: object) -> dict[str, object]:
    report = json.loads((EXAMPLES / "network_offline.json").read_text(encoding="utf-8"))
    report["attempt"].update(attempt)
    return report


def test_an_invalid_schema_version_is_echoed_bounded() -> None:
    """A 200 KB ``schema_version`` of card-like digits is named in a message of bounded size that
    shows no run of its digits: the input is cut before it is quoted and masked."""
    report = _report()
    report["schema_version"] = "4111" * 50_000
    with pytest.raises(InvalidReportError) as caught:
        parse_report(report)
    (problem,) = caught.value.problems
    assert problem.loc == ("schema_version",)
    assert "'1' and '1.x'" in problem.msg
    assert len(problem.msg) <= 200
    assert len(str(caught.value)) <= 400
    assert "41114111" not in json.dumps(problem.to_dict())


@settings(max_examples=60, deadline=None)
@given(piece=st.text(min_size=1, max_size=40), repeat=st.integers(1, 200),
       limit=st.integers(1, 500))
def test_problem_parts_are_bounded_masked_and_encodable(piece: str, repeat: int, limit: int) -> None:
    """Whatever text a Problem is built from (surrogates included), its loc parts, msg and input
    are bounded, and its dict is strict JSON encodable as UTF-8."""
    text = piece * repeat
    problem = Problem("t", ("a", text[:limit], 3), text, input=text)
    assert len(problem.msg) <= MSG_LIMIT + 1
    assert len(problem.input) <= 65
    assert all(len(str(part)) <= 65 for part in problem.loc)
    json.dumps(problem.to_dict(), allow_nan=False, ensure_ascii=False).encode("utf-8")
    problem.render().encode("utf-8")


def test_problem_masks_identifiers_in_loc_msg_and_input() -> None:
    """A card number, IBAN, phone or e-mail in a loc part, the msg or the input is masked by the
    Problem itself, whoever built it."""
    for value in ("4111 1111 1111 1111", "DE89370400440532013000", "+44 20 7946 0958",
                  "jane.doe@example.com"):
        problem = Problem("extra_forbidden", ("attempt", value), f"unknown field {value}",
                          input=value)
        dumped = json.dumps(problem.to_dict())
        assert value not in dumped
        assert value not in problem.render()


@pytest.mark.parametrize(("value", "shown"), [
    (float("nan"), "nan"), (float("inf"), "inf"), (float("-inf"), "-inf"),
    (10**5000, "<an integer of about 5001 digits>"), (4111111111111111, "************1111")],
    ids=["nan", "inf", "-inf", "huge", "card"])
def test_problem_input_is_strict_json(value: object, shown: str) -> None:
    """Non-finite floats, integers too long to print and card numbers given as numbers are echoed
    as bounded strings, so a problem is always strict JSON."""
    problem = Problem("less_than_equal", ("device", "latency_ms"), "too large", input=value)
    assert problem.input == shown
    json.dumps(problem.to_dict(), allow_nan=False)


def test_non_finite_and_huge_numbers_in_a_report_give_strict_json_problems() -> None:
    """``1e999999999`` (parsed as infinity) and a 5,000-digit integer in a report give problems
    whose JSON form is strict JSON (no ``Infinity``, no ValueError on printing)."""
    text = json.dumps(_report()).replace('"online": false', '"online": false, "latency_ms": '
                                                            '1e999999999, "signal_level": XX')
    with pytest.raises(InvalidReportError) as caught:
        parse_report(text.replace("XX", "9" * 40))
    locs = {problem.loc for problem in caught.value.problems}
    assert ("device", "latency_ms") in locs
    assert ("device", "signal_level") in locs
    json.dumps([p.to_dict() for p in caught.value.problems], allow_nan=False)
    report = json.loads(text.replace("XX", "1"))
    report["device"]["signal_level"] = 10**5000  # a mapping may hold any int
    with pytest.raises(InvalidReportError) as caught:
        parse_report(report)
    json.dumps([p.to_dict() for p in caught.value.problems], allow_nan=False)
    with pytest.raises(InvalidReportError) as caught:  # as text, json refuses to read it
        parse_report(text.replace("XX", "9" * 5000))
    assert caught.value.problems[0].type == "json_invalid"


@pytest.mark.parametrize(("text", "loc"), [
    ('"id": "pay\\ud800x"', ("attempt", "id")),
    ('"id": "pay\\uDFFF"', ("attempt", "id")),
    ('"id": "p", "\\udc00k": 1', ("attempt", "\\udc00k")),
])
def test_a_lone_surrogate_is_a_typed_problem(text: str, loc: tuple[str, ...]) -> None:
    """A lone UTF-16 surrogate escape in any string or key of report text is an InvalidReportError
    naming where it is and what is accepted, as str and as bytes; a valid pair is accepted."""
    report = json.dumps(_report(id="PLACEHOLDER")).replace('"id": "PLACEHOLDER"', text)
    for data in (report, report.encode("utf-8")):
        with pytest.raises(InvalidReportError) as caught:
            parse_report(data)
        (problem,) = caught.value.problems
        assert (problem.type, problem.loc) == ("string_unicode", loc)
        assert "surrogate" in problem.msg
        assert "valid Unicode" in problem.msg
        json.dumps(problem.to_dict(), ensure_ascii=False).encode("utf-8")
    pair = json.dumps(_report(id="PLACEHOLDER")).replace("PLACEHOLDER", "pay\\ud83d\\ude00")
    assert parse_report(pair).attempt.id == "pay\U0001f600"


def test_payfix_diagnose_reports_a_lone_surrogate_without_a_traceback(tmp_path: Path) -> None:
    """``payfix diagnose`` on a report with a lone surrogate exits 2 with the problem, not a
    UnicodeEncodeError traceback."""
    path = tmp_path / "r.json"
    path.write_text(json.dumps(_report(id="PLACEHOLDER")).replace("PLACEHOLDER", "pay\\ud800x"),
                    encoding="utf-8")
    for fmt in ("json", "text"):
        done = subprocess.run([sys.executable, "-m", "payfix", "diagnose", str(path), "--format", fmt],
                              capture_output=True, timeout=120, check=False,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        output = (done.stdout + done.stderr).decode("utf-8")
        assert done.returncode == 2, output
        assert "string_unicode" in output
        assert "Traceback" not in output


def _shape_faults(pattern: re.Pattern[str]) -> list[str]:
    """Where ``pattern`` breaks the shape that keeps a backtracking search linear (see the
    docstring of :mod:`payfix.masking`): no repetition inside a repetition (but ``?``); every
    unbounded repetition is the pattern's last element, or repeats one character and is reached
    only from a run's start (the pattern opens with a look-behind) or right after a literal."""
    items = list(re_parser.parse(pattern.pattern))
    faults = []

    def walk(nodes: Any, inside: bool) -> None:
        for op, av in nodes:
            if op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT):
                if inside and av[1] > 1:
                    faults.append(f"nested repetition in {pattern.pattern!r}")
                walk(av[2], inside or av[1] > 1)
            elif op is re_constants.SUBPATTERN:
                walk(av[3], inside)
            elif op in (re_constants.ASSERT, re_constants.ASSERT_NOT):
                walk(av[1], inside)
            elif op is re_constants.BRANCH:
                for branch in av[1]:
                    walk(branch, inside)

    walk(items, False)
    opens_with_lookbehind = bool(items) and items[0][0] is re_constants.ASSERT_NOT \
        and items[0][1][0] == -1
    for i, (op, av) in enumerate(items):
        if op is not re_constants.MAX_REPEAT or av[1] != re_constants.MAXREPEAT or i == len(items) - 1:
            continue
        single = len(av[2]) == 1 and av[2][0][0] in (re_constants.IN, re_constants.LITERAL)
        after_literal = i > 0 and items[i - 1][0] is re_constants.LITERAL
        if not (single and (opens_with_lookbehind or after_literal)):
            faults.append(f"unbounded repetition {i} of {pattern.pattern!r} can rescan a run")
    return faults


def test_masking_patterns_have_a_linear_shape() -> None:
    """Every pattern of payfix.masking has the shape that keeps its search linear in the text (no
    nested repetition; an unbounded repetition ends the pattern or starts only once per run):
    checked on the parsed patterns, not by timing."""
    patterns = [value for value in vars(masking).values() if isinstance(value, re.Pattern)]
    assert len(patterns) >= 6
    assert [fault for pattern in patterns for fault in _shape_faults(pattern)] == []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(value=_JSON, ascii_only=st.booleans())
def test_json_is_read_as_the_standard_library_reads_it(value: Any, ascii_only: bool) -> None:
    """payfix reads JSON text (reports and processor payloads) with a faster parser; whatever the
    value (big integers, floats at the edge of precision, any Unicode, escaped or not), it reads
    exactly what the standard library reads, from str and from bytes."""
    from payfix.inputs.intake import load_json

    text = json.dumps(value, ensure_ascii=ascii_only)
    assert load_json(text) == json.loads(text)
    assert load_json(text.encode("utf-8")) == json.loads(text)


@pytest.mark.parametrize(("text", "where"), [
    ('{"attempt": ', "line 1, column 13"),
    ('{"a": 1,}', "line 1, column "),  # Python 3.13 counts the comma, 3.11 the brace
    ('{"a": tru}', "line 1, column 7"),
])
def test_invalid_json_names_where_it_breaks(text: str, where: str) -> None:
    """Invalid JSON is one ``json_invalid`` problem that says where the text breaks (line and
    column as the standard library counts them), never a parser's traceback."""
    from payfix.inputs.intake import load_json

    with pytest.raises(InvalidReportError) as caught:
        load_json(text)
    (problem,) = caught.value.problems
    assert problem.type == "json_invalid"
    assert where in problem.msg


def test_deep_nesting_is_read_or_refused_as_the_standard_library_does() -> None:
    """JSON nested deeper than the fast parser goes is read as the standard library reads it: the
    same value where it can (Python 3.13), else one json_invalid problem (Python 3.11)."""
    from payfix.inputs.intake import load_json

    text = "[" * 5000 + "]" * 5000
    try:
        json.loads(text)
    except RecursionError:
        with pytest.raises(InvalidReportError) as caught:
            load_json(text)
        assert [p.type for p in caught.value.problems] == ["json_invalid"]
        assert "nested too deeply" in caught.value.problems[0].msg
    else:
        value, depth = load_json(text), 0
        while value:  # walked, not compared: == on 5,000 levels would itself recurse
            (value,), depth = value, depth + 1
        assert (value, depth) == ([], 4999)
