"""A copy of one's personal information in headless Chromium: a customer who filled in everything
clicks the button on "What we hold on you", in both languages, on a phone and a laptop, and
gets a ZIP with every part, their drawing byte for byte, and an index in their language."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import assert_no_console_errors
from tests.support.databases import in_thread
from tests.support.drawings import sample
from tests.support.exports import URL as COPY_URL
from tests.support.exports import with_drawings
from tests.support.inventory import BANK_ACCOUNT, URL, fill_everything, user_by_email
from tests.support.journeys import arrive, check, sign_up
from tests.support.servers import LiveServer

pytestmark = pytest.mark.browser

STEP = sample("featuretype.STEP")
LANGUAGES = [
    pytest.param(
        "en", "en-GB", "Download a copy (ZIP)", "A copy of your personal information", id="en"
    ),
    pytest.param("zh_Hans", "zh-CN", "下载副本（ZIP）", "您的个人信息副本", id="zh_Hans"),
]


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize(("language", "locale", "button", "title"), LANGUAGES)
def test_a_customer_downloads_a_copy_of_everything_from_the_my_data_page(
    new_page, site: LiveServer, language, locale, button, title, width
) -> None:
    page: Page = new_page(locale=locale, viewport={"width": width, "height": 800})
    email = f"copy.{language.lower()}.{width}@example.cn"
    sign_up(page, site, email)
    user = in_thread(user_by_email, site.settings, email)
    in_thread(fill_everything, site.settings, user.id)
    in_thread(with_drawings, site.settings, site.app, email, [("Q-BRWS0001", "支架 v3.STEP", STEP)])

    page.goto(site.url(URL))
    arrive(page, f"**{URL}")
    copy_button = page.get_by_role("button", name=button)
    expect(copy_button).to_be_visible()
    with page.expect_download() as info:
        copy_button.click()
    download = info.value
    assert re.fullmatch(r"personal-data-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    archive = zipfile.ZipFile(io.BytesIO(download.path().read_bytes()))
    assert archive.testzip() is None
    assert archive.read("drawings/Q-BRWS0001/支架 v3.STEP") == STEP
    data = json.loads(archive.read("data.json"))
    assert data["language"] == language
    assert data["account"]["email"] == email
    assert BANK_ACCOUNT in json.dumps(data, ensure_ascii=False)
    assert title in archive.read("index.html").decode()
    assert page.url.endswith(URL)  # the download leaves the customer on the page
    assert_no_console_errors(page, allow=(_became_a_download(site),))


@pytest.mark.parametrize(("language", "locale", "button", "title"), LANGUAGES)
def test_the_copy_page_reads_well_and_its_button_downloads(
    new_page, site: LiveServer, language, locale, button, title
) -> None:
    page: Page = new_page(locale=locale)
    sign_up(page, site, f"copy.page.{language.lower()}@example.cn")
    page.goto(site.url(URL))
    arrive(page, f"**{URL}")
    check(page, f"my-data-copy-button-{language}")
    page.get_by_role("link", name=re.compile("copy holds|副本包含")).click()
    arrive(page, f"**{COPY_URL}")
    expect(page.locator("h1")).to_have_text(title)
    check(page, f"copy-{language}")
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    assert info.value.suggested_filename.endswith(".zip")
    assert_no_console_errors(page, allow=(_became_a_download(site),))


def _became_a_download(site: LiveServer) -> str:
    """Chromium reports the form's navigation, which turned into a download, as aborted."""
    return f"failed: {site.url(COPY_URL)}"
