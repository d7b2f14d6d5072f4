"""Account information (policy 1.3, corrected under 5.3 A (1)): seen, edited in place with htmx or
as a plain form, validated in both languages, audited by field name, and the preferred language
driving every later page and mail."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from portal import i18n
from portal.accounts.models import User
from portal.db import create_engine, session_factory
from portal.mail.models import OutboxMessage
from portal.profile.account.services import update_account_information
from portal.profile.models import AuditEntry
from tests.support.accounts import GOOD, register
from tests.support.forms import post_form
from tests.support.html import parse
from tests.support.records import rows

URL = "/account/information"
HTMX = {"HX-Request": "true"}
VALID = {
    "name": "李伟",
    "job_title": "Purchasing manager",
    "customer_type": "business",
    "invoice_email": "",
    "preferred_language": "en",
}
OTHER_EMAIL = "wang.fang@example.cn"


def save(client: TestClient, changes: dict | None = None, *, htmx: bool = False, **kwargs):
    data = {**VALID, **(changes or {})}
    headers = HTMX if htmx else None
    return post_form(client, URL, data, page=URL, headers=headers, **kwargs)


def user_named(settings, email: str = GOOD["email"]) -> User:
    return next(u for u in rows(settings, User) if u.email_key == email.lower())


def audit(settings) -> list[AuditEntry]:
    return rows(settings, AuditEntry)


@pytest.fixture
def other_user(app, signed_in) -> TestClient:
    """A second customer, registered and signed in on their own client."""
    with TestClient(app) as other:
        assert register(other, email=OTHER_EMAIL, name="王芳").status_code == 303
        yield other


# -- reading ---------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(URL, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account/information"


def test_the_page_shows_every_value_and_how_to_correct_it(signed_in):
    response = signed_in.get(URL)
    assert response.status_code == 200
    assert response.template.name == "profile/account/information.html"
    assert response.context["editing"] is False
    text = response.text
    for shown in ("李伟", "Company", "English", "Li.Wei@example.cn", "138 1234 5678"):
        assert shown in text
    document = parse(text)
    # A link to correct each value, working without JavaScript; the login details have pages of
    # their own (a change asks for the password), and a correction request covers the rest.
    for field in ("name", "job_title", "customer_type", "invoice_email", "preferred_language"):
        assert f"{URL}?edit=1#{field}" in document.links
    assert {"/account/email", "/account/mobile"} <= set(document.links)
    assert "/account/privacy/requests/new?kind=correction" in document.links
    assert "not verified yet" in text  # the mobile number: no text message has checked it
    assert 'aria-current="page"' in text
    assert "/account/password" in document.links


def test_the_personal_center_home_links_both_parts_and_sums_up_the_account(signed_in):
    home = signed_in.get("/account")
    links = parse(home.text).links
    assert URL in links
    assert "/account/password" in links
    assert "李伟" in home.text
    assert "Li.Wei@example.cn" in home.text


def test_edit_gives_the_full_page_without_javascript_and_the_block_for_htmx(signed_in):
    page = signed_in.get(f"{URL}?edit=1")
    assert page.context["editing"] is True
    assert "<html" in page.text
    (form,) = [f for f in parse(page.text).forms if f.action == URL]
    assert form.method == "post"
    assert form.fields["name"] == "李伟"
    assert form.fields["csrf_token"]

    block = signed_in.get(f"{URL}?edit=1", headers=HTMX)
    assert block.status_code == 200
    assert "<html" not in block.text
    assert 'id="account-information"' in block.text
    assert 'name="job_title"' in block.text
    assert "autofocus" in block.text
    assert "HX-Request" in block.headers["vary"]

    cancel = signed_in.get(URL, headers=HTMX)  # "Cancel": the read-only block again
    assert "<html" not in cancel.text
    assert "<form" not in cancel.text
    assert 'id="account-information"' in cancel.text


# -- saving ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "stored", "shown"),
    [
        ("name", "  Li Wei  ", "Li Wei", "Li Wei"),
        ("job_title", "Mechanical engineer", "Mechanical engineer", "Mechanical engineer"),
        ("customer_type", "education", "education", "University or research institute"),
        ("invoice_email", "Invoices@Example.cn", "Invoices@example.cn", "Invoices@example.cn"),
    ],
)
def test_each_field_is_saved_with_one_audit_row_and_no_value(
    signed_in, other_user, settings, field, value, stored, shown
):
    save(signed_in)  # the job title starts filled in
    before_other = user_named(settings, OTHER_EMAIL)
    seen = len(audit(settings))

    response = save(signed_in, {field: value})
    assert (response.status_code, response.headers["location"]) == (303, f"{URL}?saved=1")
    assert getattr(user_named(settings), field) == stored
    new = audit(settings)[seen:]
    assert [(a.record, a.field, a.channel) for a in new] == [("account", field, "website")]
    assert new[0].action in {"added", "changed"}
    assert stored not in repr(new[0].model_dump())
    assert user_named(settings, OTHER_EMAIL).model_dump() == before_other.model_dump()

    page = signed_in.get(f"{URL}?saved=1")
    assert "Your account information has been saved." in page.text
    assert shown in page.text


def test_emptying_an_optional_field_stores_nothing_and_is_audited_as_removed(signed_in, settings):
    save(signed_in, {"invoice_email": "billing@example.cn"})
    save(signed_in, {"invoice_email": "", "job_title": ""})
    user = user_named(settings)
    assert (user.invoice_email, user.job_title) == (None, None)
    assert [(a.field, a.action) for a in audit(settings)[-2:]] == [
        ("job_title", "removed"),
        ("invoice_email", "removed"),
    ]


def test_saving_unchanged_values_writes_no_audit_row(signed_in, settings):
    save(signed_in)
    seen = len(audit(settings))
    assert save(signed_in).status_code == 303
    assert len(audit(settings)) == seen


def test_htmx_save_returns_the_read_only_block(signed_in, settings):
    response = save(signed_in, {"job_title": "Buyer"}, htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<form" not in response.text
    assert "Buyer" in response.text
    assert "has been saved" in response.text
    assert user_named(settings).job_title == "Buyer"


# -- rejected input --------------------------------------------------------------------------

INVALID = [
    pytest.param("name", "", "Enter your name.", id="name-empty"),
    pytest.param("name", "x" * 101, "Use at most 100 characters.", id="name-long"),
    pytest.param("job_title", "j" * 101, "Use at most 100 characters.", id="job-title-long"),
    pytest.param("customer_type", "robot", "Choose the type that describes you.", id="type"),
    pytest.param(
        "invoice_email",
        "not an address",
        "Enter an email address like name@example.com.",
        id="invoice-email",
    ),
    pytest.param("preferred_language", "klingon", "Choose a language.", id="language"),
]


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
@pytest.mark.parametrize(("field", "value", "message"), INVALID)
def test_an_invalid_field_is_explained_beside_it_and_nothing_is_saved(
    client, settings, language, field, value, message
):
    client.cookies.set("portal_language", language)
    register(client)
    seen = len(audit(settings))
    before = user_named(settings).model_dump()
    other = {"job_title": "Tooling engineer"} if field != "job_title" else {"name": "Li Wei"}

    response = save(client, {field: value, **other})
    assert response.status_code == 400
    assert parse(response.text).html_lang == i18n.LANGUAGES[language].html_lang
    assert response.context["form"].errors.keys() == {field}
    error = re.search(rf'id="{field}-error">([^<]*)<', response.text)
    assert error, f"no error beside {field}"
    with i18n.use_locale(language):
        expected = i18n.gettext(message)
    if language == "en" or expected != message:  # a message the catalogue translates already
        assert error[1] == expected
    if language == "zh_Hans" and expected != message:
        assert error[1] != message
    # Everything typed comes back (the other fields too); a radio button offers only its choices.
    typed = [] if field in {"customer_type", "preferred_language"} else [value]
    for kept in [v for v in (*typed, *other.values()) if v and len(v) < 100]:
        assert kept in response.text
    assert user_named(settings).model_dump() == before
    assert len(audit(settings)) == seen


def test_htmx_gets_422_and_the_form_block(signed_in, settings):
    response = save(signed_in, {"name": ""}, htmx=True)
    assert response.status_code == 422
    assert "<html" not in response.text
    assert 'id="name-error"' in response.text


@pytest.mark.parametrize(
    "data",
    [
        {"name": "x" * 10_000, "job_title": "y" * 10_000, "invoice_email": "z" * 10_000},
        {"name": "Li\x00 Wei", "job_title": "\x00", "customer_type": "\x00"},
        {},
        {"preferred_language": ["en", "zh_Hans", "xx"], "customer_type": ["individual", "x"]},
    ],
    ids=["long", "nul", "missing", "repeated"],
)
def test_hostile_input_is_rejected_or_saved_never_a_server_error(signed_in, settings, data):
    token = parse(signed_in.get(URL).text).meta["csrf-token"]
    response = signed_in.post(URL, data={"csrf_token": token, **data}, follow_redirects=False)
    assert response.status_code in {303, 400}
    user = user_named(settings)
    assert "\x00" not in user.name
    assert len(user.name) <= 100


def test_a_post_without_the_csrf_token_is_refused(signed_in, settings):
    response = save(signed_in, {"name": "Mallory"}, token="")
    assert response.status_code == 403
    assert user_named(settings).name == "李伟"


# -- the preferred language ------------------------------------------------------------------


def test_a_new_language_changes_the_site_at_once_and_every_later_mail(signed_in, settings):
    response = save(signed_in, {"preferred_language": "zh_Hans"})
    assert (response.status_code, response.headers["location"]) == (303, f"{URL}?saved=1")
    assert "portal_language=zh_Hans" in response.headers["set-cookie"]
    page = signed_in.get(f"{URL}?saved=1")
    assert parse(page.text).html_lang == "zh-Hans"
    assert "简体中文" in page.text
    assert [(a.field, a.action) for a in audit(settings)][-1] == ("preferred_language", "changed")

    # A mail queued afterwards, here a password-reset link asked for while signed out, is in
    # the new language whatever the page that asked was in.
    post_form(signed_in, "/logout", {}, page="/account")
    signed_in.cookies.clear()
    post_form(signed_in, "/password/forgot", {"email": GOOD["email"]}, page="/password/forgot")
    mail = rows(settings, OutboxMessage)[-1]
    with i18n.use_locale("zh_Hans"):
        assert mail.subject == i18n.gettext("Choose a new password") != "Choose a new password"
    assert 'lang="zh-Hans"' in mail.html_body


def test_htmx_reloads_the_whole_page_when_the_language_changes(signed_in, settings):
    response = save(signed_in, {"preferred_language": "zh_Hans"}, htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"{URL}?saved=1"
    assert user_named(settings).preferred_language == "zh_Hans"


def test_the_language_switch_writes_an_audit_row_too(signed_in, settings):
    post_form(signed_in, "/language", {"language": "zh_Hans", "next": URL}, page=URL)
    post_form(signed_in, "/language", {"language": "zh_Hans", "next": URL}, page=URL)
    assert [(a.record, a.field) for a in audit(settings)] == [("account", "preferred_language")]


# -- the service -----------------------------------------------------------------------------


def test_the_service_writes_only_what_changed(signed_in, settings):
    async def run() -> tuple[list[str], list[str], User]:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                user = await session.scalar(select(User))
                first = await update_account_information(
                    session=session,
                    user=user,
                    data={"name": "李伟", "job_title": "Buyer", "unknown": "ignored"},
                )
                again = await update_account_information(
                    session=session, user=user, data={"job_title": "Buyer"}
                )
            async with session_factory(engine)() as session:
                return first, again, await session.scalar(select(User))
        finally:
            await engine.dispose()

    first, again, user = asyncio.run(run())
    assert (first, again) == (["job_title"], [])
    assert (user.name, user.job_title, user.customer_type) == ("李伟", "Buyer", "business")
    assert [a.field for a in audit(settings)] == ["job_title"]
