"""The Personal Center's list of sessions: end one (htmx or a plain form), or all the others."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from portal.accounts.models import LoginSession, User
from tests.support.accounts import GOOD, log_in, register
from tests.support.forms import csrf_token, post_form
from tests.support.html import parse
from tests.support.records import rows

CHROME_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36"


def second_device(app, email=GOOD["email"], password=GOOD["password"]) -> TestClient:
    device = TestClient(app, headers={"User-Agent": CHROME_ON_WINDOWS})
    assert log_in(device, email, password).status_code == 303
    return device


def second_session(settings) -> LoginSession:
    """The live session of the second device (found by its User-Agent)."""
    (found,) = [
        s
        for s in rows(settings, LoginSession)
        if s.revoked_at is None and s.user_agent == CHROME_ON_WINDOWS
    ]
    return found


def end_forms(page) -> list[str]:
    return [f.action for f in parse(page.text).forms if f.action.endswith("/end")]


def signed_in(device: TestClient) -> bool:
    return device.get("/account", follow_redirects=False).status_code == 200


def test_every_other_session_has_an_end_button_and_this_one_does_not(client, settings, app):
    register(client)
    second_device(app)
    page = client.get("/account")
    assert len(page.context["sessions"]) == 2
    assert end_forms(page) == [f"/account/sessions/{second_session(settings).id}/end"]
    assert "End the session on Chrome on Windows" in page.text
    assert "/account/sessions/end-others" in [f.action for f in parse(page.text).forms]


def test_ending_a_session_without_javascript_goes_back_to_the_list(client, settings, app):
    register(client)
    other = second_device(app)
    target = second_session(settings).id
    response = post_form(client, f"/account/sessions/{target}/end", {}, page="/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    assert not signed_in(other)
    assert signed_in(client)
    assert len(client.get("/account").context["sessions"]) == 1


def test_ending_a_session_with_htmx_returns_an_empty_row(client, settings, app):
    register(client)
    other = second_device(app)
    target = second_session(settings).id
    token = csrf_token(client.get("/account"))
    response = client.post(
        f"/account/sessions/{target}/end",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert response.text == ""
    assert not signed_in(other)


def test_nobody_can_end_another_users_session(client, settings, app):
    register(client)
    (victim,) = [s for s in rows(settings, LoginSession) if s.revoked_at is None]
    client.cookies.clear()
    register(client, email="zhang.min@example.cn", name="张敏")
    for path in (f"/account/sessions/{victim.id}/end", "/account/sessions/end-others"):
        response = post_form(client, path, {}, page="/account")
        assert response.status_code == 303
    (still,) = [s for s in rows(settings, LoginSession) if s.id == victim.id]
    assert still.revoked_at is None
    assert signed_in(client)


def test_the_current_session_is_not_ended_by_its_id(client, settings):
    register(client)
    (mine,) = rows(settings, LoginSession)
    post_form(client, f"/account/sessions/{mine.id}/end", {}, page="/account")
    assert signed_in(client)


def test_sign_out_everywhere_else_keeps_only_this_browser(client, settings, app):
    register(client)
    others = [second_device(app) for _ in range(2)]
    response = post_form(client, "/account/sessions/end-others", {}, page="/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/account?signed_out=1"
    assert not any(signed_in(other) for other in others)
    page = client.get("/account?signed_out=1")
    assert page.context["signed_out"] is True
    assert len(page.context["sessions"]) == 1
    assert end_forms(page) == []
    assert "/account/sessions/end-others" not in [f.action for f in parse(page.text).forms]


@pytest.mark.parametrize("path", ["/account/sessions/1/end", "/account/sessions/end-others"])
def test_signed_out_visitors_are_sent_to_log_in(client, path):
    response = post_form(client, path, {})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"


def test_an_htmx_request_after_the_session_ended_redirects_the_whole_page(client):
    token = csrf_token(client.get("/"))
    response = client.post(
        "/account/sessions/1/end", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert response.headers["HX-Redirect"] == "/login?next=/account"


def test_ending_needs_the_csrf_token(client, settings, app):
    register(client)
    other = second_device(app)
    target = second_session(settings).id
    response = post_form(client, f"/account/sessions/{target}/end", {}, token="")
    assert response.status_code == 403
    assert signed_in(other)


@pytest.mark.parametrize("session_id", ["99999999999999999999", "0", "2147483648"])
def test_an_id_that_cannot_be_a_session_answers_404_and_ends_nothing(client, session_id):
    register(client)
    response = post_form(client, f"/account/sessions/{session_id}/end", {}, page="/account")
    assert response.status_code == 404
    assert signed_in(client)


def test_the_language_switch_changes_a_signed_in_users_language(client, settings):
    register(client)
    response = post_form(client, "/language", {"language": "zh_Hans", "next": "/account"})
    assert response.status_code == 303
    (user,) = rows(settings, User)
    assert user.preferred_language == "zh_Hans"
    assert parse(client.get("/account").text).html_lang == "zh-Hans"
