"""Tax numbers of invoices: a company's unified social credit code, a person's resident ID number.

python-stdnum checks resident ID numbers (``stdnum.cn.ric``) and computes the check character of
credit codes (``stdnum.cn.uscc.calc_check_digit``). Credit codes are otherwise checked here:
stdnum's ``uscc.validate`` demands eight leading digits, which refuses the letter-first codes
GB 32100-2015 assigns (``A1…`` military institutions, ``N2…`` village collectives, ``Y1…``).
Its exceptions say *that* a number is wrong; a customer needs to know *which* part to look at, so each failure is mapped to
a sentence about what the customer can see on their licence or card, and where stdnum's class
covers several causes (InvalidFormat, InvalidComponent) the number is inspected here.

Both functions return the compact form (no spaces or hyphens, upper case) that is stored, or
raise :class:`TaxNumberError` with a translated message.
"""

from __future__ import annotations

from datetime import date

from stdnum.cn import ric, uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from portal.i18n import gettext

# A Chinese input method in full-width mode types ０-９ and Ａ-Ｚ: unambiguous, so accepted.
_FULL_WIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
)
_SEPARATORS = " -\u3000\t"


class TaxNumberError(ValueError):
    """The number is not valid; ``str(error)`` says why, in the current language."""


def normalize(value: str) -> str:
    """``"９１１１ 0000-6000 3734 1l"`` -> ``"91110000600037341L"``."""
    text = value.translate(_FULL_WIDTH)
    return "".join(ch for ch in text if ch not in _SEPARATORS).upper()


def _length_error(kind: str, number: str) -> TaxNumberError:
    if kind == "uscc":
        return TaxNumberError(
            gettext(
                "A unified social credit code has 18 characters; this one has %(count)s.",
                count=len(number),
            )
        )
    return TaxNumberError(
        gettext(
            "A resident ID number has 18 characters; this one has %(count)s.", count=len(number)
        )
    )


# GB 32100-2015 table 1, as amended: each registering authority (the first character) and the
# kinds of organisation it registers (the second). 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政,
# 6 旅游, 7 宗教, 8 工会, 9 工商, A 中央军委改革和编制办公室, N 农业, Y 其他 (no kinds: always 1).
_KINDS_BY_AUTHORITY = {
    "1": "1239",  # 机关, 事业单位, 中央编办直接管理机构编制的群众团体, 其他
    "2": "19",  # 外国常驻新闻机构, 其他
    "3": "123459",  # 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 外国在华文化中心, 其他
    "5": "1239",  # 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 外国旅游部门常驻代表机构, 港澳台地区旅游部门常驻内地（大陆）代表机构, 其他
    "7": "129",  # 宗教活动场所, 宗教院校, 其他
    "8": "19",  # 基层工会, 其他
    "9": "123",  # 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 军队事业单位, 其他
    "N": "1239",  # 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",
}
# GB 32100-2015 uses the digits and capital letters but I, O, S, V, Z (they look like 1, 0, 5,
# U, 2); stdnum's check character computation indexes this same alphabet.
_CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_DIGITS = "0123456789"


def check_credit_code(value: str) -> str:
    """The compact unified social credit code, or :class:`TaxNumberError` saying what is wrong.

    Checked: 18 characters of the code's alphabet; the registering authority and the kind of
    organisation against the standard's table; the six-digit region code (characters 3-8);
    the check character (ISO 7064 MOD 31-3, computed by stdnum).
    """
    number = normalize(value)
    if len(number) != 18:
        raise _length_error("uscc", number)
    if any(ch not in _CREDIT_CODE_ALPHABET for ch in number):
        if any(ch in "IOSVZ" for ch in number):
            raise TaxNumberError(
                gettext("This code contains a letter that credit codes never use (I, O, S, V, Z).")
            )
        raise TaxNumberError(gettext("A credit code has only digits and capital letters."))
    kinds = _KINDS_BY_AUTHORITY.get(number[0])
    if kinds is None:
        raise TaxNumberError(
            gettext(
                "The first character of a credit code names the registering authority: "
                "a digit from 1 to 9, or A, N or Y."
            )
        )
    if number[1] not in kinds:
        raise TaxNumberError(
            gettext(
                "The second character of a credit code (the kind of organization) does not go "
                "with the first: please check both."
            )
        )
    if not all(ch in _DIGITS for ch in number[2:8]):
        raise TaxNumberError(
            gettext(
                "Characters 3 to 8 of a credit code are digits "
                "(the region where it was registered)."
            )
        )
    if number[-1] != uscc.calc_check_digit(number[:17]):
        raise TaxNumberError(
            gettext("The last character does not match the rest: please check for a typo.")
        )
    return number


def check_resident_id(value: str, *, today: date | None = None) -> str:
    """The compact resident ID number, or :class:`TaxNumberError` saying what is wrong."""
    number = normalize(value)
    try:
        ric.validate(number)
    except InvalidLength:
        raise _length_error("ric", number) from None
    except InvalidFormat:
        raise TaxNumberError(
            gettext("The first 17 characters of an ID number are digits; the last is a digit or X.")
        ) from None
    except InvalidChecksum:
        if not (number[-1].isdigit() or number[-1] == "X"):
            raise TaxNumberError(
                gettext(
                    "The first 17 characters of an ID number are digits; the last is a digit or X."
                )
            ) from None
        raise TaxNumberError(
            gettext("The last character does not match the rest: please check for a typo.")
        ) from None
    except InvalidComponent:
        # stdnum raises this for the date of birth and for the region alike: tell them apart.
        try:
            ric.get_birth_date(number)
        except InvalidComponent:
            raise _birth_date_error() from None
        raise TaxNumberError(
            gettext(
                "The first six digits of this ID number are not a region code of China: "
                "please check them."
            )
        ) from None
    except ValidationError:
        raise TaxNumberError(gettext("This is not a valid resident ID number.")) from None
    if ric.get_birth_date(number) > (today or date.today()):
        raise _birth_date_error()
    return number


def _birth_date_error() -> TaxNumberError:
    return TaxNumberError(
        gettext("The date of birth in this ID number (digits 7–14) is not a real date.")
    )


def mask_resident_id(number: str) -> str:
    """``1101**********1234``: the first four and last four characters only.

    The first four digits name a province and city, which the invoice shows anyway; the last
    four are how people tell their cards apart (as with bank cards). The date of birth
    (digits 7-14) and the county (5-6), which narrow the number down to a person, are hidden.
    """
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
