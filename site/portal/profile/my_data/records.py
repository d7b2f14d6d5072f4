"""The user's rows, read once (``fetch``), and the parts of the page made of them.

Every query filters on the user's id, so nothing of another user can reach the page. Mails are
found by account, never by address (see ``fetch``).

``fetch(..., whole=True)`` is the user's own copy (portal.profile.export): every event of the
history (and every audit row as stored), every mail, and the bank account and resident ID number
decrypted whole. Otherwise the history is one page of events (``history_page``, events.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import i18n
from portal.accounts.models import LoginSession, PasswordResetToken, User
from portal.crypto import DataKeys
from portal.drawings.models import Drawing
from portal.i18n import lazy_gettext as _l
from portal.mail.models import OutboxMessage
from portal.policy.model import Inventory, Scenario
from portal.privacy.models import ConsentRecord, PolicyAnnouncement
from portal.profile.audit import audit_trail
from portal.profile.invoices import bank, resident_ids
from portal.profile.models import (
    AuditEntry,
    CorporateInvoice,
    EmailChange,
    EmailSubscription,
    PersonalInvoice,
    ShippingAddress,
)
from portal.profile.my_data import formatting as fmt
from portal.profile.my_data.events import EventPage, event_page
from portal.profile.my_data.formatting import phone
from portal.profile.my_data.layout import Cards, Column, Table, card_part, column, table_part
from portal.profile.my_data.model import Part
from portal.profile.my_data.quote_requests import quotes_table
from portal.quotes.models import QuoteRequest
from portal.quotes.rates import Pricing
from portal.rights.models import Disclosure, PrivacyRequest, RequestEvent

NEWEST = 50  # mails shown


@dataclass
class Held:
    """Every row of the user's, as read from the database."""

    drawings: list[Drawing] = field(default_factory=list)
    quotes: list[QuoteRequest] = field(default_factory=list)
    privacy_requests: list[PrivacyRequest] = field(default_factory=list)
    privacy_request_events: list[RequestEvent] = field(default_factory=list)
    disclosures: list[Disclosure] = field(default_factory=list)
    pricing: Pricing | None = None  # the names of processes and materials, when known
    addresses: list[ShippingAddress] = field(default_factory=list)
    corporate: list[CorporateInvoice] = field(default_factory=list)
    bank_accounts: dict[int, str | None] = field(default_factory=dict)  # id -> shown text
    personal: list[PersonalInvoice] = field(default_factory=list)
    resident_ids: dict[int, str | None] = field(default_factory=dict)  # id -> shown text
    subscriptions: list[EmailSubscription] = field(default_factory=list)
    sessions: list[LoginSession] = field(default_factory=list)
    reset_links: list[PasswordResetToken] = field(default_factory=list)
    email_change: EmailChange | None = None  # a new login address waiting for its link
    consents: list[ConsentRecord] = field(default_factory=list)
    announcements: list[PolicyAnnouncement] = field(default_factory=list)
    events: EventPage = field(default_factory=lambda: EventPage((), 1, 1, 0))  # a page of them
    audit: list[AuditEntry] = field(default_factory=list)  # every row, in the user's copy only
    mails: list[OutboxMessage] = field(default_factory=list)
    mails_total: int = 0
    #: "shipping_address:12" -> "Address 1 (default)": how the page names each record
    titles: dict[str, str] = field(default_factory=dict)
    inventory: Inventory | None = None  # for the labels of the change history
    whole: bool = False  # every row, sensitive values unmasked: the user's own copy


async def fetch(
    session: AsyncSession,
    *,
    user: User,
    data_keys: DataKeys,
    whole: bool = False,
    history_page: int = 1,
) -> Held:
    """Read every row the user owns (page ``history_page`` of the history's events and the
    newest :data:`NEWEST` mails, unless ``whole``); sensitive values masked, or decrypted whole
    when ``whole``."""
    assert user.id is not None
    uid = user.id
    newest = None if whole else NEWEST

    async def rows(model: Any, order: Any, owner: Any = None) -> list[Any]:
        owner = model.user_id if owner is None else owner
        result = await session.execute(select(model).where(owner == uid).order_by(*order))
        return list(result.scalars())

    held = Held(
        drawings=await rows(Drawing, (col(Drawing.created_at), col(Drawing.filename))),
        quotes=await rows(QuoteRequest, (col(QuoteRequest.created_at), col(QuoteRequest.id))),
        addresses=await rows(
            ShippingAddress, (col(ShippingAddress.is_default).desc(), col(ShippingAddress.id))
        ),
        corporate=await rows(CorporateInvoice, (col(CorporateInvoice.id),)),
        personal=await rows(PersonalInvoice, (col(PersonalInvoice.id),)),
        subscriptions=await rows(EmailSubscription, (col(EmailSubscription.id),)),
        sessions=await rows(
            LoginSession, (col(LoginSession.last_used_at).desc(), col(LoginSession.id).desc())
        ),
        reset_links=await rows(PasswordResetToken, (col(PasswordResetToken.created_at).desc(),)),
        email_change=next(iter(await rows(EmailChange, (col(EmailChange.id),))), None),
        consents=await rows(
            ConsentRecord, (col(ConsentRecord.occurred_at).desc(), col(ConsentRecord.id).desc())
        ),
        announcements=await rows(PolicyAnnouncement, (col(PolicyAnnouncement.queued_at).desc(),)),
        events=await event_page(session, user_id=uid, page=None if whole else history_page),
        audit=await audit_trail(session, user_id=uid, limit=None) if whole else [],
        whole=whole,
        privacy_requests=await rows(
            PrivacyRequest, (col(PrivacyRequest.filed_at), col(PrivacyRequest.id))
        ),
        disclosures=await rows(Disclosure, (col(Disclosure.disclosed_at), col(Disclosure.id))),
    )
    request_ids = [row.id for row in held.privacy_requests]
    if request_ids:
        events = await session.execute(
            select(RequestEvent)
            .where(col(RequestEvent.request_id).in_(request_ids))
            .order_by(col(RequestEvent.at), col(RequestEvent.id))
        )
        held.privacy_request_events = list(events.scalars())
    # By account, never by address: an invoice email is typed, not verified, and must not show
    # anyone the mails of the account whose address they typed.
    mine = col(OutboxMessage.user_id) == uid
    result = await session.execute(
        select(OutboxMessage)
        .where(mine)
        .order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
        .limit(newest)
    )
    held.mails = list(result.scalars())
    held.mails_total = await _count(session, select(func.count()).where(mine))
    for invoice in held.corporate:
        held.bank_accounts[invoice.id or 0] = await _bank_account(data_keys, invoice, whole)
    for personal in held.personal:
        held.resident_ids[personal.id or 0] = await _resident_id(data_keys, personal, whole)
    held.titles = _titles(held)
    return held


def _titles(held: Held) -> dict[str, str]:
    titles = {}
    for number, address in enumerate(held.addresses, 1):
        title = i18n.gettext("Address %(number)s", number=number)
        if address.is_default:
            title = i18n.gettext("%(title)s (default)", title=title)
        titles[f"shipping_address:{address.id}"] = title
    for number, corporate in enumerate(held.corporate, 1):
        titles[f"corporate_invoice:{corporate.id}"] = i18n.gettext(
            "Corporate invoice %(number)s", number=number
        )
    for number, personal in enumerate(held.personal, 1):
        titles[f"personal_invoice:{personal.id}"] = i18n.gettext(
            "Personal invoice %(number)s", number=number
        )
    return titles


async def _count(session: AsyncSession, query: Any) -> int:
    return int((await session.execute(query)).scalar_one())


async def _bank_account(data_keys: DataKeys, invoice: CorporateInvoice, whole: bool) -> str | None:
    """``•••• •••• 1234`` as the invoices page shows it (the whole number when ``whole``);
    ``None`` when none is stored."""
    if not invoice.bank_account:
        return None
    if whole:
        shown = await bank.FIELD.decrypt(data_keys, invoice)
    else:
        ending = await bank.last_four(data_keys, invoice)  # decrypted only to take four digits
        shown = bank.masked(ending) if ending else None
    return shown or i18n.gettext("stored encrypted; cannot be shown right now")


async def _resident_id(data_keys: DataKeys, invoice: PersonalInvoice, whole: bool) -> str | None:
    """``1101**********1234`` as the invoices page shows it (the whole number when ``whole``);
    ``None`` when none is stored."""
    if not invoice.tax_number:
        return None
    if whole:
        shown = await resident_ids.FIELD.decrypt(data_keys, invoice)
    else:
        shown = await resident_ids.masked(data_keys, invoice)  # decrypted only to be masked
    return shown or i18n.gettext("stored encrypted; cannot be shown right now")


# Where an invoice goes: the same four values on both kinds of invoice.
_INVOICING_PLACE = (
    column("province", how=fmt.province_name),
    column("city", how=fmt.city_name),
    column("invoicing_address"),
    column("postal_code"),
)

_ADDRESSES = Cards(
    "shipping_addresses",
    record="shipping_address",
    edit="/account/addresses/{id}/edit",
    columns=(
        column("organization_name"),
        column("recipient_name"),
        column("shipping_address", also=("is_default",)),
        column("phone", how=phone),
        column("province", how=fmt.province_name),
        column("city", how=fmt.city_name),
        column("postal_code"),
    ),
    empty=_l("You have not saved a shipping address."),
    link=("/account/addresses", _l("Shipping addresses")),
)


def _personal(held: Held) -> Cards:
    """The resident ID number comes from ``held``: :func:`fetch` decrypted and masked it."""
    number = Column(
        "tax_number",
        lambda invoice: held.resident_ids.get(invoice.id or 0),
        ("tax_number",),
        masked=not held.whole,
    )
    return Cards(
        "personal_invoices",
        record="personal_invoice",
        edit="/account/invoices/personal/{id}/edit",
        columns=(column("name"), number, *_INVOICING_PLACE, column("invoice_email")),
        empty=_l("You have not saved personal invoice information."),
        link=("/account/invoices", _l("Invoice information")),
    )


def _corporate(held: Held) -> Cards:
    """The bank account comes from ``held``: :func:`fetch` decrypted and masked it already."""
    account = Column(
        "bank_account",
        lambda invoice: held.bank_accounts.get(invoice.id or 0),
        ("bank_account",),
        masked=not held.whole,
    )
    return Cards(
        "corporate_invoices",
        record="corporate_invoice",
        edit="/account/invoices/corporate/{id}/edit",
        columns=(
            column("company_name"),
            column("tax_number"),
            *_INVOICING_PLACE,
            column("bank_name"),
            account,
            column("invoice_email"),
        ),
        empty=_l("You have not saved corporate invoice information."),
        link=("/account/invoices", _l("Invoice information")),
    )


def _subscription_status(row: EmailSubscription) -> str:
    """The topic and where the double opt-in stands, in one value."""
    topic = fmt.topic_name(row.topic) or row.topic
    if row.confirmed_at:
        return i18n.gettext(
            "%(topic)s: confirmed on %(date)s", topic=topic, date=fmt.when(row.confirmed_at)
        )
    return i18n.gettext(
        "%(topic)s: asked on %(date)s, waiting for your confirmation",
        topic=topic,
        date=fmt.when(row.requested_at),
    )


_SUBSCRIPTIONS = Table(
    "email_subscriptions",
    (
        Column(
            "subscription_topics",
            _subscription_status,
            ("topic", "requested_at", "confirmed_at"),
            moment=lambda row: row.confirmed_at or row.requested_at,
        ),
        column("email"),
    ),
    empty=_l("You are not subscribed to any mail."),
    link=("/account/subscriptions", _l("Email subscriptions")),
    recorded="requested_at",
)


def _drawing(row: Drawing) -> str:
    """A drawing as its owner knows it: the name, the size and the day it came."""
    return i18n.gettext(
        "%(name)s (%(size)s), uploaded on %(date)s",
        name=row.filename,
        size=fmt.size(row.size),
        date=fmt.when(row.created_at),
    )


_DRAWINGS = Table(
    "drawings",
    (
        Column(
            "drawings",
            _drawing,
            ("filename", "size", "sha256", "created_at"),
            moment=lambda row: row.created_at,
        ),
    ),
    empty=_l("You have not uploaded any drawings."),
)


# The builders of services._BUILDERS: one part each, from the description above.


def drawings(scenario: Scenario, user: User, held: Held) -> tuple[Part, ...]:
    return (
        table_part(scenario, _DRAWINGS, held.drawings),
        table_part(scenario, quotes_table(held), held.quotes),
    )


def shipping_addresses(scenario: Scenario, user: User, held: Held) -> tuple[Part, ...]:
    return (card_part(scenario, _ADDRESSES, held.addresses, held.titles),)


def corporate_invoices(scenario: Scenario, user: User, held: Held) -> tuple[Part, ...]:
    return (card_part(scenario, _corporate(held), held.corporate, held.titles),)


def personal_invoices(scenario: Scenario, user: User, held: Held) -> tuple[Part, ...]:
    return (card_part(scenario, _personal(held), held.personal, held.titles),)


def subscriptions(scenario: Scenario, user: User, held: Held) -> tuple[Part, ...]:
    return (table_part(scenario, _SUBSCRIPTIONS, held.subscriptions),)
