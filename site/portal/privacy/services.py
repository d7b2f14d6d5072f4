"""The consent ledger, and where a user stands with the Data Protection Policy.

The ledger (``consent_records``) is append-only: this module adds rows and reads them, and no
function here (or anywhere) changes or removes one; database triggers refuse it as well
(migration 0004). Functions that write own their commit.

A user's *standing* follows from the newest policy version on their record, whatever the kind
(consent at registration, acknowledgment of an update, or explicit consent to a material change):

- a newer version in force is *pending*: every page shows a banner until the user reads it;
- if any version after theirs up to the one in force is material (``material: yes``), the banner
  asks for explicit consent, and the site is blocked until they give it (privacy/gate.py);
  a user with nothing on record has never consented to anything, so they are asked too;
- otherwise the soonest version published but not yet in force is *announced* (a notice that
  can be acknowledged, or consented to when material, ahead of its date).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from portal.accounts.models import User
from portal.db import saved_id
from portal.policy.library import PolicyLibrary, VersionInfo, today_in_china
from portal.privacy import purposes
from portal.privacy.models import POLICY_LEDGER_KINDS, ConsentRecord

POLICY_CONSENT = "policy_consent"
POLICY_ACKNOWLEDGMENT = "policy_acknowledgment"
POLICY_MATERIAL_CONSENT = "policy_material_consent"
CONSENT_GRANTED = "consent_granted"
CONSENT_WITHDRAWN = "consent_withdrawn"
POLICY_KINDS = POLICY_LEDGER_KINDS  # the three above
#: The policy's contact address (its section "How to Contact Us").
CONTACT_EMAIL = "info@xometry.asia"

#: The purpose of a ``consent_granted`` / ``consent_withdrawn`` row that subscribes a user to mails
#: about non-material policy updates (material ones go to every user). The email-subscription
#: issue adds the page that grants and withdraws it; ``policy notify`` already honours it.
POLICY_NOTICES = purposes.POLICY_NOTICES


@dataclass(frozen=True)
class PolicyStanding:
    """What a signed-in user must be shown about the policy, and whether the site is blocked."""

    #: The newest version on the user's record (``None``: nothing on record).
    acknowledged: VersionInfo | None = None
    #: The version in force, when it is newer than ``acknowledged``.
    pending: VersionInfo | None = None
    #: Otherwise the soonest published version not in force yet and not on record.
    upcoming: VersionInfo | None = None
    #: The shown version needs explicit consent ("I agree"), not just "I have read it".
    needs_consent: bool = False
    #: Where the user reads what changed since their version.
    changes_url: str = ""

    @property
    def shown(self) -> VersionInfo | None:
        """The version the banner is about: the pending one first, else the announced one."""
        return self.pending or self.upcoming

    @property
    def blocking(self) -> bool:
        """A material version is in force and the user has not consented to it."""
        return self.pending is not None and self.needs_consent


UP_TO_DATE = PolicyStanding()


def changes_url(library: PolicyLibrary, version: VersionInfo, since: VersionInfo | None) -> str:
    """The diff from ``since`` to ``version``; the whole text when there is nothing to compare."""
    if since is None or since.version == version.version:
        return f"/policy/{version.version}"
    if library.previous(version) == since:
        return f"/policy/{version.version}/changes"
    return f"/policy/{version.version}/changes?since={since.version}"


def standing_for(
    library: PolicyLibrary, versions_on_record: Iterable[str | None], today: date | None = None
) -> PolicyStanding:
    """The standing of a user whose ledger names ``versions_on_record`` (a pure function)."""
    today = today or today_in_china()
    order = {info.version: index for index, info in enumerate(library.versions)}
    known = [order[version] for version in versions_on_record if version in order]
    newest = max(known, default=-1)
    acknowledged = library.versions[newest] if newest >= 0 else None
    pending = upcoming = None
    in_force = library.in_force(today)
    if in_force is not None and order[in_force.version] > newest:
        pending = in_force
    else:
        later = [info for info in library.upcoming(today) if order[info.version] > newest]
        upcoming = later[0] if later else None
    shown = pending or upcoming
    if shown is None:
        return PolicyStanding(acknowledged=acknowledged)
    skipped = library.versions[newest + 1 : order[shown.version] + 1]
    return PolicyStanding(
        acknowledged=acknowledged,
        pending=pending,
        upcoming=upcoming,
        needs_consent=acknowledged is None or any(info.material for info in skipped),
        changes_url=changes_url(library, shown, acknowledged),
    )


async def policy_versions_on_record(*, session: AsyncSession, user_id: int) -> set[str]:
    """Every policy version the user consented to or acknowledged, whatever the kind."""
    rows = await session.scalars(
        select(col(ConsentRecord.policy_version))
        .where(col(ConsentRecord.user_id) == user_id)
        .where(col(ConsentRecord.kind).in_(POLICY_KINDS))
        .distinct()
    )
    return {version for version in rows if version}


async def policy_standing(
    *, session: AsyncSession, user_id: int, library: PolicyLibrary, today: date | None = None
) -> PolicyStanding:
    """The user's standing with the policy (see the module's docstring)."""
    if not library.versions:
        return UP_TO_DATE
    versions = await policy_versions_on_record(session=session, user_id=user_id)
    return standing_for(library, versions, today)


def _append(
    session: AsyncSession,
    *,
    user: User,
    kind: str,
    language: str,
    channel: str,
    policy_version: str | None = None,
) -> ConsentRecord:
    """A policy row (no purpose: purposes go through :func:`record_consent`)."""
    record = ConsentRecord(
        user_id=user.id,
        kind=kind,
        policy_version=policy_version,
        language=language,
        channel=channel,
    )
    session.add(record)
    return record


async def acknowledge_policy(
    *,
    session: AsyncSession,
    user: User,
    version: str,
    library: PolicyLibrary,
    language: str,
    channel: str,
    today: date | None = None,
) -> ConsentRecord | None:
    """Record that the user has read ``version``, the one their banner shows.

    Returns ``None`` (and records nothing) when ``version`` is not the one shown, for example
    a second click or a stale tab, or when it needs explicit consent instead
    (:func:`consent_to_policy`).
    """
    standing = await policy_standing(
        session=session, user_id=saved_id(user), library=library, today=today
    )
    shown = standing.shown
    if shown is None or shown.version != version or standing.needs_consent:
        return None
    record = _append(
        session,
        user=user,
        kind=POLICY_ACKNOWLEDGMENT,
        policy_version=version,
        language=language,
        channel=channel,
    )
    await session.commit()
    return record


async def consent_to_policy(
    *,
    session: AsyncSession,
    user: User,
    version: str,
    library: PolicyLibrary,
    language: str,
    channel: str,
    today: date | None = None,
) -> ConsentRecord | None:
    """Record the user's explicit consent to ``version``, which changed the policy materially.

    Returns ``None`` (and records nothing) unless ``version`` is the one the user is asked to
    consent to.
    """
    standing = await policy_standing(
        session=session, user_id=saved_id(user), library=library, today=today
    )
    shown = standing.shown
    if shown is None or shown.version != version or not standing.needs_consent:
        return None
    record = _append(
        session,
        user=user,
        kind=POLICY_MATERIAL_CONSENT,
        policy_version=version,
        language=language,
        channel=channel,
    )
    await session.commit()
    return record


async def ledger(*, session: AsyncSession, user_id: int) -> list[ConsentRecord]:
    """The user's own ledger rows, newest first."""
    rows = await session.scalars(
        select(ConsentRecord)
        .where(col(ConsentRecord.user_id) == user_id)
        .order_by(col(ConsentRecord.occurred_at).desc(), col(ConsentRecord.id).desc())
    )
    return list(rows)


def subscribed_to_policy_notices() -> ColumnElement[bool]:
    """A condition on ``User``: the user's newest ``policy_notices`` choice is a grant.

    The email-subscription issue adds the page that records these choices; whoever sends
    policy notices asks this condition, so a withdrawal counts the moment it is recorded.
    """
    choices = aliased(ConsentRecord)
    newest = (
        select(func.max(choices.id))
        .where(col(choices.user_id) == col(User.id))
        .where(col(choices.purpose) == POLICY_NOTICES)
        .where(col(choices.kind).in_((CONSENT_GRANTED, CONSENT_WITHDRAWN)))
        .correlate(User)  # two levels down: the outer query's users row
        .scalar_subquery()
    )
    return (
        select(col(ConsentRecord.id))
        .where(col(ConsentRecord.id) == newest)
        .where(col(ConsentRecord.kind) == CONSENT_GRANTED)
        .exists()
    )


async def standing_consents(*, session: AsyncSession, user_id: int) -> dict[str, ConsentRecord]:
    """Each purpose whose newest ``consent_granted`` / ``consent_withdrawn`` row is a grant:
    purpose -> that grant (the consents in force, each since its grant)."""
    rows = await session.scalars(
        select(ConsentRecord)
        .where(col(ConsentRecord.user_id) == user_id)
        .where(col(ConsentRecord.kind).in_((CONSENT_GRANTED, CONSENT_WITHDRAWN)))
        .where(col(ConsentRecord.purpose).is_not(None))
        .order_by(col(ConsentRecord.id))
    )
    newest: dict[str, ConsentRecord] = {}
    for row in rows:
        assert row.purpose is not None
        newest[row.purpose] = row
    return {purpose: row for purpose, row in newest.items() if row.kind == CONSENT_GRANTED}


async def policy_records(*, session: AsyncSession, user_id: int) -> list[ConsentRecord]:
    """The user's rows that put a policy version on their record, oldest first."""
    rows = await session.scalars(
        select(ConsentRecord)
        .where(col(ConsentRecord.user_id) == user_id)
        .where(col(ConsentRecord.kind).in_(POLICY_KINDS))
        .order_by(col(ConsentRecord.id))
    )
    return list(rows)


async def record_withdrawals_at_deregistration(
    *, session: AsyncSession, user_id: int, language: str, channel: str
) -> list[ConsentRecord]:
    """The customer deregisters: append ``consent_withdrawn`` for the Data Protection Policy
    (its purpose :data:`~portal.privacy.purposes.DATA_PROTECTION_POLICY`, with the newest
    version on record) and for every other consent still standing; the caller commits them
    with the account's deletion, which keeps the rows without the user's id."""
    policy_rows = await policy_records(session=session, user_id=user_id)
    standing = await standing_consents(session=session, user_id=user_id)
    records = []
    if policy_rows:
        record = record_consent(
            session,
            user_id=user_id,
            purpose=purposes.DATA_PROTECTION_POLICY,
            granted=False,
            language=language,
            channel=channel,
        )
        record.policy_version = policy_rows[-1].policy_version
        records.append(record)
    for purpose in (purpose for purpose in purposes.PURPOSES if purpose in standing):
        records.append(
            record_consent(
                session,
                user_id=user_id,
                purpose=purpose,
                granted=False,
                language=language,
                channel=channel,
            )
        )
    return records


def record_consent(
    session: AsyncSession,
    *,
    user_id: int,
    purpose: str,
    granted: bool,
    language: str,
    channel: str,
) -> ConsentRecord:
    """Append a ``consent_granted`` (or, ``granted=False``, ``consent_withdrawn``) row for
    ``purpose``; the caller commits, with the change it records.

    ``purpose`` must be named in :data:`portal.privacy.purposes.PURPOSES` (else ``ValueError``),
    so every page that lists the ledger can say it in words.
    """
    if not purposes.is_known(purpose):
        raise ValueError(f"no name for the consent purpose {purpose!r}: add it to PURPOSES")
    record = ConsentRecord(
        user_id=user_id,
        kind=CONSENT_GRANTED if granted else CONSENT_WITHDRAWN,
        purpose=purpose,
        language=language,
        channel=channel,
    )
    session.add(record)
    return record
