"""What the invoice pages say, in both languages: who stores the bank account, where invoices go,
and for whom a company's details are needed."""

from __future__ import annotations

import re

import pytest

from tests.support.accounts import register

LIST = "/account/invoices"
#: The processor as the policy names it (content/policy/1.2/en.md and zh_Hans.md, first lines).
PROCESSOR = {
    "en": "Xometry (Shanghai) Technology Co., Ltd.",
    "zh_Hans": "Xometry（上海）科技有限公司",
}


def page_text(client, url: str, language: str) -> str:
    """The page as a customer who registered in ``language`` (their preferred language) sees it."""
    client.cookies.set("portal_language", language)
    assert register(client).status_code == 303
    response = client.get(url)
    assert response.status_code == 200
    return response.text


def consent_label(html: str, name: str) -> str:
    """The words beside the consent box ``name``."""
    label = re.search(rf'name="{name}" value="y"[^>]*> <span>([^<]*)</span>', html)
    assert label, f"no consent box {name}"
    return label[1]


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_the_bank_account_consent_names_the_company_that_stores_it(client, language):
    label = consent_label(
        page_text(client, f"{LIST}/corporate/new", language), "consent_bank_account"
    )
    assert PROCESSOR[language] in label
    assert "Asia" not in label
    assert "亚洲" not in label


def test_the_invoice_email_hint_says_electronic_invoices_go_to_a_mailbox(client):
    text = page_text(client, f"{LIST}/corporate/new", "zh_Hans")
    assert "电子发票将发送至此邮箱" in text
    assert "寄送" not in text  # nothing is posted


def test_corporate_details_are_needed_to_issue_invoices_to_a_company(client):
    text = page_text(client, LIST, "zh_Hans")
    assert "为企业开具增值税发票时需要这些信息" in text
    assert "企业开具增值税发票时需要这些信息" not in text.replace("为企业开具", "")
