"""The staff console's forms: sign-in (password and code) and choosing a password."""

from __future__ import annotations

from typing import Any

from wtforms import EmailField, PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired

from portal.forms import PortalForm, strip
from portal.forms.base import lazy_message as _l
from portal.forms.text import SingleLine
from portal.profile.account.forms import PasswordForm
from portal.staff import totp


class _CodeShape:
    """Six digits, spaces allowed (apps show "123 456"): anything else is a typing mistake, said
    at once rather than counted as a failed sign-in."""

    def __call__(self, form: Any, field: StringField) -> None:
        code = totp.clean_code(field.data or "")
        if len(code) != totp.DIGITS or not code.isascii() or not code.isdigit():
            raise ValidationError(_l("Enter the 6 digits your authenticator app shows."))


class StaffLoginForm(PortalForm):
    email = EmailField(
        _l("Email address"),
        filters=[strip],
        validators=[DataRequired(_l("Enter your email address.")), SingleLine()],
    )
    # No SingleLine: a password is only compared with its hash (portal.forms.text).
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    code = StringField(
        _l("Authenticator code"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the 6 digits your authenticator app shows.")),
            SingleLine(),
            _CodeShape(),
        ],
    )


class StaffPasswordForm(PasswordForm):
    """The customers' password form, for staff: the new password, and the current one too
    unless this replaces the one-time password (the member has just proved it, with a code, to
    get here: ``needs_current=False``)."""
