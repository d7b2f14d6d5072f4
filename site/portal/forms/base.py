"""What every form shares: WTForms with our catalogue, and validators for Chinese data.

Each validator is given its message explicitly (``lazy_gettext``), so every message a user can
see is in our catalogue; WTForms' own messages never reach the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self, cast

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from starlette.datastructures import FormData
from wtforms import Form, ValidationError
from wtforms.fields import Field

from portal import i18n
from portal.i18n import LazyString


def field_text(text: LazyString) -> str:
    """A :class:`~portal.i18n.LazyString` as a WTForms label or message.

    It is translated when it is shown, in the language of the request showing it. WTForms only
    formats a label or message with ``str()``, ``%`` or Markup's ``__html__``, all of which a
    LazyString does; WTForms' stubs type them ``str``, so that is the type this gives it.
    """
    return cast(str, text)


def lazy_message(message: str) -> str:
    """``lazy_gettext`` for WTForms labels and messages (see :func:`field_text`); form modules
    import it as ``_l``, and use it only for what they hand to WTForms."""
    return field_text(LazyString(message))


_l = lazy_message


class _Translations:
    def gettext(self, message: str) -> str:
        return i18n.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return i18n.raw_ngettext(singular, plural, n)


class PortalForm(Form):
    """Base form: CSRF is checked by the middleware; messages come from our catalogue."""

    class Meta:
        def get_translations(self, form: Form) -> _Translations:
            return _Translations()

    @classmethod
    def from_form(cls, form: FormData, **kwargs: Any) -> Self:
        # Nobody types a NUL, and PostgreSQL's text cannot hold one (psycopg raises DataError):
        # drop it here, so no form of any area can turn it into a 500.
        cleaned = FormData(
            [
                (key, value.replace("\x00", "") if isinstance(value, str) else value)
                for key, value in form.multi_items()
            ]
        )
        return cls(formdata=cleaned, **kwargs)

    def first_errors(self) -> dict[str, str]:
        """The first error of each field, as text, for templates and htmx responses."""
        # A field's errors are a list of messages (a FormField's would be a dict: we have none).
        return {
            name: str(errors[0])
            for name, errors in self.errors.items()
            if errors and isinstance(errors, Sequence)
        }


def entered(field: Field) -> str:
    """The text of a field the form has validated as required.

    WTForms types a text field's ``data`` as ``str | None``; once ``DataRequired`` has passed
    it is a string, and this says so (or fails loudly where a form was not validated).
    """
    data = field.data
    if not isinstance(data, str):
        raise TypeError(f"{field.name} holds no text: was the form validated?")
    return data


def strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class Email:
    """A syntactically valid address (no DNS lookup); stores the normalized form."""

    def __call__(self, form: Form, field: Field) -> None:
        if not field.data:
            return
        try:
            result = validate_email(field.data, check_deliverability=False)
        except EmailNotValidError as error:
            raise ValidationError(_l("Enter an email address like name@example.com.")) from error
        field.data = result.normalized


class Phone:
    """A mainland mobile number by default; numbers of other regions start with +.

    The field's data becomes the E.164 form (+8613812345678).
    """

    def __call__(self, form: Form, field: Field) -> None:
        if not field.data:
            return
        # phonenumbers reads letters as the keypad's digits (138 TEST 5678 becomes a valid
        # 138 8378 5678) and "ext" as an extension: a letter here is a typo to point out.
        if any(ch.isalpha() for ch in field.data):
            raise ValidationError(_l("Enter the number in digits: a phone number has no letters."))
        raw = "".join(ch for ch in field.data if ch not in " -()")
        try:
            number = phonenumbers.parse(raw, "CN")
        except phonenumbers.NumberParseException as error:
            raise ValidationError(
                _l("Enter a mobile number such as 138 1234 5678, or +852 … for other regions.")
            ) from error
        if not phonenumbers.is_valid_number(number):
            raise ValidationError(
                _l("Enter a mobile number such as 138 1234 5678, or +852 … for other regions.")
            )
        if number.country_code == 86 and phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            raise ValidationError(
                _l("Enter a mobile number: we send order updates by text message.")
            )
        field.data = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str | None) -> str:
    """+8613812345678 -> 138 1234 5678; other regions in international form."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
