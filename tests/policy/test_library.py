"""``PolicyLibrary``: which version is in force (Beijing time), what comes next, what exists."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

import pytest
from markupsafe import Markup

from portal.policy import library as library_module
from portal.policy.library import PolicyLibrary
from tests.support.policy_build import Built


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> PolicyLibrary:
    """A library of three versions, the last one published ahead of its date."""
    public = tmp_path_factory.mktemp("library") / "public"
    (public / "policy").mkdir(parents=True)
    versions = [
        ("1.0", "2024-10-15", False),
        ("1.1", "2025-03-03", False),
        ("2.0", "2026-12-15", True),
    ]
    manifest = {
        "format": 1,
        "versions": [
            {
                "version": version,
                "effective": effective,
                "material": material,
                "summary": {"en": f"Version {version}", "zh_Hans": f"第{version}版"},
                "title": {"en": "Data Protection Policy", "zh_Hans": "数据保护政策"},
                "anchors": [],
            }
            for version, effective, material in versions
        ],
    }
    (public / "policy" / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    return PolicyLibrary(public)


@pytest.mark.parametrize(
    ("today", "in_force", "upcoming"),
    [
        (date(2024, 10, 14), None, ["1.0", "1.1", "2.0"]),  # published before it takes effect
        (date(2024, 10, 15), "1.0", ["1.1", "2.0"]),
        (date(2025, 3, 2), "1.0", ["1.1", "2.0"]),
        (date(2025, 3, 3), "1.1", ["2.0"]),
        (date(2026, 12, 14), "1.1", ["2.0"]),
        (date(2026, 12, 15), "2.0", []),
        (date(2031, 1, 1), "2.0", []),
    ],
)
def test_the_version_in_force_is_the_newest_that_has_taken_effect(
    library: PolicyLibrary, today: date, in_force: str | None, upcoming: list[str]
) -> None:
    current = library.in_force(today)

    assert (current.version if current else None) == in_force
    assert [v.version for v in library.upcoming(today)] == upcoming


class _Clock(datetime):
    """``datetime`` whose ``now()`` is a fixed instant, as the clock of a server in UTC."""

    instant = datetime(2025, 1, 1, tzinfo=UTC)

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        return cls.instant.astimezone(tz) if tz else cls.instant.replace(tzinfo=None)


@pytest.mark.parametrize(
    ("utc", "in_force"),
    [
        # 23:59 on 2 March in Shanghai: 1.1 is not in force yet.
        (datetime(2025, 3, 2, 15, 59, tzinfo=UTC), "1.0"),
        # 00:30 on 3 March in Shanghai, still 2 March in UTC: 1.1 is in force.
        (datetime(2025, 3, 2, 16, 30, tzinfo=UTC), "1.1"),
    ],
)
def test_a_version_takes_effect_at_midnight_in_shanghai(
    library: PolicyLibrary, monkeypatch: pytest.MonkeyPatch, utc: datetime, in_force: str
) -> None:
    monkeypatch.setattr(_Clock, "instant", utc)
    monkeypatch.setattr(library_module, "datetime", _Clock)

    current = library.in_force()

    assert current is not None
    assert current.version == in_force
    upcoming = [v.version for v in library.upcoming()]
    assert upcoming == (["2.0"] if in_force == "1.1" else ["1.1", "2.0"])


def test_a_version_is_found_by_its_number(library: PolicyLibrary) -> None:
    version = library.get("2.0")

    assert version is not None
    assert (version.version, version.effective, version.material) == (
        "2.0",
        date(2026, 12, 15),
        True,
    )
    assert version.summary == {"en": "Version 2.0", "zh_Hans": "第2.0版"}
    previous = library.previous(version)
    assert previous is not None
    assert previous.version == "1.1"
    first = library.get("1.0")
    assert first is not None
    assert library.previous(first) is None


@pytest.mark.parametrize("number", ["9.9", "1", "1.1.0", "", "latest", "../1.1"])
def test_an_unknown_version_is_none(library: PolicyLibrary, number: str) -> None:
    assert library.get(number) is None


def test_the_fragments_are_the_built_files(built: Built) -> None:
    library = PolicyLibrary(built.public.parent)

    document = library.document("1.1", "zh_Hans")

    assert isinstance(document, Markup)
    assert str(document) == built.read("1.1/zh_Hans.html")
    assert str(library.changes("1.1", "en")) == built.read("1.1/changes.en.html")
    assert str(library.change_log("zh_Hans")) == built.read("changes.zh_Hans.html")
    assert [v.version for v in library.versions][:2] == ["1.0", "1.1"]


def test_before_the_first_build_there_is_no_policy(tmp_path: Path) -> None:
    empty = PolicyLibrary(tmp_path / "public")

    assert empty.versions == ()
    assert empty.in_force(date(2025, 3, 3)) is None
    assert empty.get("1.0") is None
