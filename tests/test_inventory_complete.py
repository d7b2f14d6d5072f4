"""The data inventory is the one source of truth: every stored personal field is in it and on the
user's page "What we hold on you".

``portal.profile.my_data.columns`` names every column of every table, either as personal (with
the inventory key it is listed and shown under) or as not personal (with the reason). These tests
fail for a column in neither, for a key the inventory lacks, and for a personal column that the
page does not show for a user who filled in everything.
"""

from __future__ import annotations

import asyncio
import html
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import LoginSession, PasswordResetToken, User
from portal.crypto import DataKeys, encrypt_field
from portal.db import create_engine, session_factory, utcnow
from portal.mail.models import OutboxMessage
from portal.models import metadata
from portal.privacy.models import ConsentRecord, PolicyAnnouncement
from portal.profile.audit import audit_changes
from portal.profile.invoices import bank
from portal.profile.models import (
    CorporateInvoice,
    EmailSubscription,
    PersonalInvoice,
    ShippingAddress,
)
from portal.profile.my_data.columns import NOT_PERSONAL, PERSONAL_COLUMNS
from portal.profile.my_data.services import site_inventory
from tests.accounts.test_registration import GOOD, register

URL = "/account/privacy/my-data"
ADVICE = (
    "decide its place in site/portal/profile/my_data/columns.py: PERSONAL_COLUMNS with the "
    "content/inventory.toml key it is listed under (add the field to the inventory in both "
    "languages, and show it in profile/my_data), or NOT_PERSONAL with the reason it says nothing "
    "about a person"
)

#: What a user who filled in everything has, as stored and as the page must show it.
BANK_ACCOUNT = "6222020200112233445"
RESIDENT_ID = "11010519491231002X"
FULL = {
    "job_title": "采购经理",
    "invoice_email": "invoices@example.cn",
    "wechat_openid": "oXyz-openid-0001",
    "organization_name": "深圳精密制造有限公司",
    "recipient_name": "王芳",
    "shipping_address": "南山区科技园南区深南大道10000号",
    "company_name": "上海零件科技有限公司",
    "uscc": "91310000MA1FL8L97C",
    "bank_name": "中国工商银行上海分行",
    "personal_name": "李伟个人",
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1",
    "ip_address": "203.0.113.7",
}


def user_by_email(settings: Any, email: str = GOOD["email"]) -> User:
    async def find() -> User:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                result = await session.execute(select(User).where(User.email_key == email.lower()))
                return result.scalar_one()
        finally:
            await engine.dispose()

    return asyncio.run(find())


def fill_everything(settings: Any, user_id: int) -> None:
    """Give the user a row in every table and a value in every column (through the models)."""
    asyncio.run(_fill(settings, user_id))


async def _fill(settings: Any, user_id: int) -> None:
    now = utcnow()
    data_keys = DataKeys.from_settings(settings)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            user = await session.get(User, user_id)
            assert user is not None
            before = {"job_title": user.job_title, "invoice_email": user.invoice_email}
            user.job_title = FULL["job_title"]
            user.invoice_email = FULL["invoice_email"]
            user.wechat_openid = FULL["wechat_openid"]
            user.email_verified_at = now
            session.add(user)
            audit_changes(
                session,
                user_id=user_id,
                record="account",
                before=before,
                after={"job_title": user.job_title, "invoice_email": user.invoice_email},
            )
            common = {"province": "440000", "city": "440300", "postal_code": "518057"}
            session.add(
                ShippingAddress(
                    user_id=user_id,
                    organization_name=FULL["organization_name"],
                    recipient_name=FULL["recipient_name"],
                    shipping_address=FULL["shipping_address"],
                    phone="+8613912345678",
                    is_default=True,
                    **common,
                )
            )
            corporate = CorporateInvoice(
                user_id=user_id,
                company_name=FULL["company_name"],
                tax_number=FULL["uscc"],
                province="310000",
                city="310100",
                invoicing_address="浦东新区世纪大道100号",
                postal_code="200120",
                bank_name=FULL["bank_name"],
                invoice_email="ap@example.cn",
            )
            session.add(corporate)
            await session.flush()
            key = await data_keys.for_user(user_id)
            assert corporate.id is not None
            corporate.bank_account = encrypt_field(
                key, BANK_ACCOUNT, context=bank.context(user_id, corporate.id)
            )
            session.add(
                PersonalInvoice(
                    user_id=user_id,
                    name=FULL["personal_name"],
                    tax_number=RESIDENT_ID,
                    invoicing_address="朝阳区建国路1号",
                    invoice_email="me@example.cn",
                    **common,
                )
            )
            session.add(
                EmailSubscription(
                    user_id=user_id,
                    topic="products",
                    email=GOOD["email"],
                    requested_at=now,
                    confirmed_at=now,
                )
            )
            session.add(
                LoginSession(
                    token_hash="f" * 64,
                    user_id=user_id,
                    remember=True,
                    user_agent=FULL["user_agent"],
                    ip_address=FULL["ip_address"],
                    expires_at=now + timedelta(days=30),
                    revoked_at=now,
                )
            )
            session.add(
                PasswordResetToken(
                    token_hash="e" * 64,
                    user_id=user_id,
                    expires_at=now + timedelta(hours=1),
                    used_at=now,
                )
            )
            session.add(
                ConsentRecord(
                    user_id=user_id,
                    kind="consent_granted",
                    purpose="bank_account",
                    policy_version="1.2",
                    language="zh_Hans",
                    channel="website",
                )
            )
            session.add(PolicyAnnouncement(user_id=user_id, version="1.2"))
            session.add(
                OutboxMessage(
                    user_id=user_id,
                    recipient=FULL["invoice_email"],
                    subject="Your invoice",
                    text_body="text",
                    html_body="<p>html</p>",
                    headers='{"X-Test": "1"}',
                    sent_at=now,
                    last_error="421 try later",
                )
            )
            await session.commit()
    finally:
        await engine.dispose()


# -- every column has its place ------------------------------------------------------------


def all_columns() -> set[tuple[str, str]]:
    return {
        (table.name, column.name) for table in metadata.tables.values() for column in table.columns
    }


def test_every_stored_column_is_either_personal_or_explained() -> None:
    undecided = sorted(all_columns() - PERSONAL_COLUMNS.keys() - NOT_PERSONAL.keys())
    assert not undecided, "\n".join(f"{t}.{c}: {ADVICE}" for t, c in undecided)


def test_a_column_is_personal_or_not_never_both_and_exists() -> None:
    both = PERSONAL_COLUMNS.keys() & NOT_PERSONAL.keys()
    assert not both, f"named as personal and as not personal: {sorted(both)}"
    gone = sorted((PERSONAL_COLUMNS.keys() | NOT_PERSONAL.keys()) - all_columns())
    assert not gone, f"no such column any more, remove it from columns.py: {gone}"
    assert all(reason.strip() for reason in NOT_PERSONAL.values())


def test_every_personal_column_is_listed_in_the_inventory() -> None:
    inventory = site_inventory()
    missing = []
    for (table, column), target in sorted(PERSONAL_COLUMNS.items()):
        scenario_id, _, key = target.partition(".")
        scenario = inventory.scenario(scenario_id)
        if scenario is None or scenario.field(key) is None:
            missing.append(f"{table}.{column} -> {target}")
    assert not missing, (
        "these columns point at no field of content/inventory.toml: add the field (both "
        "languages; `python build.py check`) or correct the key:\n" + "\n".join(missing)
    )


# -- and is on the page ----------------------------------------------------------------------


@pytest.fixture
def full_page(client, settings, database_url) -> Any:
    assert register(client).status_code == 303
    fill_everything(settings, user_by_email(settings).id)
    response = client.get(URL)
    assert response.status_code == 200
    return response


def test_the_page_shows_every_personal_column_of_a_user_who_filled_in_everything(full_page):
    data = full_page.context["data"]
    text = full_page.text
    missing = []
    for (table, column), key in sorted(PERSONAL_COLUMNS.items()):
        place = f"{table}.{column}"
        shown = [
            item
            for item in data.items()
            if place in item.columns and item.key == key and item.value
        ]
        if not shown:
            missing.append(f"{place} ({key}): no item with a value on the page")
        elif not any(
            f'data-field="{key}"' in text and html.escape(item.value, quote=False) in text
            for item in shown
        ):
            missing.append(f"{place} ({key}): in the page's data but not in its HTML")
    assert not missing, (
        "show these on /account/privacy/my-data (site/portal/profile/my_data):\n"
        + "\n".join(missing)
    )


def test_every_scenario_of_the_inventory_is_a_section_of_the_page(full_page):
    inventory = site_inventory()
    sections = full_page.context["data"].sections
    assert [s.id for s in sections] == [s.id for s in inventory.scenarios]
    for section in sections:
        assert f'data-scenario="{section.id}"' in full_page.text
