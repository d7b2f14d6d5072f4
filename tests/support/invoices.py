"""Invoice details in the tests: valid tax numbers (stdnum's check digits), valid forms."""

from __future__ import annotations

from stdnum.cn import ric, uscc


def credit_code(first17: str = "91310000MA1FL4XQ2") -> str:
    """A unified social credit code with its correct check character."""
    return first17 + uscc.calc_check_digit(first17)


def resident_id(first17: str = "11010119900307123") -> str:
    """A resident ID number with its correct check character (stdnum wants a placeholder last)."""
    return first17 + ric.calc_check_digit(first17 + "0")


def wrong_last(number: str, alphabet: str) -> str:
    return number[:-1] + next(ch for ch in alphabet if ch != number[-1])


CODE = credit_code()
RIC = resident_id()
CORPORATE = {
    "company_name": "上海精密机械有限公司",
    "tax_number": f"{CODE[:6]} {CODE[6:]}".lower(),
    "province": "310000",
    "city": "310100",
    "invoicing_address": "浦东新区张江路 88 号 3 号楼 501 室",
    "postal_code": "201203",
    "bank_name": "中国工商银行上海张江支行",
    "bank_account": "",
    "invoice_email": "Finance@Example.cn",
}
PERSONAL = {
    "name": "王芳",
    "tax_number": RIC[:6] + " " + RIC[6:],
    "province": "110000",
    "city": "110100",
    "invoicing_address": "东城区东长安街 1 号",
    "postal_code": "100010",
    "invoice_email": "wang.fang@example.cn",
    "consent_resident_id": "y",  # the separate consent the ID number needs
}
