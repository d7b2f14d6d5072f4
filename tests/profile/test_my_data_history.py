"""The change history on "What we hold on you": one line a save, newest first, twenty a page,
every page reachable by links that land on the history, in both languages; a page number that
names no page shows a page, never an error."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from portal.profile.models import AuditEntry
from portal.profile.my_data.events import PER_PAGE, event_page
from tests.support.addresses import ADDRESS, LIST, add, addresses
from tests.support.forms import post, post_form
from tests.support.history import START, history_of, sentences, write_saves
from tests.support.html import parse
from tests.support.inventory import URL, user_by_email
from tests.support.records import run

PAGE = f"{URL}?history_page="


def in_chinese(client) -> None:
    assert post_form(client, "/language", {"language": "zh_Hans", "next": URL}).status_code == 303


# -- one line a save ---------------------------------------------------------------------------


def test_the_fields_of_one_save_are_one_line_naming_the_record_and_fields(signed_in, settings):
    add(signed_in)
    (address,) = addresses(settings)
    edited = {**ADDRESS, "shipping_address": "浦东新区张江路 99 号", "postal_code": "201210"}
    assert post(signed_in, f"{LIST}/{address.id}/edit", edited).status_code == 303
    response = signed_in.get(URL)
    lines = sentences(response)
    assert lines[0] == (
        "You changed Address 1 (default): Shipping address and Postal code (Website)"
    )
    assert lines[1].startswith("You added Address 1 (default): Organization name, ")
    assert len(lines) == 2  # seven fields added, two changed: two saves
    when = history_of(response).records[0].items[0]
    assert when.label == "When"
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d", when.value)  # Beijing time


def test_in_chinese_a_save_is_one_chinese_sentence(signed_in, settings):
    add(signed_in)
    (address,) = addresses(settings)
    assert post(signed_in, f"{LIST}/{address.id}/delete").status_code == 303
    in_chinese(signed_in)  # saves the preferred language: a save of its own
    lines = sentences(signed_in.get(URL))
    assert lines[0] == "您修改了账户信息：首选语言（网站）"
    assert lines[1].startswith("您删除了收货地址（已删除）：单位名称、收货人姓名、")
    assert lines[1].endswith("和邮政编码（网站）")
    assert lines[2].startswith("您添加了收货地址（已删除）：")


def test_saves_differ_by_moment_record_person_and_channel(signed_in, settings):
    user = user_by_email(settings)
    write_saves(settings, user.id, 1, fields=("postal_code", "city"))
    write_saves(settings, user.id, 1, record="account", fields=("job_title",))
    write_saves(settings, user.id, 1, fields=("phone",), actor_id=user.id + 1000)
    write_saves(settings, user.id, 1, fields=("province",), channel="mini_program")
    write_saves(settings, user.id, 1, start=START + timedelta(seconds=1), fields=("phone",))
    lines = sentences(signed_in.get(URL))
    assert lines[0] == "You changed Shipping address (deleted): Phone number (Website)"
    assert sorted(lines[1:]) == [
        "Our staff changed Shipping address (deleted): Phone number (Website)",
        "You changed Account information: Job title (Website)",
        "You changed Shipping address (deleted): Postal code and City (Website)",
        "You changed Shipping address (deleted): Province (WeChat Mini Program)",
    ]


def test_the_newest_save_comes_first(signed_in, settings):
    user = user_by_email(settings)
    write_saves(settings, user.id, 3, record="account", fields=("job_title",))
    write_saves(settings, user.id, 1, start=START - timedelta(days=1), fields=("city",))
    times = [record.recorded_at for record in history_of(signed_in.get(URL)).records]
    assert times == sorted(times, reverse=True)
    assert sentences(signed_in.get(URL))[-1].endswith(": City (Website)")


# -- a page at a time ---------------------------------------------------------------------------


def test_twenty_saves_a_page_and_links_to_the_others_that_land_on_the_history(signed_in, settings):
    user = user_by_email(settings)
    moments = write_saves(settings, user.id, 2 * PER_PAGE + 5)
    first = signed_in.get(URL)
    history = history_of(first)
    assert len(history.records) == PER_PAGE
    assert (history.paging.page, history.paging.pages, history.total) == (1, 3, 2 * PER_PAGE + 5)
    assert history.records[0].recorded_at == moments[-1].isoformat()
    assert "Page 1 of 3" in first.text
    assert f"{PAGE}2#change-history" in parse(first.text).links
    assert f"{PAGE}0#change-history" not in first.text  # no page before the first

    second = signed_in.get(f"{PAGE}2")
    assert second.status_code == 200
    assert history_of(second).records[0].recorded_at == moments[-PER_PAGE - 1].isoformat()
    links = parse(second.text).links
    assert {f"{PAGE}1#change-history", f"{PAGE}3#change-history"} <= set(links)

    last = history_of(signed_in.get(f"{PAGE}3"))
    assert len(last.records) == 5
    assert last.records[-1].recorded_at == moments[0].isoformat()  # every save can be reached


def test_the_history_is_folded_and_open_when_a_link_asks_for_a_page(signed_in, settings):
    write_saves(settings, user_by_email(settings).id, 3)
    folded = signed_in.get(URL).text
    assert '<div class="fold-part" id="change-history">' in folded
    assert '<details class="fold" open>' not in folded
    assert "3 entries" in folded
    assert '<details class="fold" open>' in signed_in.get(f"{PAGE}1").text


@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        ("2", 2),
        ("3", 3),
        ("4", 3),  # past the end: the last
        ("999999", 3),
        ("99999999999999999999", 1),  # not a page anyone links to
        ("0", 1),
        ("-1", 1),
        ("abc", 1),
        ("1.5", 1),
        ("1e3", 1),
        ("２", 1),  # a full-width digit
        ("", 1),
        ("%00", 1),
    ],
)
def test_a_page_number_that_names_no_page_shows_a_page(signed_in, settings, asked, shown):
    write_saves(settings, user_by_email(settings).id, 2 * PER_PAGE + 1)
    response = signed_in.get(f"{PAGE}{asked}")
    assert response.status_code == 200
    assert history_of(response).paging.page == shown
    assert f"Page {shown} of 3" in response.text


def test_the_page_links_and_their_words_in_chinese(signed_in, settings):
    write_saves(settings, user_by_email(settings).id, PER_PAGE + 1)
    in_chinese(signed_in)  # one save more: the preferred language
    response = signed_in.get(URL)
    first = response.text
    assert "第 1 页，共 2 页" in first
    assert "较早的修改" in first
    assert f"{PER_PAGE + 2} 条" in first
    assert history_of(response).total == PER_PAGE + 2
    assert "较新的修改" in signed_in.get(f"{PAGE}2").text


def test_a_history_of_one_page_has_no_page_links(signed_in, settings):
    write_saves(settings, user_by_email(settings).id, PER_PAGE)
    response = signed_in.get(URL)
    assert history_of(response).paging.pages == 1
    assert "history_page=" not in response.text


def test_a_page_reads_the_rows_of_its_own_saves_only(signed_in, settings):
    """A long history is counted and paged in the database: a page loads its own rows."""
    user = user_by_email(settings)
    write_saves(settings, user.id, 300, fields=("postal_code", "city"))
    loaded: list[AuditEntry] = []

    def on_load(target: AuditEntry, context: object) -> None:
        loaded.append(target)

    async def page_two(session):
        return await event_page(session, user_id=user.id, page=2)

    event.listen(AuditEntry, "load", on_load)
    try:
        page = run(settings, page_two)
    finally:
        event.remove(AuditEntry, "load", on_load)
    assert (page.page, page.pages, page.total) == (2, 15, 300)
    assert len(page.events) == PER_PAGE
    assert all(e.changes == (("postal_code", "changed"), ("city", "changed")) for e in page.events)
    assert len(loaded) == 2 * PER_PAGE
