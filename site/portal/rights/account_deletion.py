"""A privacy officer deletes a customer's whole account on a request: because it is a minor's
(policy section 6), or because the customer asked for it (policy 5.4).

Both go through :func:`portal.accounts.deregistration.delete_account`, the one way an account
goes, and both wait for the identity check to be recorded first: a deletion cannot be undone,
so the officer must know who asked (the customer, or a minor's guardian). In one transaction
with the deletion, the request is closed with an answer in the customer's language, its
history and the staff audit log say who deleted the account and why; the customer is mailed
the deletion's own confirmation (its reason says which of the two it was).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n
from portal.accounts.deregistration import Reason, delete_account, orders_kept
from portal.accounts.models import User
from portal.crypto import DataKeys
from portal.db import utcnow
from portal.drawings.storage import DrawingStorage
from portal.i18n import lazy_gettext as _l
from portal.mail.mailer import Mailer
from portal.rights.models import PrivacyRequest, RequestEvent, RequestStatus
from portal.rights.services import NotOpen
from portal.staff import services as staff_services
from portal.staff.models import StaffMember

#: The two reasons an officer deletes an account for, as the officer chooses between them.
REASONS: dict[str, i18n.LazyString] = {
    Reason.MINOR.value: _l("The account is a minor's (policy section 6)"),
    Reason.DELETION_REQUEST.value: _l(
        "The customer asked us to delete the whole account (policy 5.4)"
    ),
}

#: What the request's answer says, in the customer's language.
_ANSWERS = {
    Reason.MINOR: _l(
        "We deleted your account and the personal information in it: our services are for adults with full legal capacity, and we learned that the account is a minor's (Data Protection Policy, section 6)."
    ),
    Reason.DELETION_REQUEST: _l(
        "As you asked, we deleted your account and the personal information in it (Data Protection Policy, section 5.4). What the law makes us keep is described in the confirmation we mailed you."
    ),
}


class IdentityNotRecorded(Exception):
    """The identity check must be recorded before an account is deleted."""


class NoAccount(LookupError):
    """The request's account is gone already."""


@dataclass(frozen=True)
class Consequences:
    """What deleting the account does, for the officer to read before confirming."""

    customer: User
    orders_kept: int


async def consequences(*, session: AsyncSession, request: PrivacyRequest) -> Consequences:
    """What :func:`delete_customer_account` would do: :class:`NoAccount` if nothing."""
    customer = None if request.user_id is None else await session.get(User, request.user_id)
    if customer is None:
        raise NoAccount(request.reference)
    return Consequences(customer, await orders_kept(session=session, user=customer))


async def delete_customer_account(
    *,
    session: AsyncSession,
    mailer: Mailer,
    data_keys: DataKeys,
    storage: DrawingStorage,
    staff: StaffMember,
    request: PrivacyRequest,
    reason: Reason,
    ip_address: str = "",
) -> PrivacyRequest:
    """Delete the account ``request`` came from, for ``reason``, and close the request; commits.

    :class:`NotOpen` once the request is closed, :class:`IdentityNotRecorded` before the
    identity check, :class:`NoAccount` when the account is gone already.
    """
    if reason not in (Reason.MINOR, Reason.DELETION_REQUEST):
        raise ValueError(reason)
    request = await session.merge(request)
    if not request.is_open:
        raise NotOpen(request.reference)
    if request.identity_verified_at is None:
        raise IdentityNotRecorded(request.reference)
    customer = None if request.user_id is None else await session.get(User, request.user_id)
    if customer is None:
        raise NoAccount(request.reference)
    assert request.id is not None
    reference = request.reference
    now = utcnow()
    with i18n.use_locale(customer.preferred_language):
        request.answer = str(_ANSWERS[reason])
    request.status = RequestStatus.COMPLETED.value
    request.answered_at = now
    session.add(
        RequestEvent(request_id=request.id, at=now, action="account_deleted", staff_id=staff.id)
    )
    await staff_services.record(
        session=session,
        member=staff,
        action="privacy.delete_account",
        subject=f"request:{reference} {reason.value}",
        ip_address=ip_address,
        customer_id=customer.id,
    )
    # The request's changes are committed with the deletion, or rolled back with it.
    outcome = await delete_account(
        session=session,
        user=customer,
        data_keys=data_keys,
        storage=storage,
        reason=reason,
        mailer=mailer,
    )
    if not outcome.deleted:  # deleted meanwhile by another path: nothing was committed
        raise NoAccount(reference)
    found = await session.get(PrivacyRequest, request.id, populate_existing=True)
    assert found is not None
    return found
