"""Reading drawings' geometry (issue 10): the sample STEP and STL files.

For each file, two figures, both printed for information (the issue sets no target yet):

- ``geometry.<file>``: the wall-clock time of :func:`portal.drawings.geometry.measure`, what an
  upload waits for: starting the child process, importing the parser library (OpenCascade or
  trimesh), streaming the bytes and reading them;
- ``geometry.<file>.cpu``: the CPU time (ms) the child spent reading the drawing alone (the
  library's import left out).

Each is the best of three runs.
"""

from __future__ import annotations

import time

from bench import Figure, benchmark
from portal.drawings.geometry import measure
from portal.settings import ROOT

SAMPLES = ROOT / "tests" / "data" / "drawings"
FILES = ["featuretype.STEP", "base_interface_AP214.STEP", "unit_cube.STL", "20mm-xyz-cube.stl"]
REPEATS = 3


@benchmark("geometry")
def geometry() -> list[Figure]:
    figures: list[Figure] = []
    for name in FILES:
        data = (SAMPLES / name).read_bytes()
        walls, cpus = [], []
        for _ in range(REPEATS):
            started = time.perf_counter()
            report = measure(data)
            walls.append(time.perf_counter() - started)
            cpus.append(report.cpu_seconds)
        label = name.lower().replace(".", "_").replace("-", "_")
        figures.append(Figure(f"geometry.{label}", min(walls), "s"))
        figures.append(Figure(f"geometry.{label}.cpu", min(cpus) * 1000, "ms"))
    return figures
