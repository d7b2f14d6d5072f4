"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a stranger's
failures lock the account for strangers, never for the browsers its owner signed in with.

A successful sign-in leaves a signed cookie naming the account. A login (or a request for a
reset link) that presents it for that account is counted against that device alone; every
other client shares the account's lock. Changing the password makes the cookies worthless.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from portal.accounts.devices import DEVICE_COOKIE
from portal.mail.models import OutboxMessage
from tests.support.accounts import GOOD, register, rows
from tests.support.forms import post_form

WRONG = "wrong-password-1"
NEW_PASSWORD = "lathe-and-anvil-77"


def log_in(client: TestClient, password: str, email: str = GOOD["email"]):
    return post_form(client, "/login", {"email": email, "password": password}, page="/login")


def forgot(client: TestClient, email: str = GOOD["email"]):
    return post_form(client, "/password/forgot", {"email": email}, page="/password/forgot")


def reset_mails(settings) -> list[OutboxMessage]:
    return [m for m in rows(settings, OutboxMessage) if "/password/reset?token=" in m.text_body]


def lock_out(stranger: TestClient, email: str = GOOD["email"]) -> None:
    """A stranger's five wrong passwords: the account is locked for strangers."""
    codes = [log_in(stranger, WRONG, email).status_code for _ in range(6)]
    assert codes == [400] * 4 + [429] * 2


@pytest.fixture
def owner(client: TestClient) -> TestClient:
    """The owner's browser: registered (a sign-in), then logged out; the device cookie stays."""
    assert register(client).status_code == 303
    assert post_form(client, "/logout", {}, page="/account").status_code == 303
    assert client.cookies.get(DEVICE_COOKIE)
    return client


@pytest.fixture
def stranger(app):
    with TestClient(app) as other:
        yield other


def test_a_sign_in_leaves_a_long_lived_httponly_device_cookie(client):
    response = register(client)
    cookies = response.headers.get_list("set-cookie")
    (device,) = [c for c in cookies if c.startswith(f"{DEVICE_COOKIE}=")]
    assert "HttpOnly" in device
    assert "samesite=lax" in device.lower()
    assert "Max-Age=15552000" in device  # 180 days
    assert "li.wei" not in device.lower()  # it names the account by id, not by address


def test_a_strangers_lockout_does_not_keep_the_owner_out(owner, stranger):
    lock_out(stranger)
    assert log_in(stranger, GOOD["password"]).status_code == 429  # strangers must wait
    assert log_in(owner, GOOD["password"]).status_code == 303  # the owner's device need not


def test_the_owners_typos_lock_only_the_owners_device(owner, stranger):
    codes = [log_in(owner, WRONG).status_code for _ in range(6)]
    assert codes == [400] * 4 + [429] * 2
    assert log_in(owner, GOOD["password"]).status_code == 429  # that device waits ...
    assert log_in(stranger, GOOD["password"]).status_code == 303  # ... the account does not


def test_a_device_cookie_of_another_account_does_not_help(owner, app, stranger):
    with TestClient(app) as other:
        register(other, email="wang.fang@example.cn")
    lock_out(stranger, "wang.fang@example.cn")
    assert log_in(owner, GOOD["password"], "wang.fang@example.cn").status_code == 429


def test_a_forged_device_cookie_is_ignored(owner, stranger):
    lock_out(stranger)
    value = owner.cookies.get(DEVICE_COOKIE)
    forged = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    stranger.cookies.set(DEVICE_COOKIE, forged)
    assert log_in(stranger, GOOD["password"]).status_code == 429


def test_a_new_password_makes_the_old_device_cookies_worthless(owner, stranger, settings, app):
    old = owner.cookies.get(DEVICE_COOKIE)
    forgot(owner)
    token = reset_mails(settings)[0].text_body.split("token=", 1)[1].split()[0]
    page = f"/password/reset?token={token}"
    with TestClient(app) as laptop:
        response = post_form(
            laptop, "/password/reset", {"token": token, "password": NEW_PASSWORD}, page=page
        )
        assert response.status_code == 303
        assert laptop.cookies.get(DEVICE_COOKIE)  # the reset signs in: a new cookie
    lock_out(stranger)
    stranger.cookies.set(DEVICE_COOKIE, old)  # the owner's old cookie, copied or kept
    assert log_in(stranger, NEW_PASSWORD).status_code == 429


def test_the_owners_device_can_ask_for_a_reset_link_when_strangers_cannot(
    owner, stranger, settings
):
    assert [forgot(stranger).status_code for _ in range(4)] == [303] * 3 + [429]
    assert forgot(owner).status_code == 303
    assert len(reset_mails(settings)) == 4
    # The device has a limit of its own (three an hour), so it cannot fill the mailbox either.
    assert [forgot(owner).status_code for _ in range(3)] == [303, 303, 429]
    assert len(reset_mails(settings)) == 6


def test_a_password_changed_in_the_personal_center_ends_the_device_cookies_too(client, stranger):
    register(client)
    old = client.cookies.get(DEVICE_COOKIE)
    response = post_form(
        client,
        "/account/password",
        {"current_password": GOOD["password"], "new_password": NEW_PASSWORD},
        page="/account/password",
    )
    assert response.status_code == 303
    lock_out(stranger)
    assert log_in(client, NEW_PASSWORD).status_code == 429  # this browser's cookie, too
    stranger.cookies.set(DEVICE_COOKIE, old)
    assert log_in(stranger, NEW_PASSWORD).status_code == 429


@pytest.mark.parametrize(
    "payload",
    [
        [1, "nonce", "tag"],
        {"user": "1", "nonce": "n", "password": "p"},
        {"user": 1, "nonce": 5, "password": "p"},
        {"user": 1, "nonce": "", "password": None},
        {"user": True, "nonce": "n"},
    ],
)
def test_a_signed_cookie_of_the_wrong_shape_is_no_device(payload):
    from itsdangerous import URLSafeTimedSerializer

    from portal.accounts import devices
    from portal.accounts.models import User
    from tests.support.site import TEST_SECRET_KEY

    user = User(id=1, email_key="li.wei@example.cn", password_hash="$argon2id$v=19$x")
    cookie = URLSafeTimedSerializer(TEST_SECRET_KEY, salt="portal.device").dumps(payload)
    assert devices.device_for(TEST_SECRET_KEY, cookie, user) is None
    assert devices.device_for(TEST_SECRET_KEY, devices.issue(TEST_SECRET_KEY, user), user)
    for garbage in ("", "x" * 600, "a.b.c", "名"):
        assert devices.device_for(TEST_SECRET_KEY, garbage, user) is None


def test_garbage_in_the_device_cookie_is_ignored_at_login(owner, stranger):
    for garbage in ("x" * 600, "a.b.c", "%FF%00"):
        stranger.cookies.set(DEVICE_COOKIE, garbage)
        assert log_in(stranger, GOOD["password"]).status_code == 303
        post_form(stranger, "/logout", {}, page="/account")
