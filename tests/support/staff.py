"""Staff in the tests: a member enrolled as the CLI would, signed in with password and TOTP."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from starlette.testclient import TestClient

from portal.db import utcnow
from portal.staff import services, totp
from portal.staff.models import Role
from tests.support.accounts import run
from tests.support.forms import post_form

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
