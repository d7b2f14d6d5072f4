"""The rules of a user's invoice information (policy 1.5), and the only code that writes it.

- A user keeps at most :data:`MAX_INVOICES` corporate and as many personal invoice details.
- Every change writes audit rows naming the fields, never their values
  (``record="corporate_invoice:<id>"`` / ``"personal_invoice:<id>"``), in its transaction.
- A corporate invoice's bank account follows bank.py: saved encrypted, and only under the
  user's standing separate consent, which the same transaction grants (ledger row first) when
  the user ticks the box; otherwise :class:`ConsentNeeded` and nothing is saved.

Changes that depend on the user's other rows (the count, the consent) first lock the user's
row (:func:`portal.accounts.services.lock_user`), so two tabs cannot both add the tenth invoice,
and a withdrawal of the consent cannot interleave with a save that relies on it. Each service commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.models import User
from portal.accounts.services import lock_user
from portal.crypto import DataKeys
from portal.db import utcnow, valid_id
from portal.profile.audit import ADDED, REMOVED, audit_changes, audit_record
from portal.profile.invoices import bank
from portal.profile.models import CorporateInvoice, PersonalInvoice

Invoice = CorporateInvoice | PersonalInvoice

#: The fields the user types (DESIGN.md's form field names); the bank account is apart.
CORPORATE_FIELDS = (
    "company_name",
    "tax_number",
    "province",
    "city",
    "invoicing_address",
    "postal_code",
    "bank_name",
    "invoice_email",
)
PERSONAL_FIELDS = (
    "name",
    "tax_number",
    "province",
    "city",
    "invoicing_address",
    "postal_code",
    "invoice_email",
)
MAX_INVOICES = 10


class InvoiceListFull(Exception):
    """The user already has :data:`MAX_INVOICES` invoice details of this kind."""


class ConsentNeeded(Exception):
    """A bank account was given without the user's separate consent: nothing was saved."""


@dataclass(frozen=True, slots=True)
class BankAccountChange:
    """What a corporate form asks of the bank account.

    ``digits``: a new account (normalized), or ``None`` to keep the saved one; ``remove``: erase
    the saved one; ``consent``: the ``consent_bank_account`` box was ticked.
    """

    digits: str | None = None
    remove: bool = False
    consent: bool = False


@dataclass(frozen=True, slots=True)
class Channel:
    """Where a consent was given, for the ledger: language, channel, the policy version in force."""

    language: str
    channel: str = "website"
    policy_version: str | None = None


def record_name(invoice: Invoice) -> str:
    kind = "corporate_invoice" if isinstance(invoice, CorporateInvoice) else "personal_invoice"
    return f"{kind}:{invoice.id}"


def fields_of(model: type[Invoice]) -> tuple[str, ...]:
    return CORPORATE_FIELDS if model is CorporateInvoice else PERSONAL_FIELDS


async def list_invoices(*, session: AsyncSession, user: User, model: type[Invoice]) -> list[Any]:
    """The user's invoice details of one kind, the newest first."""
    rows = await session.execute(
        select(model).where(model.user_id == user.id).order_by(model.id.desc())  # type: ignore[union-attr,attr-defined]
    )
    return list(rows.scalars())


async def get_invoice(
    *, session: AsyncSession, user: User, model: type[Invoice], invoice_id: int
) -> Any:
    """The user's invoice ``invoice_id`` of this kind; ``None`` if missing or another user's."""
    if not valid_id(invoice_id):
        return None
    found = await session.execute(
        select(model)
        .where(model.id == invoice_id, model.user_id == user.id)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    )
    return found.scalar_one_or_none()


async def _ensure_consent(
    session: AsyncSession, user: User, change: BankAccountChange, channel: Channel
) -> None:
    """Before a new account is written: the consent stands, or the ticked box grants it now
    (the ledger row is flushed first, in the same transaction); else :class:`ConsentNeeded`."""
    if change.digits is None or await bank.has_consent(session, user_id=user.id):  # type: ignore[arg-type]
        return
    if not change.consent:
        raise ConsentNeeded
    bank.grant(
        session,
        user_id=user.id,  # type: ignore[arg-type]
        language=channel.language,
        channel=channel.channel,
        policy_version=channel.policy_version,
    )
    await session.flush()


async def _apply_bank_account(
    invoice: CorporateInvoice, change: BankAccountChange, data_keys: DataKeys
) -> bool:
    """Set or erase the invoice's bank account (consent checked already); True if it changed."""
    if change.digits is not None:
        invoice.bank_account = await bank.encrypt(data_keys, invoice, change.digits)
        return True
    if change.remove and invoice.bank_account is not None:
        invoice.bank_account = None
        return True
    return False


async def add_invoice(
    *,
    session: AsyncSession,
    user: User,
    model: type[Invoice],
    data: Mapping[str, Any],
    bank_account: BankAccountChange | None = None,
    data_keys: DataKeys | None = None,
    channel: Channel | None = None,
) -> Invoice:
    """Save new invoice details of kind ``model`` from validated ``data``; commits.

    Raises :class:`InvoiceListFull` or :class:`ConsentNeeded`, saving nothing.
    """
    await lock_user(session, user)
    count = await session.scalar(
        select(func.count()).select_from(model).where(model.user_id == user.id)  # type: ignore[arg-type]
    )
    if (count or 0) >= MAX_INVOICES:
        await session.rollback()
        raise InvoiceListFull
    with_account = model is CorporateInvoice and bank_account is not None and bank_account.digits
    if with_account:
        if bank_account is None or data_keys is None or channel is None:
            raise ValueError("a bank account needs data_keys and a channel")
        try:
            await _ensure_consent(session, user, bank_account, channel)
        except ConsentNeeded:
            await session.rollback()
            raise
    fields = fields_of(model)
    values = {name: data.get(name) or "" for name in fields}
    now = utcnow()
    invoice = model(user_id=user.id, created_at=now, updated_at=now, **values)  # type: ignore[arg-type]
    session.add(invoice)
    await session.flush()  # the id: the audit rows and the bank account's context name it
    added = [name for name in fields if values[name]]
    if with_account:
        await _apply_bank_account(invoice, bank_account, data_keys)  # type: ignore[arg-type]
        added.append(bank.PURPOSE)
    audit_record(
        session,
        user_id=user.id,
        record=record_name(invoice),
        fields=added,
        action=ADDED,  # type: ignore[arg-type]
    )
    await session.commit()
    return invoice


async def update_invoice(
    *,
    session: AsyncSession,
    user: User,
    model: type[Invoice],
    invoice_id: int,
    data: Mapping[str, Any],
    bank_account: BankAccountChange | None = None,
    data_keys: DataKeys | None = None,
    channel: Channel | None = None,
) -> Invoice | None:
    """Save the user's changes; commits. ``None`` if the invoice is not the user's.

    Only changed fields get an audit row; a bank account left empty is kept as it is. Raises
    :class:`ConsentNeeded` (saving nothing) for a new bank account without consent.
    """
    await lock_user(session, user)
    invoice = await get_invoice(session=session, user=user, model=model, invoice_id=invoice_id)
    if invoice is None:
        await session.rollback()
        return None
    fields = fields_of(model)
    values = {name: data.get(name) or "" for name in fields}
    before = {name: getattr(invoice, name) for name in fields}
    had_account = invoice.bank_account if isinstance(invoice, CorporateInvoice) else None
    bank_changed = False
    if isinstance(invoice, CorporateInvoice) and bank_account is not None:
        if data_keys is None or channel is None:
            raise ValueError("a bank account needs data_keys and a channel")
        try:
            await _ensure_consent(session, user, bank_account, channel)
        except ConsentNeeded:
            await session.rollback()
            raise
        bank_changed = await _apply_bank_account(invoice, bank_account, data_keys)
    changed = audit_changes(
        session,
        user_id=user.id,
        record=record_name(invoice),
        before=before,
        after=values,  # type: ignore[arg-type]
    )
    if bank_changed:
        # Never compare ciphertexts as values: a new account is "changed", an erased one
        # "removed", a first one "added".
        action = REMOVED if invoice.bank_account is None else ("changed" if had_account else ADDED)
        audit_record(
            session,
            user_id=user.id,  # type: ignore[arg-type]
            record=record_name(invoice),
            fields=[bank.PURPOSE],
            action=action,
        )
    if not changed and not bank_changed:
        await session.commit()  # nothing to save; ends the transaction and its lock
        return invoice
    for name in changed:
        setattr(invoice, name, values[name])
    invoice.updated_at = utcnow()
    session.add(invoice)
    await session.commit()
    return invoice


async def delete_invoice(
    *, session: AsyncSession, user: User, model: type[Invoice], invoice_id: int
) -> bool:
    """Delete one of the user's invoice details (the bank account with it); commits.

    False if it is not the user's.
    """
    invoice = await get_invoice(session=session, user=user, model=model, invoice_id=invoice_id)
    if invoice is None:
        return False
    fields = [name for name in fields_of(model) if getattr(invoice, name)]
    if isinstance(invoice, CorporateInvoice) and invoice.bank_account:
        fields.append(bank.PURPOSE)
    audit_record(
        session,
        user_id=user.id,
        record=record_name(invoice),
        fields=fields,
        action=REMOVED,  # type: ignore[arg-type]
    )
    await session.delete(invoice)
    await session.commit()
    return True


async def withdraw_bank_account_consent(
    *, session: AsyncSession, user: User, channel: Channel
) -> int:
    """Withdraw the bank-account consent and erase every saved bank account (bank.py); commits.

    Returns how many accounts were erased.
    """
    await lock_user(session, user)
    return await bank.withdraw_consent(
        session,
        user=user,
        language=channel.language,
        channel=channel.channel,
        policy_version=channel.policy_version,
    )


async def bank_account_consent(*, session: AsyncSession, user: User) -> bool:
    """Whether the user's separate consent to storing a bank account stands."""
    return await bank.has_consent(session, user_id=user.id)  # type: ignore[arg-type]
