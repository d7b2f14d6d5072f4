"""Email subscriptions: choose topics, confirm them by mail, unsubscribe, mail a topic's subscribers.

Double opt-in: choosing a topic adds a *pending* ``EmailSubscription`` row (for the account's
address) and queues one confirmation mail naming every pending topic; following its link and
pressing the button confirms them, and only then is the consent recorded (``consent_granted``,
one ledger row per topic, purpose :func:`~portal.profile.subscriptions.topics.purpose_for`).
Unsubscribing deletes the row at once and records ``consent_withdrawn`` for a confirmed topic.
An unverified address may subscribe: the confirmation proves the mailbox for this purpose.

Every change is audited in its own transaction (record ``subscription``, field = the topic).
Ledger channel: ``website`` for choices in the Personal Center, ``email`` for acts done from a
mail's link (confirming, unsubscribing, RFC 8058 one-click).

Mail to a topic's subscribers (with the RFC 8058 headers): ``mailing.queue_topic_mail``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts.models import User
from portal.accounts.services import lock_user
from portal.crypto import address_tag
from portal.db import utcnow
from portal.i18n import LazyString
from portal.mail.mailer import Mailer
from portal.privacy.services import record_consent
from portal.profile.audit import ADDED, CHANGED, REMOVED, audit_record
from portal.profile.models import EmailSubscription
from portal.profile.subscriptions.mailing import mail_locale
from portal.profile.subscriptions.tokens import (
    CONFIRM_DAYS,
    Confirmation,
    Unsubscription,
    confirmation_token,
)
from portal.profile.subscriptions.topics import HINTS, LABELS, TOPICS, field_name, purpose_for

RECORD = "subscription"
#: A topic still waiting for confirmation gets a new mail when the form is saved again, but not
#: sooner than this after the last one: a double click or a quick second save sends one mail.
RESEND_AFTER = timedelta(minutes=5)
WEBSITE = "website"
EMAIL = "email"
_BEIJING = ZoneInfo("Asia/Shanghai")


class NoEmailAddress(Exception):
    """The account has no email address to send subscriptions to (a WeChat-only account)."""


@dataclass(frozen=True)
class TopicState:
    """Where a user stands with one topic, for the pages."""

    topic: str
    label: LazyString
    hint: LazyString | None
    field: str
    pending: bool = False
    since: date | None = None  # the day (Beijing time) the subscription was confirmed

    @property
    def subscribed(self) -> bool:
        return self.since is not None

    @property
    def chosen(self) -> bool:
        """Ticked in the form: subscribed, or waiting for the user's confirmation."""
        return self.pending or self.subscribed


@dataclass(frozen=True)
class Choice:
    """What :func:`choose_topics` changed."""

    requested: tuple[str, ...] = ()  # now pending; a confirmation mail is on its way
    removed: tuple[str, ...] = ()


def _state(topic: str, row: EmailSubscription | None) -> TopicState:
    since = None
    if row is not None and row.confirmed_at is not None:
        since = row.confirmed_at.astimezone(_BEIJING).date()
    return TopicState(
        topic=topic,
        label=LABELS[topic],
        hint=HINTS.get(topic),
        field=field_name(topic),
        pending=row is not None and row.confirmed_at is None,
        since=since,
    )


async def _rows(session: AsyncSession, user_id: int) -> dict[str, EmailSubscription]:
    rows = await session.scalars(
        select(EmailSubscription).where(col(EmailSubscription.user_id) == user_id)
    )
    return {row.topic: row for row in rows}


async def topic_states(
    *, session: AsyncSession, user_id: int, topics: Iterable[str] = TOPICS
) -> list[TopicState]:
    """Each topic (in :data:`TOPICS` order): not subscribed, pending, or subscribed since a day."""
    rows = await _rows(session, user_id)
    wanted = set(topics)
    return [_state(topic, rows.get(topic)) for topic in TOPICS if topic in wanted]


async def _remove(
    session: AsyncSession,
    *,
    user_id: int,
    topics: Iterable[str],
    language: str,
    channel: str,
) -> tuple[str, ...]:
    """Delete the user's rows of ``topics``; withdraw the consent of those that were confirmed.

    One DELETE … RETURNING, so two unsubscribes at once record one withdrawal, not two.
    """
    topics = list(topics)
    if not topics:
        return ()
    deleted = await session.execute(
        delete(EmailSubscription)
        .where(col(EmailSubscription.user_id) == user_id)
        .where(col(EmailSubscription.topic).in_(topics))
        .returning(col(EmailSubscription.topic), col(EmailSubscription.confirmed_at))
    )
    removed = {topic: confirmed for topic, confirmed in deleted}
    for topic in TOPICS:
        if removed.get(topic) is not None:
            record_consent(
                session,
                user_id=user_id,
                purpose=purpose_for(topic),
                granted=False,
                language=language,
                channel=channel,
            )
    gone = tuple(topic for topic in TOPICS if topic in removed)
    audit_record(
        session, user_id=user_id, record=RECORD, fields=gone, action=REMOVED, channel=channel
    )
    return gone


async def unsubscribe_topics(
    *,
    session: AsyncSession,
    user: User,
    topics: Iterable[str],
    language: str,
    channel: str = WEBSITE,
) -> tuple[str, ...]:
    """Unsubscribe the signed-in ``user`` from ``topics`` at once (pending or confirmed), as
    unticking them in the form does; commits. Idempotent: returns the topics removed now.

    The consent-records page withdraws one subscription this way (privacy/withdrawals.py).
    """
    assert user.id is not None
    await lock_user(session, user)
    removed = await _remove(
        session, user_id=user.id, topics=topics, language=language, channel=channel
    )
    await session.commit()
    return removed


async def choose_topics(
    *,
    session: AsyncSession,
    user: User,
    topics: Iterable[str],
    mailer: Mailer,
    language: str,
    channel: str = WEBSITE,
    may_subscribe: bool = True,
) -> Choice:
    """Make ``topics`` the user's subscriptions (the Personal Center's form).

    A topic unticked is unsubscribed at once. A topic newly ticked becomes pending, and one
    confirmation mail (in the user's preferred language) names every pending topic of the
    account's address. Saving again with a topic still pending sends that mail again (a lost
    or expired link), at most once per :data:`RESEND_AFTER`. Raises :class:`NoEmailAddress`
    (having changed nothing) when a topic is asked for without an address. With ``may_subscribe`` false (a material
    policy change awaits the user's decision) nothing is subscribed or confirmed: unticking is
    all the form can do.

    The user's row is locked first, so two saves at once cannot both resend the mail.
    """
    assert user.id is not None
    await lock_user(session, user)
    rows = await _rows(session, user.id)
    wanted = set(topics)
    if not may_subscribe:
        wanted &= set(rows)
    new = [topic for topic in TOPICS if topic in wanted and topic not in rows]
    gone = [topic for topic in TOPICS if topic in rows and topic not in wanted]
    if new and not user.email:
        await session.rollback()  # and with it the lock
        raise NoEmailAddress
    removed = await _remove(
        session, user_id=user.id, topics=gone, language=language, channel=channel
    )
    now = utcnow()
    key = (user.email or "").lower()
    pending = [
        row
        for topic, row in rows.items()
        if topic in wanted and row.confirmed_at is None and row.email.lower() == key
    ]
    resend = (
        may_subscribe
        and bool(pending)
        and all(now - row.requested_at >= RESEND_AFTER for row in pending)
    )
    if new or resend:
        assert user.email is not None
        for topic in new:
            session.add(
                EmailSubscription(user_id=user.id, topic=topic, email=user.email, requested_at=now)
            )
        for row in pending:
            row.requested_at = now
        if new:
            audit_record(
                session, user_id=user.id, record=RECORD, fields=new, action=ADDED, channel=channel
            )
        asked = [topic for topic in TOPICS if topic in new or topic in {r.topic for r in pending}]
        _queue_confirmation(session, mailer, user=user, topics=asked)
    try:
        await session.commit()
    except IntegrityError:  # the same form sent twice at once: the other request saved it
        await session.rollback()
        return Choice()
    requested = new + [row.topic for row in pending] if (new or resend) else []
    return Choice(requested=tuple(t for t in TOPICS if t in requested), removed=removed)


def _queue_confirmation(
    session: AsyncSession, mailer: Mailer, *, user: User, topics: list[str]
) -> None:
    assert user.id is not None
    assert user.email is not None
    token = confirmation_token(mailer.secret_key, user_id=user.id, email=user.email, topics=topics)
    mailer.queue(
        session=session,
        user_id=user.id,
        recipient=user.email,
        template="subscription_confirm",
        locale=mail_locale(user),
        context={
            "name": user.name,
            "topics": [LABELS[topic] for topic in topics],
            "link": mailer.link(f"/subscriptions/confirm?token={token}"),
            "days": CONFIRM_DAYS,
        },
    )


async def confirmation_states(
    *, session: AsyncSession, confirmation: Confirmation
) -> list[TopicState]:
    """The states of the topics a confirmation link names (empty: the account is gone)."""
    if await session.get(User, confirmation.user_id) is None:
        return []
    return await topic_states(
        session=session, user_id=confirmation.user_id, topics=confirmation.topics
    )


async def confirm_topics(
    *, session: AsyncSession, confirmation: Confirmation, language: str, secret_key: str
) -> tuple[str, ...]:
    """Confirm the topics of the link that are still pending for the address it was sent to.

    Records ``consent_granted`` for each; returns the topics confirmed now (empty for a second
    press, or when the user unsubscribed meanwhile). Needs no signed-in user: the signed link
    names the user, and the tag of the address (never the address itself, see
    :func:`portal.crypto.address_tag`) which pending rows must still carry.
    """
    pending = await session.execute(
        select(col(EmailSubscription.id), col(EmailSubscription.email))
        .where(col(EmailSubscription.user_id) == confirmation.user_id)
        .where(col(EmailSubscription.topic).in_(confirmation.topics))
        .where(col(EmailSubscription.confirmed_at).is_(None))
    )
    ids = [
        row_id
        for row_id, email in pending
        if hmac.compare_digest(address_tag(secret_key, email), confirmation.address)
    ]
    confirmed = await session.execute(
        update(EmailSubscription)
        .where(col(EmailSubscription.id).in_(ids))
        .where(col(EmailSubscription.confirmed_at).is_(None))
        .values(confirmed_at=utcnow())
        .returning(col(EmailSubscription.topic))
    )
    done = set(confirmed.scalars())
    topics = tuple(topic for topic in TOPICS if topic in done)
    for topic in topics:
        record_consent(
            session,
            user_id=confirmation.user_id,
            purpose=purpose_for(topic),
            granted=True,
            language=language,
            channel=EMAIL,
        )
    audit_record(
        session,
        user_id=confirmation.user_id,
        record=RECORD,
        fields=topics,
        action=CHANGED,
        channel=EMAIL,
    )
    await session.commit()
    return topics


async def _account(session: AsyncSession, unsubscription: Unsubscription) -> User | None:
    user = await session.get(User, unsubscription.user_id)
    if user is None or int(user.created_at.timestamp()) != unsubscription.created:
        return None  # the account is gone: nothing is sent to it any more
    return user


async def unsubscription_states(
    *, session: AsyncSession, unsubscription: Unsubscription
) -> list[TopicState]:
    """The states of the topics an unsubscribe link names (empty: the account is gone)."""
    if await _account(session, unsubscription) is None:
        return []
    return await topic_states(
        session=session, user_id=unsubscription.user_id, topics=unsubscription.topics
    )


async def unsubscribe(
    *, session: AsyncSession, unsubscription: Unsubscription, language: str
) -> tuple[str, ...]:
    """Unsubscribe from the link's topics (pending or confirmed); idempotent.

    Returns the topics removed now; a second request removes nothing and records nothing.
    """
    if await _account(session, unsubscription) is None:
        return ()
    removed = await _remove(
        session,
        user_id=unsubscription.user_id,
        topics=unsubscription.topics,
        language=language,
        channel=EMAIL,
    )
    await session.commit()
    return removed
