"""What a page shows of invoice details: plain data for the templates, in the reader's language.

Sensitive values never reach a template in full: the resident ID number as ``1101**********1234``
and the bank account as ``•••• •••• 1234`` (or "unavailable" when it cannot be decrypted).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.crypto import DataKeys
from portal.db import saved_id
from portal.profile.addresses.views import place_name
from portal.profile.invoices import bank
from portal.profile.invoices.tax_numbers import mask_resident_id
from portal.profile.models import CorporateInvoice, PersonalInvoice


@dataclass(frozen=True, slots=True)
class InvoiceCard:
    """One set of invoice details as its card (and the delete confirmation) shows it."""

    id: int
    kind: str  # "corporate" or "personal": the URL segment
    title: str  # the company's or the person's name
    tax_number: str  # the credit code in full; a resident ID number masked
    place: str
    invoicing_address: str
    postal_code: str
    invoice_email: str
    bank_name: str = ""
    has_bank_account: bool = False
    bank_account: str | None = None  # masked; None with has_bank_account: unreadable


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


def personal_card(invoice: PersonalInvoice) -> InvoiceCard:
    return InvoiceCard(
        id=saved_id(invoice),
        kind="personal",
        title=invoice.name,
        tax_number=mask_resident_id(invoice.tax_number),
        place=place_name(invoice.province, invoice.city),
        invoicing_address=invoice.invoicing_address,
        postal_code=invoice.postal_code,
        invoice_email=invoice.invoice_email,
    )
