"""Invoice details in the tests: valid tax numbers (stdnum's check digits), valid forms, and
what the database holds of them (rows in id order, consent-ledger and audit rows, decrypted
sensitive values)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.testclient import TestClient
from stdnum.cn import ric, uscc

from portal.crypto import decrypt_field
from portal.privacy.models import ConsentRecord
from portal.profile.invoices import bank
from portal.profile.invoices.sensitive import SensitiveField
from portal.profile.models import AuditEntry, CorporateInvoice, PersonalInvoice
from tests.support.forms import post
from tests.support.records import rows

LIST = "/account/invoices"
CORPORATE_NEW = f"{LIST}/corporate/new"
PERSONAL_NEW = f"{LIST}/personal/new"
ACCOUNT = "6222 0202 0011 2233 445"  # a bank account as typed
DIGITS = "6222020200112233445"  # and as stored (before encryption)


def credit_code(first17: str = "91310000MA1FL4XQ2") -> str:
    """A unified social credit code with its correct check character."""
    return first17 + uscc.calc_check_digit(first17)


def resident_id(first17: str = "11010119900307123") -> str:
    """A resident ID number with its correct check character (stdnum wants a placeholder last)."""
    return first17 + ric.calc_check_digit(first17 + "0")


def wrong_last(number: str, alphabet: str) -> str:
    return number[:-1] + next(ch for ch in alphabet if ch != number[-1])


CODE = credit_code()
RIC = resident_id()
CORPORATE = {
    "company_name": "上海精密机械有限公司",
    "tax_number": f"{CODE[:6]} {CODE[6:]}".lower(),
    "province": "310000",
    "city": "310100",
    "invoicing_address": "浦东新区张江路 88 号 3 号楼 501 室",
    "postal_code": "201203",
    "bank_name": "中国工商银行上海张江支行",
    "bank_account": "",
    "invoice_email": "Finance@Example.cn",
}
PERSONAL = {
    "name": "王芳",
    "tax_number": RIC[:6] + " " + RIC[6:],
    "province": "110000",
    "city": "110100",
    "invoicing_address": "东城区东长安街 1 号",
    "postal_code": "100010",
    "invoice_email": "wang.fang@example.cn",
    "consent_resident_id": "y",  # the separate consent the ID number needs
}


def add_corporate(client: TestClient, **changes: Any) -> Any:
    return post(client, CORPORATE_NEW, {**CORPORATE, **changes})


def add_with_account(client: TestClient, **changes: Any) -> Any:
    """Corporate details with a bank account and its consent box ticked."""
    return add_corporate(
        client, **{"bank_account": ACCOUNT, "consent_bank_account": "y", **changes}
    )


def corporate(settings: Any) -> list[CorporateInvoice]:
    return sorted(rows(settings, CorporateInvoice), key=lambda i: i.id or 0)


def personal(settings: Any) -> list[PersonalInvoice]:
    return sorted(rows(settings, PersonalInvoice), key=lambda i: i.id or 0)


def ledger(settings: Any, purpose: str = bank.PURPOSE) -> list[tuple[str, str | None]]:
    """The consent-ledger rows of one purpose: (kind, purpose), oldest first."""
    found = sorted(rows(settings, ConsentRecord), key=lambda r: r.id or 0)
    return [(r.kind, r.purpose) for r in found if r.purpose == purpose]


def audit(settings: Any, record: str) -> list[tuple[str, str]]:
    """The audit rows of one record (``"corporate_invoice:3"``): (field, action), oldest first."""
    found = sorted(rows(settings, AuditEntry), key=lambda e: e.id or 0)
    return [(e.field, e.action) for e in found if e.record == record]


def decrypted(app: Any, invoice: Any, field: SensitiveField = bank.FIELD) -> str:
    """The invoice's sensitive value, decrypted with the user's data key (raises if it cannot)."""
    key = asyncio.run(app.state.data_keys.for_user(invoice.user_id, create=False))
    token = getattr(invoice, field.column)
    return decrypt_field(key, token, context=field.context(invoice.user_id, invoice.id))
