"""Generate the reference pages of the docs from payfix itself.

The pages are checked in, so they read on GitHub as well as in the built site, and a change to the
CLI, the wire format or the exception tree shows up as a diff in review; ``tests/test_docs.py``
regenerates each and fails when the checked-in file is stale. Refresh them all with::

    python docs/_ext/payfix_gen.py

Pages:

- ``docs/cli.md`` - every ``payfix`` command's ``--help``, walked from :func:`payfix.cli.build_parser`;
- ``docs/wire-format.md`` - the report and diagnosis JSON Schemas as tables;
- ``docs/exceptions.md`` - the exception tree, drawn from the classes in :mod:`payfix.errors`;
- ``docs/catalogue.md`` - the bundled rule pack (``payfix rules docs``);
- ``docs/sources.md`` - each processor source with its documented payloads
  (``tests/data/payloads/``) and the diagnosis payfix gives them.

Example:
    >>> sorted(PAGES)
    ['catalogue.md', 'cli.md', 'exceptions.md', 'sources.md', 'wire-format.md']
    >>> cli_reference().splitlines()[0]
    '# Command-line reference'
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[1]
REFRESH = "python docs/_ext/payfix_gen.py"
WIDTH = 100

__all__ = ["DOCS", "PAGES", "REFRESH", "cli_reference", "exception_tree", "main", "sources_page",
           "wire_format"]


def _header(source: str) -> str:
    return f"<!-- Generated from {source} by `{REFRESH}`; do not edit by hand. -->"


def _rst_to_md(text: str) -> str:
    """Docstring text (reStructuredText literals) as one Markdown paragraph."""
    return " ".join(inspect.cleandoc(text).replace("``", "`").split())


# --- CLI reference ---------------------------------------------------------------------------------

def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], argparse.ArgumentParser, str]]:
    """Every (sub-)command in parser order: its words after ``payfix``, its parser, its one-line help."""
    for action in parser._actions:  # argparse has no public way to list sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), sub, helps.get(name, "")
                yield from _commands(sub, (*path, name))


def _help(parser: argparse.ArgumentParser) -> str:
    """``parser.format_help()`` at a fixed width, whatever the terminal says."""
    cls = parser.formatter_class

    def fixed(prog: str) -> argparse.HelpFormatter:
        return cls(prog, width=WIDTH)  # type: ignore[call-arg]

    parser.formatter_class = fixed
    try:
        return parser.format_help().rstrip()
    finally:
        parser.formatter_class = cls


def cli_reference() -> str:
    """``docs/cli.md``: the command table, then each command's ``--help`` as ``payfix`` prints it.

    Example:
        >>> page = cli_reference()
        >>> "## payfix rules docs" in page and "payfix rules docs --out catalogue.md" in page
        True
    """
    from payfix.cli import build_parser

    parser = build_parser()
    commands = list(_commands(parser))
    lines = ["# Command-line reference", "", _header("`payfix.cli.build_parser()`"), "",
             "Every command of `payfix`, with the help it prints (`payfix COMMAND --help`). Exit "
             "codes: `0` done, `2` invalid report, rule pack, scheme or code (problems printed as "
             "JSON `{type, loc, msg}`), `1` unexpected failure or, for `payfix rules test`, a "
             "failing case.", "",
             "| command | what it does |", "|---|---|"]
    lines += [f"| [`payfix {' '.join(words)}`](#{'-'.join(('payfix', *words))}) | {text} |"
              for words, _, text in commands]
    lines += ["", "## payfix", "", "```text", _help(parser), "```", ""]
    for words, sub, _ in commands:
        lines += [f"## payfix {' '.join(words)}", "", "```text", _help(sub), "```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- wire format -----------------------------------------------------------------------------------

def _type(node: dict[str, Any]) -> str:
    """A JSON Schema node as a short Markdown type."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in node:
        kinds = [_type(n) for n in node["anyOf"] if n.get("type") != "null"]
        nullable = any(n.get("type") == "null" for n in node["anyOf"])
        return " or ".join(kinds) + (" or null" if nullable else "")
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return ", ".join(f"`{value}`" for value in node["enum"])
    kind = node.get("type", "any")
    if kind == "array":
        return f"array of {_type(node.get('items', {}))}"
    if kind == "object" and isinstance(node.get("additionalProperties"), dict):
        return f"object of {_type(node['additionalProperties'])}"
    if kind == "string" and "format" in node:
        return f"string ({node['format']})"
    return str(kind)


_LIMITS = (("minLength", "length ≥ {}"), ("maxLength", "length ≤ {}"), ("minimum", "≥ {}"),
           ("maximum", "≤ {}"), ("exclusiveMinimum", "> {}"), ("exclusiveMaximum", "< {}"),
           ("minItems", "at least {} items"), ("maxItems", "at most {} items"),
           ("maxProperties", "at most {} keys"), ("pattern", "matches `{}`"))


def _limits(node: dict[str, Any]) -> str:
    parts: list[str] = []
    subs: list[Any] = [node, *node.get("anyOf", ()), node.get("items", {}),
                       node.get("additionalProperties") or {}]
    for sub in subs:
        if not isinstance(sub, dict):
            continue
        for key, text in _LIMITS:
            if key in sub:
                value = sub[key]
                value = int(value) if isinstance(value, float) and value.is_integer() else value
                parts.append(text.format(value))
    if "default" in node and node["default"] not in (None, [], {}):
        parts.append(f"default `{json.dumps(node['default'], ensure_ascii=False)}`")
    return "; ".join(parts)


def _object(name: str, node: dict[str, Any], others: str) -> list[str]:
    lines = [f"### {name}", ""]
    if node.get("description"):  # the model's docstring, without its doctest example
        lines += [_rst_to_md(node["description"].split("Example:")[0]), ""]
    required = set(node.get("required", ()))
    lines += ["| field | type | required | limits, default |", "|---|---|---|---|"]
    for field, sub in node.get("properties", {}).items():
        cell = _type(sub).replace("|", "\\|")
        lines.append(f"| `{field}` | {cell} | {'yes' if field in required else ''} | "
                     f"{_limits(sub).replace('|', chr(92) + '|')} |")
    if node.get("additionalProperties") is False:
        lines += ["", others]
    return [*lines, ""]


def _schema_section(title: str, command: str, schema: dict[str, Any], others: str) -> list[str]:
    root = schema.get("title", title)
    lines = [f"## {title}", "", f"The JSON Schema: `{command}`. Objects, the document first:", ""]
    lines += _object(root, schema, others)
    for name, node in sorted(schema.get("$defs", {}).items()):
        lines += _object(name, node, others)
    return lines


def wire_format() -> str:
    """``docs/wire-format.md``: every object of the report and the diagnosis, field by field.

    Example:
        >>> page = wire_format()
        >>> "### AttemptReport" in page and "### Diagnosis" in page
        True
    """
    from payfix.models.diagnosis import Diagnosis
    from payfix.models.report import AttemptReport

    lines = ["# Wire format", "", _header("the pydantic models' JSON Schemas"), "",
             "The report payfix reads and the diagnosis it writes, generated from their JSON Schemas "
             "(`payfix.models.report.AttemptReport` and `payfix.Diagnosis`). What each field means, "
             "the versioning contract and worked examples: [report-format.md](report-format.md).", ""]
    lines += _schema_section("Report (input)", "payfix schema", AttemptReport.model_json_schema(),
                             "Other fields are rejected (`extra_forbidden`).")
    lines += _schema_section("Diagnosis (output)", "payfix schema diagnosis",
                             Diagnosis.model_json_schema(), "No other fields are written.")
    return "\n".join(lines).rstrip("\n") + "\n"


# --- exception tree --------------------------------------------------------------------------------

def _public_subclasses(cls: type) -> list[type]:
    out: list[type] = []
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        if sub.__module__.startswith("payfix") and sub.__name__.startswith("_"):
            out += _public_subclasses(sub)
        elif sub.__module__.startswith("payfix"):
            out.append(sub)
    return out


def _builtin_of(cls: type) -> str:
    for base in cls.__mro__[1:]:
        if base.__module__ == "builtins" and base not in (Exception, BaseException, object):
            return base.__name__
    return ""


def _tree(cls: type, prefix: str = "") -> list[str]:
    lines: list[str] = []
    subs = _public_subclasses(cls)
    for index, sub in enumerate(subs):
        last = index == len(subs) - 1
        parent = _builtin_of(cls)
        mine = _builtin_of(sub)
        also = f" ({mine})" if mine and mine != parent else ""
        lines.append(f"{prefix}{'└── ' if last else '├── '}{sub.__name__}{also}")
        lines += _tree(sub, prefix + ("    " if last else "│   "))
    return lines


def exception_tree() -> str:
    """``docs/exceptions.md``: the tree of :class:`payfix.PayfixError` and what each class means.

    Example:
        >>> page = exception_tree()
        >>> "├── InvalidReportError (ValueError)" in page
        True
    """
    import payfix
    from payfix.errors import PayfixError

    classes: list[type] = [PayfixError]
    index = 0
    while index < len(classes):
        classes += _public_subclasses(classes[index])
        index += 1
    lines = ["# Exceptions", "", _header("the classes in `payfix.errors`"), "",
             "Every error payfix raises on purpose is a `payfix.PayfixError`; each also subclasses the "
             "built-in it resembles (shown in brackets), so `except ValueError` keeps working. Catch "
             "the narrowest one you can handle; import them from `payfix`.", "",
             "```text", "PayfixError", *_tree(PayfixError), "```", "",
             "| class | import | raised when |", "|---|---|---|"]
    for cls in classes:
        where = (f"`payfix.{cls.__name__}`" if hasattr(payfix, cls.__name__)
                 else f"`{cls.__module__}.{cls.__name__}`")
        summary = _rst_to_md((cls.__doc__ or "").split("\n\n")[0])
        lines.append(f"| `{cls.__name__}` | {where} | {summary.replace('|', chr(92) + '|')} |")
    lines += ["", "## Problems", "",
              "`InvalidReportError` and `RulePackError` carry `problems`, and `CodeLookupError` one "
              "`problem`: each a `payfix.Problem` in the `{type, loc, msg}` shape of pydantic-core, plus "
              "`file`, `line`, `col` for rule-pack files and a masked `input`. `type` is a stable slug "
              "to key on; `msg` is for people and may change. The command line prints them as JSON "
              "and exits 2.", "",
              "```python",
              "import payfix",
              "",
              "try:",
              "    payfix.diagnose(report)",
              "except payfix.InvalidReportError as error:",
              "    for problem in error.problems:",
              "        print(problem.render())   # attempt.amount: Field required [missing]",
              "```"]
    return "\n".join(lines).rstrip("\n") + "\n"


def _catalogue() -> str:
    from payfix.rules.catalogue import render_catalogue
    from payfix.rules.loader import load_pack

    return render_catalogue(load_pack())


def _fenced(kind: str, text: str) -> list[str]:
    return [f"```{kind}", text.rstrip("\n"), "```", ""]


def sources_page() -> str:
    """``docs/sources.md``: per source, what it reads, then each documented payload in
    ``tests/data/payloads/<source>/`` with where its shape comes from, the command, what was read
    and the diagnosis's failure, retry advice and first remedy (agent audience)."""
    from payfix import Diagnoser, InvalidReportError, adapt
    from payfix.inputs.adapters import SOURCES

    payloads = DOCS.parent / "tests" / "data" / "payloads"
    diagnoser = Diagnoser(engine="compiled", audience="agent")
    wallet = {"id": "w-2026-0117", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
              "amount": {"value": "25.00", "currency": "USD"}, "method": {"type": "credit_card"}}
    lines = [_header("payfix.inputs.adapters and tests/data/payloads"), "# Sources, by example", "",
             "Each source payfix reads ([Processor payloads](inputs.md)), with payloads shaped exactly "
             "as the processor documents them (the test suite's fixtures, each citing its source) "
             "and what payfix answers (agent audience). Where the object lacks an attempt field, "
             "the example gives it as the context: "
             f"`{json.dumps(wallet)}` (only the fields the object lacks).", ""]
    for name, module in SOURCES.items():
        lines += [f"## {module.TITLE} (`--from {name}`)", "",
                  _rst_to_md((module.__doc__ or "").split("\n\n")[0]), ""]
        for path in sorted((payloads / name).glob("*.json")):
            fixture = json.loads(path.read_text(encoding="utf-8"))
            payload = fixture["payload"]
            context = None
            try:
                adapt(payload, name)
            except InvalidReportError as error:
                missing = {str(p.loc[1]) for p in error.problems if p.type == "missing"}
                context = {"attempt": {k: v for k, v in wallet.items() if k in missing}}
            adapted = adapt(payload, name, context=context)
            diagnosis = diagnoser.diagnose(adapted.report)
            failure = diagnosis.failure
            command = f"payfix diagnose {path.name} --from {name}"
            if context is not None:
                command += " --context context.json"
            lines += [f"### {fixture['what']}", "", f"Source: <{fixture['source']}>"
                      if fixture["source"].startswith("https://") else f"Source: {fixture['source']}",
                      ""]
            lines += _fenced("json", json.dumps(payload, indent=2, ensure_ascii=False))
            lines += _fenced("console", f"$ {command}")
            read = f"Read a {module.TITLE} {adapted.kind.replace('_', ' ')}"
            if adapted.assumed:
                read += "; assumed " + "; ".join(adapted.assumed)
            lines += [read + ".", ""]
            top = diagnosis.remedies[0].title if diagnosis.remedies else "none"
            lines += _fenced("json", json.dumps(failure.model_dump(mode="json"), indent=2,
                                                ensure_ascii=False))
            lines += [f"Retry: **{diagnosis.retry.verdict}**; escalate: "
                      f"**{'yes' if diagnosis.escalate else 'no'}**; first remedy: {top}.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


#: Each generated page (file name under ``docs/``) and the function that writes it.
PAGES: dict[str, Callable[[], str]] = {
    "cli.md": cli_reference,
    "wire-format.md": wire_format,
    "exceptions.md": exception_tree,
    "catalogue.md": _catalogue,
    "sources.md": sources_page,
}


def main(argv: list[str] | None = None) -> int:
    """Write every generated page into ``docs/`` (or the directory given); returns 0.

    Example:
        >>> import tempfile
        >>> main([tempfile.mkdtemp()])  # doctest: +ELLIPSIS
        wrote .../cli.md
        wrote .../wire-format.md
        wrote .../exceptions.md
        wrote .../catalogue.md
        wrote .../sources.md
        0
    """
    out = Path(argv[0]) if argv else DOCS
    for name, render in PAGES.items():
        (out / name).write_text(render(), encoding="utf-8")
        print(f"wrote {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
