"""The language switch also sets a signed-in user's preferred language, which then drives every
page on every device and every mail."""

from __future__ import annotations

from starlette.testclient import TestClient

from portal.accounts.models import User
from portal.mail.models import OutboxMessage
from tests.support.accounts import GOOD, register
from tests.support.forms import post_form
from tests.support.html import parse
from tests.support.records import rows


def switch(client, language: str, next: str = "/account"):
    return post_form(client, "/language", {"language": language, "next": next}, page="/account")


def test_switching_language_signed_in_changes_the_preference(client, settings, app):
    register(client)
    assert rows(settings, User)[0].preferred_language == "en"
    response = switch(client, "zh_Hans")
    assert (response.status_code, response.headers["location"]) == (303, "/account")
    assert rows(settings, User)[0].preferred_language == "zh_Hans"

    # Another device, with no language cookie and an English browser: the preference wins.
    with TestClient(app, headers={"Accept-Language": "en-GB"}) as laptop:
        post_form(
            laptop, "/login", {"email": GOOD["email"], "password": GOOD["password"]}, page="/login"
        )
        assert parse(laptop.get("/account").text).html_lang == "zh-Hans"

    # And the next mail.
    post_form(client, "/verify-email/resend", {}, page="/account")
    assert rows(settings, OutboxMessage)[-1].subject == "请确认您的邮箱地址"


def test_switching_back_and_a_bad_language(client, settings):
    register(client)
    switch(client, "zh_Hans")
    switch(client, "klingon")
    assert rows(settings, User)[0].preferred_language == "zh_Hans"
    switch(client, "en")
    assert rows(settings, User)[0].preferred_language == "en"
    assert parse(client.get("/account").text).html_lang == "en"


def test_switching_signed_out_changes_no_account(client, settings):
    register(client)
    post_form(client, "/logout", {}, page="/account")
    response = switch(client, "zh_Hans", next="/")
    assert response.status_code == 303
    assert rows(settings, User)[0].preferred_language == "en"
