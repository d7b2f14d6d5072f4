"""The resident ID number of a personal invoice: sensitive personal information.

GB/T 35273 Annex B lists identity card numbers as sensitive, and the number names a person,
their date of birth and their county. A Chinese personal e-invoice can be issued without it, so
it is optional; when given it follows sensitive.py as :data:`FIELD` (its own separate consent,
ledger row first; encrypted under the user's data key, bound to
``users/<user>/personal_invoices/<invoice>/tax_number``; erased when the consent is withdrawn)
and is never shown in full after saving, only as ``1101**********1234``
(:func:`portal.profile.invoices.tax_numbers.mask_resident_id`).

tax_numbers.py checks the number; the form keeps its field name ``tax_number`` (the inventory's
key: for a personal invoice the tax number is the resident ID number).
"""

from __future__ import annotations

from portal.crypto import DataKeys
from portal.i18n import lazy_gettext as _l
from portal.privacy import purposes
from portal.profile.invoices.sensitive import SensitiveField
from portal.profile.invoices.tax_numbers import mask_resident_id
from portal.profile.models import PersonalInvoice

#: The ledger's purpose for this consent (DESIGN.md: its checkbox is ``consent_resident_id``).
PURPOSE = purposes.RESIDENT_ID
CONSENT_NEEDED = _l(
    "We can save a resident ID number only with your separate consent: tick the box to give "
    "it, or leave the number empty (we can issue a personal invoice without it)."
)
FIELD = SensitiveField(
    purpose=PURPOSE,
    model=PersonalInvoice,
    column="tax_number",
    record="personal_invoice",
    audit_field="tax_number",
    consent_needed=CONSENT_NEEDED,
)


async def masked(data_keys: DataKeys, invoice: PersonalInvoice) -> str | None:
    """``1101**********1234``; ``None`` when none is stored or it cannot be read (then the
    page says it is unavailable)."""
    number = await FIELD.decrypt(data_keys, invoice)
    return mask_resident_id(number) if number else None
