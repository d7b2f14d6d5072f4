"""What customers and staff read for a privacy request's stored codes: its kind, status, the
policy's deletion cases and the steps of its history, in both languages."""

from __future__ import annotations

from portal.i18n import LazyString
from portal.i18n import lazy_gettext as _l
from portal.rights.models import DeletionReason, RequestKind, RequestStatus

KIND_NAMES: dict[str, LazyString] = {
    RequestKind.ACCESS.value: _l("Access to my personal information"),
    RequestKind.COPY.value: _l("A copy of my personal information"),
    RequestKind.TRANSFER.value: _l("Transfer to another personal information processor"),
    RequestKind.CORRECTION.value: _l("Correction or supplement"),
    RequestKind.DELETION.value: _l("Deletion"),
    RequestKind.WITHDRAWAL.value: _l("Withdrawal of consent"),
    RequestKind.DEREGISTRATION.value: _l("Deregistration of my account"),
    RequestKind.QUESTION.value: _l("A question about my personal information"),
}

#: A line under each kind on the form: what it asks for, and where it is done without asking.
KIND_HINTS: dict[str, LazyString] = {
    RequestKind.ACCESS.value: _l(
        "What we hold on you is listed at once under What we hold on you; ask here for anything it does not answer."
    ),
    RequestKind.COPY.value: _l(
        "You can download a copy yourself under What we hold on you; ask here if that does not serve."
    ),
    RequestKind.TRANSFER.value: _l(
        "We send your information to the processor you name once a privacy officer has reviewed the request."
    ),
    RequestKind.CORRECTION.value: _l(
        "For anything the Personal Center's forms do not let you change yourself."
    ),
    RequestKind.DELETION.value: _l("Tell us what to delete and choose the case that applies."),
    RequestKind.WITHDRAWAL.value: _l(
        "Consents you gave on this site can be withdrawn at once under Consent records."
    ),
    RequestKind.DEREGISTRATION.value: _l(
        "You can deregister yourself in the Personal Center; ask here if you cannot sign in to do so."
    ),
    RequestKind.QUESTION.value: _l("Anything else about how we process your personal information."),
}

STATUS_NAMES: dict[str, LazyString] = {
    RequestStatus.OPEN.value: _l("Received"),
    RequestStatus.IN_PROGRESS.value: _l("In progress"),
    RequestStatus.COMPLETED.value: _l("Answered"),
    RequestStatus.REFUSED.value: _l("Declined"),
    RequestStatus.WITHDRAWN.value: _l("Withdrawn"),
    RequestStatus.CLOSED.value: _l("Closed with the account"),
}

#: Policy 5.4, cases A to E, as the request form offers them.
DELETION_REASONS: dict[str, LazyString] = {
    DeletionReason.A.value: _l(
        "A. The purpose of processing has been achieved, cannot be achieved, or no longer needs the information."
    ),
    DeletionReason.B.value: _l(
        "B. You have stopped providing the products or services, or the retention period has expired."
    ),
    DeletionReason.C.value: _l("C. I have withdrawn my consent."),
    DeletionReason.D.value: _l(
        "D. You process my personal information against the law or our agreement."
    ),
    DeletionReason.E.value: _l("E. Another case provided for by law."),
}

#: The steps of a request's history (``RequestEvent.action``).
EVENT_NAMES: dict[str, LazyString] = {
    "filed": _l("Request received"),
    "flagged": _l("Flagged as a repeated request"),
    "identity_verified": _l("Identity verified"),
    "note": _l("Note"),
    "completed": _l("Answered"),
    "refused": _l("Declined"),
    "withdrawn": _l("Request withdrawn"),
    "reminder": _l("Reminder sent to staff"),
    "transfer_link_sent": _l("Download link sent to the receiving processor"),
    "transfer_downloaded": _l("The receiving processor downloaded the copy"),
    "due_date_settled": _l("Due date confirmed on the published holiday calendar"),
    "account_deleted": _l("Account deleted"),
}
