"""Mail users about a policy version before it takes effect: ``python -m portal policy notify``.

Who is told:

- a **material** version (``material: yes``) goes to every user with an email address: it needs
  their explicit consent, which the site asks for when it takes effect;
- a **non-material** version goes only to users subscribed to policy notices: those whose
  newest ``consent_granted`` / ``consent_withdrawn`` ledger row for the purpose
  ``policy_notices`` is a grant (privacy/services.py). There is no page for that choice yet; the
  email-subscription issue adds it on top of these rows, and this command needs no change.

Users who already have the version (or a later one) on their record, having acknowledged or
consented ahead of time, are not mailed.

Each mail is queued (mail/outbox.py) in the user's preferred language in the same transaction as
a ``policy_announcements`` row; the row's unique ``(user_id, version)`` makes the command
idempotent, even when two runs overlap: a second run sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from portal.accounts.models import User
from portal.db import saved_id
from portal.i18n import DEFAULT_LOCALE, KNOWN_LOCALES
from portal.mail.mailer import Mailer
from portal.policy.library import PolicyLibrary, VersionInfo
from portal.privacy import services
from portal.privacy.models import ConsentRecord, PolicyAnnouncement
from portal.profile.subscriptions.mailing import unsubscribe_headers, unsubscribe_link

BATCH = 200


@dataclass(frozen=True)
class Announcement:
    """What one run did for one upcoming version."""

    version: str
    material: bool
    queued: int


async def announce_upcoming(
    sessions: async_sessionmaker[AsyncSession],
    *,
    library: PolicyLibrary,
    mailer: Mailer,
    today: date | None = None,
) -> list[Announcement]:
    """Queue the announcement of every upcoming version to every user who should get it.

    A material version is a notice to every user. Any other goes only to the subscribers of
    policy notices, so it is a subscription mail: it carries their unsubscribe link, visible
    and in the RFC 8058 headers, like every mail of profile/subscriptions/mailing.py.
    """
    report = []
    for info in library.upcoming(today):
        queued = 0
        after = 0
        while True:
            async with sessions() as session:
                users = await _recipients(session, library, info, after=after)
                if not users:
                    break
                on_record = await _versions_on_record(session, [saved_id(user) for user in users])
                for user in users:
                    since = services.standing_for(
                        library, on_record.get(saved_id(user), ())
                    ).acknowledged
                    queued += await _announce(session, mailer, info, user, since, library)
                await session.commit()
                after = saved_id(users[-1])
        report.append(Announcement(info.version, info.material, queued))
    return report


async def _recipients(
    session: AsyncSession, library: PolicyLibrary, info: VersionInfo, *, after: int
) -> list[User]:
    """The next batch of users to tell about ``info`` who were not told yet."""
    index = library.versions.index(info)
    has_it = [later.version for later in library.versions[index:]]
    statement = (
        select(User)
        .where(col(User.id) > after)
        .where(col(User.email).is_not(None))
        .where(
            ~select(col(PolicyAnnouncement.id))
            .where(col(PolicyAnnouncement.user_id) == col(User.id))
            .where(col(PolicyAnnouncement.version) == info.version)
            .exists()
        )
        .where(
            ~select(col(ConsentRecord.id))
            .where(col(ConsentRecord.user_id) == col(User.id))
            .where(col(ConsentRecord.kind).in_(services.POLICY_KINDS))
            .where(col(ConsentRecord.policy_version).in_(has_it))
            .exists()
        )
        .order_by(col(User.id))
        .limit(BATCH)
    )
    if not info.material:
        statement = statement.where(services.subscribed_to_policy_notices())
    return list(await session.scalars(statement))


async def _versions_on_record(session: AsyncSession, user_ids: list[int]) -> dict[int, list[str]]:
    rows = await session.execute(
        select(col(ConsentRecord.user_id), col(ConsentRecord.policy_version))
        .where(col(ConsentRecord.user_id).in_(user_ids))
        .where(col(ConsentRecord.kind).in_(services.POLICY_KINDS))
    )
    versions: dict[int, list[str]] = {}
    for user_id, version in rows:
        # Both are set on these rows: they are the user's, and policy records name a version.
        if user_id is not None and version is not None:
            versions.setdefault(user_id, []).append(version)
    return versions


async def _announce(
    session: AsyncSession,
    mailer: Mailer,
    info: VersionInfo,
    user: User,
    since: VersionInfo | None,
    library: PolicyLibrary,
) -> int:
    """Queue one mail with its announcement row; 0 if another run got there first."""
    try:
        async with session.begin_nested():
            session.add(PolicyAnnouncement(user_id=saved_id(user), version=info.version))
    except IntegrityError:
        return 0
    locale = user.preferred_language if user.preferred_language in KNOWN_LOCALES else None
    locale = locale or DEFAULT_LOCALE
    unsubscribe = None
    if not info.material:
        unsubscribe = unsubscribe_link(mailer, user=user, topics=[services.POLICY_NOTICES])
    mailer.queue(
        session=session,
        user_id=user.id,
        recipient=user.email or "",
        template="policy_update",
        locale=locale,
        headers=unsubscribe_headers(unsubscribe) if unsubscribe else None,
        context={
            "unsubscribe_link": unsubscribe,
            "name": user.name,
            "version": info.version,
            "effective": info.effective,
            "summary": info.summary.get(locale, ""),
            "material": info.material,
            "changes_link": mailer.link(services.changes_url(library, info, since)),
            "policy_link": mailer.link(f"/policy/{info.version}"),
            "contact_email": services.CONTACT_EMAIL,
        },
    )
    return 1
