"""Load generators for ``bench/requests.py``: ``wrk`` when installed, else asyncio + httpx2.

Both run in a process of their own (the server under test has the other core), keep
``connections`` keep-alive connections busy for ``seconds``, and report the same
:class:`LoadResult`. Any answer other than 200 makes the run fail: a page that redirects to the
login form is fast and must not pass for a signed-in one.

``python -m bench._load URL SECONDS CONNECTIONS [HEADER ...]`` is the Python generator's own
process; it prints its result as one line of JSON. ``BENCH_LOAD_GENERATOR=python`` chooses it
even where wrk is installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

# wrk's Lua hooks: count non-200 answers in every thread and print the summary as JSON.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0 end
function response(status, headers, body) if status ~= 200 then non200 = non200 + 1 end end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non200") end
  local e = summary.errors
  io.write(string.format(
    '\\nBENCH {"requests": %d, "seconds": %.6f, "p50_ms": %.4f, "p99_ms": %.4f, ' ..
    '"non200": %d, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, bad, e.connect + e.read + e.write + e.timeout))
end
"""


class LoadError(RuntimeError):
    """The run did not measure what it should (errors, answers other than 200)."""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non200: int = 0
    errors: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def checked(self, url: str) -> LoadResult:
        if self.non200 or self.errors or not self.requests:
            raise LoadError(
                f"{url}: {self.requests} requests, {self.non200} not 200, {self.errors} errors"
            )
        return self


def generator_name() -> str:
    """``wrk``, or ``python`` when wrk is not installed (or ``BENCH_LOAD_GENERATOR=python``)."""
    if os.environ.get("BENCH_LOAD_GENERATOR", "wrk") == "wrk" and shutil.which("wrk"):
        return "wrk"
    return "python"


def run(
    url: str, *, seconds: float, connections: int, headers: Mapping[str, str], timeout: float
) -> LoadResult:
    """Load ``url`` for ``seconds`` with the available generator; raise on any failed request."""
    if generator_name() == "wrk":
        return _run_wrk(url, seconds, connections, headers, timeout).checked(url)
    command = [sys.executable, "-m", "bench._load", url, str(seconds), str(connections)]
    command += [f"{name}: {value}" for name, value in headers.items()]
    output = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if output.returncode:
        raise LoadError(f"the Python load generator failed:\n{output.stderr}")
    return LoadResult(**json.loads(output.stdout)).checked(url)


def _run_wrk(
    url: str, seconds: float, connections: int, headers: Mapping[str, str], timeout: float
) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as scratch:
        script = Path(scratch) / "report.lua"
        script.write_text(WRK_SCRIPT)
        command = ["wrk", "--threads", "1", "--connections", str(connections)]
        command += ["--duration", f"{max(1, round(seconds))}s", "--timeout", "5s"]
        command += ["--script", str(script)]
        for name, value in headers.items():
            command += ["--header", f"{name}: {value}"]
        output = subprocess.run(
            [*command, url], capture_output=True, text=True, timeout=timeout, check=False
        )
    lines = [line for line in output.stdout.splitlines() if line.startswith("BENCH ")]
    if output.returncode or not lines:
        raise LoadError(f"wrk failed ({output.returncode}):\n{output.stdout}{output.stderr}")
    return LoadResult(**json.loads(lines[-1].removeprefix("BENCH ")))


async def _python_load(
    url: str, seconds: float, connections: int, headers: dict[str, str]
) -> LoadResult:
    import httpx2

    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    counts = {"non200": 0, "errors": 0}
    async with httpx2.AsyncClient(limits=limits, headers=headers, timeout=5.0) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def user() -> None:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    response = await client.get(url)
                except httpx2.HTTPError:
                    counts["errors"] += 1
                    continue
                latencies.append(time.perf_counter() - sent)
                if response.status_code != 200:
                    counts["non200"] += 1

        await asyncio.gather(*(user() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    if not latencies:
        return LoadResult(0, elapsed, 0.0, 0.0, **counts)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return LoadResult(len(latencies), elapsed, cuts[49] * 1e3, cuts[98] * 1e3, **counts)


def main(argv: list[str]) -> int:
    url, seconds, connections, *header_lines = argv
    headers = dict(line.split(": ", 1) for line in header_lines)
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # the portal depends on it, but the generator needs no more than asyncio
        runner = asyncio.run
    result = runner(_python_load(url, float(seconds), int(connections), headers))
    print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
