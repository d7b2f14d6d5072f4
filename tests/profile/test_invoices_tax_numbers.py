"""Tax numbers of invoices: each way a credit code or ID number can be wrong has its own message.

Valid numbers are made here with stdnum's check digits; none is a real company's or person's.
"""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from portal.profile.invoices import bank
from portal.profile.invoices.tax_numbers import (
    TaxNumberError,
    check_credit_code,
    check_resident_id,
    mask_resident_id,
)
from tests.support.invoices import CODE, RIC, credit_code, resident_id, wrong_last


def test_valid_numbers_are_stored_compact_and_upper_case() -> None:
    assert check_credit_code(CODE) == CODE
    spaced = f" {CODE[:4]} {CODE[4:10]}-{CODE[10:]} ".lower()
    assert check_credit_code(spaced) == CODE
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in CODE)  # a Chinese input method's ９１…
    assert check_credit_code(full_width) == CODE
    with_x = resident_id("11010519851104002")
    assert with_x.endswith("X") or with_x[-1].isdigit()
    assert check_resident_id(f"{RIC[:6]} {RIC[6:14]} {RIC[14:]}".lower()) == RIC


# GB 32100-2015 table 1 (with its amendments): the registering authority (first character) and
# the kinds of organisation it registers (second). Letter-first codes are as valid as the rest.
@pytest.mark.parametrize(
    "first17",
    [
        "11100000000013127",  # 1 机构编制, 1 机关 (a government office)
        "12440300455755845",  # 1 机构编制, 2 事业单位 (a public institution)
        "21110000MA0000001",  # 2 外交, 1 外国常驻新闻机构
        "31440000MD0000002",  # 3 司法行政, 1 律师执业机构 (a law firm)
        "35440300MD0000003",  # 3 司法行政, 5 仲裁委员会
        "41110000MD0000004",  # 4 文化, 1 外国在华文化中心
        "51440300MJ0000005",  # 5 民政, 1 社会团体
        "53100000500021676",  # 5 民政, 3 基金会
        "62110000MC0000006",  # 6 旅游, 2 港澳台地区旅游部门常驻代表机构
        "71440300MD0000007",  # 7 宗教, 1 宗教活动场所
        "81440300MC0000008",  # 8 工会, 1 基层工会
        "92440300MA5F00009",  # 9 工商, 2 个体工商户
        "93440300MA5F0000A",  # 9 工商, 3 农民专业合作社
        "A1100000MB0000001",  # A 中央军委改革和编制办公室, 1 军队事业单位
        "A9440300MB0000002",  # A, 9 其他
        "N1440300MF0000003",  # N 农业, 1 组级集体经济组织
        "N2440300MF0000004",  # N 农业, 2 村级集体经济组织 (a village collective)
        "N3440300MF0000005",  # N 农业, 3 乡镇级集体经济组织
        "N9440300MF0000006",  # N 农业, 9 其他
        "Y1440300MG0000007",  # Y 其他, 1
    ],
)
def test_every_authority_and_kind_of_the_standard_is_accepted(first17: str) -> None:
    code = credit_code(first17)
    assert check_credit_code(code) == code
    assert check_credit_code(code.lower()) == code


def test_an_id_number_ending_in_x_is_accepted_in_either_case() -> None:
    first17 = next(
        f"110101199003071{n:02d}"
        for n in range(100)
        if ric.calc_check_digit(f"110101199003071{n:02d}0") == "X"
    )
    number = first17 + "X"
    assert check_resident_id(number.lower()) == number


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (CODE[:15], "A unified social credit code has 18 characters; this one has 15."),
        (CODE + "1", "A unified social credit code has 18 characters; this one has 19."),
        (CODE[:14] + "I" + CODE[15:], "letter that credit codes never use (I, O, S, V, Z)"),
        (CODE[:-1] + "Z", "letter that credit codes never use (I, O, S, V, Z)"),
        (credit_code("B1310000MA1FL4XQ2"), "The first character of a credit code"),
        (credit_code("01310000MA1FL4XQ2"), "The first character of a credit code"),
        (credit_code("94310000MA1FL4XQ2"), "The second character of a credit code"),
        (credit_code("Y2310000MA1FL4XQ2"), "The second character of a credit code"),
        (credit_code("9131A000MA1FL4XQ2"), "Characters 3 to 8 of a credit code are digits"),
        (CODE[:12] + "#" + CODE[13:], "only digits and capital letters"),
        (wrong_last(CODE, "0123456789ABC"), "The last character does not match the rest"),
    ],
)
def test_what_is_wrong_with_a_credit_code_is_named(value: str, message: str) -> None:
    with pytest.raises(TaxNumberError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_credit_code(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (RIC[:15], "A resident ID number has 18 characters; this one has 15."),
        (RIC[:10] + "A" + RIC[11:], "The first 17 characters of an ID number are digits"),
        (RIC[:-1] + "Y", "the last is a digit or X"),
        (wrong_last(RIC, "0123456789"), "The last character does not match the rest"),
        (resident_id("11010119900230123"), "The date of birth in this ID number"),  # 30 February
        (resident_id("11010119901301123"), "The date of birth in this ID number"),  # month 13
        (resident_id("99010119900307123"), "not a region code of China"),
    ],
)
def test_what_is_wrong_with_an_id_number_is_named(value: str, message: str) -> None:
    with pytest.raises(TaxNumberError, match=message):
        check_resident_id(value)


def test_a_birth_date_in_the_future_is_not_a_real_date() -> None:
    number = resident_id("11010120300307123")
    with pytest.raises(TaxNumberError, match="not a real date"):
        check_resident_id(number, today=date(2026, 1, 1))


def test_the_messages_are_translated() -> None:
    from portal import i18n

    with i18n.use_locale("zh_Hans"), pytest.raises(TaxNumberError) as raised:
        check_credit_code(CODE[:15])
    assert "15" in str(raised.value)  # the count survives the translation


def test_an_id_number_is_masked_to_its_first_and_last_four() -> None:
    masked = mask_resident_id(RIC)
    assert masked == RIC[:4] + "*" * 10 + RIC[-4:]
    assert RIC[6:14] not in masked  # the date of birth


@pytest.mark.parametrize(
    ("typed", "digits", "valid"),
    [
        ("6222 0202 0011 2233 445", "6222020200112233445", True),
        ("6222-0202-0011-2233", "6222020200112233", True),
        ("６２２２０２０２００１１２２３３", "6222020200112233", True),
        ("1234567", "1234567", False),  # too short to be an account
        ("1" * 31, "1" * 31, False),
        ("6222 0202 ABCD", "62220202ABCD", False),
        ("٦٢٢٢٠٢٠٢٠٠١١", "٦٢٢٢٠٢٠٢٠٠١١", False),  # Arabic-Indic digits are digits, not ours
    ],
)
def test_bank_account_numbers_are_digits_only(typed: str, digits: str, valid: bool) -> None:
    assert bank.normalize(typed) == digits
    assert bank.is_valid(digits) is valid
    assert bank.masked(digits[-4:]) == f"•••• •••• {digits[-4:]}"
