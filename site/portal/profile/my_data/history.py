"""The parts of "Account security and records": what the site records as the account is used.

Sign-ins, links to reset the password, the consent ledger, policy notices, the change history
and the mails: each a table, one row per stored row (the history: one row per save, a page at a
time, events.py), every column an inventory field. Each is described below (``layout.Table``);
what more than a stored value a column shows is worded by a function of its own. Every one of
them grows as the account is used, so the page folds them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING

from portal import i18n
from portal.db import utcnow
from portal.i18n import lazy_gettext as _l
from portal.policy.model import Scenario
from portal.profile.my_data import events
from portal.profile.my_data import formatting as fmt
from portal.profile.my_data.layout import Column, Table, column, moment, table_part
from portal.profile.my_data.model import Paging, Part
from portal.templating import describe_device

if TYPE_CHECKING:
    from portal.accounts.models import LoginSession, PasswordResetToken, User
    from portal.mail.models import OutboxMessage
    from portal.privacy.models import ConsentRecord, PolicyAnnouncement
    from portal.profile.my_data.records import Held


#: Where the change history is on the page: its pages' links land there.
HISTORY_ANCHOR = "change-history"


def account_record_parts(scenario: Scenario, user: User, held: Held) -> tuple[Part, ...]:
    """Sign-ins, reset links, consents, policy notices, change history and mails, in that order:
    lists that grow as the account is used, so each is folded under its title."""
    return (
        _folded(table_part(scenario, _sessions(utcnow()), held.sessions), "sign-ins"),
        _folded(table_part(scenario, _RESET_LINKS, held.reset_links), "password-reset-links"),
        _folded(table_part(scenario, _CONSENTS, held.consents), "consent-records"),
        _folded(table_part(scenario, _ANNOUNCEMENTS, held.announcements), "policy-notices"),
        _history(scenario, user, held),
        _folded(
            table_part(scenario, _MAILS, held.mails, _mails_note(held)),
            "mails",
            total=held.mails_total,
        ),
    )


def _folded(part: Part, anchor: str, total: int | None = None) -> Part:
    return replace(part, anchor=anchor, folded=True, total=total)


# -- sign-ins ------------------------------------------------------------------------------


def _sessions(now: datetime) -> Table:
    """Whether a session has ended depends on the time: one ``now`` for every row of the page."""
    return Table(
        "login_sessions",
        (
            Column("device", _device, ("user_agent", "remember")),
            column("device", "user_agent", label="User-Agent"),
            column("ip_address"),
            moment("sign_in_times", "created_at", _l("Signed in")),
            moment("sign_in_times", "last_used_at", _l("Last used")),
            Column(
                "sign_in_times",
                partial(_session_ends, now=now),
                ("expires_at", "revoked_at"),
                _l("Session"),
            ),
        ),
        title=_l("Where you signed in"),
        empty=_l("None."),
        link=("/account", _l("End a session in the Personal Center")),
    )


def _device(row: LoginSession) -> str:
    device = describe_device(row.user_agent)
    if row.remember:
        return i18n.gettext("%(device)s, “remember me”", device=device)
    return device


def _session_ends(row: LoginSession, now: datetime) -> str:
    if row.revoked_at is not None:
        return i18n.gettext("Ended on %(date)s", date=fmt.when(row.revoked_at))
    if row.expires_at <= now:
        return i18n.gettext("Expired on %(date)s", date=fmt.when(row.expires_at))
    return i18n.gettext("Active until %(date)s at the latest", date=fmt.when(row.expires_at))


# -- links to reset the password -----------------------------------------------------------


def _used_on(row: PasswordResetToken) -> str:
    return fmt.when(row.used_at) or i18n.gettext("Not used")


_RESET_LINKS = Table(
    "password_reset_tokens",
    (
        moment("password_reset_requests", "created_at", _l("Asked for on")),
        moment("password_reset_requests", "expires_at", _l("Valid until")),
        Column(
            "password_reset_requests",
            _used_on,
            ("used_at",),
            _l("Used on"),
            moment=attrgetter("used_at"),
        ),
    ),
    title=_l("Links to reset your password"),
    empty=_l(
        "None at the moment: we delete each link once it is used or an hour after it was sent."
    ),
)


# -- the consent ledger and policy notices --------------------------------------------------


def _purpose(purpose: str | None) -> str | None:
    return fmt.word(fmt.CONSENT_PURPOSES, purpose)


def _version_or_purpose(row: ConsentRecord) -> str | None:
    """One column for both: a record names the policy version it is about, or its purpose."""
    version = (
        i18n.gettext("Version %(version)s", version=row.policy_version)
        if row.policy_version
        else None
    )
    return " · ".join(x for x in (version, _purpose(row.purpose)) if x) or None


_CONSENTS = Table(
    "consent_records",
    (
        column("consent_records", "kind", partial(fmt.word, fmt.CONSENT_KINDS), label=_l("What")),
        Column(
            "consent_records",
            _version_or_purpose,
            ("policy_version", "purpose"),
            _l("Version or purpose"),
        ),
        moment("consent_records", "occurred_at", _l("When")),
        column("consent_records", "language", fmt.language_name, label=_l("Language")),
        column("consent_records", "channel", partial(fmt.word, fmt.CHANNELS), label=_l("Channel")),
    ),
    title=_l("Your consent records"),
    empty=_l("There are no records yet."),
    link=("/account/consents", _l("My consent records")),
    recorded="occurred_at",
)


def _version(row: PolicyAnnouncement) -> str:
    return i18n.gettext("Version %(version)s", version=row.version)


_ANNOUNCEMENTS = Table(
    "policy_announcements",
    (
        Column("policy_update_notices", _version, ("version",), _l("Version")),
        moment("policy_update_notices", "queued_at", _l("Announced on")),
    ),
    title=_l("Policy updates we announced to you"),
    empty=_l("None."),
    recorded="queued_at",
)


# -- the change history: one line a save (events.py), a page at a time --------------------


def _changes(user: User, held: Held) -> Table:
    """Each save in one sentence that names the record and its fields as the page does."""
    return Table(
        "audit_entries",
        (
            moment("change_history", "occurred_at", _l("When")),
            Column(
                "change_history",
                lambda event: events.describe(event, user, held),
                ("record", "field", "action", "actor_id", "channel"),
                _l("What changed"),
            ),
        ),
        title=_l("Changes to your information"),
        empty=_l("No changes yet."),
        recorded="occurred_at",
    )


def _history(scenario: Scenario, user: User, held: Held) -> Part:
    """One page of the history, folded: the page opens it when a link asks for a page."""
    shown = held.events
    return replace(
        table_part(scenario, _changes(user, held), shown.events),
        anchor=HISTORY_ANCHOR,
        folded=True,
        paging=Paging(shown.page, shown.pages) if not held.whole else None,
        total=shown.total,
    )


# -- mails ---------------------------------------------------------------------------------


def _mail_status(row: OutboxMessage) -> str:
    if row.sent_at is not None:
        return i18n.gettext("Sent on %(date)s", date=fmt.when(row.sent_at))
    if row.last_error:
        return i18n.gettext("Not delivered yet; we are trying again")
    return i18n.gettext("Waiting to be sent")


_MAILS = Table(
    "mail_outbox",
    (
        moment("mails_sent", "created_at", _l("Written")),
        Column("mails_sent", attrgetter("recipient"), ("recipient",), _l("To")),
        Column(
            "mails_sent",
            attrgetter("subject"),
            ("subject", "text_body", "html_body", "headers"),
            _l("Subject"),
        ),
        Column(
            "mails_sent",
            _mail_status,
            ("sent_at", "last_error"),
            _l("Status"),
            moment=attrgetter("sent_at"),
        ),
    ),
    title=_l("Mails we sent you"),
    empty=_l("None."),
)


def _mails_note(held: Held) -> str:
    """The mails are kept whole, which the page says; and, if so, that it shows only the newest."""
    if held.mails_total > len(held.mails):
        return i18n.gettext(
            "The newest %(shown)s of %(total)s mails. We keep the text of each mail as we sent it.",
            shown=len(held.mails),
            total=held.mails_total,
        )
    return i18n.gettext("We keep the text of each mail as we sent it.")
