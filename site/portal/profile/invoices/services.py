"""The rules of a user's invoice information (policy 1.5), and the only code that writes it.

- A user keeps at most :data:`MAX_INVOICES` corporate and as many personal invoice details.
- Every change writes audit rows naming the fields, never their values
  (``record="corporate_invoice:<id>"`` / ``"personal_invoice:<id>"``), in its transaction.
- The sensitive value of each kind (a corporate invoice's bank account, bank.py; a personal
  invoice's resident ID number, resident_ids.py) follows sensitive.py: saved encrypted, and only
  under the user's standing separate consent, which the same transaction grants (ledger row
  first) when the user ticks the box; otherwise :class:`ConsentNeeded` and nothing is saved.

Changes that depend on the user's other rows (the count, the consent) first lock the user's
row (:func:`portal.accounts.services.lock_user`), so two tabs cannot both add the tenth invoice,
and a withdrawal of the consent cannot interleave with a save that relies on it. Each service commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts.models import User
from portal.accounts.services import lock_user
from portal.crypto import DataKeys
from portal.db import saved_id, utcnow, valid_id
from portal.profile.audit import ADDED, REMOVED, audit_changes, audit_record
from portal.profile.invoices import bank, resident_ids
from portal.profile.invoices.sensitive import SensitiveField
from portal.profile.models import CorporateInvoice, PersonalInvoice

Invoice = CorporateInvoice | PersonalInvoice

#: The fields the user types (DESIGN.md's form field names); the sensitive value is apart.
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
    """A sensitive value was given without the user's separate consent: nothing was saved."""


@dataclass(frozen=True, slots=True)
class SensitiveChange:
    """What a form asks of its sensitive value (the bank account, the resident ID number).

    ``value``: a new one (normalized), or ``None`` to keep the saved one; ``remove``: erase the
    saved one; ``consent``: the box ``consent_<purpose>`` was ticked.
    """

    value: str | None = None
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


def sensitive_field(model: type[Invoice]) -> SensitiveField:
    """The sensitive value of this kind of invoice details, kept under its own consent."""
    return bank.FIELD if model is CorporateInvoice else resident_ids.FIELD


async def list_invoices(*, session: AsyncSession, user: User, model: type[Invoice]) -> list[Any]:
    """The user's invoice details of one kind, the newest first."""
    rows = await session.execute(
        select(model).where(col(model.user_id) == user.id).order_by(col(model.id).desc())
    )
    return list(rows.scalars())


async def get_invoice(
    *, session: AsyncSession, user: User, model: type[Invoice], invoice_id: int
) -> Invoice | None:
    """The user's invoice ``invoice_id`` of this kind; ``None`` if missing or another user's."""
    if not valid_id(invoice_id):
        return None
    found = await session.execute(
        select(model)
        .where(col(model.id) == invoice_id, col(model.user_id) == user.id)
        .execution_options(populate_existing=True)
    )
    # select() of a type[A | B] types its rows as their common base, SQLModel: they are a `model`.
    return cast("Invoice | None", found.scalar_one_or_none())


async def _ensure_consent(
    session: AsyncSession,
    user: User,
    field: SensitiveField,
    change: SensitiveChange,
    channel: Channel,
) -> None:
    """Before a new value is written: the consent stands, or the ticked box grants it now (the
    ledger row is flushed first, in the same transaction); else :class:`ConsentNeeded`."""
    if change.value is None or await field.has_consent(session, user_id=saved_id(user)):
        return
    if not change.consent:
        raise ConsentNeeded
    field.grant(
        session,
        user_id=saved_id(user),
        language=channel.language,
        channel=channel.channel,
        policy_version=channel.policy_version,
    )
    await session.flush()


async def _apply_sensitive(
    invoice: Invoice, field: SensitiveField, change: SensitiveChange, data_keys: DataKeys
) -> bool:
    """Set or erase the invoice's sensitive value (consent checked already); True if changed."""
    if change.value is not None:
        setattr(invoice, field.column, await field.encrypt(data_keys, invoice, change.value))
        return True
    if change.remove and field.stored(invoice) is not None:
        setattr(invoice, field.column, None)
        return True
    return False


async def add_invoice(
    *,
    session: AsyncSession,
    user: User,
    model: type[Invoice],
    data: Mapping[str, Any],
    sensitive: SensitiveChange | None = None,
    data_keys: DataKeys | None = None,
    channel: Channel | None = None,
) -> Invoice:
    """Save new invoice details of kind ``model`` from validated ``data``; commits.

    ``sensitive`` carries the kind's sensitive value (:func:`sensitive_field`), if any. Raises
    :class:`InvoiceListFull` or :class:`ConsentNeeded`, saving nothing.
    """
    await lock_user(session, user)
    count = await session.scalar(
        select(func.count()).select_from(model).where(col(model.user_id) == user.id)
    )
    if (count or 0) >= MAX_INVOICES:
        await session.rollback()
        raise InvoiceListFull
    field = sensitive_field(model)
    with_value = sensitive is not None and sensitive.value is not None
    if with_value:
        if sensitive is None or data_keys is None or channel is None:
            raise ValueError("a sensitive value needs data_keys and a channel")
        try:
            await _ensure_consent(session, user, field, sensitive, channel)
        except ConsentNeeded:
            await session.rollback()
            raise
    fields = fields_of(model)
    values: dict[str, Any] = {name: data.get(name) or "" for name in fields}
    now = utcnow()
    invoice = model(user_id=saved_id(user), created_at=now, updated_at=now, **values)
    session.add(invoice)
    await session.flush()  # the id: the audit rows and the ciphertext's context name it
    added = [name for name in fields if values[name]]
    if with_value:
        # with_value: both were checked above
        assert sensitive is not None
        assert data_keys is not None
        await _apply_sensitive(invoice, field, sensitive, data_keys)
        added.append(field.audit_field)
    audit_record(
        session,
        user_id=saved_id(user),
        record=record_name(invoice),
        fields=added,
        action=ADDED,
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
    sensitive: SensitiveChange | None = None,
    data_keys: DataKeys | None = None,
    channel: Channel | None = None,
) -> Invoice | None:
    """Save the user's changes; commits. ``None`` if the invoice is not the user's.

    Only changed fields get an audit row; a sensitive value left empty is kept as it is. Raises
    :class:`ConsentNeeded` (saving nothing) for a new sensitive value without consent.
    """
    await lock_user(session, user)
    invoice = await get_invoice(session=session, user=user, model=model, invoice_id=invoice_id)
    if invoice is None:
        await session.rollback()
        return None
    fields = fields_of(model)
    values = {name: data.get(name) or "" for name in fields}
    before = {name: getattr(invoice, name) for name in fields}
    field = sensitive_field(model)
    had_value = field.stored(invoice) is not None
    sensitive_changed = False
    if sensitive is not None:
        if data_keys is None or channel is None:
            raise ValueError("a sensitive value needs data_keys and a channel")
        try:
            await _ensure_consent(session, user, field, sensitive, channel)
        except ConsentNeeded:
            await session.rollback()
            raise
        sensitive_changed = await _apply_sensitive(invoice, field, sensitive, data_keys)
    changed = audit_changes(
        session,
        user_id=saved_id(user),
        record=record_name(invoice),
        before=before,
        after=values,
    )
    if sensitive_changed:
        # Never compare ciphertexts as values: a new value is "changed", an erased one
        # "removed", a first one "added".
        erased = field.stored(invoice) is None
        action = REMOVED if erased else ("changed" if had_value else ADDED)
        audit_record(
            session,
            user_id=saved_id(user),
            record=record_name(invoice),
            fields=[field.audit_field],
            action=action,
        )
    if not changed and not sensitive_changed:
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
    """Delete one of the user's invoice details (its sensitive value with it); commits.

    False if it is not the user's.
    """
    invoice = await get_invoice(session=session, user=user, model=model, invoice_id=invoice_id)
    if invoice is None:
        return False
    fields = [name for name in fields_of(model) if getattr(invoice, name)]
    field = sensitive_field(model)
    if field.stored(invoice) is not None:
        fields.append(field.audit_field)
    audit_record(
        session,
        user_id=saved_id(user),
        record=record_name(invoice),
        fields=fields,
        action=REMOVED,
    )
    await session.delete(invoice)
    await session.commit()
    return True


async def withdraw_consent(
    *, session: AsyncSession, user: User, field: SensitiveField, channel: Channel
) -> int:
    """Withdraw the consent to ``field`` and erase every value of it the user saved
    (sensitive.py); commits. Returns how many values were erased."""
    await lock_user(session, user)
    return await field.withdraw_consent(
        session,
        user=user,
        language=channel.language,
        channel=channel.channel,
        policy_version=channel.policy_version,
    )


async def has_consent(*, session: AsyncSession, user: User, field: SensitiveField) -> bool:
    """Whether the user's separate consent to storing ``field`` stands."""
    return await field.has_consent(session, user_id=saved_id(user))
