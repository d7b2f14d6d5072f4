"""The consents a customer has given and that stand, and withdrawing each as easily as it was
given (policy 5.5, PIPL art. 15), on the consent-records page.

What stands follows from the ledger: the consent to the Data Protection Policy (on record since
registration), and each purpose whose newest grant is not followed by a withdrawal (email
subscriptions, the bank account, the resident ID number). Each withdrawal goes through the
service of the consent's own page, so it has the same effect at once and appends the same
``consent_withdrawn`` row:

- a subscription: :func:`portal.profile.subscriptions.services.unsubscribe_topics`;
- the bank account, the resident ID number: :func:`portal.profile.invoices.services.
  withdraw_consent`, which erases every such value.

The policy consent is not withdrawn here: the account cannot be kept without it, so its
withdrawal is deregistration, which records it (accounts/deregistration.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from portal.accounts.models import User
from portal.db import saved_id
from portal.i18n import LazyString
from portal.i18n import lazy_gettext as _l
from portal.policy.library import PolicyLibrary
from portal.privacy import purposes, services
from portal.privacy.models import ConsentRecord
from portal.profile.invoices import bank, resident_ids
from portal.profile.invoices import services as invoices
from portal.profile.invoices.sensitive import SensitiveField
from portal.profile.subscriptions import services as subscriptions
from portal.profile.subscriptions.topics import TOPICS, purpose_for

POLICY = purposes.DATA_PROTECTION_POLICY

#: purpose -> the subscription topic it is the consent of.
SUBSCRIPTIONS: dict[str, str] = {purpose_for(topic): topic for topic in TOPICS}
#: purpose -> the sensitive value kept under it.
SENSITIVE: dict[str, SensitiveField] = {
    field.purpose: field for field in (bank.FIELD, resident_ids.FIELD)
}

#: What withdrawing does at once, per purpose (the confirmation says it before, the page after).
EFFECTS: dict[str, LazyString] = {
    bank.FIELD.purpose: _l(
        "We erase at once every bank account number saved with your corporate invoice details."
    ),
    resident_ids.FIELD.purpose: _l(
        "We erase at once every resident ID number saved with your personal invoice details."
    ),
}
SUBSCRIPTION_EFFECT = _l(
    "We stop sending you these mails at once. You can subscribe again at any time under "
    "Email subscriptions."
)
#: What stays as it was, per sensitive purpose (the words of the invoice pages' own confirmation).
KEPT: dict[str, LazyString] = {
    bank.FIELD.purpose: _l(
        "Company names, credit codes, addresses and bank names stay. We cannot issue special VAT "
        "invoices with a bank account until you add one again, which asks for your consent again."
    ),
    resident_ids.FIELD.purpose: _l(
        "Names, addresses and invoice emails stay, and we issue your personal invoices without an "
        "ID number. Adding one again asks for your consent again."
    ),
}


@dataclass(frozen=True)
class ConsentInForce:
    """One consent that stands: what it allows and since when, for the page."""

    purpose: str  # a ledger purpose, or :data:`POLICY`
    allows: LazyString
    since: datetime
    policy_version: str | None = None  # the policy: the newest version on record

    @property
    def is_policy(self) -> bool:
        return self.purpose == POLICY

    @property
    def effect(self) -> LazyString | None:
        """What withdrawing does at once (``None`` for the policy: deregistration says it)."""
        if self.purpose in SUBSCRIPTIONS:
            return SUBSCRIPTION_EFFECT
        return EFFECTS.get(self.purpose)

    @property
    def kept(self) -> LazyString | None:
        return KEPT.get(self.purpose)


def can_withdraw(purpose: str) -> bool:
    """Whether this page withdraws ``purpose`` itself (the policy's withdrawal is deregistration)."""
    return purpose in SUBSCRIPTIONS or purpose in SENSITIVE


def _policy_consent(library: PolicyLibrary, rows: list[ConsentRecord]) -> ConsentInForce | None:
    if not rows:
        return None
    order = {info.version: index for index, info in enumerate(library.versions)}
    newest = max(rows, key=lambda row: (order.get(row.policy_version or "", -1), row.id or 0))
    return ConsentInForce(
        purpose=POLICY,
        allows=purposes.PURPOSES[POLICY],
        since=rows[0].occurred_at,
        policy_version=newest.policy_version,
    )


async def consents_in_force(
    *, session: AsyncSession, user_id: int, library: PolicyLibrary
) -> list[ConsentInForce]:
    """The user's consents that stand: the policy's first, then each purpose in the order of
    :data:`portal.privacy.purposes.PURPOSES`."""
    found = []
    policy = _policy_consent(
        library, await services.policy_records(session=session, user_id=user_id)
    )
    if policy is not None:
        found.append(policy)
    standing = await services.standing_consents(session=session, user_id=user_id)
    for purpose, allows in purposes.PURPOSES.items():
        grant = standing.get(purpose)
        if grant is not None and purpose != POLICY:
            found.append(ConsentInForce(purpose=purpose, allows=allows, since=grant.occurred_at))
    return found


async def withdraw(
    *, session: AsyncSession, user: User, purpose: str, channel: invoices.Channel
) -> bool:
    """Withdraw the user's consent to ``purpose`` through its own page's service; commits.

    Idempotent: returns whether a consent stood (a second request changes and records
    nothing). Raises ``KeyError`` for a purpose this page does not withdraw
    (:func:`can_withdraw`).
    """
    if not can_withdraw(purpose):
        raise KeyError(purpose)
    user_id = saved_id(user)
    stood = purpose in await services.standing_consents(session=session, user_id=user_id)
    if purpose in SUBSCRIPTIONS:
        await subscriptions.unsubscribe_topics(
            session=session,
            user=user,
            topics=[SUBSCRIPTIONS[purpose]],
            language=channel.language,
            channel=channel.channel,
        )
    else:
        await invoices.withdraw_consent(
            session=session, user=user, field=SENSITIVE[purpose], channel=channel
        )
    if purpose in await services.standing_consents(session=session, user_id=user_id):
        # The ledger still shows a grant that the service found nothing behind (a subscription
        # whose row went another way): record the withdrawal, so that the page tells the truth.
        services.record_consent(
            session,
            user_id=user_id,
            purpose=purpose,
            granted=False,
            language=channel.language,
            channel=channel.channel,
        )
        await session.commit()
    return stood
