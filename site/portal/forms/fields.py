"""Fields that several forms declare alike, each defined once (the names are the forms' own).

A factory returns a new field for one form's class body (``name = name_field()``): WTForms binds
each declared field to its own form, so forms share the definition, not the instance. The form
gives what differs from place to place (the label, the message for a missing value); the rest
(filters, length limits and their messages, format checks) is the same wherever the field stands.

Every message is still a literal ``_l("…")`` here or at the call, so the extraction finds it.

Every text field made here carries :class:`~portal.forms.text.SingleLine` (no line breaks,
control or invisible characters); a form that declares a text field itself must add it too, and
``tests/test_single_line_text.py`` fails for any field of any form that lacks it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from wtforms import EmailField, Form, RadioField, StringField, TelField, ValidationError
from wtforms.fields import Field

# SelectChoice came with WTForms 3.2; types-WTForms does not have it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.forms import Email, Phone, strip
from portal.forms.base import lazy_message as _l
from portal.forms.text import SingleLine

# One message per limit in use: the catalogue holds each sentence whole, number included.
_TOO_LONG = {
    30: _l("Use at most 30 characters."),
    50: _l("Use at most 50 characters."),
    100: _l("Use at most 100 characters."),
    200: _l("Use at most 200 characters."),
    254: _l("Use at most 254 characters."),
    2000: _l("Use at most 2,000 characters."),
}


def length_limit(limit: int) -> Length:
    """``Length(max=limit)`` with our message; a limit without a message is a KeyError."""
    return Length(max=limit, message=_TOO_LONG[limit])


def text_field(
    label: str,
    *,
    required: str | None = None,
    max_length: int | None = None,
    optional: bool = False,
) -> StringField:
    """A stripped text box: ``required`` is the message for an empty one (else it may be empty).

    ``optional`` adds WTForms' ``Optional()``, which ends validation at an empty box: leave it
    out where a form-level ``validate_<name>`` must still judge an empty value.
    """
    validators: list[Any] = []
    if optional:
        validators.append(Optional())
    if required is not None:
        validators.append(DataRequired(required))
    validators.append(SingleLine())
    if max_length is not None:
        validators.append(length_limit(max_length))
    return StringField(label, filters=[strip], validators=validators)


def name_field(required: str | None = None) -> StringField:
    """A person's name, up to 100 characters; ``required`` says what to enter if not "your name"."""
    if required is None:
        required = _l("Enter your name.")
    return text_field(_l("Name"), required=required, max_length=100)


def street_address_field(label: str) -> StringField:
    """The street, building and room of an address (the province and city are separate)."""
    return text_field(label, required=_l("Enter the street, building and room."), max_length=200)


def email_field(label: str, *, required: str | None = None) -> EmailField:
    """An email address we will write to: checked and stored normalized (``portal.forms.Email``)."""
    validators: list[Any] = [] if required is None else [DataRequired(required)]
    validators += [SingleLine(), length_limit(254), Email()]
    return EmailField(label, filters=[strip], validators=validators)


def mobile_field(label: str, *, required: str | None) -> TelField:
    """A mobile number, stored in E.164 form (``portal.forms.Phone``); ``required`` is the
    message for an empty box (``None``: it may be empty)."""
    validators: list[Any] = [] if required is None else [DataRequired(required)]
    validators += [SingleLine(), length_limit(30), Phone()]
    return TelField(label, filters=[strip], validators=validators)


# Full-width digits are what a Chinese input method types in full-width mode, and "200 120" is
# how some people group the six digits: both are unambiguous, so they are normalized rather
# than refused. Anything else that is not six ASCII digits is an error.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def normalize_postal_code(value: object) -> object:
    """``"２００ １２０"`` -> ``"200120"``; other input is left for the validator to judge."""
    if not isinstance(value, str):
        return value
    return "".join(value.translate(_FULL_WIDTH_DIGITS).split())


# GB/T 2260 lists Taiwan (71), Hong Kong (81) and Macao (82) with the mainland's provinces. Hong
# Kong and Macao have no postal codes (mainland couriers' forms write 999077 and 999078, so six
# digits are still accepted), and Taiwan's have three, five or six digits: outside the mainland
# the code is optional, and must not be made up to get past the form.
_POSTAL_CODE_LENGTHS_OUTSIDE_MAINLAND = {"71": (3, 5, 6), "81": (6,), "82": (6,)}


class _PostalCode:
    """Six digits, required, in the mainland; optional elsewhere (see above). The province is
    the form's own ``province`` field, when it has one."""

    def __call__(self, form: Form, field: Field) -> None:
        value = field.data or ""
        province = form.data.get("province") if "province" in form else None
        lengths = _POSTAL_CODE_LENGTHS_OUTSIDE_MAINLAND.get(str(province or "")[:2])
        if lengths is None and not value:
            raise ValidationError(_l("Enter the six-digit postal code."))
        if not value:
            return
        if len(value) not in (lengths or (6,)) or not all("0" <= ch <= "9" for ch in value):
            if lengths == (3, 5, 6):
                raise ValidationError(_l("A postal code in Taiwan is three, five or six digits."))
            raise ValidationError(_l("A postal code is six digits, such as 200120."))


def postal_code_field() -> StringField:
    """A postal code: six digits in the mainland, full-width digits and spaces accepted."""
    return StringField(
        _l("Postal code"),
        filters=[normalize_postal_code],
        validators=[SingleLine(), _PostalCode()],
    )


class _OneOf:
    """The value is one of ``values``; else ``message`` (WTForms' own check would not say it)."""

    def __init__(self, values: Collection[str], message: str) -> None:
        self.values = values
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        if field.data not in self.values:
            raise ValidationError(self.message)


def radio_field(label: str, choices: Iterable[tuple[str, Any]], *, message: str) -> RadioField:
    """Radio buttons of ``(value, label)``; ``message`` when none is chosen, or another value."""
    choices = tuple(choices)
    return RadioField(
        label,
        choices=[SelectChoice(value, text) for value, text in choices],
        validate_choice=False,
        validators=[
            InputRequired(message),
            _OneOf(frozenset(value for value, _ in choices), message),
        ],
    )
