"""One glossary (locales/glossary.toml) for the site, the policy and the inventory, and one
spacing convention between Chinese and Latin text.

Versions of the policy whose effective date has passed are published legal records: they are
never rewritten, so only the versions still to come are checked.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from portal.policy.content import load_versions
from portal.policy.library import PolicyLibrary
from portal.policy.model import PolicyVersion
from portal.settings import ROOT
from tests.support.glossary import (
    Pair,
    catalogue_pairs,
    catalogue_texts,
    glossary_problems,
    inventory_pairs,
    inventory_texts,
    load_glossary,
    policy_pairs,
    policy_texts,
    read_catalogue,
    spacing_exempt_versions,
    spacing_problems,
)

POLICY = ROOT / "content" / "policy"


def report(problems: list[str], what: str) -> str:
    return f"{len(problems)} {what} (see locales/glossary.toml):\n" + "\n".join(problems)


def versions_to_come(public_dir: Path, today: date | None = None) -> list[PolicyVersion]:
    """The versions the policy library does not have in force yet (nor had: not superseded)."""
    upcoming = {v.version for v in PolicyLibrary(public_dir).upcoming(today)}
    return [v for v in load_versions(POLICY, []) if v.version in upcoming]


# -- the glossary itself -------------------------------------------------------------------------


def test_every_term_has_a_rendering_a_note_and_a_pattern_that_finds_it() -> None:
    terms = load_glossary()
    assert len({t.en.lower() for t in terms}) == len(terms), "a term is listed twice"
    for term in terms:
        assert term.zh_hans.strip(), term.en
        assert term.pattern.search(term.en.replace("’", "'")), f"{term.en!r}: `match` misses it"
        assert term.zh_hans not in term.avoid, term.en


# -- the catalogue, the inventory, the policy ----------------------------------------------------


def test_the_catalogue_uses_the_glossary() -> None:
    problems = glossary_problems(catalogue_pairs(read_catalogue()), load_glossary())
    assert not problems, report(problems, "catalogue entries stray from the glossary")


def test_the_inventory_uses_the_glossary() -> None:
    problems = glossary_problems(inventory_pairs(), load_glossary())
    assert not problems, report(problems, "inventory texts stray from the glossary")


def test_appendices_of_versions_not_yet_in_force_use_the_glossary(built_policy: Path) -> None:
    """A version's own appendix (content/policy/<version>/inventory.toml) is checked like the
    current inventory until the version takes effect; then it is a published record."""
    terms = load_glossary()
    problems = []
    for version in versions_to_come(built_policy):
        appendix = POLICY / version.version / "inventory.toml"
        if appendix.exists():
            problems += glossary_problems(inventory_pairs(appendix), terms)
            problems += spacing_problems(inventory_texts(appendix))
    assert not problems, report(problems, "appendix texts stray from the glossary")


def test_policy_versions_not_yet_in_force_use_the_glossary(built_policy: Path) -> None:
    terms = load_glossary()
    problems = [
        problem
        for version in versions_to_come(built_policy)
        for problem in glossary_problems(policy_pairs(version), terms)
    ]
    assert not problems, report(problems, "policy sections stray from the glossary")


def test_only_versions_not_yet_in_force_are_checked(built_policy: Path) -> None:
    everything = [v.version for v in load_versions(POLICY, [])]
    assert [v.version for v in versions_to_come(built_policy, date(2000, 1, 1))] == everything
    assert versions_to_come(built_policy, date(2999, 1, 1)) == []
    in_force = PolicyLibrary(built_policy).in_force()
    assert in_force is None or in_force.version not in {
        v.version for v in versions_to_come(built_policy)
    }


def test_the_catalogue_spaces_chinese_and_latin_text() -> None:
    problems = spacing_problems(catalogue_texts(read_catalogue()))
    assert not problems, report(problems, "catalogue entries break the spacing convention")


def test_the_inventory_spaces_chinese_and_latin_text() -> None:
    problems = spacing_problems(inventory_texts())
    assert not problems, report(problems, "inventory texts break the spacing convention")


def test_new_policy_versions_space_chinese_and_latin_text(built_policy: Path) -> None:
    exempt = spacing_exempt_versions()
    problems = [
        problem
        for version in versions_to_come(built_policy)
        if version.version not in exempt
        for problem in spacing_problems(policy_texts(version))
    ]
    assert not problems, report(problems, "policy sections break the spacing convention")


# -- the checks catch what they are for ---------------------------------------------------------


def test_a_catalogue_entry_that_strays_is_named_with_its_term_and_the_rendering() -> None:
    catalogue = Catalog(locale="zh_Hans")
    catalogue.add("Unsubscribe", "取消订阅")
    catalogue.add("Recipient's name", "收件人姓名")
    catalogue.add("Enter your email address.", "请填写电子邮箱。")
    catalogue.add("Unsubscribe:", "退订：")  # right: not reported
    problems = glossary_problems(catalogue_pairs(catalogue), load_glossary())
    assert len(problems) == 5, problems
    unsubscribe, unsubscribe_avoided, recipient, recipient_avoided, email = problems
    assert "msgid 'Unsubscribe'" in unsubscribe
    assert "'Unsubscribe'" in unsubscribe
    assert "'退订'" in unsubscribe
    assert "'取消订阅'" in unsubscribe_avoided
    assert 'msgid "Recipient\'s name"' in recipient
    assert "'收货人'" in recipient
    assert "'收件人'" in recipient_avoided
    assert "'email address'" in email
    assert "'邮箱地址'" in email


def test_an_inventory_text_that_strays_is_named(tmp_path: Path) -> None:
    sample = tmp_path / "inventory.toml"
    sample.write_text(
        '[[scenario]]\nid = "cookies"\n'
        'retention = { en = "With “remember me”, 30 days.", zh_Hans = "选择“记住我”时，30 天。" }\n',
        encoding="utf-8",
    )
    [missing, avoided] = glossary_problems(inventory_pairs(sample), load_glossary())
    assert missing.startswith("inventory.toml, scenario.cookies.retention: ")
    assert "'remember me'" in missing
    assert "'保持登录'" in missing
    assert "'记住我'" in avoided


def test_a_policy_section_that_strays_is_named_by_version_and_anchor(tmp_path: Path) -> None:
    folder = tmp_path / "policy" / "9.0"
    folder.mkdir(parents=True)
    newest = max(load_versions(POLICY, []), key=lambda v: v.effective)
    for locale in ("en", "zh_Hans"):
        text = (POLICY / newest.version / f"{locale}.md").read_text(encoding="utf-8")
        text = re.sub(r"^version: .*$", "version: 9.0", text, count=1, flags=re.MULTILINE)
        (folder / f"{locale}.md").write_text(
            text.replace("收货人姓名", "收件人姓名"), encoding="utf-8"
        )
    [version] = load_versions(tmp_path / "policy", [])
    problems = glossary_problems(policy_pairs(version), load_glossary())
    assert problems
    assert all(p.startswith("policy 9.0, section #") for p in problems)
    assert any("#shipping-information" in p and "'收货人'" in p for p in problems)


def test_a_version_in_force_is_not_checked(built_policy: Path) -> None:
    in_force = PolicyLibrary(built_policy).in_force(date(2999, 1, 1))
    assert in_force is not None
    assert in_force.version not in {
        v.version for v in versions_to_come(built_policy, date(2999, 1, 1))
    }


@pytest.mark.parametrize(
    "text",
    [
        "注册Xometry账户",
        "账户注销后15个工作日内删除",
        "微信OpenID",
        "CAD  图纸",  # two spaces
        "通过AI或人工方式",
    ],
)
def test_chinese_touching_latin_text_is_reported(text: str) -> None:
    [problem, *_] = spacing_problems([("messages.po, msgid 'x'", text)])
    assert problem.startswith("messages.po, msgid 'x': ")


@pytest.mark.parametrize(
    "text",
    [
        "注册 Xometry 账户",
        "账户注销后 15 个工作日内删除",
        "Xometry（上海）科技有限公司",
        "本政策最近更新于2026年12月15日。",
        "上海市虹口区溧阳路735号4幢4225室",
        "版本 %(version)s 将于%(date)s生效。",
        '请发送邮件至 <a href="mailto:%(email)s">%(email)s</a>。',
        "语言 Cookie：1 年。",
    ],
)
def test_text_that_follows_the_convention_passes(text: str) -> None:
    assert spacing_problems([("x", text)]) == []


def test_a_right_pair_is_not_reported() -> None:
    pair = Pair(
        "sample",
        "Withdraw your consent to storing bank account numbers?",
        "确定撤回您对存储银行账号的同意吗？",
    )
    assert glossary_problems([pair], load_glossary()) == []
