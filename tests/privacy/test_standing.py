"""Where a user stands with the policy, from the versions on their record: a pure function."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from portal.policy.library import PolicyLibrary
from portal.privacy.services import changes_url, standing_for

TODAY = date(2026, 6, 1)
# 1.2 is material; 1.3 is in force; 1.4 (plain) and 2.0 (material) are announced.
VERSIONS = [
    ("1.0", "2024-10-15", False),
    ("1.1", "2025-03-03", False),
    ("1.2", "2025-09-01", True),
    ("1.3", "2026-01-01", False),
    ("1.4", "2026-07-01", False),
    ("2.0", "2026-09-01", True),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> PolicyLibrary:
    public = tmp_path_factory.mktemp("standing") / "public"
    (public / "policy").mkdir(parents=True)
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
            for version, effective, material in VERSIONS
        ],
    }
    (public / "policy" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return PolicyLibrary(Path(public))


def versions(standing) -> tuple:
    def name(info):
        return info.version if info else None

    return (
        name(standing.acknowledged),
        name(standing.pending),
        name(standing.upcoming),
        standing.needs_consent,
        standing.blocking,
    )


@pytest.mark.parametrize(
    ("on_record", "expected", "url"),
    [
        # Agreed to 1.3 (in force): only the announced 1.4 is shown, and it is not material.
        (["1.3"], ("1.3", None, "1.4", False, False), "/policy/1.4/changes"),
        # Read 1.4 ahead of time: next, 2.0 is announced, and it needs consent (not yet).
        (["1.3", "1.4"], ("1.4", None, "2.0", True, False), "/policy/2.0/changes"),
        # Agreed to everything: nothing to show.
        (["1.0", "2.0"], ("2.0", None, None, False, False), ""),
        # Skipped the material 1.2: 1.3 is pending and blocks, compared with 1.1.
        (["1.0", "1.1"], ("1.1", "1.3", None, True, True), "/policy/1.3/changes?since=1.1"),
        # Consented to 1.2: 1.3 is pending, a plain "I have read it".
        (["1.2"], ("1.2", "1.3", None, False, False), "/policy/1.3/changes"),
        # Nothing on record (or nothing known): never consented at all, so consent is needed.
        ([], (None, "1.3", None, True, True), "/policy/1.3"),
        (["0.9", None], (None, "1.3", None, True, True), "/policy/1.3"),
    ],
)
def test_the_standing_follows_the_newest_version_on_record(
    library: PolicyLibrary, on_record, expected, url
) -> None:
    standing = standing_for(library, on_record, TODAY)
    assert versions(standing) == expected
    assert standing.changes_url == url


def test_the_order_of_records_does_not_matter(library: PolicyLibrary) -> None:
    assert standing_for(library, ["1.3", "1.0"], TODAY) == standing_for(
        library, ["1.0", "1.3"], TODAY
    )


def test_a_version_taking_effect_turns_the_notice_into_a_banner(library: PolicyLibrary) -> None:
    before = standing_for(library, ["1.3"], date(2026, 6, 30))
    after = standing_for(library, ["1.3"], date(2026, 7, 1))
    assert (before.pending, before.upcoming.version) == (None, "1.4")
    assert (after.pending.version, after.upcoming) == ("1.4", None)


def test_changes_url(library: PolicyLibrary) -> None:
    v = library.get
    assert changes_url(library, v("1.3"), v("1.2")) == "/policy/1.3/changes"
    assert changes_url(library, v("1.3"), v("1.0")) == "/policy/1.3/changes?since=1.0"
    assert changes_url(library, v("1.3"), None) == "/policy/1.3"
    assert changes_url(library, v("1.3"), v("1.3")) == "/policy/1.3"
