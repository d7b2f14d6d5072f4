"""Tax numbers of invoices: a company's unified social credit code, a person's resident ID number.

python-stdnum checks both (``stdnum.cn.uscc``, ``stdnum.cn.ric``). Its exceptions say *that* a
number is wrong; a customer needs to know *which* part to look at, so each failure is mapped to
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


def check_credit_code(value: str) -> str:
    """The compact unified social credit code, or :class:`TaxNumberError` saying what is wrong."""
    number = normalize(value)
    try:
        return uscc.validate(number)
    except InvalidLength:
        raise _length_error("uscc", number) from None
    except InvalidFormat:
        # stdnum says only "format": digits 1-8 must be digits; 9-18 digits or letters other
        # than I, O, S, V, Z (they look like 1, 0, 5, U, 2).
        if not number[:8].isascii() or not number[:8].isdigit():
            raise TaxNumberError(
                gettext(
                    "The first eight characters of a credit code are digits "
                    "(the registering authority, entity type and region)."
                )
            ) from None
        if any(ch in "IOSVZ" for ch in number):
            raise TaxNumberError(
                gettext("This code contains a letter that credit codes never use (I, O, S, V, Z).")
            ) from None
        raise TaxNumberError(
            gettext("A credit code has only digits and capital letters.")
        ) from None
    except InvalidChecksum:
        raise TaxNumberError(
            gettext("The last character does not match the rest: please check for a typo.")
        ) from None
    except ValidationError:  # a future stdnum check we do not know yet
        raise TaxNumberError(gettext("This is not a valid unified social credit code.")) from None


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
