"""Staff in the tests: a member enrolled as the CLI would, signed in with password and TOTP."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from starlette.testclient import TestClient

from portal.db import utcnow
from portal.staff import services, totp
from portal.staff.models import Role
from tests.support.accounts import run
from tests.support.databases import in_thread
from tests.support.forms import post_form
from tests.support.journeys import arrive
from tests.support.servers import LiveServer

EMAIL = "Wang.Fang@xometry.asia"
NEW_PASSWORD = "quench-and-temper-58"


def enrol(settings, role: Role = Role.QUOTING, email: str = EMAIL) -> services.Enrolment:
    return run(
        settings, lambda s: services.add_staff(session=s, email=email, role=role, name="王芳")
    )


def secret_of(enrolment: services.Enrolment) -> str:
    return parse_qs(urlparse(enrolment.otpauth_uri).query)["secret"][0]


def code(enrolment: services.Enrolment, *, steps_ahead: int = 0) -> str:
    return totp.code_at(secret_of(enrolment), utcnow() + timedelta(seconds=30 * steps_ahead))


def sign_in(client: TestClient, enrolment, *, password=None, code_=None, next_=None):
    url = "/staff/login" + (f"?next={next_}" if next_ else "")
    data = {
        "email": enrolment.member.email,
        "password": password or enrolment.one_time_password,
        "code": code(enrolment) if code_ is None else code_,
    }
    return post_form(client, url, data, page="/staff/login")


def choose_password(client: TestClient):
    return post_form(
        client, "/staff/password", {"new_password": NEW_PASSWORD}, page="/staff/password"
    )


def staff_client(app, settings, role: Role, email: str) -> TestClient:
    """A client signed in to the console as a new member with ``role`` (the caller exits it)."""
    client = TestClient(app)
    client.__enter__()
    member = enrol(settings, role, email)
    assert sign_in(client, member).status_code == 303
    assert choose_password(client).status_code == 303
    return client


def signed_in_member(page, live_server: LiveServer, email: str, role: Role) -> None:
    """Enrol ``email`` and sign in with a code, choosing a password: the console's home."""
    enrolment = in_thread(
        run,
        live_server.settings,
        lambda s: services.add_staff(session=s, email=email, role=role, name="王芳"),
    )
    secret = parse_qs(urlparse(enrolment.otpauth_uri).query)["secret"][0]
    page.goto(live_server.url("/staff/login?next=/staff"))
    page.fill("#email", email)
    page.fill("#password", enrolment.one_time_password)
    page.fill("#code", totp.code_at(secret, utcnow()))
    page.click("form[action^='/staff/login'] button[type='submit']")
    arrive(page, live_server.url("/staff/password"))
    page.fill("#new_password", "quench-and-temper-58")
    page.click("form[action='/staff/password'] button[type='submit']")
    arrive(page, live_server.url("/staff"))
