"""``python -m portal policy notify``: mail about a version before it takes effect, once each."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from click.testing import CliRunner
from sqlalchemy import select

from portal.__main__ import main
from portal.accounts.models import User
from portal.db import create_engine, session_factory
from portal.mail.models import OutboxMessage
from portal.privacy import services
from portal.privacy.announcements import announce_upcoming
from portal.privacy.models import ConsentRecord, PolicyAnnouncement
from tests.support.policy_updates import create_user
from tests.support.records import run
from tests.support.site import TEST_SECRET_KEY

BASE = "https://www.xometry.asia"


def notify(site):
    async def go():
        engine = create_engine(site.settings.database_url)
        try:
            return await announce_upcoming(
                session_factory(engine),
                library=site.app.state.policy,
                mailer=dataclasses.replace(site.app.state.mailer, base_url=BASE),
            )
        finally:
            await engine.dispose()

    return asyncio.run(go())


def outbox(site, subject_part: str = "") -> list[OutboxMessage]:
    async def work(session):
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    return [m for m in run(site.settings, work) if "verify-email" not in m.text_body]


def add_record(site, user: User, kind: str, **fields) -> None:
    async def work(session):
        session.add(
            ConsentRecord(user_id=user.id, kind=kind, language="en", channel="website", **fields)
        )
        await session.commit()

    run(site.settings, work)


def test_a_material_version_is_announced_to_every_user_once(open_site, material_upcoming):
    site = open_site(material_upcoming)
    english = create_user(site, consented_to="1.2", email="li.wei@example.cn")
    chinese = create_user(site, consented_to="1.1", email="wang.fang@example.cn", locale="zh_Hans")
    early = create_user(site, consented_to="1.2", email="early@example.cn")
    add_record(site, early, services.POLICY_MATERIAL_CONSENT, policy_version="1.3")

    report = notify(site)
    assert [(a.version, a.material, a.queued) for a in report] == [("1.3", True, 2)]
    mails = {m.recipient: m for m in outbox(site)}
    assert set(mails) == {english.email, chinese.email}  # early agreed already
    en, zh = mails[english.email], mails[chinese.email]
    effective = site.app.state.policy.get("1.3").effective
    assert "1.3" in en.subject
    assert "Updates are announced by email." in en.text_body
    assert f"{effective.day} {effective:%B} {effective.year}" in en.text_body
    assert f"{BASE}/policy/1.3/changes\n" in en.text_body  # from 1.2, the version just before
    assert f"{BASE}/policy/1.3\n" in en.text_body
    assert "explicit consent" in en.text_body
    assert 'lang="en"' in en.html_body
    assert "更新将通过电子邮件通知。" in zh.text_body
    assert f"{effective.year}年{effective.month}月{effective.day}日" in zh.text_body
    assert f"{BASE}/policy/1.3/changes?since=1.1" in zh.text_body  # skipped 1.2
    assert 'lang="zh-Hans"' in zh.html_body

    # Idempotent: nothing twice, whatever the number of runs.
    assert [a.queued for a in notify(site)] == [0]
    assert len(outbox(site)) == 2

    async def announced(session):
        return sorted(
            (row.user_id, row.version) for row in await session.scalars(select(PolicyAnnouncement))
        )

    assert run(site.settings, announced) == sorted([(english.id, "1.3"), (chinese.id, "1.3")])


def test_a_plain_version_goes_only_to_users_subscribed_to_policy_notices(open_site, minor_update):
    site = open_site(minor_update)
    subscribed = create_user(site, consented_to="1.2", email="subscribed@example.cn")
    add_record(site, subscribed, services.CONSENT_GRANTED, purpose=services.POLICY_NOTICES)
    create_user(site, consented_to="1.2", email="quiet@example.cn")
    changed_mind = create_user(site, consented_to="1.2", email="withdrew@example.cn")
    add_record(site, changed_mind, services.CONSENT_GRANTED, purpose=services.POLICY_NOTICES)
    add_record(site, changed_mind, services.CONSENT_WITHDRAWN, purpose=services.POLICY_NOTICES)
    other_purpose = create_user(site, consented_to="1.2", email="other@example.cn")
    add_record(site, other_purpose, services.CONSENT_GRANTED, purpose="email_subscription")

    report = notify(site)
    assert [(a.version, a.material, a.queued) for a in report] == [("1.3", False, 1)]
    (mail,) = outbox(site)
    assert mail.recipient == subscribed.email
    assert "You do not need to do anything." in mail.text_body
    assert "asked to be told about updates" in mail.text_body
    # A subscription mail: its unsubscribe link, visible and for one-click (RFC 8058).
    headers = json.loads(mail.headers)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{BASE}/subscriptions/unsubscribe?token=")
    assert link in mail.text_body
    assert f'href="{link}"' in mail.html_body
    # Subscribing later: the next run mails that user only.
    add_record(site, changed_mind, services.CONSENT_GRANTED, purpose=services.POLICY_NOTICES)
    assert [a.queued for a in notify(site)] == [1]
    assert [m.recipient for m in outbox(site)] == [subscribed.email, changed_mind.email]


def test_nothing_to_announce_when_no_version_is_waiting(open_site, material_update):
    site = open_site(material_update)
    create_user(site, consented_to="1.1")
    assert notify(site) == []
    assert outbox(site) == []


def test_the_command_line(open_site, material_upcoming, tmp_path):
    site = open_site(material_upcoming)
    create_user(site, consented_to="1.2")
    env = {
        "PORTAL_ENV": "test",
        "PORTAL_SECRET_KEY": TEST_SECRET_KEY,
        "PORTAL_DATABASE_URL": site.settings.database_url,
        "PORTAL_PUBLIC_DIR": str(site.settings.public_dir),
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "PORTAL_BASE_URL": BASE,
    }
    first = CliRunner(env=env).invoke(main, ["policy", "notify"])
    assert first.exit_code == 0, first.output
    assert first.output == "notify: version 1.3 (every user): 1 mail(s) queued\n"
    second = CliRunner(env=env).invoke(main, ["policy", "notify"])
    assert second.output == "notify: version 1.3 (every user): 0 mail(s) queued\n"
    (mail,) = outbox(site)
    assert f"{BASE}/policy/1.3/changes" in mail.text_body
