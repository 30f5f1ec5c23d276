"""What loading a rule pack costs, with libyaml reading the bundled files and with ruamel alone.

    python benchmarks/pack_load.py [--rounds N]

Loads the bundled pack (``load_pack()``) and the operator example laid over it
(``load_pack("examples/custom_pack")``) both ways, interleaved round by round in one run: as payfix
reads them (the bundled files' events from libyaml, see ``payfix.rules._yamlevents``) and with every
file read by ruamel's own parser, the baseline. Prints the best round of each and the ratio;
absolute times drift on shared machines, the ratio measured side by side is what to compare.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from payfix import load_pack
from payfix.rules import _yamlevents, _yamlsrc

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def ruamel_only() -> Iterator[None]:
    """Every file read by ruamel's parser, as where libyaml is not installed."""
    def refuse(data: bytes) -> Any:
        raise _yamlevents._UntranslatedError("baseline")
    kept = _yamlsrc.translate
    _yamlsrc.translate = refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        _yamlsrc.translate = kept


def _seconds(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if not _yamlevents.available():
        raise SystemExit("PyYAML with libyaml is not installed: both ways would be the same")
    overlay = ROOT / "examples" / "custom_pack"
    for label, call in (("bundled pack", lambda: load_pack()),
                        ("with the example overlay", lambda: load_pack(overlay))):
        fast, pure = [], []
        for _ in range(args.rounds):
            fast.append(_seconds(call))
            with ruamel_only():
                pure.append(_seconds(call))
        print(f"{label:26} libyaml {min(fast) * 1000:7.1f} ms  ruamel alone {min(pure) * 1000:7.1f} ms  "
              f"time ratio {min(fast) / min(pure):5.3f}")


if __name__ == "__main__":
    main()
