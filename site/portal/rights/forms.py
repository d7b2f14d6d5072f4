"""The privacy request form: what a customer asks for, in the policy's words.

One form for every kind, so a customer who does not know which right applies still finds
theirs: the kinds are radio buttons with a line each on what they ask for. The deletion cases
(policy 5.4, A to E) and the receiving processor of a transfer (policy 5.2) are answered only
for those kinds; without JavaScript they stand in the form, marked for which kind they are.
"""

from __future__ import annotations

from typing import Any

from wtforms import RadioField, StringField, TextAreaField, ValidationError

# SelectChoice came with WTForms 3.2; types-WTForms does not have it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from portal.forms.base import PortalForm, entered, strip
from portal.forms.base import lazy_message as _l
from portal.forms.fields import email_field, length_limit, radio_field, text_field
from portal.forms.text import MultiLine
from portal.rights.labels import DELETION_REASONS, KIND_NAMES
from portal.rights.models import MAX_TEXT, RequestKind
from portal.rights.services import RequestDetails

#: Kinds whose request needs the customer's own words: there is nothing to act on without them.
_NEEDS_DETAILS = frozenset(
    {RequestKind.CORRECTION, RequestKind.DELETION, RequestKind.WITHDRAWAL, RequestKind.QUESTION}
)


class PrivacyRequestForm(PortalForm):
    kind = radio_field(
        _l("What are you asking for?"),
        KIND_NAMES.items(),
        message=_l("Choose what you are asking for."),
    )
    details = TextAreaField(
        _l("Your request"),
        filters=[strip],
        validators=[MultiLine(), length_limit(MAX_TEXT)],
    )
    deletion_reason = RadioField(
        _l("Why should we delete it? (deletion only)"),
        choices=[SelectChoice(value, text) for value, text in DELETION_REASONS.items()],
        validate_choice=False,  # judged by validate_deletion_reason, for deletions only
    )
    recipient_name = text_field(_l("Receiving processor (transfer only)"), max_length=200)
    recipient_email = email_field(_l("The processor's contact email (transfer only)"))
    recipient_purpose = text_field(
        _l("What the processor will use it for (transfer only)"), max_length=200
    )

    def _kind(self) -> RequestKind | None:
        try:
            return RequestKind(self.kind.data)
        except ValueError:
            return None

    def validate_details(self, field: Any) -> None:
        if self._kind() in _NEEDS_DETAILS and not field.data:
            raise ValidationError(_l("Tell us what you are asking for."))

    def validate_deletion_reason(self, field: Any) -> None:
        if self._kind() is not RequestKind.DELETION:
            return
        if field.data not in DELETION_REASONS:
            raise ValidationError(_l("Choose the case that applies."))

    def validate_recipient_name(self, field: StringField) -> None:
        if self._kind() is RequestKind.TRANSFER and not field.data:
            raise ValidationError(_l("Enter the name of the processor to receive it."))

    def validate_recipient_email(self, field: StringField) -> None:
        if self._kind() is RequestKind.TRANSFER and not field.data:
            raise ValidationError(_l("Enter the processor's email address."))

    def validate_recipient_purpose(self, field: StringField) -> None:
        if self._kind() is RequestKind.TRANSFER and not field.data:
            raise ValidationError(_l("Say what the processor will use it for."))

    def request_details(self) -> RequestDetails:
        """What to file: the fields of other kinds are left out, whatever was typed in them."""
        kind = RequestKind(entered(self.kind))
        transfer = kind is RequestKind.TRANSFER
        return RequestDetails(
            kind=kind,
            details=self.details.data or "",
            deletion_reason=(self.deletion_reason.data or "")
            if kind is RequestKind.DELETION
            else "",
            recipient_name=entered(self.recipient_name) if transfer else "",
            recipient_email=entered(self.recipient_email) if transfer else "",
            recipient_purpose=entered(self.recipient_purpose) if transfer else "",
        )
