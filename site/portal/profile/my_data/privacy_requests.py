"""The customer's privacy requests on "What we hold on you" (inventory scenarios
``privacy_requests`` and ``transfer_requests``): each request, every step of it with staff's
notes included, and the processors named for transfers. What we hold on someone about their
own requests is theirs to see too; the request's own page shows the steps without the notes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal import i18n
from portal.i18n import lazy_gettext as _l
from portal.policy.model import Scenario
from portal.profile.my_data.layout import Column, Table, column, moment, table_part
from portal.profile.my_data.model import Part
from portal.rights.labels import DELETION_REASONS, EVENT_NAMES, KIND_NAMES, STATUS_NAMES

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.profile.my_data.records import Held
    from portal.rights.models import Disclosure, PrivacyRequest, RequestEvent


def _kind(row: PrivacyRequest) -> str:
    kind = str(KIND_NAMES.get(row.kind, row.kind))
    if row.deletion_reason:
        return f"{kind}: {DELETION_REASONS.get(row.deletion_reason, row.deletion_reason)}"
    return kind


def _due(row: PrivacyRequest) -> str:
    text = i18n.gettext(
        "received %(received)s, due %(due)s",
        received=row.filed_at.date().isoformat(),
        due=row.due_on.isoformat(),
    )
    if row.due_provisional:
        text += " (" + i18n.gettext("provisional") + ")"
    return text


def _verified(row: PrivacyRequest) -> str | None:
    if row.identity_verified_at is None:
        return None
    return i18n.gettext("Identity verified")


def _outcome(row: PrivacyRequest) -> str:
    parts = [str(STATUS_NAMES.get(row.status, row.status))]
    if row.answer:
        parts.append(row.answer)
    if row.flagged_repeated:
        parts.append(i18n.gettext("Flagged as a repeated request"))
    return "; ".join(parts)


_REQUESTS = Table(
    "privacy_requests",
    (
        column("request_reference", "reference"),
        Column("request_kind", _kind, ("kind", "deletion_reason")),
        column("request_description", "details"),
        Column("due_date", _due, ("filed_at", "due_on", "due_provisional")),
        Column("identity_verification", _verified, ("identity_verified_at",)),
        Column("request_outcome", _outcome, ("status", "answer", "flagged_repeated")),
        moment("request_outcome", "answered_at", _l("Closed")),
    ),
    empty=_l("You have not made a privacy request yet."),
    link=("/account/privacy/requests", _l("Privacy requests")),
    recorded="filed_at",
    changed="answered_at",
)


def _steps(held: Held) -> Table:
    references = {row.id: row.reference for row in held.privacy_requests}

    def step(row: RequestEvent) -> str:
        name = str(EVENT_NAMES.get(row.action, row.action))
        return f"{references.get(row.request_id, '')}: {name}"

    def note(row: RequestEvent) -> str | None:
        return row.note or None

    return Table(
        "privacy_request_events",
        (
            Column("request_outcome", step, ("action",), _l("Step")),
            moment("request_outcome", "at", _l("When")),
            Column("request_outcome", note, ("note", "internal"), _l("Note")),
        ),
        title=_l("Each step of your privacy requests"),
        empty=_l("None."),
        recorded="at",
    )


def requests(scenario: Scenario, user: User, held: Held) -> tuple[Part, ...]:
    return (
        table_part(scenario, _REQUESTS, held.privacy_requests),
        table_part(scenario, _steps(held), held.privacy_request_events),
    )


def _named(name: str) -> Column:
    return column(
        name,
        {
            "receiving_processor_name": "recipient_name",
            "receiving_processor_contact": "recipient_email",
            "transfer_purpose": "recipient_purpose",
        }[name],
    )


_TRANSFERS = Table(
    "privacy_requests",
    (
        _named("receiving_processor_name"),
        _named("receiving_processor_contact"),
        _named("transfer_purpose"),
    ),
    empty=_l("You have not asked us to transfer your personal information."),
    recorded="filed_at",
)


def _disclosures(held: Held) -> Table:
    def scope(row: Disclosure) -> str:
        """ "all", or the inventory's scenario ids of what was provided, by their titles."""
        if row.scope == "all":
            return i18n.gettext("A copy of all your personal information")
        locale = i18n.current_locale()
        names = []
        for scenario_id in row.scope.split():
            found = held.inventory.scenario(scenario_id) if held.inventory else None
            names.append(found.title.get(locale, scenario_id) if found else scenario_id)
        return ", ".join(names)

    return Table(
        "disclosures",
        (
            column("provision_records", "recipient_name", label=_l("Recipient")),
            column("provision_records", "recipient_contact", label=_l("Contact")),
            column("provision_records", "purpose", label=_l("Purpose")),
            Column("provision_records", scope, ("scope",), _l("What")),
            moment("provision_records", "disclosed_at", _l("When")),
        ),
        title=_l("Who received your personal information from us"),
        empty=_l("We have not provided your personal information to anyone."),
        recorded="disclosed_at",
    )


def transfers(scenario: Scenario, user: User, held: Held) -> tuple[Part, ...]:
    # Every request that names a processor (only transfers do): what we hold, as it is.
    rows = [
        r
        for r in held.privacy_requests
        if r.recipient_name or r.recipient_email or r.recipient_purpose
    ]
    return (
        table_part(scenario, _TRANSFERS, rows),
        table_part(scenario, _disclosures(held), held.disclosures),
    )
