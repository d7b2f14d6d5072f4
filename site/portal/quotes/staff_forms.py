"""The staff's answer to a quote request: price, lead time, a message and the status."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from wtforms import Form, StringField, TextAreaField, ValidationError
from wtforms.fields import Field

from portal.forms import PortalForm, strip
from portal.forms.base import lazy_message as _l
from portal.forms.fields import length_limit, radio_field
from portal.forms.text import MultiLine, SingleLine
from portal.quotes.labels import STATUS_NAMES
from portal.quotes.models import MAX_NOTE, QuoteStatus
from portal.quotes.staff import MAX_LEAD_DAYS, MAX_PRICE

# Yuan and fen: "1280", "1280.5", "1,280.50", "¥1280". A comma only as a thousands separator:
# "1,5" is refused, not read as 15.
_PRICE = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]{1,2})?")
_DAYS = re.compile(r"[0-9]{1,4}")
PRICE_SHAPE = _l("Enter the price in yuan, such as 1280 or 1280.50.")
PRICE_RANGE = _l("Enter a price above 0 and at most 10,000,000 yuan.")
DAYS_SHAPE = _l("Enter the lead time as a whole number of working days, from 1 to 365.")


def parse_price(text: str) -> Decimal | None:
    """The price typed (``None`` for an empty box); ValueError if it is not one."""
    cleaned = re.sub(r"\s", "", text).removeprefix("¥").removeprefix("￥")
    if not cleaned:
        return None
    if not _PRICE.fullmatch(cleaned):
        raise ValueError("shape")
    try:
        return Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise ValueError("shape") from None


def parse_days(text: str) -> int | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    if not _DAYS.fullmatch(cleaned):
        raise ValueError("shape")
    return int(cleaned)


class _Price:
    def __call__(self, form: Form, field: Field) -> None:
        try:
            price = parse_price(field.data or "")
        except ValueError:
            raise ValidationError(PRICE_SHAPE) from None
        if price is not None and not (0 < price <= MAX_PRICE):
            raise ValidationError(PRICE_RANGE)


class _LeadDays:
    def __call__(self, form: Form, field: Field) -> None:
        try:
            days = parse_days(field.data or "")
        except ValueError:
            raise ValidationError(DAYS_SHAPE) from None
        if days is not None and not (1 <= days <= MAX_LEAD_DAYS):
            raise ValidationError(DAYS_SHAPE)


class QuoteAnswerForm(PortalForm):
    status = radio_field(
        _l("Status"),
        [(status, text) for status, text in STATUS_NAMES.items()],
        message=_l("Choose the status of the request."),
    )
    price = StringField(
        _l("Price (CNY, all pieces)"), filters=[strip], validators=[SingleLine(), _Price()]
    )
    lead_days = StringField(
        _l("Lead time (working days)"), filters=[strip], validators=[SingleLine(), _LeadDays()]
    )
    message = TextAreaField(
        _l("Message to the customer"),
        validators=[MultiLine(), length_limit(MAX_NOTE)],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.status.data == QuoteStatus.QUOTED.value:
            # A quote binds: it needs both, whether typed now or quoted before (the form is
            # filled with the request's current values).
            if not self.price.data:
                self.price.errors = [_l("Enter the price to send the quote.")]
                valid = False
            if not self.lead_days.data:
                self.lead_days.errors = [_l("Enter the lead time to send the quote.")]
                valid = False
        return valid

    @property
    def price_value(self) -> Decimal | None:
        return parse_price(self.price.data or "")

    @property
    def days_value(self) -> int | None:
        return parse_days(self.lead_days.data or "")

    @property
    def message_value(self) -> str:
        return (self.message.data or "").strip("\n")

    @property
    def status_value(self) -> QuoteStatus:
        return QuoteStatus(self.status.data)
