""" "What we hold on you" (/account/privacy/my-data): every value, masked where sensitive, the
user's own only, in both languages, with a way to correct each."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.testclient import TestClient

from portal.accounts.models import User
from portal.crypto.keystore import SQLiteKeyStore
from portal.profile.my_data.events import PER_PAGE
from tests.support.accounts import GOOD, register
from tests.support.forms import post_form
from tests.support.history import history_of, write_saves
from tests.support.html import parse
from tests.support.inventory import (
    BANK_ACCOUNT,
    FULL,
    RESIDENT_ID,
    URL,
    fill_everything,
    user_by_email,
)


def filled(client: TestClient, settings: Any) -> User:
    user = user_by_email(settings)
    fill_everything(settings, user.id)
    return user


def in_chinese(client: TestClient) -> None:
    response = post_form(client, "/language", {"language": "zh_Hans", "next": URL}, page=URL)
    assert response.status_code == 303


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account/privacy/my-data"


def test_the_page_lists_every_value_of_a_user_who_filled_in_everything(signed_in, settings):
    filled(signed_in, settings)
    response = signed_in.get(URL)
    assert response.status_code == 200
    assert response.template.name == "profile/my_data/page.html"
    assert response.headers["cache-control"] == "no-store"
    text = response.text
    for value in (
        GOOD["name"],
        "Li.Wei@example.cn",
        "138 1234 5678",  # the registration phone, as people write it
        "139 1234 5678",  # the shipping address's
        "Company",  # the customer type in words
        FULL["job_title"],
        FULL["invoice_email"],
        FULL["wechat_openid"],
        FULL["organization_name"],
        FULL["recipient_name"],
        FULL["shipping_address"],
        "Guangdong",  # province and city as names, not GB/T 2260 codes
        "Shenzhen",
        "518057",
        FULL["company_name"],
        FULL["uscc"],  # a company's tax number is not sensitive: shown whole
        FULL["bank_name"],
        "•••• •••• 3445",
        FULL["personal_name"],
        "New products",  # the subscription topic
        FULL["ip_address"],
        FULL["user_agent"],
        "Safari on iPhone",
        "Job title",  # the change history names the field
        "Storing your bank account number",  # the consent record's purpose
        "Your invoice",  # a mail sent to the invoice address
    ):
        assert value in text, value
    assert "Not provided" not in text


def test_sensitive_values_are_never_shown_whole(signed_in, settings):
    filled(signed_in, settings)
    response = signed_in.get(URL)
    data = response.context["data"]
    text = response.text
    assert BANK_ACCOUNT not in text
    assert BANK_ACCOUNT[:-4] not in text
    assert RESIDENT_ID not in text
    assert RESIDENT_ID[4:14] not in text  # the birth date and place inside the number
    assert "1101**********002X" in text
    sensitive = {item.key: item for item in data.items() if item.sensitive}
    assert set(sensitive) == {"corporate_invoice.bank_account", "personal_invoice.tax_number"}
    assert all(item.masked for item in sensitive.values())
    assert BANK_ACCOUNT not in str(data.as_dict())  # nor in what the export will be made from


def test_an_unreadable_bank_account_says_so_instead_of_failing(signed_in, settings):
    user = filled(signed_in, settings)
    asyncio.run(SQLiteKeyStore(settings.keystore_dir).delete(user.id))  # the key is gone
    response = signed_in.get(URL)
    assert response.status_code == 200
    assert "cannot be shown right now" in response.text
    assert BANK_ACCOUNT[-4:] not in response.text


def test_another_users_data_never_appears(signed_in, settings, app):
    filled(signed_in, settings)
    with TestClient(app) as other:
        assert register(other, email="zhang.min@example.cn", name="张敏").status_code == 303
        page = other.get(URL).text
        assert "张敏" in page
        for value in (
            GOOD["name"],
            "Li.Wei@example.cn",
            FULL["job_title"],
            FULL["shipping_address"],
            FULL["company_name"],
            FULL["ip_address"],
            FULL["invoice_email"],
            "Your invoice",
            "•••• 3445",  # the masked bank account (bare digits can occur in a time)
        ):
            assert value not in page, value
    assert "张敏" not in signed_in.get(URL).text


def test_mails_are_listed_by_account_not_by_an_address_someone_typed(signed_in, app):
    """An invoice email is typed, never verified: typing another customer's address must not
    show their later mails (here, their password-reset mail) among one's own."""
    with TestClient(app) as other:
        assert register(other, email="zhang.min@example.cn", name="张敏").status_code == 303
        information = {
            "name": "张敏",
            "job_title": "",
            "customer_type": "business",
            "invoice_email": GOOD["email"],
            "preferred_language": "en",
        }
        saved = post_form(other, "/account/information", information, page="/account/information")
        assert saved.status_code == 303
        assert post_form(signed_in, "/password/forgot", {"email": GOOD["email"]}).status_code < 400
        assert "Choose a new password" in signed_in.get(URL).text  # the owner sees their mail
        assert "Choose a new password" not in other.get(URL).text


def test_an_empty_account_says_what_was_not_provided(signed_in):
    response = signed_in.get(URL)
    text = response.text
    assert "Not provided" in text  # job title, invoice email, WeChat OpenID
    assert "You have not saved a shipping address." in text
    assert "You have not uploaded any drawings." in text
    assert "You are not subscribed to any mail." in text
    job = next(i for i in response.context["data"].items() if i.key.endswith(".job_title"))
    assert job.value is None


def test_every_record_links_to_where_it_is_corrected(signed_in, settings):
    filled(signed_in, settings)
    response = signed_in.get(URL)
    links = set(parse(response.text).links)
    data = response.context["data"]
    ids = {
        section.id: [r.correct_url for p in section.parts for r in p.records if r.correct_url]
        for section in data.sections
    }
    assert ids["shipping_address"][0].startswith("/account/addresses/")
    assert ids["shipping_address"][0].endswith("/edit")
    assert ids["corporate_invoice"][0].startswith("/account/invoices/corporate/")
    assert ids["personal_invoice"][0].startswith("/account/invoices/personal/")
    expected = {
        "/account/information",
        "/account/password",
        "/account/subscriptions",
        "/account/consents",
        "/account",
        "/cookies",
        *ids["shipping_address"],
        *ids["corporate_invoice"],
        *ids["personal_invoice"],
    }
    assert expected <= links


def test_the_change_history_shows_every_save_a_page_at_a_time(signed_in, settings):
    """No cap: what used to stop at the newest 50 changes now pages through all of them."""
    saves = 50 + 5
    write_saves(settings, user_by_email(settings).id, saves)
    response = signed_in.get(URL)
    history = history_of(response)
    assert len(history.records) == PER_PAGE
    assert history.total == saves
    assert "Page 1 of 3" in response.text
    assert "The newest" not in response.text
    last = signed_in.get(f"{URL}?history_page=3")
    assert len(history_of(last).records) == saves - 2 * PER_PAGE
    assert "You changed Shipping address (deleted): Postal code (Website)" in last.text


def test_in_chinese_the_inventory_speaks_chinese(signed_in, settings):
    filled(signed_in, settings)
    in_chinese(signed_in)
    response = signed_in.get(URL)
    assert parse(response.text).html_lang == "zh-Hans"
    text = response.text
    for words in (
        "注册（网站）",  # a scenario's title from the inventory
        "注册 Xometry 账户，并在您登录时验证您的身份。",  # its purpose
        "您在网页上填写个人信息",  # its method
        "账户安全与记录",  # the scenario this page's test added to the inventory
        "广东省",  # province and city in Chinese
        "深圳市",
        "上海市",
        "收货人姓名",  # a field's label
    ):
        assert words in text, words
    data = response.context["data"]
    assert data.locale == "zh_Hans"
    assert data.sections[0].title == "注册（网站）"


def test_the_page_stays_open_while_a_material_policy_change_waits_for_consent():
    from portal.privacy.gate import is_open

    assert is_open(URL)


def test_an_account_registered_on_the_website_holds_nothing_under_the_mini_program(signed_in):
    response = signed_in.get(URL)
    sections = {section.id: section for section in response.context["data"].sections}
    (part,) = sections["registration_mini_program"].parts
    assert part.records == ()
    assert "you did not register through WeChat" in part.empty
    summarized = [line.id for line in response.context["data"].summary]
    assert "registration_website" in summarized
    assert "registration_mini_program" not in summarized
