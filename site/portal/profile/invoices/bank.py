"""The bank account of a corporate invoice: sensitive personal information (PIPL art. 28).

It follows sensitive.py (its own separate consent, ledger row first; encrypted under the user's
data key, bound to ``users/<user>/corporate_invoices/<invoice>/bank_account``; erased when the
consent is withdrawn) as :data:`FIELD`, and is never shown in full after saving: only
``•••• •••• 1234`` (:func:`masked`), whatever its length, so the page does not reveal that either.

What we accept: digits only once spaces and hyphens are removed, 8 to 30 of them. Accounts of
Chinese banks are usually 16 to 19 digits (cards) or up to 25 (company settlement accounts); 8
and 30 leave room for smaller banks and foreign accounts without letting a typo of a few digits
through.
"""

from __future__ import annotations

from portal.crypto import DataKeys
from portal.i18n import lazy_gettext as _l
from portal.privacy import purposes
from portal.profile.invoices.sensitive import SensitiveField
from portal.profile.models import CorporateInvoice

#: The ledger's purpose for this consent (DESIGN.md: its checkbox is ``consent_bank_account``).
PURPOSE = purposes.BANK_ACCOUNT
MIN_DIGITS, MAX_DIGITS = 8, 30
CONSENT_NEEDED = _l(
    "We can save a bank account number only with your separate consent: tick the box to give "
    "it, or leave the account number empty."
)
FIELD = SensitiveField(
    purpose=PURPOSE,
    model=CorporateInvoice,
    column="bank_account",
    record="corporate_invoice",
    audit_field="bank_account",
    consent_needed=CONSENT_NEEDED,
)
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_SEPARATORS = " -\u3000\t"


def normalize(value: str) -> str:
    """``"6222 0202-0011 2233 445"`` -> ``"6222020200112233445"``; anything else is kept for
    :func:`is_valid` to refuse."""
    text = value.translate(_FULL_WIDTH_DIGITS)
    return "".join(ch for ch in text if ch not in _SEPARATORS)


def is_valid(digits: str) -> bool:
    """8 to 30 ASCII digits (already :func:`normalize`\\ d)."""
    return digits.isascii() and digits.isdigit() and MIN_DIGITS <= len(digits) <= MAX_DIGITS


def context(user_id: int, invoice_id: int) -> str:
    """Where a ciphertext belongs: ``users/42/corporate_invoices/7/bank_account``."""
    return FIELD.context(user_id, invoice_id)


def masked(last_four: str) -> str:
    """``•••• •••• 1234``: the same shape for every account, whatever its length."""
    return f"•••• •••• {last_four}"


async def encrypt(data_keys: DataKeys, invoice: CorporateInvoice, digits: str) -> str:
    """The ciphertext of ``digits`` for this invoice (creates the user's data key if needed)."""
    return await FIELD.encrypt(data_keys, invoice, digits)


async def last_four(data_keys: DataKeys, invoice: CorporateInvoice) -> str | None:
    """The last four digits of the saved account; ``None`` when there is none or it cannot be
    read (the data key erased, the ciphertext damaged): then the page says it is unavailable."""
    digits = await FIELD.decrypt(data_keys, invoice)
    return digits[-4:] if digits else None
