"""``python build.py``: what the build writes, and how it rebuilds."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from portal.policy.check import check_content
from portal.policy.content import load_inventory
from portal.policy.generator import environment_digest
from portal.policy.model import ContentError, Policy
from portal.policy.render import Renderer
from portal.policy.writer import DuplicatePathError, Writer
from portal.settings import ROOT
from tests.policy.conftest import (
    CONTENT,
    PUBLISHED,
    Build,
    Built,
    ContentCopy,
    expected_files,
    versions_in,
)
from tests.policy.html import Element, parse

LOCALES = ("en", "zh_Hans")


@pytest.fixture(scope="module")
def policy() -> Policy:
    policy, problems = check_content(CONTENT)
    assert policy is not None, problems
    return policy


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def article(built: Built, relative: str) -> Element:
    return parse(built.read(relative)).find("article", class_="policy")


def body_text(built: Built, version: str, locale: str) -> str:
    """The policy's own words in one language (the text and the appendix, not the UI around)."""
    return article(built, f"{version}/{locale}.html").find("div", class_="policy__body").text


# -- what a build writes ---------------------------------------------------------------------


def test_every_version_in_both_languages_with_diffs_change_logs_and_manifest(
    built: Built,
) -> None:
    versions = versions_in(CONTENT)

    assert {"1.0/en.html", "1.1/zh_Hans.html", "1.1/changes.en.html"} <= set(
        files_under(built.public)
    )
    assert "1.0/changes.en.html" not in files_under(built.public)  # nothing to compare with
    assert set(files_under(built.public)) == expected_files(versions)
    assert (built.report.versions, built.report.files) == (
        len(versions),
        len(expected_files(versions)),
    )


def test_the_manifest_lists_the_versions_in_date_order_with_their_headers(
    built: Built, policy: Policy
) -> None:
    manifest = json.loads(built.read("manifest.json"))

    assert [v["version"] for v in manifest["versions"]] == versions_in(CONTENT)
    assert [(v["version"], v["effective"], v["material"]) for v in manifest["versions"][:2]] == [
        ("1.0", "2024-10-15", False),
        ("1.1", "2025-03-03", False),
    ]
    for entry, version in zip(manifest["versions"], policy.versions, strict=True):
        assert entry["effective"] == version.effective.isoformat()
        assert entry["material"] == version.material
        for locale in LOCALES:
            assert entry["summary"][locale] == version.summary(locale)
            assert entry["title"][locale] == version.documents[locale].title
        assert entry["anchors"] == [h.anchor for h in version.documents["en"].headings]
    assert manifest["versions"][1]["title"] == {
        "en": "Data Protection Policy",
        "zh_Hans": "数据保护政策",
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_the_change_log_lists_every_version_newest_first_in_its_language(
    built: Built, policy: Policy, locale: str
) -> None:
    log = parse(built.read(f"changes.{locale}.html"))
    entries = list(log.iter("li", class_="change-log__entry"))

    assert [entry.find("time").attrs["datetime"] for entry in entries] == [
        version.effective.isoformat() for version in reversed(policy.versions)
    ]
    for entry, version in zip(entries, reversed(policy.versions), strict=True):
        assert entry.find("a", class_="change-log__version").attrs["href"] == (
            f"/policy/{version.version}"
        )
        assert entry.find("p", class_="change-log__summary").text == version.summary(locale)
    compare = [a.attrs["href"] for entry in entries for a in entry.iter("a")]
    assert "/policy/1.1/changes" in compare
    assert "/policy/1.0/changes" not in compare


@pytest.mark.parametrize("version", PUBLISHED)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_heading_has_its_stable_anchor_and_the_contents_link_to_them(
    built: Built, policy: Policy, version: str, locale: str
) -> None:
    source = next(v for v in policy.versions if v.version == version).documents[locale]
    page = article(built, f"{version}/{locale}.html")
    body = page.find("div", class_="policy__body")

    rendered = [
        (int(element.tag[1]), element.attrs.get("id"))
        for element in body.iter()
        if re.fullmatch(r"h[1-6]", element.tag)
    ]
    assert rendered == [(heading.level, heading.anchor) for heading in source.headings]
    contents = [a.attrs["href"] for a in page.find("nav", class_="policy__toc").iter("a")]
    assert contents == [f"#{h.anchor}" for h in source.headings if h.level in (2, 3)]
    assert "#appendix-collection-list" in contents


def cjk_share(text: str) -> float:
    letters = [c for c in text if unicodedata.category(c).startswith("L")]
    return sum(1 for c in letters if "\u4e00" <= c <= "\u9fff") / len(letters)


@pytest.mark.parametrize("version", PUBLISHED)
def test_the_chinese_document_is_written_in_chinese(built: Built, version: str) -> None:
    chinese = body_text(built, version, "zh_Hans")
    english = body_text(built, version, "en")

    # Latin letters remain in names and addresses (Xometry, info@xometry.asia, WeChat OpenID).
    assert cjk_share(chinese) > 0.8
    assert cjk_share(english) == 0
    assert "我们处理的个人信息及处理目的" in chinese
    assert "The Personal Information We Process" not in chinese
    assert article(built, f"{version}/zh_Hans.html").attrs["lang"] == "zh-Hans"
    assert article(built, f"{version}/en.html").attrs["lang"] == "en"


def appendix_rows(built: Built, relative: str) -> dict[str, Element]:
    table = article(built, relative).find("table", class_="inventory__table")
    return {row.attrs["id"]: row for row in table.find("tbody").iter("tr")}


@pytest.mark.parametrize("version", PUBLISHED)
@pytest.mark.parametrize("locale", LOCALES)
def test_the_appendix_is_the_inventory_with_sensitive_fields_marked(
    built: Built, version: str, locale: str
) -> None:
    inventory = load_inventory(CONTENT / "inventory.toml", [])
    assert inventory is not None
    rows = appendix_rows(built, f"{version}/{locale}.html")

    assert list(rows) == [f"collection-{s.id.replace('_', '-')}" for s in inventory.scenarios]
    for scenario, row in zip(inventory.scenarios, rows.values(), strict=True):
        assert scenario.title[locale] in row.find("th").text
        assert scenario.purpose[locale] in row.text
        assert scenario.retention[locale] in row.text
        items = list(row.find("ul", class_="inventory__fields").iter("li"))
        assert len(items) == len(scenario.fields)
        for item, data_field in zip(items, scenario.fields, strict=True):
            assert item.text.startswith(data_field.label[locale])
            marked = any(True for _ in item.iter("strong", class_="tag--sensitive"))
            assert marked == data_field.sensitive, (scenario.id, data_field.key)


def test_the_bank_account_is_sensitive_personal_information(built: Built) -> None:
    """PIPL art. 28: a financial account is sensitive, and the table says so in both languages."""
    for locale, label in (("en", "Bank account number"), ("zh_Hans", "银行账号")):
        row = appendix_rows(built, f"1.1/{locale}.html")["collection-corporate-invoice"]
        item = next(li for li in row.iter("li") if li.text.startswith(label))
        assert any(True for _ in item.iter("strong", class_="tag--sensitive"))


def test_a_label_changed_in_the_inventory_shows_in_every_version(
    content: ContentCopy, build: Build, tmp_path: Path
) -> None:
    content.replace(
        "inventory.toml",
        'label = { en = "Bank account number", zh_Hans = "银行账号" }',
        'label = { en = "Bank account (for refunds)", zh_Hans = "银行账户（用于退款）" }',
    )

    out = Built(tmp_path / "public" / "policy", build())
    for version in versions_in(content.root):
        for locale, label in (
            ("en", "Bank account (for refunds)"),
            ("zh_Hans", "银行账户（用于退款）"),
        ):
            row = appendix_rows(out, f"{version}/{locale}.html")["collection-corporate-invoice"]
            assert label in row.text
            assert "Bank account number" not in row.text
            assert "银行账号" not in row.text


def test_references_to_the_inventory_show_its_words(
    content: ContentCopy, build: Build, tmp_path: Path
) -> None:
    for locale, sentence in (
        ("en", "We encrypt the [[field:corporate_invoice.bank_account]] ([[inventory:cookies]])."),
        ("zh_Hans", "我们加密存储[[field:corporate_invoice.bank_account]]。"),
    ):
        relative = f"policy/1.1/{locale}.md"
        content.write(relative, content.read(relative) + f"\n{sentence}\n")

    out = Built(tmp_path / "public" / "policy", build())
    assert "We encrypt the Bank account number (Cookies)." in body_text(out, "1.1", "en")
    assert "我们加密存储银行账号。" in body_text(out, "1.1", "zh_Hans")


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
    shutil.copytree(content.path(f"policy/{newest}"), content.path(f"policy/{version}"))
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


def test_a_changed_inventory_renders_every_document_again(
    content: ContentCopy, build: Build, rendered: list[tuple[str, str, str]]
) -> None:
    build()
    rendered.clear()
    content.replace("inventory.toml", 'zh_Hans = "银行账号"', 'zh_Hans = "银行账户"')

    report = build()

    versions = versions_in(content.root)
    assert sorted(rendered) == sorted(
        ("document", version, locale) for version in versions for locale in LOCALES
    )
    assert report.rendered == 2 * len(versions)  # the diffs compare the text, not the appendix


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
