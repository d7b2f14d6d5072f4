"""Sites whose policy has versions around today: one to read, one to consent to, one to come.

The real content's versions take effect on fixed dates, so these tests build their own: the
published 1.0 and 1.1, then versions dated relative to the day the tests run, each changing one
passage of the one before it. The fixtures that build them are in ``tests/privacy/conftest.py``.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.policy.library import today_in_china
from portal.privacy.models import POLICY_LEDGER_KINDS, ConsentRecord
from portal.settings import ROOT, Settings
from tests.support.forms import post_form
from tests.support.policy_build import freeze_appendices
from tests.support.records import run
from tests.support.site import build_policy

PASSWORD = "milling-spindle-42"

# What each added version changes, in English and Chinese (old text, new text), and its summary.
CHANGES = {
    "1.2": (
        ("as soon as possible", "within fifteen working days"),
        ("尽快", "在十五个工作日内"),
        ("We reply within fifteen working days.", "我们将在十五个工作日内答复。"),
    ),
    "1.3": (
        (
            "Without your explicit consent, we will not reduce your rights under this policy.",
            "Without your explicit consent, we will not reduce your rights under this policy. "
            "We announce every update by email before it takes effect.",
        ),
        (
            "未经您的明确同意，我们不会削减您依据本政策所享有的权利。",
            "未经您的明确同意，我们不会削减您依据本政策所享有的权利。我们会在每次更新生效前通过电子邮件通知。",
        ),
        ("Updates are announced by email.", "更新将通过电子邮件通知。"),
    ),
}


@dataclass(frozen=True)
class PolicySite:
    """A built policy: ``content`` (Markdown) and ``public`` (what the site reads)."""

    content: Path
    public: Path


def make_policy(directory: Path, versions: list[tuple[str, date, bool]]) -> PolicySite:
    """content/ with 1.0 and 1.1, plus ``versions`` (number, effective, material), built."""
    content = directory / "content"
    shutil.copytree(ROOT / "content", content)
    for folder in (content / "policy").iterdir():
        if folder.name not in ("1.0", "1.1"):
            shutil.rmtree(folder)
    previous = "1.1"
    for version, effective, material in versions:
        (en_old, en_new), (zh_old, zh_new), summary = CHANGES[version]
        freeze_appendices(content)
        target = content / "policy" / version
        target.mkdir()
        for locale, old, new, text in (
            ("en", en_old, en_new, summary[0]),
            ("zh_Hans", zh_old, zh_new, summary[1]),
        ):
            source = (content / "policy" / previous / f"{locale}.md").read_text(encoding="utf-8")
            assert old in source, (version, locale, old)
            source = re.sub(r"(?m)^version: .*$", f"version: {version}", source, count=1)
            source = re.sub(r"(?m)^effective: .*$", f"effective: {effective}", source, count=1)
            source = re.sub(
                r"(?m)^material: .*$", f"material: {'yes' if material else 'no'}", source, count=1
            )
            source = re.sub(r"(?m)^summary: .*$", f"summary: {text}", source, count=1)
            (target / f"{locale}.md").write_text(source.replace(old, new, 1), encoding="utf-8")
        previous = version
    build_policy(content, directory / "public")
    return PolicySite(content, directory / "public")


def days(n: int) -> date:
    return today_in_china() + timedelta(days=n)


@dataclass
class Site:
    app: Starlette
    client: TestClient
    settings: Settings

    def device(self) -> TestClient:
        """Another browser on the same site (closed with the test)."""
        other = TestClient(self.app)
        self._devices.append(other)
        return other

    def __post_init__(self) -> None:
        self._devices: list[TestClient] = []


def create_user(
    site: Site,
    *,
    consented_to: str = "1.1",
    email: str = "li.wei@example.cn",
    locale: str = "en",
    name: str = "李伟",
) -> User:
    """An account that agreed to ``consented_to`` at registration (as it would have back then)."""
    settings = site.settings

    async def work(session):
        return await accounts.register(
            session=session,
            data=accounts.Registration(
                name=name,
                email=email,
                phone="+8613812345678",
                customer_type="business",
                password=PASSWORD,
            ),
            locale=locale,
            policy_version=consented_to,
            channel="website",
            client=f"tests:{email}",  # its own registration throttle
            secret_key=settings.secret_key,
            mailer=site.app.state.mailer,
        )

    return run(settings, work)


def log_in(client: TestClient, email: str = "li.wei@example.cn") -> None:
    response = post_form(client, "/login", {"email": email, "password": PASSWORD}, page="/login")
    assert response.status_code == 303, response.text


def signed_in(site: Site, client: TestClient | None = None, **user) -> User:
    """A user as :func:`create_user`, signed in on ``client`` (the site's own by default)."""
    account = create_user(site, **user)
    log_in(client or site.client, account.email)
    return account


def ledger(site) -> list[ConsentRecord]:
    """The ledger's policy rows (consents and acknowledgments), oldest first."""

    async def work(session):
        return list(
            await session.scalars(
                select(ConsentRecord)
                .where(ConsentRecord.kind.in_(POLICY_LEDGER_KINDS))
                .order_by(ConsentRecord.id)
            )
        )

    return run(site.settings, work)


def standing(response):
    return response.context["policy_standing"]


def acknowledge(client, version: str, *, next: str = "/account", **kwargs):
    return post_form(
        client, f"/policy/{version}/acknowledge", {"next": next}, page="/account", **kwargs
    )
