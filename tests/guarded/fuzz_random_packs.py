"""durable_rules vs compiled vs the reference semantics on randomly generated rule packs.

    python tests/guarded/fuzz_random_packs.py [--packs N] [--facts M] [--seed S] [--break-op OP]

Run by ``tests/test_equivalence.py`` in a child process, so a C abort or a hang in durable_rules fails
that test instead of killing pytest. Each example is a random rule pack (1-3 rule sets of random
conditions, each rule set inside the engine envelope of :mod:`payfix.rules.lint`) evaluated on both
engines over many fact sets: every rule's witness and its one-step variants (a fact dropped, an
integer moved by one, a boolean flipped) plus random fact sets drawn from the pack's own constants,
boundary integers (±(2**53-1), 0, -1) and strings with quotes, backslashes, newlines and non-ASCII
text, with any subset of facts missing. Prints ``equivalent: ...`` with the counts and exits 0 when
every fact set fired the same rule ids on every engine; otherwise the first disagreement is raised
with the rule, its condition and the facts it read. ``--break-op`` deliberately miscompiles one
operator in the compiled engine, to show that the check catches it.

Also imported (no side effects, no durable_rules import) by ``tests/test_equivalence.py`` and
``tests/guarded/record_hits.py`` for the generators and the comparison.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import random
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from payfix.engines.compiled import CompiledEngine
from payfix.rules.conditions import MAX_SAFE_INT, Cmp, In, Present, evaluate, fact_names, leaves, parse
from payfix.rules.forms import render
from payfix.rules.lint import ENVELOPE, lint_ruleset, passing_nodes
from payfix.rules.loader import load_pack
from payfix.rules.pack import Rule, RulePack, RuleSet
from payfix.rules.witness import witness
from payfix.vocab import FACTS, Scalar, fact_domain
from tests.strategies import conditions

PACK = load_pack()
REASONS = PACK.settings.reasons
THRESHOLDS = dict(PACK.settings.thresholds)
NAMES = sorted(FACTS)
TYPES = {name: spec.type for name, spec in FACTS.items()}
MAX = MAX_SAFE_INT
BOUNDARY_INTS = (MAX, -MAX, MAX - 1, -MAX + 1, 0, -1, 1)
#: Strings that have broken string handling somewhere: quotes, backslashes, escapes, newlines,
#: non-ASCII and astral text, NUL, JSON- and number-looking text.
TRICKY_STRINGS = (
    "", " ", '"', "'", "\\", '\\"', 'say "hi"', "it's", "C:\\path\\", "a\\nb", "a\nb", "\n", "\t",
    "x\r\ny", "é", "Ω≈ç", "中文", "😀", "e\u0301", "\u200b", "a\x00b", "100", "1e2", "0100", "-0",
    "1.0", "true", "null", '{"$lt": 1}', "$neq", "%s", "\\u0041", "A", "a",
)
#: Which generated strings count as "tricky" in the coverage counts.
_TRICKY_CHARS = ('"', "\\", "\n")
BROKEN = {"<=": "<", "<": "<=", ">=": ">", ">": ">=", "==": "!=", "!=": "=="}
_ALPHABET = "ab\"'\\\n\t é中😀\x00"

PackSpec = tuple[tuple[str, ...], ...]
Facts = dict[str, Scalar]


# --------------------------------------------------------------------------- rule packs


def _quote(value: str, quote: str) -> str:
    """``value`` as a condition-language string literal (escapes: \\n \\t \\\\ \\" \\')."""
    body = value.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n")
    return quote + body.replace("\t", "\\t") + quote


def _is_open(name: str) -> bool:
    return FACTS[name].type == "str" and fact_domain(name, REASONS) is None


def _string_values(name: str) -> st.SearchStrategy[str]:
    domain = fact_domain(name, REASONS)
    if domain is not None:  # the loader only accepts a closed fact's own values in conditions
        return st.sampled_from(domain)
    return st.one_of(st.sampled_from(TRICKY_STRINGS), st.text(_ALPHABET, max_size=5))


def _int_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-5, 5).map(str),
        st.sampled_from(BOUNDARY_INTS).map(str),
        st.integers(-MAX, MAX).map(str),
        st.sampled_from(sorted(THRESHOLDS)).map(lambda key: f"${key}"),
    )


@st.composite
def leaf_texts(draw: st.DrawFn) -> str:
    """One comparison, membership or presence test, written the ways the language allows."""
    name = draw(st.sampled_from(NAMES))
    kind = FACTS[name].type
    if draw(st.integers(0, 6)) == 0:
        test = draw(st.sampled_from(["is present", "is missing", "is not present", "is not missing"]))
        return f"{name} {test}"
    if kind == "bool":
        op = draw(st.sampled_from(["", "==", "!="]))
        return name if not op else f"{name} {op} {draw(st.sampled_from(['true', 'false']))}"
    values: st.SearchStrategy[str]
    if kind == "int":
        values = _int_values()
        ops = ["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
    else:
        quote = draw(st.sampled_from(['"', "'"]))
        values = _string_values(name).map(lambda v: _quote(v, quote))
        ops = ["==", "!=", "in", "not in"]
    op = draw(st.sampled_from(ops))
    if op.endswith("in"):
        items = draw(st.lists(values, min_size=1, max_size=4))
        trailing = "," if draw(st.integers(0, 5)) == 0 else ""
        return f"{name} {op} [{', '.join(items)}{trailing}]"
    return f"{name} {op} {draw(values)}"


@st.composite
def condition_texts(draw: st.DrawFn, depth: int = 3) -> str:
    """A random condition as text: leaves joined by ``and``/``or``, negated, parenthesised."""
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return draw(leaf_texts())
    shape = draw(st.sampled_from(["and", "or", "not"]))
    if shape == "not":
        inner = draw(condition_texts(depth - 1))
        return f"not ({inner})" if draw(st.booleans()) else f"not {inner}"
    items = draw(st.lists(condition_texts(depth - 1), min_size=2, max_size=3))
    wrapped = [f"({item})" if draw(st.booleans()) else item for item in items]
    return f" {shape} ".join(wrapped)


def _fits(text: str) -> bool:
    return passing_nodes(parse(text, THRESHOLDS)) <= ENVELOPE["max_rule_terms"]


#: A rule's condition: hand-rolled text (all spellings, thresholds, tricky strings) or the shared
#: ``conditions()`` strategy rendered back to text; only conditions inside the per-rule envelope.
rule_conditions = st.one_of(condition_texts(), conditions().map(render)).filter(_fits)


@st.composite
def pack_specs(draw: st.DrawFn) -> PackSpec:
    """1-3 rule sets of 1-10 rules each, every rule set inside the engine envelope."""
    spec: list[tuple[str, ...]] = []
    for _ in range(draw(st.integers(1, 3))):
        texts: list[str] = []
        budget = ENVELOPE["max_passing_nodes"]
        for text in draw(st.lists(rule_conditions, min_size=1, max_size=10)):
            cost = passing_nodes(parse(text, THRESHOLDS))
            if cost <= budget:
                texts.append(text)
                budget -= cost
        spec.append(tuple(texts))
    result = tuple(spec)
    lint = [msg for rs in build_pack(result).rulesets for msg, _ in lint_ruleset(rs)]
    assume(not lint)  # the envelope the loader enforces; anything outside is an invalid example
    return result


def build_pack(spec: Sequence[Sequence[str]]) -> RulePack:
    """A :class:`RulePack` with the shipped pack's settings and the generated rule sets."""
    rulesets: list[RuleSet] = []
    for i, texts in enumerate(spec):
        name = f"g{i}"
        rules = []
        for j, text in enumerate(texts):
            cond = parse(text, THRESHOLDS)
            rules.append(Rule(id=f"{name}.r{j}", ruleset=name, when=text, condition=cond,
                              remedy="support.contact", confidence=50, escalate=None,
                              facts=fact_names(cond), file=f"<generated {name}>", line=j + 1))
        rulesets.append(RuleSet(name=name, rules=tuple(rules), file=f"<generated {name}>"))
    digest = hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:32]
    return dataclasses.replace(PACK, rulesets=tuple(rulesets), hash=f"sha256:{digest}")


# --------------------------------------------------------------------------- fact sets


def _constants(pack: RulePack) -> dict[str, set[Scalar]]:
    out: dict[str, set[Scalar]] = {}
    for rule in pack.rules:
        for leaf in leaves(rule.condition):
            if isinstance(leaf, Present):
                continue
            values = leaf.values if isinstance(leaf, In) else (leaf.value,)
            out.setdefault(leaf.path, set()).update(values)
    return out


def _near(value: int) -> list[int]:
    return [v for v in (value - 1, value, value + 1) if -MAX <= v <= MAX]


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 6)))


def _value(path: str, pool: list[Scalar], rng: random.Random) -> Scalar:
    kind = TYPES[path]
    if kind == "bool":
        return rng.random() < 0.5
    roll = rng.random()
    if roll < 0.55 and pool:
        return rng.choice(pool)
    if kind == "int":
        if roll < 0.8:
            return rng.choice(BOUNDARY_INTS)
        return rng.randint(-MAX, MAX) if roll < 0.9 else rng.randint(-20, 20_000)
    domain = fact_domain(path, REASONS) or ()
    if roll < 0.7 and domain:
        return rng.choice(domain)
    return rng.choice(TRICKY_STRINGS) if roll < 0.9 else _random_text(rng)


def _pools(pack: RulePack) -> dict[str, list[Scalar]]:
    pools: dict[str, list[Scalar]] = {}
    for path, values in _constants(pack).items():
        pool: list[Scalar] = []
        for value in sorted(values, key=repr):
            is_int = isinstance(value, int) and not isinstance(value, bool)
            pool.extend(_near(value) if is_int and TYPES[path] == "int" else [value])
        pools[path] = pool
    return pools


def witness_variants(pack: RulePack, rng: random.Random) -> Iterator[Facts]:
    """Every rule's witness, and each witness with one fact dropped, moved by one or flipped."""
    for rule in pack.rules:
        found = witness(rule.condition, TYPES, lambda path: fact_domain(path, REASONS))
        if found is None:
            continue
        yield found
        for key, value in found.items():
            yield {k: v for k, v in found.items() if k != key}
            if isinstance(value, bool):
                yield {**found, key: not value}
            elif isinstance(value, int):
                yield from ({**found, key: v} for v in _near(value) if v != value)
            else:
                yield {**found, key: rng.choice(TRICKY_STRINGS)}


def random_fact_sets(pack: RulePack, rng: random.Random, count: int) -> Iterator[Facts]:
    """``count`` fact sets over the facts ``pack`` reads (any subset missing) plus a few others."""
    pools = _pools(pack)
    paths = sorted({path for rule in pack.rules for path in rule.facts})
    for _ in range(count):
        density = rng.choice((0.25, 0.5, 0.75, 0.9, 1.0))
        facts = {p: _value(p, pools.get(p, []), rng) for p in paths if rng.random() < density}
        for path in rng.sample(NAMES, rng.randint(0, 3)):  # facts no rule reads change nothing
            facts.setdefault(path, _value(path, [], rng))
        yield dict(sorted(facts.items()))


def fact_sets_for(pack: RulePack, rng: random.Random, count: int) -> Iterator[Facts]:
    """Witness variants first, then ``count`` random fact sets."""
    yield from witness_variants(pack, rng)
    yield from random_fact_sets(pack, rng, count)


# --------------------------------------------------------------------------- comparison

Evaluate = Callable[[Mapping[str, Scalar]], frozenset[str]]


def reference(pack: RulePack) -> Evaluate:
    """The reference semantics (:func:`payfix.rules.conditions.evaluate`) as an engine."""
    rules = pack.rules
    return lambda facts: frozenset(r.id for r in rules if evaluate(r.condition, facts))


@dataclass
class Stats:
    """What a run compared, for the summary line and the coverage assertions."""

    packs: int = 0
    rules: int = 0
    fact_sets: int = 0
    witness_sets: int = 0
    hits: int = 0
    with_missing: int = 0
    with_boundary: int = 0
    with_tricky: int = 0
    ops: dict[str, int] = field(default_factory=dict)

    def count(self, pack: RulePack, facts: Facts, fired: frozenset[str]) -> None:
        self.fact_sets += 1
        self.hits += len(fired)
        read = {p for r in pack.rules for p in r.facts}
        self.with_missing += any(p not in facts for p in read)
        self.with_boundary += any(type(v) is int and v in BOUNDARY_INTS and v not in (1,)
                                  for v in facts.values())
        self.with_tricky += any(isinstance(v, str) and any(c in v for c in _TRICKY_CHARS)
                                for v in facts.values())

    def summary(self) -> str:
        ops = ", ".join(f"{op} {n}" for op, n in sorted(self.ops.items()))
        return (f"equivalent: {self.packs} packs, {self.rules} rules, {self.fact_sets} fact sets "
                f"({self.witness_sets} witness-based), {self.hits} hits; fact sets with a missing "
                f"fact {self.with_missing}, with a boundary integer {self.with_boundary}, with a "
                f"quote/backslash/newline string {self.with_tricky}; leaves: {ops}")

    def as_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)


def describe(pack: RulePack, facts: Facts, results: Mapping[str, frozenset[str]]) -> str:
    """The first disagreement, per rule: its condition, the facts it read and each engine's answer."""
    union = frozenset().union(*results.values())
    lines = ["engines disagree (mismatch)"]
    for rule in pack.rules:
        if rule.id not in union or all(rule.id in fired for fired in results.values()):
            continue
        read = {p: facts.get(p, "<missing>") for p in rule.facts}
        verdicts = ", ".join(f"{name}={'fires' if rule.id in fired else 'no'}"
                             for name, fired in results.items())
        lines += [f"rule {rule.id}: when {rule.when!r}", f"  parsed: {render(rule.condition)}",
                  f"  facts read: {read!r}", f"  {verdicts}"]
    lines.append(f"full fact set: {facts!r}")
    return "\n".join(lines)


def compare(pack: RulePack, engines: Mapping[str, Evaluate], facts_iter: Iterator[Facts],
            stats: Stats, witnesses: int = 0) -> None:
    """Evaluate every fact set on every engine; raise ``AssertionError`` on the first disagreement."""
    stats.packs += 1
    stats.rules += len(pack.rules)
    stats.witness_sets += witnesses
    for leaf in (leaf for rule in pack.rules for leaf in leaves(rule.condition)):
        op = leaf.op if isinstance(leaf, Cmp) else type(leaf).__name__.lower()
        stats.ops[op] = stats.ops.get(op, 0) + 1
    for facts in facts_iter:
        results = {name: engine(facts) for name, engine in engines.items()}
        first = next(iter(results.values()))
        if any(fired != first for fired in results.values()):
            raise AssertionError(describe(pack, facts, results))
        stats.count(pack, facts, first)


def check_pack(pack: RulePack, engines: Mapping[str, Evaluate], fact_seed: int, count: int,
               stats: Stats) -> None:
    """Compare ``engines`` on ``pack``: witness variants plus ``count`` random fact sets."""
    rng = random.Random(fact_seed)
    witnesses = list(witness_variants(pack, rng))
    sets = iter([*witnesses, *random_fact_sets(pack, rng, count)])
    compare(pack, engines, sets, stats, len(witnesses))


# --------------------------------------------------------------------------- child process


def break_operator(op: str) -> None:
    """Miscompile ``op`` in the generated code from now on (engines built afterwards)."""
    from payfix.rules import codegen

    codegen._PY_OPS[op] = BROKEN[op]


def run(packs: int, facts: int, seed: int, trace: Path | None) -> Stats:
    """Durable, compiled and the reference on ``packs`` random packs, witnesses + ``facts``)."""
    from payfix.engines.durable import DurableEngine  # only here: importable without durable_rules

    stats = Stats()

    @hypothesis_seed(seed)
    @settings(max_examples=packs, deadline=None, database=None, derandomize=False,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(pack_specs(), st.integers(0, 2**32 - 1))
    def one_pack(spec: PackSpec, fact_seed: int) -> None:
        if trace is not None:  # the pack being evaluated, in case the C extension takes us down
            trace.write_text(json.dumps({"spec": spec, "fact_seed": fact_seed}, ensure_ascii=False))
        pack = build_pack(spec)
        engines = {"durable": DurableEngine(pack).evaluate, "compiled": CompiledEngine(pack).evaluate,
                   "reference": reference(pack)}
        check_pack(pack, engines, fact_seed, facts, stats)

    one_pack()
    return stats


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--packs", type=int, default=80, help="random rule packs (durable engines)")
    parser.add_argument("--facts", type=int, default=150, help="random fact sets per pack")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (the run is repeatable)")
    parser.add_argument("--break-op", choices=sorted(BROKEN), help="miscompile this operator")
    parser.add_argument("--trace", type=Path, help="write the pack under test here before running it")
    parser.add_argument("--json", action="store_true", help="also print the counts as JSON")
    args = parser.parse_args(argv)
    if args.break_op:
        break_operator(args.break_op)
    stats = run(args.packs, args.facts, args.seed, args.trace)
    print(stats.summary())
    if args.json:
        print(stats.as_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
