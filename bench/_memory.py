"""The peak resident memory of a server process over a phase of a benchmark.

``VmHWM`` from ``/proc/<pid>/status`` after resetting it through ``/proc/<pid>/clear_refs``
(Linux 4.0); where the kernel refuses the reset, the highest ``VmRSS`` a thread saw every few
milliseconds.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from bench._visitor import BenchError

SAMPLE_SECONDS = 0.005


class MemoryWatch:
    """The peak resident memory of process ``pid`` over a phase, in bytes (see this module)."""

    def __init__(self, pid: int) -> None:
        self.status = Path(f"/proc/{pid}/status")
        self.clear_refs = Path(f"/proc/{pid}/clear_refs")
        self.hwm_resettable = True
        self._sampled = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def field(self, name: str) -> int:
        for line in self.status.read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
        raise BenchError(f"no {name} in {self.status}")

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            with contextlib.suppress(OSError, BenchError):
                self._sampled = max(self._sampled, self.field("VmRSS"))

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def reset(self) -> None:
        """Start a phase: forget the peak so far."""
        self._sampled = self.field("VmRSS")
        if self.hwm_resettable:
            try:
                self.clear_refs.write_text("5")  # resets VmHWM to VmRSS (Linux 4.0)
            except OSError:
                self.hwm_resettable = False

    def peak(self) -> int:
        """The peak since :meth:`reset`."""
        rss = self.field("VmRSS")
        if self.hwm_resettable:
            return max(self.field("VmHWM"), rss)
        return max(self._sampled, rss)
