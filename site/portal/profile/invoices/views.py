"""What a page shows of invoice details: plain data for the templates, in the reader's language.

Sensitive values never reach a template in full: the resident ID number as ``1101**********1234``
and the bank account as ``•••• •••• 1234``, each decrypted only to be masked (or "unavailable"
when it cannot be decrypted any more).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.crypto import DataKeys
from portal.db import saved_id
from portal.profile.addresses.views import place_name
from portal.profile.invoices import bank, resident_ids
from portal.profile.models import CorporateInvoice, PersonalInvoice


@dataclass(frozen=True, slots=True)
class InvoiceCard:
    """One set of invoice details as its card (and the delete confirmation) shows it."""

    id: int
    kind: str  # "corporate" or "personal": the URL segment
    title: str  # the company's or the person's name
    tax_number: str | None  # the credit code in full; a resident ID number masked, or None
    place: str
    invoicing_address: str
    postal_code: str
    invoice_email: str
    bank_name: str = ""
    has_bank_account: bool = False
    bank_account: str | None = None  # masked; None with has_bank_account: unreadable
    tax_number_unreadable: bool = False  # a resident ID number is stored but cannot be read


async def corporate_card(invoice: CorporateInvoice, data_keys: DataKeys) -> InvoiceCard:
    ending = await bank.last_four(data_keys, invoice)
    return InvoiceCard(
        id=saved_id(invoice),
        kind="corporate",
        title=invoice.company_name,
        tax_number=invoice.tax_number,  # a company's code is public (the credit register)
        place=place_name(invoice.province, invoice.city),
        invoicing_address=invoice.invoicing_address,
        postal_code=invoice.postal_code,
        invoice_email=invoice.invoice_email,
        bank_name=invoice.bank_name,
        has_bank_account=invoice.bank_account is not None,
        bank_account=bank.masked(ending) if ending else None,
    )


async def personal_card(invoice: PersonalInvoice, data_keys: DataKeys) -> InvoiceCard:
    shown = await resident_ids.masked(data_keys, invoice)
    return InvoiceCard(
        id=saved_id(invoice),
        kind="personal",
        title=invoice.name,
        tax_number=shown,
        tax_number_unreadable=invoice.tax_number is not None and shown is None,
        place=place_name(invoice.province, invoice.city),
        invoicing_address=invoice.invoicing_address,
        postal_code=invoice.postal_code,
        invoice_email=invoice.invoice_email,
    )
