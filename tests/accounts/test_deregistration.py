"""Deregistration (policy 5.6): a customer deletes their own account from the Personal Center.

The page says what goes and what the law keeps; the password typed again (or, for an account
without one, the confirmation phrase after a recent sign-in) and the box delete the account:
every session ends, every row that names the customer goes or stops naming them, the data key
is erased, the drawings leave the store, and a confirmation is mailed. Another customer's data
stays as it was. Runs on SQLite, and on PostgreSQL when PORTAL_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio

import pytest
from starlette.testclient import TestClient

from portal import i18n
from portal.accounts.deregistration import ORDER_RETENTION_YEARS, retained_until
from portal.accounts.forms import CONFIRMATION_PHRASE
from portal.accounts.models import Throttle, User
from portal.db import create_engine, session_factory
from portal.drawings.models import DrawingDeletion
from portal.drawings.services import open_drawing
from portal.mail.models import OutboxMessage
from portal.mail.sender import MailConfig, send_due
from portal.policy.library import today_in_china
from portal.privacy.models import ConsentRecord
from portal.quotes.models import RetainedOrder
from tests.support.accounts import GOOD, database_snapshot, register
from tests.support.deregistration import (
    DONE,
    PAGE,
    deregister,
    fill,
    rows_naming,
    second_browser,
    sign_in_without_password,
    the_user,
)
from tests.support.object_store import leftovers
from tests.support.quotes import add_drawing, add_quote
from tests.support.records import rows, run
from tests.support.rights import add_request

ADDRESS = "Li.Wei@example.cn"  # GOOD["email"] as stored: email-validator lower-cases the domain
BOB = {"email": "bob@example.cn", "name": "陈刚", "phone": "139 8765 4321"}
#: What the customer of ``fill`` typed somewhere: none of it may stay anywhere.
TRACES = ("li.wei@example.cn", "13812345678", "李伟", "王芳", "finance@example.cn")


def without_throttles(snapshot: dict) -> dict:
    """A wrong password is counted (the login throttle), and that is all it may change."""
    return {table: found for table, found in snapshot.items() if table != Throttle.__tablename__}


def in_locale(locale: str, message: object) -> str:
    with i18n.use_locale(locale):
        return str(message) if not isinstance(message, str) else i18n.gettext(message)


# -- the page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_the_page_says_what_goes_and_what_the_law_keeps(client, app, settings, locale):
    client.cookies.set(i18n.LANGUAGE_COOKIE, locale)  # registering keeps it as the preference
    fill(client, app, settings)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.template.name == "accounts/deregister.html"
    assert response.context["orders_kept"] == 1
    assert response.context["years"] == ORDER_RETENTION_YEARS == 3
    assert response.context["kept_until"] == retained_until(today_in_china())
    text = response.text
    with i18n.use_locale(locale):
        for message in (
            "What we delete at once",
            "What the law makes us keep",
            "What we keep is restricted: it is stored and secured, and used for nothing else. "
            "We delete it when its period ends.",
        ):
            assert i18n.gettext(message) in text
    assert 'name="password"' in text
    assert 'name="confirm"' in text
    assert 'name="confirmation_phrase"' not in text
    # Reached from the Personal Center's menu, on every page of it.
    assert f'href="{PAGE}"' in client.get("/account").text


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get(PAGE, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={PAGE}"


def test_the_done_page_names_no_one_and_needs_no_account(client):
    response = client.get(DONE)
    assert response.status_code == 200
    assert response.template.name == "accounts/deregistered.html"


# -- refusals change nothing -------------------------------------------------------------------


def test_a_wrong_password_keeps_everything(client, app, settings):
    fill(client, app, settings)
    before = without_throttles(database_snapshot(settings.database_url))
    response = deregister(client, password="milling-spindle-43")
    assert response.status_code == 400
    form = response.context["form"]
    assert str(form.password.errors[0]) == "This is not your password. Check it and try again."
    assert 'id="password-error"' in response.text  # beside its field
    assert without_throttles(database_snapshot(settings.database_url)) == before
    assert client.get("/account").status_code == 200  # still signed in


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"confirm": None}, "confirm", "Tick the box to confirm that you want to deregister."),
        ({"password": ""}, "password", "Enter your password."),
    ],
)
def test_a_missing_field_is_explained_beside_it_and_keeps_everything(
    client, app, settings, fields, field, message
):
    fill(client, app, settings)
    before = without_throttles(database_snapshot(settings.database_url))
    response = deregister(client, **fields)
    assert response.status_code == 400
    assert str(response.context["form"][field].errors[0]) == message
    assert f'id="{field}-error"' in response.text
    assert without_throttles(database_snapshot(settings.database_url)) == before


def test_htmx_gets_422(client, app, settings):
    fill(client, app, settings)
    response = deregister(client, confirm=None, headers={"HX-Request": "true"})
    assert response.status_code == 422


def test_without_the_csrf_token_nothing_happens(client, app, settings):
    fill(client, app, settings)
    before = database_snapshot(settings.database_url)
    response = deregister(client, token="")
    assert response.status_code == 403
    assert database_snapshot(settings.database_url) == before


def test_head_changes_nothing(client, app, settings):
    fill(client, app, settings)
    token = client.get(PAGE).context["csrf_token"]
    before = database_snapshot(settings.database_url)
    body = {"password": GOOD["password"], "confirm": "y", "csrf_token": token}
    response = client.request("HEAD", PAGE, data=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 200
    assert response.content == b""
    assert database_snapshot(settings.database_url) == before


def test_guessing_the_password_is_throttled_like_a_login(client, app, settings):
    fill(client, app, settings)
    statuses = [deregister(client, password=f"wrong-guess-{n}").status_code for n in range(6)]
    assert statuses[:4] == [400] * 4
    assert statuses[-1] == 429
    locked = deregister(client)  # even the right password waits now
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert len(rows(settings, User)) == 1


# -- the deletion ------------------------------------------------------------------------------


def test_the_right_password_deletes_everything_that_names_the_customer(client, app, settings):
    alice = fill(client, app, settings)
    with TestClient(app) as bob_client:
        assert register(bob_client, **BOB).status_code == 303
    bob = the_user(settings, BOB["email"])

    async def bobs_order(session):
        quote = await add_quote(session, bob, "Q-BOB00001", status="ordered")
        return await add_drawing(session, app, bob, quote, b"bob's bracket")

    bob_drawing = run(settings, bobs_order)
    bob_before = rows_naming(settings.database_url, bob.id)
    consents_before = sorted(
        (r.id, r.kind, r.purpose)
        for r in rows(settings, ConsentRecord)
        if r.user_id == alice.user_id
    )
    assert run(settings, lambda session: app.state.data_keys.store.get(alice.user_id))

    response = deregister(client)
    assert response.status_code == 303
    assert response.headers["location"] == DONE
    # This browser is signed out at once: its session cookie is cleared, and the page after
    # says it is done.
    assert 'portal_session=""' in response.headers["set-cookie"]
    assert client.get(DONE).status_code == 200

    # No table keeps a row that points at her or holds what she typed, but the confirmation.
    remaining = rows_naming(settings.database_url, alice.user_id, *TRACES)
    assert list(remaining) == ["mail_outbox"], remaining
    (confirmation,) = [m for m in rows(settings, OutboxMessage) if m.user_id is None]
    assert confirmation.recipient == ADDRESS
    assert confirmation.subject == "Your account has been deregistered"
    # The consent ledger is append-only: her rows stay, naming nobody.
    consents_after = sorted(
        (r.id, r.kind, r.purpose) for r in rows(settings, ConsentRecord) if r.user_id is None
    )
    assert consents_after[: len(consents_before)] == consents_before
    # With the deletion, her withdrawals (policy 5.5): of the policy, and of each consent that
    # stood.
    assert [(kind, purpose) for _, kind, purpose in consents_after[len(consents_before) :]] == [
        ("consent_withdrawn", "data_protection_policy"),
        ("consent_withdrawn", "bank_account"),
        ("consent_withdrawn", "resident_id"),
    ]
    # The order's terms stay, without her; the request that was not ordered is gone.
    (kept,) = rows(settings, RetainedOrder)
    assert (kept.reference, kept.quantity) == (alice.ordered, 10)
    assert kept.retained_until == retained_until(today_in_china())
    # Her data key is erased: every copy of her drawings and bank account is unreadable.
    assert run(settings, lambda session: app.state.data_keys.store.get(alice.user_id)) is None
    # Her drawings are gone from the store, and nothing of hers is left queued.
    storage = app.state.drawing_storage
    assert not any(asyncio.run(storage.exists(key)) for key in alice.storage_keys)
    assert len(leftovers(storage)) == 1
    assert rows(settings, DrawingDeletion) == []
    # Bob is untouched: his rows, his order, and his drawing, which still decrypts.
    assert rows_naming(settings.database_url, bob.id) == bob_before

    async def bobs_drawing(session):
        opened = await open_drawing(
            session=session,
            data_keys=app.state.data_keys,
            storage=storage,
            user=bob,
            drawing_id=bob_drawing.id,
        )
        return b"".join([piece async for piece in opened.chunks])

    assert run(settings, bobs_drawing) == b"bob's bracket"


def test_every_other_session_ends_and_the_cookie_gets_the_login_page(client, app, settings):
    fill(client, app, settings)
    other = second_browser(app)
    try:
        assert other.get("/account").status_code == 200
        stolen = client.cookies.get("portal_session")
        assert deregister(client).status_code == 303
        for browser in (other, client):
            response = browser.get("/account", follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"] == "/login?next=/account"
        client.cookies.set("portal_session", stolen)  # a copy of the old cookie gets no further
        assert client.get(PAGE, follow_redirects=False).headers["location"].startswith("/login")
    finally:
        other.__exit__(None, None, None)


def test_the_address_is_free_to_register_again(client, app, settings):
    fill(client, app, settings)
    assert deregister(client).status_code == 303
    assert register(client).status_code == 303
    assert the_user(settings).email_key == GOOD["email"].lower()


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_the_confirmation_mail_arrives_and_nothing_queued_before_it(
    client, app, settings, smtp_server, locale
):
    client.cookies.set(i18n.LANGUAGE_COOKIE, locale)
    fill(client, app, settings)  # queued: the verification mail, the subscription's
    assert deregister(client).status_code == 303

    async def deliver() -> int:
        engine = create_engine(settings.database_url)
        config = MailConfig("smtp", "no-reply@xometry.asia", smtp_server.host, smtp_server.port)
        try:
            return await send_due(session_factory(engine), config)
        finally:
            await engine.dispose()

    assert asyncio.run(deliver()) == 1
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == ADDRESS
    assert message["Subject"] == in_locale(locale, "Your account has been deregistered")
    body = message.get_body(("plain",)).get_content()
    assert "info@xometry.asia" in body
    with i18n.use_locale(locale):
        assert (
            i18n.gettext(
                "Your drawings can no longer be read by anyone: their files are deleted, and the "
                "data key they were encrypted with is destroyed, in our backups too."
            )
            in body
        )


# -- an account without a password (registered through WeChat) ---------------------------------


def test_an_account_without_a_password_types_the_phrase(client, settings):
    user_id = sign_in_without_password(client, settings)
    page = client.get(PAGE)
    assert 'name="confirmation_phrase"' in page.text
    assert 'name="password"' not in page.text
    wrong = deregister(client, password=None, confirmation_phrase="delete")
    assert wrong.status_code == 400
    assert str(wrong.context["form"].confirmation_phrase.errors[0]) == (
        "This is not the confirmation phrase. Type it as shown."
    )
    # Either language's phrase, whatever its case, width or spacing.
    phrase = in_locale("zh_Hans", CONFIRMATION_PHRASE)
    done = deregister(client, password=None, confirmation_phrase=f"  {phrase} ")
    assert done.status_code == 303
    assert [u for u in rows(settings, User) if u.id == user_id] == []


def test_the_phrase_in_capitals_is_the_phrase(client, settings):
    sign_in_without_password(client, settings)
    phrase = in_locale("en", CONFIRMATION_PHRASE).upper().replace(" ", "  ")
    assert deregister(client, password=None, confirmation_phrase=phrase).status_code == 303
    assert rows(settings, User) == []


def test_without_a_password_an_old_sign_in_is_not_enough(client, settings):
    sign_in_without_password(client, settings, minutes_ago=20)
    page = client.get(PAGE)
    assert page.context["signed_in_recently"] is False
    phrase = in_locale("en", CONFIRMATION_PHRASE)
    response = deregister(client, password=None, confirmation_phrase=phrase)
    assert response.status_code == 400
    with i18n.use_locale("zh_Hans"):  # the account's language
        assert (
            i18n.ngettext(
                "You logged in more than %(count)s minute ago. Log out, log in with WeChat again, "
                "and come back to this page.",
                "You logged in more than %(count)s minutes ago. Log out, log in with WeChat again, "
                "and come back to this page.",
                15,
                count=15,
            )
            in response.text
        )
    assert len(rows(settings, User)) == 1


def test_the_page_names_the_requests_that_would_close_unanswered(client, app, settings):
    fill(client, app, settings)
    user_id = the_user(settings).id

    async def file(session):
        await add_request(session, user_id, "R-OPEN2345", kind="copy")
        await add_request(session, user_id, "R-DONE2345", status="completed")
        await session.commit()

    assert "close unanswered" not in client.get(PAGE).text
    run(settings, file)
    text = client.get(PAGE).text
    assert "It closes unanswered when your account is deleted" in text
    assert 'href="/account/privacy/requests/R-OPEN2345"' in text
    assert "R-DONE2345" not in text
