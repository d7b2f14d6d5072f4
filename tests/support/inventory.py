"""A user who filled in everything: a row in every table, a value in every column."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.accounts.models import LoginSession, PasswordResetToken, User
from portal.crypto import DataKeys, encrypt_field
from portal.db import create_engine, session_factory, utcnow
from portal.drawings.local import LocalStorage
from portal.drawings.services import store_drawing
from portal.mail.models import OutboxMessage
from portal.privacy.models import ConsentRecord, PolicyAnnouncement
from portal.profile.audit import audit_changes
from portal.profile.invoices import bank, resident_ids
from portal.profile.models import (
    CorporateInvoice,
    EmailChange,
    EmailSubscription,
    PersonalInvoice,
    ShippingAddress,
)
from portal.quotes.models import QuoteRequest
from portal.rights.models import Disclosure, PrivacyRequest, RequestEvent
from tests.support.accounts import GOOD
from tests.support.drawing_store import upload

URL = "/account/privacy/my-data"

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
    "drawing": "支架 bracket v2.STEP",
    "quote_notes": "两端 M6 螺纹",
    "staff_message": "阳极氧化为黑色",
    "request_details": "请删除我以前的收货地址",
    "request_answer": "已删除该地址",
    "new_email": "li.wei.new@example.cn",
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
            user.phone_verified_at = now
            session.add(user)
            session.add(
                EmailChange(
                    user_id=user_id,
                    new_email=FULL["new_email"],
                    token_hash="0" * 64,
                    requested_at=now,
                    expires_at=now + timedelta(hours=24),
                )
            )
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
            personal = PersonalInvoice(
                user_id=user_id,
                name=FULL["personal_name"],
                invoicing_address="朝阳区建国路1号",
                invoice_email="me@example.cn",
                **common,
            )
            session.add(personal)
            await session.flush()
            assert personal.id is not None
            personal.tax_number = encrypt_field(
                key, RESIDENT_ID, context=resident_ids.FIELD.context(user_id, personal.id)
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
            for purpose in ("bank_account", "resident_id"):
                session.add(
                    ConsentRecord(
                        user_id=user_id,
                        kind="consent_granted",
                        purpose=purpose,
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
            drawing = await store_drawing(
                session=session,
                data_keys=data_keys,
                storage=LocalStorage(settings.drawings_dir),
                user=user,
                filename=FULL["drawing"],
                chunks=upload(b"ISO-10303-21;\nHEADER;\nENDSEC;\nEND-ISO-10303-21;\n"),
                limit=1024 * 1024,
            )
            quote = QuoteRequest(
                reference="Q-7K3M9XQ2",
                user_id=user_id,
                process="cnc_machining",
                material="aluminium_6061",
                finish="anodized",
                tolerance="fine",
                quantity=25,
                required_date=date(2027, 3, 31),
                notes=FULL["quote_notes"],
                status="quoted",
                estimate_low=1200,
                estimate_high=1650,
                estimate_days=8,
                estimate_note="",
                price=Decimal("1480.00"),
                lead_days=9,
                staff_message=FULL["staff_message"],
            )
            session.add(quote)
            await session.flush()
            drawing.quote_id = quote.id
            session.add(drawing)
            request = PrivacyRequest(
                reference="R-7K3M9XQ2",
                user_id=user_id,
                kind="deletion",
                details=FULL["request_details"],
                deletion_reason="C",
                recipient_name="上海某某精密制造有限公司",
                recipient_email="privacy@example.com",
                recipient_purpose="报价",
                status="completed",
                filed_at=now - timedelta(days=3),
                due_on=date(2026, 12, 24),
                identity_verified_at=now - timedelta(days=1),
                answer=FULL["request_answer"],
                answered_at=now,
            )
            session.add(request)
            await session.flush()
            assert request.id is not None
            session.add(
                RequestEvent(request_id=request.id, action="note", note="已电话联系", internal=True)
            )
            session.add(
                Disclosure(
                    user_id=user_id,
                    request_id=request.id,
                    recipient_name="上海某某物流有限公司",
                    recipient_contact="ops@logistics.example.cn",
                    purpose="配送订单 Q-7K3M9XQ2",
                    scope="shipping_address",
                )
            )
            await session.commit()
    finally:
        await engine.dispose()
