"""``python build.py check`` and ``python build.py`` from the command line: the real content
passes, a mistake is printed as ``path:line: message`` and fails the command, and a broken
build leaves the published policy as it was."""

from __future__ import annotations

from pathlib import Path

from tests.support.policy_build import (
    CONTENT,
    EN,
    INVENTORY,
    PROBLEM_LINE,
    ContentCopy,
    run_build_py,
)
from tests.support.policy_mistakes import (
    effective_not_iso,
    fields_written_as_text,
    material_not_yes_or_no,
    scenario_without_chinese_title,
)

# -- the command line ------------------------------------------------------------------------


def test_build_py_check_passes_the_real_content(tmp_path: Path) -> None:
    result = run_build_py("check", content=CONTENT, tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "all good" in result.stdout
    assert not (tmp_path / "public").exists(), "check writes nothing"


def test_build_py_check_reports_path_line_message(content: ContentCopy, tmp_path: Path) -> None:
    effective_not_iso(content)
    scenario_without_chinese_title(content)
    scenarios_line = content.line_of(INVENTORY, 'title = { en = "Registration (website)" }')

    result = run_build_py("check", content=content.root, tmp_path=tmp_path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    *lines, summary = result.stderr.strip().splitlines()
    assert summary == f"check: {len(lines)} problem(s); nothing was built"
    reported = []
    for line in lines:
        match = PROBLEM_LINE.match(line)
        assert match, f"not `path:line: message`: {line!r}"
        reported.append((Path(match["path"]), int(match["line"])))
    assert (content.path(EN), 2) in reported
    assert (content.path(INVENTORY), scenarios_line) in reported


def test_build_py_check_survives_a_mistyped_inventory(content: ContentCopy, tmp_path: Path) -> None:
    fields_written_as_text(content)

    result = run_build_py("check", content=content.root, tmp_path=tmp_path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{content.path(INVENTORY)}:1: " in result.stderr


def test_build_py_on_broken_content_leaves_the_published_policy(
    content: ContentCopy, tmp_path: Path
) -> None:
    published = run_build_py(content=content.root, tmp_path=tmp_path)
    assert published.returncode == 0, published.stderr
    before = {
        path: path.read_bytes() for path in (tmp_path / "public").rglob("*") if path.is_file()
    }
    material_not_yes_or_no(content)

    result = run_build_py(content=content.root, tmp_path=tmp_path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{content.path(EN)}:3: material must be yes or no" in result.stderr
    assert "the published policy was left as it was" in result.stderr
    after = {path: path.read_bytes() for path in (tmp_path / "public").rglob("*") if path.is_file()}
    assert after == before
