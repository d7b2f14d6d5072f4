"""``python build.py``: what the build writes, and how it rebuilds."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from portal.policy.check import check_content
from portal.policy.model import Policy
from tests.support.fragments import Element, parse
from tests.support.policy_build import (
    CONTENT,
    LOCALES,
    PUBLISHED,
    Build,
    Built,
    ContentCopy,
    expected_files,
    files_under,
    versions_in,
)


@pytest.fixture(scope="module")
def policy() -> Policy:
    policy, problems = check_content(CONTENT)
    assert policy is not None, problems
    return policy


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
def test_each_version_shows_the_appendix_it_was_published_with(
    built: Built, policy: Policy, version: str, locale: str
) -> None:
    [published] = [v for v in policy.versions if v.version == version]
    inventory = policy.appendix(published)
    own = CONTENT / "policy" / version / "inventory.toml"
    assert inventory.path == (own if own.exists() else CONTENT / "inventory.toml")
    rows = appendix_rows(built, f"{version}/{locale}.html")

    assert list(rows) == [f"collection-{s.id.replace('_', '-')}" for s in inventory.scenarios]
    for scenario, row in zip(inventory.scenarios, rows.values(), strict=True):
        assert scenario.title[locale] in row.find("th").text
        assert scenario.purpose[locale] in row.text
        if scenario.retention:
            assert scenario.retention[locale] in row.text
        items = list(row.find("ul", class_="inventory__fields").iter("li"))
        assert len(items) == len(scenario.fields)
        for item, data_field in zip(items, scenario.fields, strict=True):
            assert item.text.startswith(data_field.label[locale])
            marked = any(True for _ in item.iter("strong", class_="tag--sensitive"))
            assert marked == data_field.sensitive, (scenario.id, data_field.key)


def test_the_first_versions_show_their_table_of_four_columns(built: Built) -> None:
    """1.0 and 1.1 were published with scenario, information, purpose and method: no retention."""
    for version in ("1.0", "1.1"):
        table = article(built, f"{version}/en.html").find("table", class_="inventory__table")
        headers = [th.text.strip() for th in table.find("thead").iter("th")]
        assert headers == ["Scenario", "Personal information collected", "Purpose", "Method"]
        text = body_text(built, version, "en")
        assert "To register a Xomery account" in text  # its words, its slips included
        assert "Quotes" not in [li.text for li in table.iter("li")]  # came with the quotes
    newest = article(built, f"{PUBLISHED[-1]}/en.html").find("table", class_="inventory__table")
    assert "Retention" in [th.text.strip() for th in newest.find("thead").iter("th")]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_newest_appendix_lists_who_else_receives_which_fields(
    built: Built, policy: Policy, locale: str
) -> None:
    """Policy 4: entrusted processors and other recipients, each with the fields it receives."""
    inventory = policy.appendix(policy.versions[-1])
    assert {r.kind for r in inventory.recipients} == {"entrusted", "provided"}
    page = article(built, f"{policy.versions[-1].version}/{locale}.html")
    table = page.find("table", class_="inventory__table--recipients")
    rows = {row.attrs["id"]: row for row in table.find("tbody").iter("tr")}
    assert list(rows) == [f"recipient-{r.id.replace('_', '-')}" for r in inventory.recipients]
    for recipient, row in zip(inventory.recipients, rows.values(), strict=True):
        assert recipient.title[locale] in row.find("th").text
        text = row.find("ul", class_="inventory__fields").text
        for key in recipient.data:  # every field it receives, under its scenario's title
            scenario_id, _, field_key = key.partition(".")
            scenario = inventory.scenario(scenario_id)
            assert scenario is not None
            data_field = scenario.field(field_key)
            assert data_field is not None
            assert data_field.label[locale] in text
            assert scenario.title[locale] in text
    # Section 4.1 links to the table.
    assert "#appendix-recipients" in [a.attrs.get("href") for a in page.iter("a")]
    assert table.attrs["id"] == "appendix-recipients"
    # An appendix published without recipients shows none.
    assert page_without_recipients(built, "1.1", locale)


def page_without_recipients(built: Built, version: str, locale: str) -> bool:
    page = article(built, f"{version}/{locale}.html")
    return not list(page.iter("table", class_="inventory__table--recipients"))


def test_the_bank_account_is_sensitive_personal_information(built: Built) -> None:
    """PIPL art. 28: a financial account is sensitive, and the table says so in both languages."""
    for locale, label in (("en", "Bank account number"), ("zh_Hans", "银行账号")):
        row = appendix_rows(built, f"{PUBLISHED[-1]}/{locale}.html")["collection-corporate-invoice"]
        item = next(li for li in row.iter("li") if li.text.startswith(label))
        assert any(True for _ in item.iter("strong", class_="tag--sensitive"))


def test_a_label_changed_in_the_inventory_shows_in_the_newest_version_only(
    content: ContentCopy, build: Build, tmp_path: Path
) -> None:
    content.replace(
        "inventory.toml",
        'label = { en = "Bank account number", zh_Hans = "银行账号" }',
        'label = { en = "Bank account (for refunds)", zh_Hans = "银行账户（用于退款）" }',
    )

    out = Built(tmp_path / "public" / "policy", build())
    *older, newest = versions_in(content.root)
    for locale, label in (
        ("en", "Bank account (for refunds)"),
        ("zh_Hans", "银行账户（用于退款）"),
    ):
        row = appendix_rows(out, f"{newest}/{locale}.html")["collection-corporate-invoice"]
        assert label in row.text
        for version in older:  # published records: their appendix stays as it was
            row = appendix_rows(out, f"{version}/{locale}.html")["collection-corporate-invoice"]
            assert label not in row.text


def test_references_to_the_inventory_show_its_words(
    content: ContentCopy, build: Build, tmp_path: Path
) -> None:
    for locale, sentence in (
        (
            "en",
            "We ship to the [[field:shipping_address.postal_code]] ([[inventory:shipping_address]]).",
        ),
        ("zh_Hans", "我们加密存储[[field:corporate_invoice.tax_number]]。"),
    ):
        relative = f"policy/1.1/{locale}.md"
        content.write(relative, content.read(relative) + f"\n{sentence}\n")

    out = Built(tmp_path / "public" / "policy", build())
    # In 1.1's own words: its appendix said "Shipping Information" and 税号.
    assert "We ship to the Postal code (Shipping Information)." in body_text(out, "1.1", "en")
    assert "我们加密存储税号。" in body_text(out, "1.1", "zh_Hans")
