"""Registration, login and password-reset forms (field names: DESIGN.md)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from wtforms import BooleanField, EmailField, Form, HiddenField, PasswordField, ValidationError
from wtforms.fields import Field, RadioField
from wtforms.validators import DataRequired

from portal.accounts.passwords import password_problem
from portal.forms import PortalForm, strip
from portal.forms.base import lazy_message as _l
from portal.forms.fields import email_field, mobile_field, name_field, radio_field, text_field
from portal.forms.text import SingleLine
from portal.i18n import LANGUAGES, lazy_gettext, use_locale

CUSTOMER_TYPES = (
    ("business", _l("Company")),
    ("individual", _l("Individual")),
    ("education", _l("University or research institute")),
)


def customer_type_field() -> RadioField:
    """One of :data:`CUSTOMER_TYPES`, at registration and in the account information."""
    return radio_field(
        _l("Customer type"), CUSTOMER_TYPES, message=_l("Choose the type that describes you.")
    )


def account_email_field() -> EmailField:
    """An account's address, checked and normalized (at registration and "Forgot password")."""
    return email_field(_l("Email address"), required=_l("Enter your email address."))


class _PasswordRules:
    def __init__(self, email: Callable[[Any], str | None]) -> None:
        self.email = email

    def __call__(self, form: Form, field: Field) -> None:
        problem = password_problem(field.data or "", email=self.email(form))
        if problem:
            raise ValidationError(str(problem))


def new_password_field(label: str, *, email: Callable[[Any], str | None]) -> PasswordField:
    """A password being chosen, checked against the rules with the address ``email(form)``."""
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Choose a password.")),
            SingleLine(password=True),  # line breaks only: any printable character is fine
            _PasswordRules(email),
        ],
    )


class RegistrationForm(PortalForm):
    name = name_field()
    email = account_email_field()
    phone = mobile_field(_l("Mobile number"), required=_l("Enter your mobile number."))
    customer_type = customer_type_field()
    # The email is declared, so validated and normalized, before the password.
    password = new_password_field(_l("Password"), email=lambda form: form.email.data)
    policy_consent = BooleanField(
        _l("I have read and agree to the Data Protection Policy"),
        validators=[
            DataRequired(_l("You can only register after agreeing to the Data Protection Policy."))
        ],
    )
    # Policy section 6: the site is for companies and adults. Civil Code arts. 17 and 18: full
    # capacity at 18, or at 16 for someone who lives mainly on the income of their own work.
    legal_capacity = BooleanField(
        _l(
            "I have full legal capacity: I am 18 or older, or 16 or older and live mainly on my own earnings"
        ),
        validators=[
            DataRequired(
                _l(
                    "Our services are for companies and adults with full legal capacity. A minor's parent or guardian can write to us at info@xometry.asia."
                )
            )
        ],
    )


class LoginForm(PortalForm):
    # Not account_email_field(): signing in looks up what was typed (services.email_key) with no
    # format or length check, so a malformed address fails as a wrong password does.
    email = EmailField(
        _l("Email address"),
        filters=[strip],
        validators=[DataRequired(_l("Enter your email address.")), SingleLine()],
    )
    # No SingleLine: a password is only compared with its hash (portal.forms.text).
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device for 30 days"))


class ForgotPasswordForm(PortalForm):
    email = account_email_field()


class ResetPasswordForm(PortalForm):
    """The new password, checked against the rules with the account's address (not a field)."""

    token = HiddenField()
    password = new_password_field(_l("New password"), email=lambda form: form.account_email)

    def __init__(self, *args: Any, account_email: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = account_email


#: What an account without a password types to deregister (the page shows it in its language;
#: either language's is accepted, compared without case, spacing or width differences).
# TRANSLATORS: typed by the customer to confirm; short, and easy to type on a phone.
CONFIRMATION_PHRASE = lazy_gettext("deregister my account")


def _normalized(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def confirmation_phrases() -> frozenset[str]:
    """:data:`CONFIRMATION_PHRASE` in every language of the site, normalized."""
    phrases = set()
    for locale in LANGUAGES:
        with use_locale(locale):
            phrases.add(_normalized(str(CONFIRMATION_PHRASE)))
    return frozenset(phrases)


class DeregistrationForm(PortalForm):
    """Policy 5.6: the password again (or, without one, the confirmation phrase) and the box.

    ``needs_password`` is false for an account without a password (registered through WeChat):
    it types the phrase instead; the route also asks that it signed in recently
    (``portal.accounts.deregistration.signed_in_recently``).
    """

    # No SingleLine: a password is only compared with its hash (portal.forms.text).
    password = PasswordField(_l("Password"))
    confirmation_phrase = text_field(_l("Confirmation phrase"), max_length=100)
    confirm = BooleanField(
        _l("I understand that my account is deleted for good and that this cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm that you want to deregister."))],
    )

    def __init__(self, *args: Any, needs_password: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_password = needs_password

    def validate_password(self, field: PasswordField) -> None:
        if self.needs_password and not field.data:
            raise ValidationError(_l("Enter your password."))

    def validate_confirmation_phrase(self, field: Field) -> None:
        if self.needs_password:
            return
        if not field.data:
            raise ValidationError(_l("Type the confirmation phrase."))
        if _normalized(field.data) not in confirmation_phrases():
            raise ValidationError(_l("This is not the confirmation phrase. Type it as shown."))
