"""``make bench``: the figures that say whether the portal is fast enough.

Every module of this package may register benchmarks with :func:`benchmark`; ``python -m bench``
finds the modules, runs their benchmarks and prints one line per figure (DESIGN.md, "Benchmark
output")::

    bench: <name> <value> <unit> target <op> <value> PASS|FAIL

and writes the same figures to ``var/bench.json``. A figure without a target (an absolute time
printed so a reader can judge a ratio) keeps the same eight fields and reads
``target none - INFO``; scripts that look for ``FAIL`` are not confused by it.

To add a benchmark, add a module here (``bench/pages.py``) with a function decorated with
``@benchmark("pages")`` that returns its :class:`Figure` objects.
"""

from __future__ import annotations

import importlib
import json
import operator
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}


@dataclass(frozen=True)
class Figure:
    """One measured value, and the target it must meet (``op`` and ``target``), if any."""

    name: str
    value: float
    unit: str
    op: str | None = None
    target: float | None = None

    def __post_init__(self) -> None:
        if (self.op is None) != (self.target is None) or (self.op and self.op not in OPERATORS):
            raise ValueError(f"{self.name}: a target needs one of {', '.join(OPERATORS)}")

    @property
    def status(self) -> str:
        if self.op is None or self.target is None:
            return "INFO"
        return "PASS" if OPERATORS[self.op](self.value, self.target) else "FAIL"

    def line(self) -> str:
        target = f"{self.op} {_number(self.target)}" if self.op else "none -"
        return f"bench: {self.name} {_number(self.value)} {self.unit} target {target} {self.status}"

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "status": self.status}


def _number(value: float | None) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


Benchmark = Callable[[], Iterable[Figure]]
BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(name: str) -> Callable[[Benchmark], Benchmark]:
    """Register a function that measures something and returns its figures."""

    def register(function: Benchmark) -> Benchmark:
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} is registered twice")
        BENCHMARKS[name] = function
        return function

    return register


def discover() -> dict[str, Benchmark]:
    """Import every public module of this package, so their benchmarks register themselves."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    return BENCHMARKS


def write_json(figures: Iterable[Figure], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"figures": [figure.as_dict() for figure in figures]}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
