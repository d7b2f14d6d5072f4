"""The part of "Account security and records" that lists the customer's privacy requests and
every step of each, staff's notes included: what we hold on someone about their own requests
is theirs to see too (the request's own page shows the steps without the notes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal import i18n
from portal.i18n import lazy_gettext as _l
from portal.policy.model import Scenario
from portal.profile.my_data.layout import Column, Table, moment, table_part
from portal.profile.my_data.model import Part
from portal.rights.labels import DELETION_REASONS, EVENT_NAMES, KIND_NAMES, STATUS_NAMES

if TYPE_CHECKING:
    from portal.profile.my_data.records import Held
    from portal.rights.models import PrivacyRequest, RequestEvent

KEY = "privacy_requests"


def _asked(row: PrivacyRequest) -> str:
    parts = [f"{row.reference}: {KIND_NAMES.get(row.kind, row.kind)}"]
    if row.details:
        parts.append(row.details)
    if row.deletion_reason:
        parts.append(str(DELETION_REASONS.get(row.deletion_reason, row.deletion_reason)))
    if row.recipient_name:
        parts.append(
            i18n.gettext(
                "to %(name)s <%(email)s> for %(purpose)s",
                name=row.recipient_name,
                email=row.recipient_email,
                purpose=row.recipient_purpose,
            )
        )
    return "; ".join(parts)


def _due(row: PrivacyRequest) -> str:
    text = row.due_on.isoformat()
    if row.due_provisional:
        text += " (" + i18n.gettext("provisional") + ")"
    if row.flagged_repeated:
        text += "; " + i18n.gettext("Flagged as a repeated request")
    return text


def _answer(row: PrivacyRequest) -> str:
    status = str(STATUS_NAMES.get(row.status, row.status))
    return f"{status}: {row.answer}" if row.answer else status


def _verified(row: PrivacyRequest) -> str | None:
    if row.identity_verified_at is None:
        return None
    return i18n.gettext("Identity verified")


_REQUESTS = Table(
    "privacy_requests",
    (
        Column(
            KEY,
            _asked,
            (
                "reference",
                "kind",
                "details",
                "deletion_reason",
                "recipient_name",
                "recipient_email",
                "recipient_purpose",
            ),
            _l("Request"),
        ),
        moment(KEY, "filed_at", _l("Sent")),
        Column(KEY, _due, ("due_on", "due_provisional", "flagged_repeated"), _l("Answer due")),
        Column(KEY, _verified, ("identity_verified_at",), _l("Identity")),
        Column(KEY, _answer, ("status", "answer"), _l("Answer")),
        moment(KEY, "answered_at", _l("Closed")),
    ),
    title=_l("Your privacy requests"),
    empty=_l("You have not made a privacy request yet."),
    link=("/account/privacy/requests", _l("Privacy requests")),
)


def _events(held: Held) -> Table:
    references = {row.id: row.reference for row in held.privacy_requests}

    def step(row: RequestEvent) -> str:
        name = str(EVENT_NAMES.get(row.action, row.action))
        return f"{references.get(row.request_id, '')}: {name}"

    def note(row: RequestEvent) -> str | None:
        return row.note or None

    return Table(
        "privacy_request_events",
        (
            Column(KEY, step, ("action",), _l("Step")),
            moment(KEY, "at", _l("When")),
            Column(KEY, note, ("note", "internal"), _l("Note")),
        ),
        title=_l("Each step of your privacy requests"),
        empty=_l("None."),
    )


def parts(scenario: Scenario, held: Held) -> tuple[Part, ...]:
    return (
        table_part(scenario, _REQUESTS, held.privacy_requests),
        table_part(scenario, _events(held), held.privacy_request_events),
    )
