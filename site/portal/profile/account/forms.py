"""The account-information and password forms (field names: DESIGN.md, "Form field names")."""

from __future__ import annotations

from typing import Any

from wtforms import PasswordField, ValidationError

from portal.accounts.forms import CUSTOMER_TYPES, customer_type_field, new_password_field
from portal.forms import PortalForm
from portal.forms.base import lazy_message as _l
from portal.forms.fields import email_field, name_field, radio_field, text_field
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
