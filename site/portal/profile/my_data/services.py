"""``personal_data``: everything the product holds on one user, grouped as the inventory is.

Policy 5.1 A: a user sees, in one place, every piece of personal information we hold on them,
under the scenario of ``content/inventory.toml`` it was collected for (with that scenario's
purpose, method and retention), and where to correct each. ``columns.py`` says which stored
column is shown under which inventory key; tests/test_inventory_complete.py holds the three
(tables, inventory, this page) together.

    data = await personal_data(session=session, user=user, data_keys=data_keys, locale="zh_Hans")
    data.sections[0].title        # '注册（网站）'
    data.as_dict()                # JSON-ready dictionaries

It only reads: no commit, no audit row. Sensitive values are masked here, before they reach a
template: the bank account number is decrypted only to take its last four digits. The user's own
copy (``whole=True``, portal.profile.export) has every row and the sensitive values whole.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n
from portal.accounts.models import User
from portal.crypto import DataKeys
from portal.db import utcnow
from portal.policy.inventory import load_inventory
from portal.policy.model import Inventory, Problem, Scenario
from portal.profile.models import EmailChange
from portal.profile.my_data import history, privacy_requests, records
from portal.profile.my_data.formatting import (
    CUSTOMER_TYPES,
    iso,
    item,
    language_name,
    phone,
    text,
    when,
    word,
)
from portal.profile.my_data.model import Link, Part, PersonalData, Record, Section
from portal.profile.my_data.summary import summary
from portal.quotes.rates import Pricing
from portal.settings import ROOT

#: Where each part of the Personal Center corrects what it holds (issue 5's URLs).
INFORMATION_URL = "/account/information"
LOGIN_EMAIL_URL = "/account/email"
MOBILE_URL = "/account/mobile"
#: Where each field of the registration is corrected.
_REGISTRATION_URLS = {
    "name": INFORMATION_URL,
    "customer_type": INFORMATION_URL,
    "email": LOGIN_EMAIL_URL,
    "phone": MOBILE_URL,
}
PASSWORD_URL = "/account/password"  # noqa: S105 - a page, not a secret


class InventoryUnavailable(Exception):
    """content/inventory.toml does not load: ``python build.py check`` says why."""


def site_inventory(content_dir: Path = ROOT / "content") -> Inventory:
    """The data inventory of ``content_dir``, read again only when the file changes."""
    path = content_dir / "inventory.toml"
    return _load(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> Inventory:
    problems: list[Problem] = []
    inventory = load_inventory(path, problems)
    if inventory is None:
        raise InventoryUnavailable("; ".join(str(p) for p in problems))
    return inventory


async def personal_data(
    *,
    session: AsyncSession,
    user: User,
    data_keys: DataKeys,
    locale: str,
    inventory: Inventory | None = None,
    pricing: Pricing | None = None,
    whole: bool = False,
    history_page: int = 1,
) -> PersonalData:
    """Everything we hold on ``user``, in ``locale``, one :class:`Section` per inventory scenario.

    Values the user did not give are ``None`` ("not provided"); the bank account shows its last
    four digits only and a resident ID number is masked. Lists that grow with use are shown in
    part: the change history one page of saves at a time (page ``history_page``, events.py), the
    mails their newest 50, which the page says. ``whole`` is for the user's own copy: every row,
    and the sensitive values decrypted whole.
    """
    data, _rows = await personal_data_and_rows(
        session=session,
        user=user,
        data_keys=data_keys,
        locale=locale,
        inventory=inventory,
        pricing=pricing,
        whole=whole,
        history_page=history_page,
    )
    return data


async def personal_data_and_rows(
    *,
    session: AsyncSession,
    user: User,
    data_keys: DataKeys,
    locale: str,
    inventory: Inventory | None = None,
    pricing: Pricing | None = None,
    whole: bool = False,
    history_page: int = 1,
) -> tuple[PersonalData, records.Held]:
    """:func:`personal_data`, and the rows it was made of (the user's copy lists some of them
    as stored, besides: the consent ledger, the audit trail, quote requests and drawings)."""
    inventory = inventory or site_inventory()
    assert user.id is not None
    with i18n.use_locale(locale):
        locale = i18n.current_locale()
        held = await records.fetch(
            session, user=user, data_keys=data_keys, whole=whole, history_page=history_page
        )
        held.inventory = inventory
        held.pricing = pricing
        sections = []
        for scenario in inventory.scenarios:
            build = _BUILDERS.get(scenario.id)
            parts = build(scenario, user, held) if build else _nothing_yet(scenario)
            sections.append(_section(scenario, locale, parts))
        data = PersonalData(
            user_id=user.id,
            locale=locale,
            generated_at=utcnow().isoformat(),
            sections=tuple(sections),
            summary=summary(sections, inventory, held.disclosures),
        )
        return data, held


def _section(scenario: Scenario, locale: str, parts: tuple[Part, ...]) -> Section:
    return Section(
        id=scenario.id,
        title=scenario.title[locale],
        purpose=scenario.purpose[locale],
        method=scenario.method[locale],
        retention=scenario.retention[locale],
        policy_url=f"/policy#{scenario.policy_section}" if scenario.policy_section else "/policy",
        parts=parts,
    )


def _nothing_yet(scenario: Scenario) -> tuple[Part, ...]:
    return (Part(records=(), empty=i18n.gettext("We hold nothing of this kind on you.")),)


def _registration(scenario: Scenario, user: User, held: records.Held) -> tuple[Part, ...]:
    items = []
    for key, value, columns in (
        ("name", text(user.name), ("users.name",)),
        ("email", text(user.email), ("users.email", "users.email_key")),
        ("phone", _phone(user), ("users.phone", "users.phone_verified_at")),
        ("customer_type", word(CUSTOMER_TYPES, user.customer_type), ("users.customer_type",)),
        ("wechat_openid", text(user.wechat_openid), ("users.wechat_openid",)),
    ):
        if scenario.field(key) is not None:
            url = _REGISTRATION_URLS.get(key)
            items.append(item(scenario, key, value, *columns, correct_url=url))
    return (Part(records=(Record(items=tuple(items), recorded_at=iso(user.created_at)),)),)


def _mini_program(scenario: Scenario, user: User, held: records.Held) -> tuple[Part, ...]:
    """The values of a registration through WeChat; none for an account registered otherwise,
    whose values the website's registration already lists."""
    if user.wechat_openid is None:
        return (
            Part(
                records=(),
                empty=i18n.gettext(
                    "None: you did not register through WeChat. What you gave when you "
                    "registered is listed under the website's registration."
                ),
            ),
        )
    return _registration(scenario, user, held)


def _phone(user: User) -> str | None:
    """The number, and whether a text message has proved it (none has yet: a later issue)."""
    number = phone(user.phone)
    if number is None or user.phone_verified_at is not None:
        return number
    return i18n.gettext("%(number)s (not verified yet)", number=number)


def _new_email(change: EmailChange | None) -> str | None:
    if change is None:
        return None
    return i18n.gettext(
        "%(email)s: asked for on %(asked)s, waiting for confirmation until %(until)s",
        email=change.new_email,
        asked=when(change.requested_at),
        until=when(change.expires_at),
    )


def _account_information(scenario: Scenario, user: User, held: records.Held) -> tuple[Part, ...]:
    values = {
        "name": text(user.name),
        "job_title": text(user.job_title),
        "customer_type": word(CUSTOMER_TYPES, user.customer_type),
        "invoice_email": text(user.invoice_email),
        "preferred_language": language_name(user.preferred_language),
    }
    items = tuple(item(scenario, k, v, f"users.{k}") for k, v in values.items())
    if scenario.field("new_email") is not None:
        columns = (
            "email_changes.new_email",
            "email_changes.requested_at",
            "email_changes.expires_at",
        )
        pending = _new_email(held.email_change)
        items += (item(scenario, "new_email", pending, *columns, correct_url=LOGIN_EMAIL_URL),)
    return (
        Part(
            records=(
                Record(
                    items=items,
                    correct_url=INFORMATION_URL,
                    correct_label=i18n.gettext("Correct your account information"),
                    recorded_at=iso(user.created_at),
                ),
            )
        ),
    )


def _password(scenario: Scenario, user: User, held: records.Held) -> tuple[Part, ...]:
    value = (
        i18n.gettext("Set. We keep only a one-way hash of it, never the password itself.")
        if user.password_hash
        else None
    )
    row = item(scenario, "password", value, "users.password_hash")
    return (
        Part(
            records=(
                Record(
                    items=(row,),
                    correct_url=PASSWORD_URL,
                    correct_label=i18n.gettext("Change your password"),
                    recorded_at=iso(user.created_at),
                ),
            )
        ),
    )


def _cookies(scenario: Scenario, user: User, held: records.Held) -> tuple[Part, ...]:
    return (
        Part(
            records=(),
            empty=i18n.gettext(
                "Cookies are kept in your browser, not by us. The cookie page lists each of them."
            ),
            link=Link("/cookies", i18n.gettext("Cookies on this site")),
        ),
    )


def _account_records(scenario: Scenario, user: User, held: records.Held) -> tuple[Part, ...]:
    account = Record(
        items=(
            item(
                scenario,
                "account_created",
                when(user.created_at),
                "users.created_at",
                time=iso(user.created_at),
            ),
            item(
                scenario,
                "email_verified",
                i18n.gettext("Confirmed on %(date)s", date=when(user.email_verified_at))
                if user.email_verified_at
                else i18n.gettext("Not confirmed yet"),
                "users.email_verified_at",
                time=iso(user.email_verified_at),
            ),
        ),
        recorded_at=iso(user.created_at),
    )
    return (Part(records=(account,)), *history.account_record_parts(scenario, user, held))


_BUILDERS = {
    "registration_website": _registration,
    "registration_mini_program": _mini_program,
    "request_a_quote": records.drawings,
    "account_information": _account_information,
    "shipping_address": records.shipping_addresses,
    "corporate_invoice": records.corporate_invoices,
    "personal_invoice": records.personal_invoices,
    "password_setting": _password,
    "email_subscription": records.subscriptions,
    "account_records": _account_records,
    "privacy_requests": privacy_requests.requests,
    "transfer_requests": privacy_requests.transfers,
    "cookies": _cookies,
}
