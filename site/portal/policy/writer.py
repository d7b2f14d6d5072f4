"""Write stage: the output folder, replaced whole, with every path written once."""

from __future__ import annotations

import shutil
from pathlib import Path


class DuplicatePathError(RuntimeError):
    """Two outputs of one build claimed the same path: one would silently hide the other."""


class Writer:
    """Writes a build into ``<target>.new`` and swaps it in when the build is complete.

    Visitors of a running site never see a half-written policy, and the output holds exactly
    what this build wrote: nothing stale from an older one.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.staging = target.with_name(target.name + ".new")
        self.written: set[Path] = set()
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)

    def write(self, relative: str, content: str) -> None:
        path = (self.staging / relative).resolve()
        if not path.is_relative_to(self.staging.resolve()):
            raise ValueError(f"{relative!r} is outside the output folder")
        if path in self.written:
            raise DuplicatePathError(f"{relative} would be written twice")
        self.written.add(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")

    def commit(self) -> None:
        old = self.target.with_name(self.target.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if self.target.exists():
            self.target.rename(old)
        self.staging.rename(self.target)
        if old.exists():
            shutil.rmtree(old)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
