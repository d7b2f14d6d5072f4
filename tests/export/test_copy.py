"""A copy of one's personal information (policy 5.1): the button's ZIP holds every part, its
data.json matches its schema and lists every field of the inventory, the sensitive values are
whole, the copy is recorded, and only a signed-in customer's own POST with its CSRF token gets one."""

from __future__ import annotations

import csv
import io
import json
import re

from jsonschema import Draft202012Validator
from starlette.testclient import TestClient

from portal.profile.export.documents import SCHEMA_PATH
from portal.profile.my_data.services import site_inventory
from tests.support.accounts import GOOD
from tests.support.exports import URL, data_of, opened, take_copy
from tests.support.forms import post_form
from tests.support.inventory import BANK_ACCOUNT, FULL, RESIDENT_ID, fill_everything, user_by_email

MY_DATA = "/account/privacy/my-data"
#: How the change history of "What we hold on you" says a copy was taken.
COPY_IN_HISTORY = "You downloaded a copy of all your personal information (Website)"


def filled_copy(client: TestClient, settings) -> tuple:
    fill_everything(settings, user_by_email(settings).id)
    response = take_copy(client)
    return response, opened(response)


def test_the_copy_is_a_zip_download_that_holds_every_part(signed_in, settings):
    response, archive = filled_copy(signed_in, settings)
    assert response.headers["content-type"] == "application/zip"
    assert re.fullmatch(
        r'attachment; filename="personal-data-\d{4}-\d{2}-\d{2}\.zip"',
        response.headers["content-disposition"],
    )
    assert response.headers["cache-control"] == "no-store"
    assert int(response.headers["content-length"]) == len(response.content)
    assert archive.testzip() is None  # every member's CRC holds
    names = set(archive.namelist())
    scenarios = [scenario.id for scenario in site_inventory().scenarios]
    assert {"index.html", "data.json", "data.schema.json"} <= names
    assert {f"csv/{s.replace('_', '-')}.csv" for s in scenarios} <= names
    assert "drawings/Q-7K3M9XQ2/" + FULL["drawing"] in names
    data = data_of(archive)
    assert [s["id"] for s in data["scenarios"]] == scenarios
    assert {row["purpose"] for row in data["consent_ledger"]} >= {"bank_account", "resident_id"}
    assert any(row["field"] == "job_title" for row in data["audit_trail"])
    (quote,) = data["quote_requests"]
    assert quote["reference"] == "Q-7K3M9XQ2"
    assert quote["notes"] == FULL["quote_notes"]
    assert quote["drawings"] == [FULL["drawing"]]
    assert "Your invoice" in [mail["subject"] for mail in data["mails"]]


def test_data_json_matches_its_schema_and_lists_every_field_of_the_inventory(signed_in, settings):
    _, archive = filled_copy(signed_in, settings)
    data = data_of(archive)
    schema = json.loads(SCHEMA_PATH.read_text())
    assert json.loads(archive.read("data.schema.json")) == schema
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, "\n".join(errors)

    by_id = {scenario["id"]: scenario for scenario in data["scenarios"]}
    for scenario in site_inventory().scenarios:
        listed = [field["key"] for field in by_id[scenario.id]["fields"]]
        assert listed == [field.key for field in scenario.fields], scenario.id
        for part in by_id[scenario.id]["parts"]:
            for record in part["records"]:
                assert record["recorded_at"], (scenario.id, record)
                for value in record["values"]:
                    assert value["field"] in listed, (scenario.id, value)


def test_a_copy_that_breaks_the_schema_is_caught():
    """The schema is strict enough to fail: an unknown key, a missing one, a wrong type."""
    validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))
    assert not validator.is_valid({"format": "personal-data-copy"})
    assert not validator.is_valid({"format": "personal-data-copy", "version": 1, "extra": 1})


def test_the_sensitive_values_are_whole_in_the_copy_and_index_html_says_so(signed_in, settings):
    _, archive = filled_copy(signed_in, settings)
    values = [
        value["value"]
        for scenario in data_of(archive)["scenarios"]
        for part in scenario["parts"]
        for record in part["records"]
        for value in record["values"]
    ]
    assert BANK_ACCOUNT in values
    assert RESIDENT_ID in values
    assert BANK_ACCOUNT in archive.read("csv/corporate-invoice.csv").decode("utf-8-sig")
    assert RESIDENT_ID in archive.read("csv/personal-invoice.csv").decode("utf-8-sig")
    index = archive.read("index.html").decode()
    assert "bank account number and resident ID number" in index
    assert "decrypted" in index
    # The page itself still masks them.
    page = signed_in.get(MY_DATA).text
    assert BANK_ACCOUNT not in page
    assert RESIDENT_ID not in page


def test_the_csv_files_open_in_excel_with_a_header_in_the_customers_language(signed_in, settings):
    fill_everything(settings, user_by_email(settings).id)
    post_form(signed_in, "/language", {"language": "zh_Hans", "next": URL}, page=URL)
    archive = opened(take_copy(signed_in))
    raw = archive.read("csv/shipping-address.csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    header, row = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[:4] == ["记录类型", "记录", "存储时间", "最后修改"]
    assert "收货人姓名" in header
    assert row[header.index("收货人姓名")] == FULL["recipient_name"]
    assert row[header.index("省份")] == "广东省"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row[2])  # Beijing time, for sorting
    assert data_of(archive)["language"] == "zh_Hans"
    index = archive.read("index.html").decode()
    assert '<html lang="zh-Hans">' in index
    assert "个人信息副本" in index


def test_a_value_a_spreadsheet_would_run_is_defused_in_the_csv_only(signed_in, settings):
    post_form(
        signed_in,
        "/account/information",
        {"name": GOOD["name"], "job_title": "=HYPERLINK(1)", "customer_type": "business",
         "invoice_email": "", "preferred_language": "en"},
        page="/account/information",
    )  # fmt: skip
    archive = opened(take_copy(signed_in))
    header, row = list(csv.reader(io.StringIO(archive.read("csv/account-information.csv")
                                              .decode("utf-8-sig"))))  # fmt: skip
    assert row[header.index("Job title")] == "'=HYPERLINK(1)"
    assert "=HYPERLINK(1)" in [
        value["value"]
        for scenario in data_of(archive)["scenarios"]
        for part in scenario["parts"]
        for record in part["records"]
        for value in record["values"]
    ]


def test_index_html_is_self_contained_and_explains_every_file(signed_in, settings):
    _, archive = filled_copy(signed_in, settings)
    index = archive.read("index.html").decode()
    assert not re.search(r"<(script|link|img|iframe)\b", index)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", index)
    for name in archive.namelist():
        if not name.startswith("drawings/"):
            assert name in index, name
    assert FULL["drawing"] in index


def test_the_copy_is_recorded_and_shown_in_the_history(signed_in, settings):
    take_copy(signed_in)
    archive = opened(take_copy(signed_in))
    copies = [row for row in data_of(archive)["audit_trail"] if row["action"] == "copied"]
    assert len(copies) == 2  # this copy lists itself
    assert copies[0]["record"] == "personal_data"
    assert copies[0]["by"] == "you"
    page = signed_in.get(MY_DATA).text
    assert COPY_IN_HISTORY in page


def test_the_my_data_page_has_the_button(signed_in):
    page = signed_in.get(MY_DATA)
    assert f'action="{URL}"' in page.text
    assert "Download a copy (ZIP)" in page.text


def test_get_and_head_show_the_page_and_change_nothing(signed_in):
    page = signed_in.get(URL)
    assert page.status_code == 200
    assert page.template.name == "profile/export/page.html"
    assert page.headers["cache-control"] == "no-store"
    assert signed_in.head(URL).status_code == 200
    assert COPY_IN_HISTORY not in signed_in.get(MY_DATA).text


def test_anonymous_visitors_are_sent_to_log_in(client):
    """A visitor whose session ended while on the page posts a valid form, and logs in first."""
    for response in (client.get(URL, follow_redirects=False), post_form(client, URL, {})):
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={URL}"


def test_the_csrf_token_is_required(signed_in):
    for token in ("", "forged"):
        response = post_form(signed_in, URL, {}, token=token)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
    assert COPY_IN_HISTORY not in signed_in.get(MY_DATA).text
