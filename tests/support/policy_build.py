"""The policy generator's tests: the real content, a copy of it to break, and what a build writes.

The fixtures that build and check are in ``tests/policy/conftest.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from portal.policy.generator import BuildReport
from portal.settings import ROOT

LOCALES = ("en", "zh_Hans")


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


CONTENT = ROOT / "content"
# Published versions never change, so tests may rely on their words; newer versions are added
# over time, so tests derive what they expect of the whole policy from the versions present.


def versions_in(content_dir: Path) -> list[str]:
    """The version folders of ``content_dir``, oldest first (their dates follow their numbers)."""
    folders = [p.name for p in (content_dir / "policy").iterdir() if p.is_dir()]
    return sorted(folders, key=lambda name: tuple(int(part) for part in name.split(".")))


PUBLISHED = tuple(versions_in(CONTENT))


def freeze_appendices(content_dir: Path) -> None:
    """What the legal team does before starting a version: every version keeps its appendix.

    Copies the current inventory into each version folder that has no ``inventory.toml`` yet
    (the newest one), so that a version added after it may change the current inventory.
    """
    for version in versions_in(content_dir):
        target = content_dir / "policy" / version / "inventory.toml"
        if not target.exists():
            shutil.copy(content_dir / "inventory.toml", target)


def expected_files(versions: list[str]) -> set[str]:
    """What a build of ``versions`` writes into ``policy/``."""
    files = {"changes.en.html", "changes.zh_Hans.html", "manifest.json"}
    for index, version in enumerate(versions):
        files |= {f"{version}/en.html", f"{version}/zh_Hans.html"}
        if index:  # the first version has nothing to compare with
            files |= {f"{version}/changes.en.html", f"{version}/changes.zh_Hans.html"}
    return files


@dataclass
class ContentCopy:
    """A copy of ``content/`` that a test may break, one file at a time."""

    root: Path

    def path(self, relative: str) -> Path:
        return self.root / relative

    def read(self, relative: str) -> str:
        return self.path(relative).read_text(encoding="utf-8")

    def write(self, relative: str, text: str) -> None:
        self.path(relative).write_text(text, encoding="utf-8")

    def replace(self, relative: str, old: str, new: str, count: int = 1) -> None:
        """Replace ``old`` (which must be there, ``count`` times) by ``new``."""
        text = self.read(relative)
        assert text.count(old) == count, f"{old!r} is {text.count(old)} times in {relative}"
        self.write(relative, text.replace(old, new))

    def line_of(self, relative: str, needle: str, occurrence: int = 1) -> int:
        """The number of the line holding ``needle`` (its ``occurrence``-th appearance)."""
        found = [
            number
            for number, line in enumerate(self.read(relative).splitlines(), 1)
            if needle in line
        ]
        assert len(found) >= occurrence, f"{needle!r} is not in {relative} {occurrence} time(s)"
        return found[occurrence - 1]


Build = Callable[..., BuildReport]


@dataclass(frozen=True)
class Built:
    public: Path  # the ``policy`` folder
    report: BuildReport

    def read(self, relative: str) -> str:
        return (self.public / relative).read_text(encoding="utf-8")


Problems = Callable[[Path], list[tuple[str, int, str]]]


def run_build_py(*args: str, content: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "PORTAL_CONTENT_DIR": str(content),
        "PORTAL_PUBLIC_DIR": str(tmp_path / "public"),
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# Where tests/policy/test_check*.py make their mistakes: in a published version in a published version, whose
# words never change.
EN = "policy/1.1/en.md"
ZH = "policy/1.1/zh_Hans.md"
INVENTORY = "inventory.toml"
APPENDIX_11 = "policy/1.1/inventory.toml"  # the appendix 1.1 was published with
# What `build.py check` prints for a problem: `path:line: message`.
PROBLEM_LINE = re.compile(r"^(?P<path>[^:\s][^:]*):(?P<line>\d+): (?P<message>\S.*)$")
