"""Every purpose the code writes to the consent ledger has a name people can read, in both
languages, and the ledger page shows it apart from the policy version."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from portal import i18n
from portal.privacy import services
from portal.privacy.models import ConsentRecord
from portal.privacy.purposes import PURPOSES
from portal.profile.invoices import bank
from portal.profile.subscriptions.topics import TOPICS, purpose_for
from portal.settings import ROOT
from tests.support.policy_updates import signed_in
from tests.support.records import run

#: What the code writes: the invoices' separate consents and every subscription topic.
WRITTEN = {bank.PURPOSE, *(purpose_for(topic) for topic in TOPICS)}


def ledger_writers() -> list[str]:
    """Every place in the code that builds a ledger row with a purpose of its own choosing."""
    found = []
    for path in sorted((ROOT / "site" / "portal").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "ConsentRecord" and any(k.arg == "purpose" for k in node.keywords):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_only_record_consent_writes_a_purpose_so_it_can_check_every_one():
    (writer,) = ledger_writers()
    assert writer.startswith(str(Path("site/portal/privacy/services.py")))


def test_every_purpose_the_code_writes_is_named():
    assert PURPOSES.keys() >= WRITTEN, sorted(WRITTEN - PURPOSES.keys())


async def test_a_purpose_without_a_name_is_refused_before_it_reaches_the_ledger(db_session):
    with pytest.raises(ValueError, match="consent_purpose_nobody_named"):
        services.record_consent(
            db_session,
            user_id=1,
            purpose="consent_purpose_nobody_named",
            granted=True,
            language="en",
            channel="website",
        )


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_the_ledger_page_names_every_purpose_apart_from_the_version(
    open_site, minor_update, language
):
    site = open_site(minor_update)
    user = signed_in(site, consented_to="1.2", locale=language)

    async def grant_everything(session):
        for purpose in PURPOSES:
            record = ConsentRecord(
                user_id=user.id,
                kind=services.CONSENT_GRANTED,
                purpose=purpose,
                policy_version="1.2",
                language=language,
                channel="website",
            )
            session.add(record)
        await session.commit()

    run(site.settings, grant_everything)
    page = site.client.get("/account/consents").text
    cells = re.findall(r'<td data-label="[^"]*" class="ledger__purpose">([^<]*)</td>', page)
    with i18n.use_locale(language):
        names = {purpose: str(name) for purpose, name in PURPOSES.items()}
    assert sorted(cell for cell in cells if cell) == sorted(names.values())
    # What a reader sees (the consents in force name theirs in ids and links, which is fine).
    shown = re.sub(r"<[^>]*>", " ", page)
    for purpose, name in names.items():
        assert re.search(rf"\b{purpose}\b", shown) is None, f"the raw key {purpose} is shown"
        if language == "zh_Hans":
            assert re.search(r"[\u4e00-\u9fff]", name), f"{purpose} is not translated: {name}"
    # The version has a cell of its own, never run into the purpose's name.
    versions = re.findall(r'class="ledger__version">(.*?)</td>', page, re.S)
    assert len(versions) == len(PURPOSES) + 2  # and the registration's two rows
    assert all("1.2" in cell for cell in versions)
