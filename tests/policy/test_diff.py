"""What changed between two versions: word by word in English, character by character in Chinese."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.policy.diff import blocks, diff_blocks, word_diff
from portal.policy.model import Inventory, PolicyDocument, PolicyVersion
from portal.policy.render import Renderer
from tests.support.fragments import parse
from tests.support.policy_build import Built


def marked(parts: list[tuple[str, str]], op: str) -> list[str]:
    return [text for kind, text in parts if kind == op]


def test_english_marks_only_the_words_that_changed() -> None:
    parts = word_diff(
        "We keep your invoices for five years after the order.",
        "We keep your invoices for three full years after the order.",
    )

    assert parts == [
        ("equal", "We keep your invoices for "),
        ("delete", "five"),
        ("insert", "three full"),
        ("equal", " years after the order."),
    ]


def test_an_address_is_one_word() -> None:
    parts = word_diff("Write to info@xomery.asia today.", "Write to info@xometry.asia today.")

    assert marked(parts, "delete") == ["info@xomery.asia"]
    assert marked(parts, "insert") == ["info@xometry.asia"]


def test_chinese_marks_only_the_characters_that_changed() -> None:
    parts = word_diff("我们将保存您的发票五年。", "我们将保存您的发票三年。")

    assert parts == [
        ("equal", "我们将保存您的发票"),
        ("delete", "五"),
        ("insert", "三"),
        ("equal", "年。"),
    ]


def test_chinese_after_an_address_stays_unmarked() -> None:
    parts = word_diff(
        "发送电子邮件至info@xomery.asia与我们联系。", "发送电子邮件至info@xometry.asia与我们联系。"
    )

    assert marked(parts, "delete") == ["info@xomery.asia"]
    assert marked(parts, "insert") == ["info@xometry.asia"]
    assert parts[-1] == ("equal", "与我们联系。")


OLD_BODY = """\
# Policy {#policy}

## 1. Cookies {#cookies}

We use cookies to keep you signed in.

We keep server logs for 30 days.

## 2. Your Rights {#your-rights}

You may ask for a copy of your data.
"""

NEW_BODY = """\
# Policy {#policy}

## 1. Cookies and Similar Technologies {#cookies}

We use cookies to keep you signed in.

## 2. Your Rights {#your-rights}

You may ask for a copy of your data.

You may also complain to the regulator.
"""


def test_a_heading_change_a_removed_and_an_added_paragraph_each_name_their_section() -> None:
    result = diff_blocks(blocks(OLD_BODY), blocks(NEW_BODY))

    summary = [
        (block.change, block.kind, block.section_anchor, block.parts) for block in result.blocks
    ]
    assert summary == [
        (
            "changed",
            "h2",
            "cookies",
            (
                ("equal", "1. Cookies"),
                ("insert", " and Similar Technologies"),
            ),
        ),
        ("removed", "p", "cookies", (("delete", "We keep server logs for 30 days."),)),
        ("added", "p", "your-rights", (("insert", "You may also complain to the regulator."),)),
    ]
    assert result.unchanged == 4  # the title, a paragraph, a heading and a paragraph


def document(locale: str, version: str, body: str) -> PolicyDocument:
    return PolicyDocument(
        path=Path(f"policy/{version}/{locale}.md"),
        version=version,
        locale=locale,
        effective=date(2025, 1, 1),
        material=False,
        summary="",
        body=body,
        body_line=6,
        headings=(),
        digest=f"{version}-{locale}",
    )


def test_the_rendered_diff_links_every_change_to_its_section(
    environment: jinja2.Environment,
) -> None:
    old, new = document("en", "1.0", OLD_BODY), document("en", "2.0", NEW_BODY)
    version = PolicyVersion("2.0", new.effective, False, {"en": new})

    no_inventory = Inventory(Path("inventory.toml"), (), {}, "")
    html = parse(Renderer(environment, no_inventory).diff(old, new, version))

    sections = list(html.iter("section", class_="diff__block"))
    assert [s.attrs["class"].split()[-1] for s in sections] == [
        "diff__block--changed",
        "diff__block--removed",
        "diff__block--added",
    ]
    assert [s.find("p", class_="diff__where").find("a").attrs["href"] for s in sections] == [
        "/policy/2.0#cookies",
        "/policy/2.0#cookies",
        "/policy/2.0#your-rights",
    ]
    heading = sections[0].find("p", class_="diff__text--h2")
    assert [ins.text for ins in heading.iter("ins")] == [
        "and Similar Technologies"
    ]  # the text, stripped
    assert not list(heading.iter("del"))
    assert [d.text for d in sections[1].iter("del")] == ["We keep server logs for 30 days."]


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_version_1_1_corrects_the_mail_address(built: Built, locale: str) -> None:
    changes = parse(built.read(f"1.1/changes.{locale}.html"))
    inserted = [ins.text for ins in changes.iter("ins") if not ins.attrs]
    deleted = [d.text for d in changes.iter("del") if not d.attrs]
    inserted = [text for text in inserted if text not in ("added text", "添加的内容")]
    deleted = [text for text in deleted if text not in ("removed text", "删除的内容")]

    assert "info@xometry.asia" in inserted
    assert "info@xomery.asia" in deleted
    contact = next(
        block
        for block in changes.iter("section", class_="diff__block")
        if "info@xometry.asia" in block.text
    )
    assert contact.find("p", class_="diff__where").find("a").attrs["href"] == (
        "/policy/1.1#contact-us"
    )
    changed_words = [
        d.text for d in contact.find("p", class_="diff__text").iter() if d.tag in ("ins", "del")
    ]
    assert changed_words == ["info@xomery.asia", "info@xometry.asia"]


# A mix of English words, Chinese characters, addresses, punctuation and white space.
PIECES = [*"ab xyz.@-'’\n\t,。、我们的数据五三年（）", "info@x.asia", "data", " ", "2025"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join) | st.text(max_size=30)


@given(old=TEXT, new=TEXT)
def test_the_parts_of_a_diff_rebuild_both_texts(old: str, new: str) -> None:
    parts = word_diff(old, new)

    assert "".join(text for op, text in parts if op in ("equal", "insert")) == new
    assert "".join(text for op, text in parts if op in ("equal", "delete")) == old
    assert all(text for _, text in parts)
    assert all(a[0] != b[0] for a, b in itertools.pairwise(parts))
