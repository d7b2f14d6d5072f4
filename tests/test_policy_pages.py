"""The policy as the site serves it: the version in force, past versions, the change log, diffs."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from portal import i18n
from portal.app import create_app
from portal.policy.library import today_in_china
from portal.settings import ROOT
from tests.support.html import parse
from tests.support.policy_build import freeze_appendices
from tests.support.site import build_policy, make_settings

ZH = "zh-CN,zh;q=0.9"


def _published() -> list[tuple[date, str]]:
    """(effective, version) of every version in content/, by date."""
    found = []
    for folder in (ROOT / "content" / "policy").iterdir():
        header = (folder / "en.md").read_text(encoding="utf-8")
        found.append(
            (date.fromisoformat(re.search(r"(?m)^effective: (.*)$", header)[1]), folder.name)
        )
    return sorted(found)


# Versions are published ahead of their date (1.2 takes effect on 15 December 2026): what is in
# force and what is upcoming depend on the day the tests run.
CURRENT = [version for effective, version in _published() if effective <= today_in_china()][-1]
UPCOMING = [version for effective, version in _published() if effective > today_in_china()]


def translated(message: str, locale: str, **variables: object) -> str:
    """``message`` in ``locale``; for Chinese, fails if the catalogue has no translation."""
    with i18n.use_locale(locale):
        text = i18n.gettext(message, **variables)
    source = message % variables if variables else message
    if locale != "en":
        assert text != source, f"{message!r} is not translated into {locale}"
    return text


@pytest.mark.parametrize(
    ("accept", "locale", "lang"), [("en-GB", "en", "en"), (ZH, "zh_Hans", "zh-Hans")]
)
def test_policy_shows_the_version_in_force_in_the_negotiated_language(
    client: TestClient, accept: str, locale: str, lang: str
) -> None:
    response = client.get("/policy", headers={"Accept-Language": accept})
    assert response.status_code == 200
    assert response.template.name == "policy/show.html"
    context = response.context
    assert context["info"].version == CURRENT
    assert context["is_current"] is True
    assert context["canonical"] is True
    assert [v.version for v in context["upcoming"]] == UPCOMING
    document = parse(response.text)
    assert document.html_lang == lang
    assert f'<article class="policy" lang="{lang}"' in response.text
    assert context["info"].title[locale] in document.title
    assert document.ids >= {"information-we-process", "contact-us"}  # stable section anchors


def test_the_chinese_policy_is_the_chinese_text(client: TestClient) -> None:
    english = client.get("/policy", headers={"Accept-Language": "en"}).text
    chinese = client.get("/policy", headers={"Accept-Language": ZH}).text
    assert "个人信息" in chinese
    assert "个人信息" not in english
    # The same sections, so a link to a section works in both languages.
    assert parse(english).ids & {"information-we-process", "your-rights", "contact-us"} == (
        parse(chinese).ids & {"information-we-process", "your-rights", "contact-us"}
    )


def test_the_policy_in_force_has_the_corrected_mail_address(client: TestClient) -> None:
    response = client.get("/policy")
    assert "info@xometry.asia" in response.text
    assert "xomery" not in response.text


@pytest.mark.parametrize(("accept", "locale"), [("en", "en"), (ZH, "zh_Hans")])
def test_an_earlier_version_says_it_is_no_longer_in_force(client, accept, locale) -> None:
    response = client.get("/policy/1.0", headers={"Accept-Language": accept})
    assert response.status_code == 200
    assert response.template.name == "policy/show.html"
    assert response.context["info"].version == "1.0"
    assert response.context["is_current"] is False
    notice = translated(
        "This is an earlier version, kept for your records. It is no longer in force.", locale
    )
    assert notice in response.text
    assert "/policy" in parse(response.text).links
    assert "info@xomery.asia" in response.text  # the record is kept as it was published


def test_the_current_version_at_its_own_url_points_to_the_canonical_one(client) -> None:
    response = client.get(f"/policy/{CURRENT}")
    assert response.context["is_current"] is True
    assert response.context["canonical"] is False
    assert '<link rel="canonical" href="/policy">' in response.text


@pytest.mark.parametrize(
    "path", ["/policy/9.9", "/policy/1", "/policy/latest", "/policy/9.9/changes"]
)
def test_unknown_versions_are_not_found(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.template.name == "errors/error.html"


def test_the_first_version_has_no_changes_page(client: TestClient) -> None:
    assert client.get("/policy/1.0/changes").status_code == 404


@pytest.mark.parametrize(("accept", "locale"), [("en", "en"), (ZH, "zh_Hans")])
def test_the_change_log_lists_every_version(client: TestClient, accept: str, locale: str) -> None:
    response = client.get("/policy/changes", headers={"Accept-Language": accept})
    assert response.status_code == 200
    assert response.template.name == "policy/changes.html"
    assert response.context["in_force"].version == CURRENT
    document = parse(response.text)
    assert {"/policy/1.0", "/policy/1.1", "/policy/1.1/changes"} <= set(document.links)
    assert "/policy/1.0/changes" not in document.links
    assert {"v1-0", "v1-1"} <= document.ids  # every entry has an anchor
    assert '<time datetime="2024-10-15">' in response.text
    assert '<time datetime="2025-03-03">' in response.text
    # Newest first.
    assert response.text.index('href="/policy/1.1"') < response.text.index('href="/policy/1.0"')
    assert translated("Minor change", locale) in response.text


@pytest.mark.parametrize(("accept", "lang"), [("en", "en"), (ZH, "zh-Hans")])
def test_the_diff_shows_the_corrected_mail_address_as_inserted(client, accept, lang) -> None:
    response = client.get("/policy/1.1/changes", headers={"Accept-Language": accept})
    assert response.status_code == 200
    assert response.template.name == "policy/diff.html"
    assert response.context["info"].version == "1.1"
    assert response.context["previous"].version == "1.0"
    document = parse(response.text)
    assert document.html_lang == lang
    assert any("xometry" in text for text in document.inserted), document.inserted
    assert any("xomery" in text for text in document.deleted), document.deleted
    assert not any("xomery" in text for text in document.inserted)


@pytest.mark.parametrize(
    "path", ["/", "/policy", "/policy/1.0", "/policy/changes", "/policy/1.1/changes", "/nope"]
)
def test_every_page_links_to_the_policy_in_its_footer(client: TestClient, path: str) -> None:
    for accept in ("en", ZH):
        document = parse(client.get(path, headers={"Accept-Language": accept}).text)
        assert "/policy" in document.footer_links, f"{path} ({accept}) has no policy link"


def test_without_a_built_policy_the_page_is_not_found(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        assert client.get("/policy").status_code == 404
        assert client.get("/healthz").json()["policy"] == "not built"


# -- a version published ahead of its effective date -----------------------------------------


def _copy_content(target: Path) -> None:
    """A copy of content/ without the versions not in force yet, so a test adds its own."""
    shutil.copytree(ROOT / "content", target)
    for version in UPCOMING:
        shutil.rmtree(target / "policy" / version)


def _add_version(content: Path, version: str, effective: str, summary: str) -> None:
    freeze_appendices(content)
    source = content / "policy" / CURRENT
    target = content / "policy" / version
    target.mkdir()
    for file in source.glob("*.md"):
        text = file.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^version: .*$", f"version: {version}", text, count=1)
        text = re.sub(r"(?m)^effective: .*$", f"effective: {effective}", text, count=1)
        text = re.sub(r"(?m)^summary: .*$", f"summary: {summary}", text, count=1)
        text = text.replace("as soon as possible", "within fifteen working days", 1)
        text = text.replace("尽快", "在十五个工作日内", 1)
        target.joinpath(file.name).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def upcoming_client(tmp_path_factory: pytest.TempPathFactory):
    """A site whose content has version 2.0 published, in force only next year."""
    directory = tmp_path_factory.mktemp("upcoming")
    content = directory / "content"
    _copy_content(content)
    effective = today_in_china() + timedelta(days=365)
    _add_version(content, "2.0", effective.isoformat(), "Replies within fifteen working days.")
    build_policy(content, directory / "public")
    settings = make_settings(directory, content_dir=content)
    with TestClient(create_app(settings)) as client:
        yield client, effective


def test_a_future_version_is_not_in_force_yet(upcoming_client) -> None:
    client, _ = upcoming_client
    response = client.get("/policy")
    assert response.context["info"].version == CURRENT
    assert [v.version for v in response.context["upcoming"]] == ["2.0"]
    assert "within fifteen working days" not in response.text


@pytest.mark.parametrize(("accept", "locale"), [("en", "en"), (ZH, "zh_Hans")])
def test_the_policy_in_force_announces_the_upcoming_version(
    upcoming_client, accept, locale
) -> None:
    client, effective = upcoming_client
    response = client.get("/policy", headers={"Accept-Language": accept})
    with i18n.use_locale(locale):
        date = response.template.environment.filters["localdate"](effective)
    announcement = translated(
        "A new version %(version)s takes effect on %(date)s.", locale, version="2.0", date=date
    )
    assert announcement in response.text
    assert "/policy/2.0/changes" in parse(response.text).links


def test_the_upcoming_version_says_when_it_takes_effect(upcoming_client) -> None:
    client, _ = upcoming_client
    response = client.get("/policy/2.0")
    assert response.status_code == 200
    assert response.context["is_current"] is False
    assert "This version takes effect on" in response.text
    assert "within fifteen working days" in response.text
    assert "earlier version" not in response.text


def test_the_change_log_and_diff_include_the_upcoming_version(upcoming_client) -> None:
    client, _ = upcoming_client
    log = client.get("/policy/changes")
    assert log.context["in_force"].version == CURRENT
    assert {"/policy/2.0", "/policy/2.0/changes"} <= set(parse(log.text).links)
    diff = parse(client.get("/policy/2.0/changes").text)
    inserted = " ".join(diff.inserted)  # word by word: one <ins> per changed run of words
    assert "fifteen" in inserted
    assert "working" in inserted


def test_a_version_effective_today_is_in_force(tmp_path: Path) -> None:
    content = tmp_path / "content"
    _copy_content(content)
    _add_version(content, "3.0", today_in_china().isoformat(), "Effective today.")
    build_policy(content, tmp_path / "public")
    with TestClient(create_app(make_settings(tmp_path, content_dir=content))) as client:
        response = client.get("/policy")
    assert response.context["info"].version == "3.0"
    assert response.context["upcoming"] == []
