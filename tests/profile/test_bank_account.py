"""The bank account of corporate invoice details (bank.py, sensitive.py): saved only under its
separate consent (ledger row first), encrypted under the user's data key, shown masked, kept or
replaced or removed when editing, erased when the consent is withdrawn, and said to be unreadable
(not a 500) when its key is gone."""

from __future__ import annotations

import asyncio

import pytest

from portal.privacy.models import ConsentRecord
from portal.profile.invoices import bank
from portal.profile.models import AuditEntry
from tests.support.forms import post
from tests.support.invoices import (
    ACCOUNT,
    CORPORATE,
    CORPORATE_NEW,
    DIGITS,
    LIST,
    add_corporate,
    add_with_account,
    audit,
    corporate,
    decrypted,
    ledger,
)
from tests.support.records import rows

WITHDRAW = f"{LIST}/bank-account/withdraw"


def test_a_bank_account_needs_the_separate_consent_and_is_not_saved_without_it(signed_in, settings):
    form = signed_in.get(CORPORATE_NEW)
    assert 'name="consent_bank_account"' in form.text
    assert 'name="consent_bank_account" value="y" checked' not in form.text  # never pre-ticked
    response = add_corporate(signed_in, bank_account=ACCOUNT)
    assert response.status_code == 400
    assert corporate(settings) == []
    assert ledger(settings) == []
    assert response.context["form"].consent_bank_account.errors == [str(bank.CONSENT_NEEDED)]
    assert 'id="consent_bank_account-error"' in response.text
    assert CORPORATE["company_name"] in response.text  # the rest is kept as typed


def test_with_consent_the_account_is_saved_encrypted_and_the_consent_recorded(
    app, signed_in, settings
):
    assert add_with_account(signed_in).status_code == 303
    (saved,) = corporate(settings)
    assert DIGITS not in saved.bank_account
    assert DIGITS[-4:] not in saved.bank_account
    assert saved.bank_account.startswith("v1.")
    assert decrypted(app, saved) == DIGITS
    (grant,) = [r for r in rows(settings, ConsentRecord) if r.purpose == bank.PURPOSE]
    assert (grant.kind, grant.language, grant.channel) == ("consent_granted", "en", "website")
    assert grant.policy_version == app.state.policy.in_force().version
    assert ("bank_account", "added") in audit(settings, f"corporate_invoice:{saved.id}")
    assert not [e for e in rows(settings, AuditEntry) if DIGITS in e.record + e.field]


def test_a_ciphertext_moved_to_another_invoice_does_not_decrypt(app, signed_in, settings):
    add_with_account(signed_in)
    add_corporate(signed_in, company_name="深圳")
    first, second = corporate(settings)
    second.bank_account = first.bank_account
    with pytest.raises(Exception, match="cannot decrypt"):
        decrypted(app, second)


def test_the_account_is_shown_masked_everywhere(signed_in, settings):
    add_with_account(signed_in)
    (saved,) = corporate(settings)
    listed = signed_in.get(LIST)
    assert "•••• •••• 3445" in listed.text
    edit = signed_in.get(f"{LIST}/corporate/{saved.id}/edit")
    confirm = signed_in.get(f"{LIST}/corporate/{saved.id}/delete")
    for page in (listed, edit, confirm):
        assert page.status_code == 200
        assert DIGITS not in page.text
        assert ACCOUNT not in page.text
        assert DIGITS[:8] not in page.text
    assert "Leave empty to keep the saved account ending 3445." in edit.text
    assert edit.context["form"].bank_account.data in (None, "")
    assert 'name="consent_bank_account"' not in edit.text  # the consent stands already


def test_editing_without_touching_the_account_keeps_it(app, signed_in, settings):
    add_with_account(signed_in)
    (before,) = corporate(settings)
    changed = {**CORPORATE, "postal_code": "201204"}
    response = post(signed_in, f"{LIST}/corporate/{before.id}/edit", changed)
    assert response.status_code == 303
    (after,) = corporate(settings)
    assert after.bank_account == before.bank_account  # the very same ciphertext
    assert after.postal_code == "201204"
    assert audit(settings, f"corporate_invoice:{before.id}")[-1] == ("postal_code", "changed")


def test_a_new_account_replaces_the_old_and_removing_erases_it(app, signed_in, settings):
    add_with_account(signed_in)
    (saved,) = corporate(settings)
    url = f"{LIST}/corporate/{saved.id}/edit"
    assert post(signed_in, url, {**CORPORATE, "bank_account": "1234 5678 9012"}).status_code == 303
    assert decrypted(app, corporate(settings)[0]) == "123456789012"
    assert ledger(settings) == [("consent_granted", "bank_account")]  # asked once
    assert post(signed_in, url, {**CORPORATE, "remove_bank_account": "y"}).status_code == 303
    assert corporate(settings)[0].bank_account is None
    assert audit(settings, f"corporate_invoice:{saved.id}")[-2:] == [
        ("bank_account", "changed"),
        ("bank_account", "removed"),
    ]


def test_withdrawing_the_consent_erases_every_account_and_is_recorded(app, signed_in, settings):
    add_with_account(signed_in)
    add_with_account(signed_in, company_name="深圳精工", bank_account="6217 0000 1111 2222")
    add_corporate(signed_in, company_name="无账户公司", bank_name="")
    listed = signed_in.get(LIST)
    assert listed.context["consent_standing"]
    assert f'href="{WITHDRAW}"' in listed.text
    confirm = signed_in.get(WITHDRAW)
    assert confirm.status_code == 200
    assert "We will erase the 2 bank account numbers" in confirm.text
    response = post(signed_in, WITHDRAW)
    assert response.status_code == 303
    assert response.headers["location"] == f"{LIST}?done=withdrawn"
    assert [invoice.bank_account for invoice in corporate(settings)] == [None, None, None]
    assert corporate(settings)[0].bank_name == CORPORATE["bank_name"]  # the rest stays
    assert ledger(settings) == [
        ("consent_granted", "bank_account"),
        ("consent_withdrawn", "bank_account"),
    ]
    first, second, third = corporate(settings)
    for invoice in (first, second):
        assert audit(settings, f"corporate_invoice:{invoice.id}")[-1] == ("bank_account", "removed")
    assert ("bank_account", "removed") not in audit(settings, f"corporate_invoice:{third.id}")
    page = signed_in.get(response.headers["location"])
    assert "every bank account number you saved has been erased" in page.text
    assert not page.context["consent_standing"]
    # A new account asks for the consent again.
    url = f"{LIST}/corporate/{first.id}/edit"
    assert post(signed_in, url, {**CORPORATE, "bank_account": ACCOUNT}).status_code == 400
    assert corporate(settings)[0].bank_account is None


def test_withdrawing_twice_records_one_withdrawal(signed_in, settings):
    add_with_account(signed_in)
    post(signed_in, WITHDRAW)
    assert post(signed_in, WITHDRAW).status_code == 303
    assert ledger(settings) == [
        ("consent_granted", "bank_account"),
        ("consent_withdrawn", "bank_account"),
    ]


def test_withdrawing_with_htmx_swaps_the_lists(signed_in, settings):
    add_with_account(signed_in)
    response = post(signed_in, WITHDRAW, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="invoice-status"')
    assert "<html" not in response.text
    assert corporate(settings)[0].bank_account is None


def test_an_account_that_cannot_be_read_any_more_is_said_so_not_a_500(app, signed_in, settings):
    add_with_account(signed_in)
    (saved,) = corporate(settings)
    asyncio.run(app.state.data_keys.erase(saved.user_id))  # as at deregistration
    listed = signed_in.get(LIST)
    assert listed.status_code == 200
    assert "Account number unavailable" in listed.text
    edit = signed_in.get(f"{LIST}/corporate/{saved.id}/edit")
    assert edit.status_code == 200
    assert "can no longer be read" in edit.text
    url = f"{LIST}/corporate/{saved.id}/edit"
    assert post(signed_in, url, {**CORPORATE, "bank_account": ACCOUNT}).status_code == 303
    assert decrypted(app, corporate(settings)[0]) == DIGITS  # a new key, the account typed again
