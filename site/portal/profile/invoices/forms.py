"""The corporate and personal invoice forms: the fields of policy 1.5, under DESIGN.md's names.

Tax numbers are checked by tax_numbers.py, whose messages say which part is wrong; the stored
form is compact (no spaces, upper case). Province and city come from portal.forms.regions.
Each kind has one sensitive value kept under its own consent (sensitive.py): the corporate
form's bank account (bank.py says what is accepted), with the separate consent box
``consent_bank_account`` and, when editing, ``remove_bank_account``; the personal form's
optional resident ID number, with ``consent_resident_id`` and ``remove_resident_id``.
"""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, StringField, ValidationError

from portal.forms import PortalForm
from portal.forms.base import lazy_message as _l
from portal.forms.fields import (
    email_field,
    name_field,
    postal_code_field,
    street_address_field,
    text_field,
)
from portal.forms.regions import RegionMixin
from portal.profile.invoices import bank, resident_ids, tax_numbers
from portal.profile.invoices.sensitive import SensitiveField
from portal.profile.invoices.services import CORPORATE_FIELDS, PERSONAL_FIELDS, SensitiveChange


class _InvoiceForm(RegionMixin, PortalForm):
    FIELDS: tuple[str, ...] = ()
    SENSITIVE: SensitiveField

    postal_code = postal_code_field()
    invoicing_address = street_address_field(_l("Invoicing address"))
    invoice_email = email_field(
        _l("Invoice email"), required=_l("Enter the address we send the invoices to.")
    )
    # tax_number: each kind declares its own (a credit code, or a resident ID number).

    @classmethod
    def for_invoice(cls, invoice: Any) -> Any:
        """The form filled with saved invoice details (never the sensitive value)."""
        return cls(data={name: getattr(invoice, name) for name in cls.FIELDS})

    def invoice_data(self) -> dict[str, str]:
        """The validated values under the model's field names, ready for the services."""
        return {name: self[name].data or "" for name in self.FIELDS}

    def sensitive_value(self) -> str | None:
        """The new sensitive value, normalized; ``None`` when its box was left empty."""
        raise NotImplementedError

    def sensitive_change(self) -> SensitiveChange:
        """What the form asks of the sensitive value, for the services."""
        return SensitiveChange(
            value=self.sensitive_value(),
            remove=bool(self[self.SENSITIVE.remove_box].data),
            consent=bool(self[self.SENSITIVE.consent_box].data),
        )

    def flag_missing_consent(self) -> None:
        """Put the consent error beside the consent box."""
        self[self.SENSITIVE.consent_box].errors = [str(self.SENSITIVE.consent_needed)]


class CorporateInvoiceForm(_InvoiceForm):
    """A company's invoice details; the tax number is its unified social credit code."""

    FIELDS = CORPORATE_FIELDS
    SENSITIVE = bank.FIELD

    company_name = text_field(
        _l("Company name"),
        required=_l("Enter the company's name as on its business licence."),
        max_length=100,
    )
    tax_number = text_field(
        _l("Unified social credit code"),
        required=_l("Enter the company's 18-character unified social credit code."),
    )
    # Not optional=True: Optional() would stop validate_bank_name, which needs the name with
    # an account.
    bank_name = text_field(_l("Bank name (optional)"), max_length=100)
    bank_account = text_field(_l("Bank account number (optional)"))
    consent_bank_account = BooleanField(
        _l(
            "I consent to Xometry (Shanghai) Technology Co., Ltd. storing this bank account "
            "number to issue special VAT invoices to my company. It is stored encrypted and shown "
            "only as its last four digits. I can withdraw this consent at any time on the page "
            "Invoice information, which erases every bank account number I saved."
        )
    )
    remove_bank_account = BooleanField(_l("Remove the saved bank account number"))

    def validate_tax_number(self, field: StringField) -> None:
        try:
            field.data = tax_numbers.check_credit_code(field.data or "")
        except tax_numbers.TaxNumberError as error:
            raise ValidationError(str(error)) from None

    def validate_bank_account(self, field: StringField) -> None:
        if not field.data:
            return
        if self.remove_bank_account.data:
            raise ValidationError(
                _l("Either type a new account number or remove the saved one, not both.")
            )
        digits = bank.normalize(field.data)
        if not bank.is_valid(digits):
            raise ValidationError(
                _l(
                    "Enter the account number in digits only, 8 to 30 of them "
                    "(spaces are fine); most Chinese bank accounts have 16 to 19."
                )
            )

    def validate_bank_name(self, field: StringField) -> None:
        if self.bank_account.data and not field.data:
            raise ValidationError(
                _l("Enter the name of the bank too: a special VAT invoice shows both.")
            )

    def sensitive_value(self) -> str | None:
        """The new account, normalized; ``None`` when the field was left empty."""
        return bank.normalize(self.bank_account.data) if self.bank_account.data else None


class PersonalInvoiceForm(_InvoiceForm):
    """A person's invoice details; the tax number is their resident ID number, optional."""

    FIELDS = PERSONAL_FIELDS
    SENSITIVE = resident_ids.FIELD

    name = name_field(required=_l("Enter your name as on your ID card."))
    tax_number = text_field(_l("Resident ID number (optional)"))
    consent_resident_id = BooleanField(
        _l(
            "I consent to Xometry (Shanghai) Technology Co., Ltd. storing my resident ID number "
            "to issue personal VAT invoices bearing it at my request. The number identifies me, "
            "and its disclosure could harm me: it is stored encrypted and shown only in part. I "
            "can withdraw this consent at any time on the page Invoice information; the number "
            "is then erased and invoices are issued without it."
        )
    )
    remove_resident_id = BooleanField(_l("Remove the saved resident ID number"))

    def validate_tax_number(self, field: StringField) -> None:
        if not field.data:
            return
        if self.remove_resident_id.data:
            raise ValidationError(
                _l("Either type a new ID number or remove the saved one, not both.")
            )
        try:
            field.data = tax_numbers.check_resident_id(field.data)
        except tax_numbers.TaxNumberError as error:
            raise ValidationError(str(error)) from None

    def sensitive_value(self) -> str | None:
        """The new number, compact (validated already); ``None`` when left empty."""
        return self.tax_number.data or None
