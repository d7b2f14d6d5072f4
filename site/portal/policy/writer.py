"""Write stage: the output folder, brought in line with one build, with every path written once."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from pathlib import Path


class DuplicatePathError(RuntimeError):
    """Two outputs of one build claimed the same path: one would silently hide the other."""


class Writer:
    """Collects a build's files, then makes the output folder hold exactly those files.

    Nothing touches the folder before :meth:`commit`, so a build that fails half-way leaves the
    published policy as it was. ``commit`` rewrites only the files whose content changed (each
    replaced in one rename, so a visitor never reads a half-written page; new files are listed in
    the manifest, which is written last) and deletes every file this build did not write, so
    nothing stale survives. A rebuild after a small change costs a few writes, not a new copy of
    every version.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.files: dict[str, bytes] = {}
        self.changed = 0  # files created, replaced or deleted by the commit

    def write(self, relative: str, content: str) -> None:
        # Normalizing the name tells two spellings of one path apart ("1.0/./en.html").
        name = posixpath.normpath(relative)
        if posixpath.isabs(name) or name in (".", "..") or name.startswith("../"):
            raise ValueError(f"{relative!r} is outside the output folder")
        if name in self.files:
            raise DuplicatePathError(f"{relative} would be written twice")
        self.files[name] = content.encode("utf-8")

    def commit(self) -> None:
        self.target.mkdir(parents=True, exist_ok=True)
        existing = set(_files(self.target))
        folders = {"."}
        for name, data in self.files.items():
            path = self.target / name
            if name in existing:
                if path.read_bytes() == data:
                    continue
                temporary = path.with_name(f".{path.name}.tmp")
                temporary.write_bytes(data)
                temporary.replace(path)
            else:
                folder = posixpath.dirname(name) or "."
                if folder not in folders:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    folders.add(folder)
                path.write_bytes(data)
            self.changed += 1
        stale = existing - self.files.keys()
        for name in stale:
            (self.target / name).unlink()
            self.changed += 1
        if stale:
            for folder, _, files in os.walk(self.target, topdown=False):
                if not files and Path(folder) != self.target and not os.listdir(folder):
                    Path(folder).rmdir()

    def abort(self) -> None:
        self.files.clear()


def _files(root: Path) -> Iterator[str]:
    """Every file under ``root``, as a relative POSIX name."""
    for folder, _, files in os.walk(root):
        relative = Path(folder).relative_to(root).as_posix()
        for file in files:
            yield file if relative == "." else f"{relative}/{file}"
