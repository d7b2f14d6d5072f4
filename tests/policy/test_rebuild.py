"""``python build.py`` again: the writer replaces the output whole, and the cache re-renders
only what a change touches."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from portal.policy.generator import environment_digest
from portal.policy.model import ContentError
from portal.policy.render import Renderer
from portal.policy.writer import DuplicatePathError, Writer
from portal.settings import ROOT
from tests.support.policy_build import (
    LOCALES,
    Build,
    ContentCopy,
    expected_files,
    files_under,
    freeze_appendices,
    versions_in,
)

# -- the writer ------------------------------------------------------------------------------


def test_a_build_removes_what_an_earlier_build_left(
    content: ContentCopy, build: Build, tmp_path: Path
) -> None:
    build()
    output = tmp_path / "public" / "policy"
    (output / "0.9").mkdir()
    (output / "0.9" / "en.html").write_text("<p>withdrawn version</p>")
    (output / "notes.html").write_text("stale")
    *kept, withdrawn = versions_in(content.root)
    shutil.rmtree(content.path(f"policy/{withdrawn}"))  # withdrawn before it took effect

    build()

    assert set(files_under(output)) == expected_files(kept)
    assert not (output / "0.9").exists()
    assert not (output / withdrawn).exists()
    manifest = json.loads((output / "manifest.json").read_text())
    assert [v["version"] for v in manifest["versions"]] == kept


def test_the_writer_refuses_to_write_a_path_twice(tmp_path: Path) -> None:
    writer = Writer(tmp_path / "policy")
    writer.write("1.0/en.html", "<p>one</p>")

    with pytest.raises(DuplicatePathError):
        writer.write("1.0/en.html", "<p>two</p>")
    with pytest.raises(DuplicatePathError):
        writer.write("1.0/./en.html", "<p>the same path, spelled otherwise</p>")
    with pytest.raises(ValueError, match="outside the output folder"):
        writer.write("../en.html", "<p>elsewhere</p>")
    assert not (tmp_path / "policy").exists(), "nothing is written before commit"


def test_bad_content_leaves_the_published_policy_as_it_was(
    content: ContentCopy, build: Build, tmp_path: Path
) -> None:
    build()
    before = files_under(tmp_path / "public")
    content.replace("policy/1.1/en.md", "material: no", "material: perhaps")

    with pytest.raises(ContentError) as error:
        build()

    assert any("material must be yes or no" in str(p) for p in error.value.problems)
    assert files_under(tmp_path / "public") == before


def test_a_build_that_fails_half_way_leaves_the_published_policy_as_it_was(
    content: ContentCopy, build: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build()
    before = files_under(tmp_path / "public")
    content.replace("policy/1.1/en.md", "March 3, 2025", "March 4, 2025")

    def broken_template(*args: object) -> str:
        raise RuntimeError("a template error in the middle of the build")

    monkeypatch.setattr(Renderer, "diff", broken_template)
    with pytest.raises(RuntimeError):
        build()

    assert files_under(tmp_path / "public") == before


# -- the cache -------------------------------------------------------------------------------


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """What the builds of this test render: ``("document" | "diff", version, locale)``."""
    calls: list[tuple[str, str, str]] = []
    document, diff = Renderer.document, Renderer.diff

    def spy_document(self, version, doc, previous):  # type: ignore[no-untyped-def]
        calls.append(("document", version.version, doc.locale))
        return document(self, version, doc, previous)

    def spy_diff(self, old, new, version):  # type: ignore[no-untyped-def]
        calls.append(("diff", version.version, new.locale))
        return diff(self, old, new, version)

    monkeypatch.setattr(Renderer, "document", spy_document)
    monkeypatch.setattr(Renderer, "diff", spy_diff)
    return calls


def add_version(content: ContentCopy) -> str:
    """A new version after the newest, so that every published version has one after it."""
    newest = versions_in(content.root)[-1]
    version = f"{int(newest.split('.')[0]) + 1}.0"
    freeze_appendices(content.root)
    content.path(f"policy/{version}").mkdir()
    for locale in LOCALES:
        shutil.copy(content.path(f"policy/{newest}/{locale}.md"), content.path(f"policy/{version}"))
    for locale, sentence in (("en", "We added this sentence."), ("zh_Hans", "我们新增了这句话。")):
        relative = f"policy/{version}/{locale}.md"
        text = content.read(relative).replace(f"version: {newest}", f"version: {version}", 1)
        text = re.sub(r"(?m)^effective: .*$", "effective: 2099-01-01", text, count=1)
        content.write(relative, text + f"\n{sentence}\n")
    return version


def test_a_build_without_changes_renders_and_writes_nothing(
    content: ContentCopy, build: Build, rendered: list[tuple[str, str, str]]
) -> None:
    first = build()
    rendered.clear()

    again = build()

    assert first.rendered > 0
    assert (again.rendered, again.written, rendered) == (0, 0, [])
    assert again.files == first.files


def test_a_changed_version_renders_its_documents_and_the_diffs_that_touch_it(
    content: ContentCopy, build: Build, tmp_path: Path, rendered: list[tuple[str, str, str]]
) -> None:
    add_version(content)
    versions = versions_in(content.root)
    following = versions[versions.index("1.1") + 1]
    build()
    before = files_under(tmp_path / "public")
    rendered.clear()
    content.replace("policy/1.1/en.md", "March 3, 2025", "March 4, 2025")

    report = build()

    assert sorted(rendered) == [
        ("diff", "1.1", "en"),  # 1.0 -> 1.1
        ("diff", following, "en"),  # 1.1 -> the next version
        ("document", "1.1", "en"),
    ]
    assert report.rendered == 3
    after = files_under(tmp_path / "public")
    assert {name for name in after if after[name] != before[name]} == {
        "policy/1.1/en.html",
        "policy/1.1/changes.en.html",
        f"policy/{following}/changes.en.html",
    }
    assert "March 4, 2025" in after["policy/1.1/en.html"].decode()


def test_a_changed_summary_shows_in_the_change_log(
    content: ContentCopy, build: Build, tmp_path: Path
) -> None:
    build()
    content.replace(
        "policy/1.1/en.md",
        "summary: Corrects",
        "summary: Fixes typos. Corrects",
    )

    build()

    log = (tmp_path / "public" / "policy" / "changes.en.html").read_text()
    assert "Fixes typos. Corrects" in log


def test_a_changed_inventory_renders_only_the_versions_it_is_the_appendix_of(
    content: ContentCopy, build: Build, rendered: list[tuple[str, str, str]]
) -> None:
    build()
    rendered.clear()
    content.replace("inventory.toml", 'zh_Hans = "银行账号"', 'zh_Hans = "银行账户"')

    report = build()

    # The older versions keep the appendix they were published with: only the newest shows it.
    [newest] = [
        version
        for version in versions_in(content.root)
        if not content.path(f"policy/{version}/inventory.toml").exists()
    ]
    assert sorted(rendered) == [("document", newest, locale) for locale in LOCALES]
    assert report.rendered == 2  # the diffs compare the text, not the appendix


def test_a_changed_snapshot_renders_its_version_again(
    content: ContentCopy, build: Build, rendered: list[tuple[str, str, str]]
) -> None:
    build()
    rendered.clear()
    content.replace("policy/1.1/inventory.toml", 'zh_Hans = "税号"', 'zh_Hans = "纳税人识别号"', 2)

    build()

    assert sorted(rendered) == [("document", "1.1", locale) for locale in LOCALES]


def test_a_damaged_cache_only_costs_a_full_build(
    content: ContentCopy, build: Build, tmp_path: Path
) -> None:
    first = build()
    (tmp_path / "cache" / "policy-build.pickle").write_bytes(b"not a pickle")

    report = build()

    assert report.rendered == first.rendered
    assert report.written == 0  # the same files as before


def test_a_changed_template_or_catalogue_changes_every_cache_key(tmp_path: Path) -> None:
    templates, locales = tmp_path / "templates", tmp_path / "locales"
    shutil.copytree(ROOT / "templates" / "policy", templates / "policy")
    shutil.copytree(ROOT / "locales", locales)
    digest = environment_digest(templates, locales)

    with (templates / "policy" / "_article.html").open("a") as handle:
        handle.write("\n")
    after_template = environment_digest(templates, locales)
    mo = next(locales.glob("zh_Hans/LC_MESSAGES/messages.mo"))
    mo.write_bytes(mo.read_bytes() + b"\0")

    assert len({digest, after_template, environment_digest(templates, locales)}) == 3
