"""The account-information, password, login-address and mobile-number forms (field names:
DESIGN.md, "Form field names"; ``new_email`` is the inventory's key of a pending address)."""

from __future__ import annotations

from typing import Any

from wtforms import Field, PasswordField, ValidationError
from wtforms.validators import DataRequired

from portal.accounts.forms import CUSTOMER_TYPES, customer_type_field, new_password_field
from portal.forms import PortalForm
from portal.forms.base import lazy_message as _l
from portal.forms.fields import email_field, mobile_field, name_field, radio_field, text_field
from portal.i18n import LANGUAGES

# Each language is named in itself (as the language switch does): a reader who cannot read the
# page's language still finds their own.
LANGUAGE_CHOICES = tuple((locale, language.native_name) for locale, language in LANGUAGES.items())


def customer_type_label(value: str | None) -> Any:
    """The translated label of a stored customer type, or ``None`` when not given."""
    return dict(CUSTOMER_TYPES).get(value or "")


class AccountInformationForm(PortalForm):
    """Policy 1.3: name, job title, customer type, invoice email and preferred language."""

    name = name_field()
    job_title = text_field(_l("Job title"), max_length=100)
    customer_type = customer_type_field()
    invoice_email = email_field(_l("Invoice email"))
    preferred_language = radio_field(
        _l("Preferred language"), LANGUAGE_CHOICES, message=_l("Choose a language.")
    )


class PasswordForm(PortalForm):
    """The current password (unless the account has none yet) and the new one.

    No second "repeat the new password" box, as at registration and in the reset link: a typo
    costs a trip through "Forgot your password?", which every account that can have a password
    can take (it has an email address), while a repeat box doubles the typing on a phone for
    every customer who did not mistype.
    """

    # No SingleLine: a password is only compared with its hash (portal.forms.text).
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


def _password_again() -> PasswordField:
    """The current password, re-entered to confirm a change of the login details."""
    # No SingleLine: a password is only compared with its hash (portal.forms.text).
    return PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )


def _refuse_unchanged(field: Field, current: str | None, message: str) -> None:
    """Refuse a valid value the account holds already: asking for it again is a slip."""
    if not field.errors and field.data and field.data == current:
        raise ValidationError(message)


class LoginEmailForm(PortalForm):
    """A new login address (a link goes to it) and the current password."""

    new_email = email_field(_l("New email address"), required=_l("Enter the new email address."))
    current_password = _password_again()

    def __init__(self, *args: Any, current: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current

    def validate_new_email(self, field: Field) -> None:
        # Compared as stored: a change of capitals only ("Li.Wei" for "li.wei") is allowed.
        _refuse_unchanged(field, self.current, _l("This is already your login email address."))


class MobileForm(PortalForm):
    """The mobile number (empty: remove it, where allowed) and the current password."""

    phone = mobile_field(_l("Mobile number"), required=None)
    current_password = _password_again()

    def __init__(
        self, *args: Any, current: str | None = None, can_remove: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        self.can_remove = can_remove

    def validate_phone(self, field: Field) -> None:
        if not field.data and not field.errors and not self.can_remove:
            raise ValidationError(
                _l("Your account has no login email address, so it must keep a mobile number.")
            )
        try:
            _refuse_unchanged(field, self.current, _l("This is already your mobile number."))
        except ValidationError:
            # Shown as typed, not in the E.164 form the check compared: the form keeps input.
            field.data = field.raw_data[0] if field.raw_data else field.data
            raise
