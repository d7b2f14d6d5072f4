"""The built policy as the site sees it: which version is in force, and its fragments."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from markupsafe import Markup

# The company and its customers are in China: a version takes effect at midnight Beijing time.
CHINA = ZoneInfo("Asia/Shanghai")


def today_in_china() -> date:
    return datetime.now(CHINA).date()


@dataclass(frozen=True)
class VersionInfo:
    version: str
    effective: date
    material: bool
    summary: dict[str, str]
    title: dict[str, str]


class PolicyLibrary:
    """Reads ``site/public/policy`` (written by ``build.py``); fragments are cached in memory."""

    def __init__(self, public_dir: Path) -> None:
        self.root = public_dir / "policy"
        self.versions: tuple[VersionInfo, ...] = ()
        manifest = self.root / "manifest.json"
        if manifest.exists():
            data = json.loads(manifest.read_text(encoding="utf-8"))
            self.versions = tuple(
                VersionInfo(
                    version=item["version"],
                    effective=date.fromisoformat(item["effective"]),
                    material=item["material"],
                    summary=item["summary"],
                    title=item["title"],
                )
                for item in data["versions"]
            )
        self._by_version = {v.version: v for v in self.versions}
        self._read = lru_cache(maxsize=512)(self._read_uncached)

    def get(self, version: str) -> VersionInfo | None:
        return self._by_version.get(version)

    def in_force(self, today: date | None = None) -> VersionInfo | None:
        """The newest version whose effective date has come (Beijing time)."""
        today = today or today_in_china()
        current = [v for v in self.versions if v.effective <= today]
        return current[-1] if current else None

    def upcoming(self, today: date | None = None) -> list[VersionInfo]:
        """Versions published but not yet in force, soonest first."""
        today = today or today_in_china()
        return [v for v in self.versions if v.effective > today]

    def previous(self, version: VersionInfo) -> VersionInfo | None:
        index = self.versions.index(version)
        return self.versions[index - 1] if index else None

    def document(self, version: str, locale: str) -> Markup:
        return self._read(f"{version}/{locale}.html")

    def changes(self, version: str, locale: str) -> Markup:
        return self._read(f"{version}/changes.{locale}.html")

    def change_log(self, locale: str) -> Markup:
        return self._read(f"changes.{locale}.html")

    def _read_uncached(self, relative: str) -> Markup:
        return Markup((self.root / relative).read_text(encoding="utf-8"))  # noqa: S704 - built by us
