"""The staff console's forms: sign-in (password and code) and choosing a password."""

from __future__ import annotations

from typing import Any

from wtforms import EmailField, PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired

from portal.accounts.forms import new_password_field
from portal.forms import PortalForm, strip
from portal.forms.base import lazy_message as _l
from portal.forms.text import SingleLine
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


class StaffPasswordForm(PortalForm):
    """The new password; the current one too, unless this replaces the one-time password (the
    member has just proved it, with a code, to get here)."""

    current_password = PasswordField(_l("Current password"))
    new_password = new_password_field(_l("New password"), email=lambda form: form.account_email)

    def __init__(
        self,
        *args: Any,
        account_email: str | None = None,
        needs_current: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = account_email
        self.needs_current = needs_current

    def validate_current_password(self, field: PasswordField) -> None:
        if self.needs_current and not field.data:
            raise ValidationError(_l("Enter your current password."))
