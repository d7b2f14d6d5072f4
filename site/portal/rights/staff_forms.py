"""What a privacy officer writes on a request: the identity check, a note, the answer, and why
the customer's account is deleted."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired

from portal.forms import PortalForm, strip
from portal.forms.base import lazy_message as _l
from portal.forms.fields import length_limit, radio_field, text_field
from portal.forms.text import MultiLine
from portal.rights.account_deletion import REASONS as ACCOUNT_DELETION_REASONS
from portal.rights.models import MAX_TEXT

#: The officer's two ways to close a request.
DECISIONS = {
    "answer": _l("Answer the request"),
    "refuse": _l("Decline it, with the reason"),
}


class IdentityForm(PortalForm):
    method = text_field(
        _l("How the identity was verified"),
        required=_l("Say how you verified the customer's identity."),
        max_length=200,
    )


class NoteForm(PortalForm):
    note = TextAreaField(
        _l("Internal note"),
        filters=[strip],
        validators=[
            DataRequired(_l("Write the note.")),
            MultiLine(),
            length_limit(MAX_TEXT),
        ],
    )


class AnswerForm(PortalForm):
    decision = radio_field(
        _l("Decision"), DECISIONS.items(), message=_l("Choose to answer or to decline.")
    )
    text = TextAreaField(
        _l("What the customer reads"),
        filters=[strip],
        validators=[
            DataRequired(_l("Write the answer, or the reason for declining.")),
            MultiLine(),
            length_limit(MAX_TEXT),
        ],
    )

    @property
    def refuse(self) -> bool:
        return bool(self.decision.data == "refuse")


class AccountDeletionForm(PortalForm):
    """Why the officer deletes the customer's whole account (``rights/account_deletion.py``)."""

    reason = radio_field(
        _l("Why the account is deleted"),
        ACCOUNT_DELETION_REASONS.items(),
        message=_l("Choose why the account is deleted."),
    )
