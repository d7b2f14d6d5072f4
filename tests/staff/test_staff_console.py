"""The staff console's door: staff accounts from the command line, sign-in with a password and a
TOTP code, the one-time password replaced first, roles, and sessions apart from customers'."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import update
from starlette.testclient import TestClient

from portal.__main__ import main
from portal.db import utcnow
from portal.staff import services, totp
from portal.staff.models import Role, StaffAuditEvent, StaffMember, StaffSession
from portal.staff.sessions import STAFF_COOKIE
from tests.support.accounts import GOOD, run, sign_up
from tests.support.forms import post_form
from tests.support.site import TEST_SECRET_KEY
from tests.support.staff import (
    EMAIL,
    NEW_PASSWORD,
    choose_password,
    code,
    enrol,
    secret_of,
    sign_in,
)


@pytest.fixture
def member(settings, database_url) -> services.Enrolment:
    return enrol(settings)


@pytest.fixture
def staff_client(client, member) -> TestClient:
    """A quoting member, signed in, with their own password chosen."""
    assert sign_in(client, member).status_code == 303
    assert choose_password(client).headers["location"] == "/staff"
    return client


# -- enrolment ---------------------------------------------------------------------------------


def test_staff_add_prints_a_one_time_password_and_the_totp_uri(settings, database_url, tmp_path):
    env = {
        "PORTAL_ENV": "test",
        "PORTAL_SECRET_KEY": TEST_SECRET_KEY,
        "PORTAL_DATABASE_URL": settings.database_url,
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
    }
    result = CliRunner(env=env).invoke(main, ["staff", "add", EMAIL, "--role", "privacy_officer"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.output.splitlines() if ": " in line)
    password, uri = lines["one-time password"], lines["otpauth URI"]
    assert len(password) == 20
    assert uri.startswith("otpauth://totp/Xometry%20Asia%20staff:Wang.Fang%40xometry.asia?")
    assert "issuer=Xometry%20Asia%20staff" in uri
    (stored,) = run(settings, lambda s: services.list_staff(session=s))
    assert stored.role == "privacy_officer"
    assert password not in stored.password_hash
    assert stored.password_hash.startswith("$argon2id$")
    assert stored.password_set_at is None

    again = CliRunner(env=env).invoke(main, ["staff", "add", EMAIL.upper(), "--role", "admin"])
    assert again.exit_code != 0
    assert "exists already" in again.output
    listed = CliRunner(env=env).invoke(main, ["staff", "list"])
    assert listed.output == f"{EMAIL}\tprivacy_officer\tnot signed in yet\n"


# -- signing in --------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_staff_login_and_back(client, database_url):
    response = client.get("/staff", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?next=/staff"


def test_the_first_sign_in_must_replace_the_one_time_password(client, member):
    response = sign_in(client, member, next_="/staff")
    assert response.status_code == 303
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(STAFF_COOKIE))
    assert "Path=/staff" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Max-Age" not in cookie
    assert "expires" not in cookie.lower()

    home = client.get("/staff", follow_redirects=False)
    assert home.headers["location"] == "/staff/password"
    weak = post_form(client, "/staff/password", {"new_password": "short"}, page="/staff/password")
    assert weak.status_code == 400
    assert choose_password(client).status_code == 303
    page = client.get("/staff")
    assert page.status_code == 200
    assert "王芳" in page.text

    client.cookies.clear()
    assert sign_in(client, member).status_code == 400  # the one-time password stopped working
    assert (
        sign_in(
            client, member, password=NEW_PASSWORD, code_=code(member, steps_ahead=1)
        ).status_code
        == 303
    )


def test_a_wrong_code_or_password_is_refused_without_saying_which(client, member):
    wrong_code = sign_in(client, member, code_="000000" if code(member) != "000000" else "111111")
    wrong_password = sign_in(client, member, password="not-the-password-1")
    for response in (wrong_code, wrong_password):
        assert response.status_code == 400
        assert "The email address, password or code is not right." in response.text
        assert STAFF_COOKIE not in response.headers.get("set-cookie", "")
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_a_code_is_good_once(app, member):
    used = code(member)
    with TestClient(app) as first, TestClient(app) as second:
        assert sign_in(first, member, code_=used).status_code == 303
        assert sign_in(second, member, code_=used).status_code == 400


def test_a_malformed_code_is_said_beside_its_field(client, member):
    response = sign_in(client, member, code_="12ab56")
    assert response.status_code == 400
    assert "Enter the 6 digits your authenticator app shows." in response.text
    assert 'value="Wang.Fang@xometry.asia"' in response.text  # the form keeps the address


def test_guessing_codes_locks_the_account_for_a_while(client, member):
    codes = [sign_in(client, member, code_="000000").status_code for _ in range(6)]
    assert codes[-1] == 429
    assert sign_in(client, member).status_code == 429  # even the right code waits


def test_the_login_leads_only_into_the_console(client, member):
    response = sign_in(client, member, next_="/account")
    assert response.headers["location"] == "/staff"


# -- sessions ----------------------------------------------------------------------------------


def test_staff_pages_are_never_cached(staff_client):
    for url in ("/staff", "/staff/password", "/staff/login"):
        assert staff_client.get(url).headers["cache-control"] == "no-store"


def test_a_customer_session_opens_no_staff_page_and_shows_no_customer(app, database_url):
    with TestClient(app) as customer:
        sign_up(customer)
        assert (
            customer.get("/staff", follow_redirects=False)
            .headers["location"]
            .startswith("/staff/login")
        )
        assert GOOD["name"] not in customer.get("/staff/login").text


def test_signing_out_ends_the_session(staff_client, settings):
    cookie = staff_client.cookies.get(STAFF_COOKIE)
    response = post_form(staff_client, "/staff/logout", {}, page="/staff")
    assert response.headers["location"] == "/staff/login"
    staff_client.cookies.set(STAFF_COOKIE, cookie, path="/staff")  # a copy of the old cookie
    assert staff_client.get("/staff", follow_redirects=False).status_code == 303


def test_thirty_idle_minutes_end_a_staff_session(staff_client, settings):
    async def idle(session):
        await session.execute(
            update(StaffSession).values(last_used_at=utcnow() - timedelta(minutes=31))
        )
        await session.commit()

    run(settings, idle)
    assert staff_client.get("/staff", follow_redirects=False).status_code == 303


def test_disabling_a_member_ends_their_sessions_at_once(staff_client, settings):
    run(settings, lambda s: services.disable_staff(session=s, email=EMAIL))
    assert staff_client.get("/staff", follow_redirects=False).status_code == 303
    staff_client.cookies.clear()
    assert sign_in(staff_client, enrol_again_free_code(settings)).status_code == 400


def enrol_again_free_code(settings):
    """The disabled member's details, with a code of a step not used yet."""
    (member,) = run(settings, lambda s: services.list_staff(session=s))
    return services.Enrolment(
        member, NEW_PASSWORD, totp.provisioning_uri(member.totp_secret, member.email)
    )


def test_a_reset_gives_a_new_one_time_password_and_secret(staff_client, settings, member):
    enrolment = run(
        settings,
        lambda s: services.reset_staff(session=s, email=EMAIL, secret_key=settings.secret_key),
    )
    assert secret_of(enrolment) != secret_of(member)
    assert staff_client.get("/staff", follow_redirects=False).status_code == 303  # signed out
    staff_client.cookies.clear()
    assert sign_in(staff_client, enrolment).status_code == 303
    assert (
        staff_client.get("/staff", follow_redirects=False).headers["location"] == "/staff/password"
    )


# -- roles and the audit log -------------------------------------------------------------------


def test_only_an_admin_sees_the_staff_accounts(app, settings, staff_client):
    assert "Staff accounts" not in staff_client.get("/staff").text
    admin = enrol(settings, Role.ADMIN, "admin@xometry.asia")
    with TestClient(app) as browser:
        sign_in(browser, admin)
        choose_password(browser)
        page = browser.get("/staff").text
    assert "Staff accounts" in page
    assert EMAIL in page


def test_sign_ins_are_in_the_audit_log(staff_client, settings):
    events = run(settings, lambda s: services.recent_events(session=s))
    assert [e.action for e in reversed(events)] == ["sign_in", "password.change"]
    assert "Signed in to the console" in staff_client.get("/staff").text


def test_a_role_is_checked_on_every_staff_route(app):
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from portal.web.requests import require_staff

    @require_staff(Role.PRIVACY_OFFICER)
    async def requests_page(request, staff):
        return PlainTextResponse(staff.email)

    member = StaffMember(
        email="a@x", email_key="a@x", role="quoting", password_hash="", totp_secret=""
    )
    member.password_set_at = utcnow()
    officer = member.model_copy(update={"role": "privacy_officer"})
    admin = member.model_copy(update={"role": "admin"})

    def as_(who):
        async def endpoint(scope, receive, send):
            scope["staff"] = who
            await Starlette(routes=[Route("/staff/x", requests_page)])(scope, receive, send)

        return endpoint

    assert TestClient(as_(member)).get("/staff/x").status_code == 403
    assert TestClient(as_(officer)).get("/staff/x").text == "a@x"
    assert TestClient(as_(admin)).get("/staff/x").text == "a@x"


def test_the_audit_log_outlives_a_disabled_member(staff_client, settings):
    run(settings, lambda s: services.disable_staff(session=s, email=EMAIL))
    assert len(run(settings, lambda s: _count(s))) >= 1


async def _count(session):
    from sqlalchemy import select

    return list(await session.scalars(select(StaffAuditEvent)))
