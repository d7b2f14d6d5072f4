"""The summary atop "What we hold on you": one line per scenario that holds something of the
user's (what, why, since when, who else received it), each linking to its section below, in
both languages."""

from __future__ import annotations

import pytest

from portal.policy.model import LOCALES
from portal.profile.my_data.services import site_inventory
from tests.support.forms import post_form
from tests.support.html import parse
from tests.support.inventory import URL, fill_everything, user_by_email

LOGISTICS = "上海某某物流有限公司"  # the provision record fill_everything writes (shipping only)


def lines(response) -> dict[str, object]:
    return {line.id: line for line in response.context["data"].summary}


def test_a_new_customer_sees_what_the_sign_up_left(signed_in, settings):
    user = user_by_email(settings)
    response = signed_in.get(URL)
    summary = lines(response)
    assert "shipping_address" not in summary  # nothing saved there yet
    assert "cookies" not in summary  # kept in the browser, not by us
    registration = summary["registration_website"]
    assert registration.title == "Registration (website)"
    assert registration.held == "4 values"  # name, email, mobile number, customer type
    assert registration.purpose == "Your account, and checking it is you when you log in"
    assert registration.since_at == user.created_at.isoformat()
    assert registration.recipients == "We have not provided it to anyone."
    assert summary["password_setting"].held == "1 value"
    assert summary["account_records"].held.endswith(" records")


def test_each_line_links_to_its_section_and_says_who_else_received_it(signed_in, settings):
    fill_everything(settings, user_by_email(settings).id)
    response = signed_in.get(URL)
    summary = lines(response)
    assert summary["shipping_address"].held == "1 record"
    assert summary["shipping_address"].recipients == f"We provided it to {LOGISTICS}."
    assert summary["corporate_invoice"].recipients == "We have not provided it to anyone."
    page = parse(response.text)
    sections = {section.id for section in response.context["data"].sections}
    for line in summary.values():
        anchor = line.id.replace("_", "-")
        assert f"#{anchor}" in page.links
        assert line.id in sections
        assert f'id="{anchor}"' in response.text
    assert response.text.index("At a glance") < response.text.index('id="registration-website"')


def test_a_scenario_provided_to_several_names_them_all_in_one_sentence(signed_in, settings):
    from portal.rights.models import Disclosure
    from tests.support.records import run

    user = user_by_email(settings)
    fill_everything(settings, user.id)

    async def another(session):
        session.add(
            Disclosure(user_id=user.id, recipient_name="Acme GmbH", purpose="copy", scope="all")
        )
        await session.commit()

    run(settings, another)
    summary = lines(signed_in.get(URL))
    assert summary["shipping_address"].recipients == (
        f"We provided it to {LOGISTICS} and Acme GmbH."
    )
    assert summary["password_setting"].recipients == "We provided it to Acme GmbH."


def test_in_chinese_the_summary_speaks_chinese(signed_in, settings):
    fill_everything(settings, user_by_email(settings).id)
    next_page = {"language": "zh_Hans", "next": URL}
    assert post_form(signed_in, "/language", next_page).status_code == 303
    response = signed_in.get(URL)
    summary = lines(response)
    assert summary["shipping_address"].title == "收货信息"
    assert summary["shipping_address"].held == "1 条记录"
    assert summary["shipping_address"].purpose == "寄送您订购的产品"
    assert summary["shipping_address"].recipients == f"我们已将这些信息提供给{LOGISTICS}。"
    assert summary["corporate_invoice"].recipients == "我们未向任何人提供过这些信息。"
    assert summary["registration_website"].since.endswith("日")  # 2026年12月5日
    for words in ("概览", "其他接收方", "处理目的、收集方式与保存期限"):
        assert words in response.text, words


@pytest.mark.parametrize("scenario", [s.id for s in site_inventory().scenarios])
def test_every_scenario_says_its_purpose_in_short_in_both_languages(scenario):
    found = site_inventory().scenario(scenario)
    assert found is not None
    for locale in LOCALES:
        short = found.purpose_short.get(locale, "")
        assert short, f"content/inventory.toml: {scenario} needs purpose_short in {locale}"
        assert len(short) <= 40 or len(short) < len(found.purpose[locale]), "not short"
