"""The resident ID number on personal invoice details: sensitive personal information (PIPL
art. 28, GB/T 35273 Annex B), so optional, kept only under its own separate consent (ledger row
first), encrypted at rest under the user's data key, shown masked, erased when the consent is
withdrawn, and said to be unreadable (not a 500) when its key is gone."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from portal.db import sync_url
from portal.privacy import purposes
from portal.privacy.models import ConsentRecord
from portal.profile.invoices import resident_ids
from portal.profile.models import AuditEntry, CorporateInvoice, PersonalInvoice
from tests.support.accounts import register
from tests.support.forms import post
from tests.support.invoices import CORPORATE, PERSONAL, RIC, audit, personal
from tests.support.invoices import decrypted as decrypted_value
from tests.support.invoices import ledger as ledger_rows
from tests.support.records import rows

LIST = "/account/invoices"
NEW = f"{LIST}/personal/new"
WITHDRAW = f"{LIST}/resident-id/withdraw"
MASKED = RIC[:4] + "*" * 10 + RIC[-4:]
WITHOUT_ID = {**PERSONAL, "tax_number": ""}  # the consent box ticked, but nothing to consent to
WITHOUT_CONSENT = {k: v for k, v in PERSONAL.items() if k != "consent_resident_id"}


def add(client: TestClient, **changes):
    return post(client, NEW, {**PERSONAL, **changes})


def raw_numbers(settings) -> list[str | None]:
    """The column as the database holds it, read past the models."""
    engine = sa.create_engine(sync_url(settings.database_url))
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT tax_number FROM personal_invoices ORDER BY id")
            return [row[0] for row in connection.execute(query)]
    finally:
        engine.dispose()


def ledger(settings) -> list[str]:
    """The kinds of the resident-ID consent rows, oldest first."""
    return [kind for kind, _ in ledger_rows(settings, purposes.RESIDENT_ID)]


def decrypted(app, invoice: PersonalInvoice) -> str:
    return decrypted_value(app, invoice, resident_ids.FIELD)


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement the site sends while the block runs, in order."""
    sent: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(" ".join(statement.split()).upper())

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", seen)


# -- optional ----------------------------------------------------------------------------------


def test_personal_details_are_saved_without_an_id_number_and_no_consent_is_asked(
    signed_in, settings
):
    form = signed_in.get(NEW)
    assert 'name="consent_resident_id"' in form.text
    assert 'name="consent_resident_id" value="y" checked' not in form.text  # never pre-ticked
    response = post(signed_in, NEW, WITHOUT_ID)
    assert response.status_code == 303
    (saved,) = personal(settings)
    assert saved.tax_number is None
    assert raw_numbers(settings) == [None]
    assert ledger(settings) == []
    assert ("tax_number", "added") not in audit(settings, f"personal_invoice:{saved.id}")
    listed = signed_in.get(LIST)
    (card,) = listed.context["personal"]
    assert card.tax_number is None
    assert not card.tax_number_unreadable
    assert PERSONAL["name"] in listed.text


def test_an_id_number_without_the_consent_is_refused_beside_the_box_and_kept_as_typed(
    signed_in, settings
):
    response = post(signed_in, NEW, WITHOUT_CONSENT)
    assert response.status_code == 400
    assert personal(settings) == []
    assert ledger(settings) == []
    errors = response.context["form"].consent_resident_id.errors
    assert errors == [str(resident_ids.FIELD.consent_needed)]
    assert 'id="consent_resident_id-error"' in response.text
    assert PERSONAL["invoicing_address"] in response.text  # the rest is kept as typed
    assert response.context["form"].tax_number.data  # and the number too, to tick and resend


def test_the_consent_says_why_it_is_needed_and_what_it_means_for_the_person(client):
    assert register(client).status_code == 303
    text = re.sub(r"\s+", " ", client.get(NEW).text)
    label = re.search(r'name="consent_resident_id" value="y"[^>]*> <span>([^<]*)</span>', text)
    assert label, "no consent box"
    words = label[1]
    assert "Xometry (Shanghai) Technology Co., Ltd." in words
    assert "personal VAT invoice" in words  # the necessity
    assert "identifies me" in words  # the effect on the person
    assert "withdraw" in words
    assert "erase" in words


@pytest.mark.parametrize("language", ["zh_Hans"])
def test_the_consent_reads_in_chinese(client, language):
    client.cookies.set("portal_language", language)
    assert register(client).status_code == 303
    text = client.get(NEW).text
    label = re.search(r'name="consent_resident_id" value="y"[^>]*> <span>([^<]*)</span>', text)
    assert label, "no consent box"
    assert "Xometry（上海）科技有限公司" in label[1]
    assert "居民身份证号码" in label[1]
    assert "撤回" in label[1]


# -- with consent: ledger first, encrypted, masked ---------------------------------------------


def test_with_consent_the_grant_is_recorded_before_the_number_is_written(app, signed_in, settings):
    with statements() as sent:
        assert add(signed_in).status_code == 303
    granted = next(i for i, s in enumerate(sent) if s.startswith("INSERT INTO CONSENT_RECORDS"))
    writes = [
        i
        for i, s in enumerate(sent)
        if s.startswith(("INSERT INTO PERSONAL_INVOICES", "UPDATE PERSONAL_INVOICES"))
    ]
    assert writes
    assert granted < min(writes)
    (grant,) = [r for r in rows(settings, ConsentRecord) if r.purpose == purposes.RESIDENT_ID]
    assert (grant.kind, grant.language, grant.channel) == ("consent_granted", "en", "website")
    assert grant.policy_version == app.state.policy.in_force().version


def test_the_stored_number_is_ciphertext_under_the_users_key(app, signed_in, settings):
    assert add(signed_in).status_code == 303
    (stored,) = raw_numbers(settings)
    assert stored.startswith("v1.")
    assert RIC not in stored
    assert RIC[6:14] not in stored  # not even the date of birth
    (saved,) = personal(settings)
    assert decrypted(app, saved) == RIC  # compact, upper case
    assert ("tax_number", "added") in audit(settings, f"personal_invoice:{saved.id}")
    assert not [e for e in rows(settings, AuditEntry) if RIC in e.record + e.field]


def test_a_ciphertext_moved_to_another_invoice_does_not_decrypt(app, signed_in, settings):
    add(signed_in)
    post(signed_in, NEW, {**WITHOUT_ID, "name": "李伟"})
    first, second = personal(settings)
    second.tax_number = first.tax_number
    with pytest.raises(Exception, match="cannot decrypt"):
        decrypted(app, second)


def test_the_number_is_shown_masked_everywhere_and_never_in_full(signed_in, settings):
    add(signed_in)
    (saved,) = personal(settings)
    listed = signed_in.get(LIST)
    edit = signed_in.get(f"{LIST}/personal/{saved.id}/edit")
    confirm = signed_in.get(f"{LIST}/personal/{saved.id}/delete")
    mine = signed_in.get("/account/privacy/my-data")
    for page in (listed, edit, confirm, mine):
        assert page.status_code == 200
        assert RIC not in page.text
        assert RIC[6:14] not in page.text
    for page in (listed, confirm, mine):
        assert MASKED in page.text
    assert edit.context["form"].tax_number.data in (None, "")
    assert f"Leave empty to keep the saved number {MASKED}." in edit.text
    assert 'name="consent_resident_id"' not in edit.text  # the consent stands already
    assert 'name="remove_resident_id"' in edit.text


def test_editing_without_touching_the_number_keeps_it_and_removing_erases_it(
    app, signed_in, settings
):
    add(signed_in)
    (before,) = personal(settings)
    url = f"{LIST}/personal/{before.id}/edit"
    assert post(signed_in, url, {**WITHOUT_ID, "postal_code": "100011"}).status_code == 303
    (after,) = personal(settings)
    assert after.tax_number == before.tax_number  # the very same ciphertext
    assert after.postal_code == "100011"
    assert post(signed_in, url, {**WITHOUT_ID, "remove_resident_id": "y"}).status_code == 303
    assert raw_numbers(settings) == [None]
    assert audit(settings, f"personal_invoice:{before.id}")[-1] == ("tax_number", "removed")
    assert ledger(settings) == ["consent_granted"]  # removing one is not withdrawing


def test_typing_a_number_and_ticking_remove_is_refused(signed_in, settings):
    add(signed_in)
    (saved,) = personal(settings)
    url = f"{LIST}/personal/{saved.id}/edit"
    response = post(signed_in, url, {**PERSONAL, "remove_resident_id": "y"})
    assert response.status_code == 400
    assert "not both" in response.context["form"].first_errors()["tax_number"]


def test_an_invalid_number_is_explained_even_when_the_consent_is_missing(signed_in, settings):
    response = post(signed_in, NEW, {**WITHOUT_CONSENT, "tax_number": RIC[:17]})
    assert response.status_code == 400
    assert "this one has 17" in response.context["form"].first_errors()["tax_number"]
    assert personal(settings) == []
    assert ledger(settings) == []


# -- withdrawal --------------------------------------------------------------------------------


def test_withdrawing_the_consent_erases_every_number_and_is_recorded(signed_in, settings):
    add(signed_in)
    add(signed_in, name="王芳芳")
    post(signed_in, NEW, {**WITHOUT_ID, "name": "无号码"})
    listed = signed_in.get(LIST)
    assert listed.context["resident_id_consent_standing"]
    assert f'href="{WITHDRAW}"' in listed.text
    confirm = signed_in.get(WITHDRAW)
    assert confirm.status_code == 200
    assert "We will erase the 2 resident ID numbers" in confirm.text
    response = post(signed_in, WITHDRAW)
    assert response.status_code == 303
    assert response.headers["location"] == f"{LIST}?done=resident_id_withdrawn"
    assert raw_numbers(settings) == [None, None, None]
    assert [i.name for i in personal(settings)] == ["王芳", "王芳芳", "无号码"]  # the rest stays
    assert ledger(settings) == ["consent_granted", "consent_withdrawn"]
    first, second, third = personal(settings)
    for invoice in (first, second):
        assert audit(settings, f"personal_invoice:{invoice.id}")[-1] == ("tax_number", "removed")
    assert ("tax_number", "removed") not in audit(settings, f"personal_invoice:{third.id}")
    page = signed_in.get(response.headers["location"])
    assert "every resident ID number you saved has been erased" in page.text
    assert not page.context["resident_id_consent_standing"]
    # A new number asks for the consent again.
    url = f"{LIST}/personal/{first.id}/edit"
    assert post(signed_in, url, WITHOUT_CONSENT).status_code == 400
    assert raw_numbers(settings)[0] is None


def test_withdrawing_one_consent_leaves_the_other(signed_in, settings):
    add(signed_in)
    company = {**CORPORATE, "bank_account": "6222 0202 0011 2233 445", "consent_bank_account": "y"}
    assert post(signed_in, f"{LIST}/corporate/new", company).status_code == 303
    assert post(signed_in, WITHDRAW).status_code == 303
    assert raw_numbers(settings) == [None]
    (saved,) = rows(settings, CorporateInvoice)
    assert saved.bank_account is not None
    assert post(signed_in, f"{LIST}/bank-account/withdraw").status_code == 303
    assert ledger(settings) == ["consent_granted", "consent_withdrawn"]  # one each


def test_withdrawing_twice_records_one_withdrawal_and_htmx_swaps_the_lists(signed_in, settings):
    add(signed_in)
    response = post(signed_in, WITHDRAW, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="invoice-status"')
    assert "<html" not in response.text
    assert post(signed_in, WITHDRAW).status_code == 303
    assert ledger(settings) == ["consent_granted", "consent_withdrawn"]


def test_the_withdrawal_page_without_a_consent_says_none_is_stored(signed_in):
    page = signed_in.get(WITHDRAW)
    assert page.status_code == 200
    assert "none is saved" in page.text
    assert f'action="{WITHDRAW}"' not in page.text


def test_another_user_withdrawing_erases_nothing_of_mine(app, signed_in, settings):
    add(signed_in)
    intruder = TestClient(app)
    with intruder:
        register(intruder, email="intruder@example.cn", phone="137 0000 1111")
        assert post(intruder, WITHDRAW).status_code == 303
    assert raw_numbers(settings)[0] is not None
    assert ledger(settings) == ["consent_granted"]


# -- a number that cannot be read any more -----------------------------------------------------


def test_a_number_that_cannot_be_read_any_more_is_said_so_not_a_500(app, signed_in, settings):
    add(signed_in)
    (saved,) = personal(settings)
    asyncio.run(app.state.data_keys.erase(saved.user_id))  # as at deregistration
    listed = signed_in.get(LIST)
    assert listed.status_code == 200
    assert "ID number unavailable" in listed.text
    edit = signed_in.get(f"{LIST}/personal/{saved.id}/edit")
    assert edit.status_code == 200
    assert "can no longer be read" in edit.text
    confirm = signed_in.get(f"{LIST}/personal/{saved.id}/delete")
    assert confirm.status_code == 200
    mine = signed_in.get("/account/privacy/my-data")
    assert mine.status_code == 200
    assert "cannot be shown right now" in mine.text
    url = f"{LIST}/personal/{saved.id}/edit"
    assert post(signed_in, url, PERSONAL).status_code == 303
    assert decrypted(app, personal(settings)[0]) == RIC  # a new key, the number typed again


def test_every_new_page_needs_a_signed_in_user(client):
    response = client.get(WITHDRAW, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
