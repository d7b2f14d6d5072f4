"""Registration, login and password-reset forms (field names: DESIGN.md)."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
    TelField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from portal.forms import Email, Phone, PortalForm, strip
from portal.i18n import lazy_gettext as _l

CUSTOMER_TYPES = (
    ("business", _l("Company")),
    ("individual", _l("Individual")),
    ("education", _l("University or research institute")),
)


class RegistrationForm(PortalForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=100, message=_l("Use at most 100 characters.")),
        ],
    )
    email = EmailField(
        _l("Email address"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("Use at most 254 characters.")),
            Email(),
        ],
    )
    phone = TelField(
        _l("Mobile number"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your mobile number.")),
            Length(max=30, message=_l("Use at most 30 characters.")),
            Phone(),
        ],
    )
    customer_type = RadioField(
        _l("Customer type"),
        choices=[SelectChoice(value, label) for value, label in CUSTOMER_TYPES],
        validate_choice=False,
        validators=[InputRequired(_l("Choose the type that describes you."))],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Choose a password."))])
    policy_consent = BooleanField(
        _l("I have read and agree to the Data Protection Policy"),
        validators=[
            DataRequired(_l("You can only register after agreeing to the Data Protection Policy."))
        ],
    )

    def validate_customer_type(self, field: RadioField) -> None:
        from wtforms import ValidationError

        if field.data not in {value for value, _ in CUSTOMER_TYPES}:
            raise ValidationError(_l("Choose the type that describes you."))

    def validate_password(self, field: PasswordField) -> None:
        from wtforms import ValidationError

        from portal.accounts.passwords import password_problem

        problem = password_problem(field.data or "", email=self.email.data)
        if problem:
            raise ValidationError(problem)


class LoginForm(PortalForm):
    email = EmailField(
        _l("Email address"),
        filters=[strip],
        validators=[DataRequired(_l("Enter your email address."))],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device for 30 days"))


class ForgotPasswordForm(PortalForm):
    email = EmailField(
        _l("Email address"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("Use at most 254 characters.")),
            Email(),
        ],
    )


class ResetPasswordForm(PortalForm):
    """The new password, checked against the rules with the account's address (not a field)."""

    token = HiddenField()
    password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Choose a password."))]
    )

    def __init__(self, *args: Any, account_email: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = account_email

    def validate_password(self, field: PasswordField) -> None:
        from portal.accounts.passwords import password_problem

        problem = password_problem(field.data or "", email=self.account_email)
        if problem:
            raise ValidationError(problem)
