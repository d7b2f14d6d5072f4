"""``python -m bench [name ...]``: run the benchmarks (all by default), print and save the figures.

The exit status is 0 even when a figure misses its target: the output is a report. It is not 0
when a benchmark crashes or a name is unknown.
"""

from __future__ import annotations

import sys
import time

from bench import Figure, discover, write_json
from portal.settings import Settings


def main(argv: list[str]) -> int:
    benchmarks = discover()
    names = argv or sorted(benchmarks)
    unknown = [name for name in names if name not in benchmarks]
    if unknown:
        print(
            f"bench: unknown benchmark {', '.join(unknown)} (known: {', '.join(sorted(benchmarks))})",
            file=sys.stderr,
        )
        return 2
    figures: list[Figure] = []
    for name in names:
        started = time.perf_counter()
        print(f"# {name} ...", file=sys.stderr, flush=True)
        for figure in benchmarks[name]():
            figures.append(figure)
            print(figure.line(), flush=True)
        print(f"# {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    path = Settings.from_env(require_secret=False).var_dir / "bench.json"
    write_json(figures, path)
    print(f"# figures written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
