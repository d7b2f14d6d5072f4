"""The quote request form: what a buyer of machined or printed parts states.

The choices come from the sales team's rates (``content/pricing.toml``), so a process, material,
finish or tolerance added there appears here without a code change. Without JavaScript every
material and finish is listed, grouped by process, and a combination the process does not offer
is refused beside the field that breaks it; with htmx, choosing a process narrows the lists.
The drawings themselves are not WTForms fields: they stream into the store as they arrive
(``portal.quotes.uploads``), and the route reports their problems beside the file box.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from wtforms import Form, ValidationError
from wtforms.fields import DateField, Field, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from portal import i18n
from portal.forms.base import PortalForm, entered, strip
from portal.forms.base import lazy_message as _l
from portal.forms.fields import length_limit
from portal.forms.text import MultiLine, SingleLine
from portal.quotes.models import MAX_NOTE
from portal.quotes.pricing import Choice
from portal.quotes.rates import Pricing, Process

MAX_QUANTITY = 100_000
#: How far ahead a required date may be, in days.
MAX_DAYS_AHEAD = 366


def _process(form: Form) -> Process | None:
    assert isinstance(form, QuoteForm)
    return form.pricing.processes.get(form.process_.data or "")


class _Offered:
    """The value is one the chosen process offers (a process that is not chosen is the process
    field's own error, so nothing is said here)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, form: Form, field: Field) -> None:
        process = _process(form)
        if process is None or not field.data:
            return
        language = i18n.current_language()
        name = process.name.get(language.locale, process.name["en"])
        if self.kind == "material" and field.data not in process.materials:
            raise ValidationError(
                i18n.gettext(
                    "%(process)s is not offered in this material: choose one of its materials.",
                    process=name,
                )
            )
        if self.kind == "finish":
            finish = process.finishes.get(field.data)
            material = form.material.data  # type: ignore[attr-defined]
            if finish is None:
                raise ValidationError(
                    i18n.gettext(
                        "%(process)s does not offer this finish: choose one of its finishes.",
                        process=name,
                    )
                )
            if material in process.materials and not finish.suits(material):
                raise ValidationError(
                    i18n.gettext("This finish is not available for the material you chose.")
                )
        if self.kind == "tolerance" and field.data not in process.tolerances:
            raise ValidationError(
                i18n.gettext("%(process)s is not offered with this tolerance.", process=name)
            )


class _Known:
    """The value is a key of the rates file at all (anything else was not one of the options)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        assert isinstance(form, QuoteForm)
        pricing = form.pricing
        keys: set[str] = set()
        if self.kind == "process":
            keys = set(pricing.processes)
        elif self.kind == "tolerance":
            keys = set(pricing.tolerances)
        else:
            for process in pricing.processes.values():
                keys |= set(process.materials if self.kind == "material" else process.finishes)
        if field.data not in keys:
            raise ValidationError(self.message)


def _future_date(form: Form, field: Field) -> None:
    value = field.data
    if value is None:
        return
    today = date.today()
    if value <= today:
        raise ValidationError(_l("Choose a date after today."))
    if value > today + timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError(_l("Choose a date within the next twelve months."))


class _Whole(IntegerField):
    """A whole number, with our message when the box holds something else."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        text = str(valuelist[0]).strip().replace(",", "").replace("，", "")
        if not text.isascii() or not text.isdigit():
            self.data = None
            raise ValueError(_l("Enter how many of each part you need, as a whole number."))
        self.data = int(text)


class _Date(DateField):
    """A calendar date as browsers send it (YYYY-MM-DD), with our message for anything else."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = date.fromisoformat(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(
                _l("Enter the date as year-month-day, for example 2027-03-31.")
            ) from None


class QuoteForm(PortalForm):
    """Field names are the inventory's words for the request (appendix row "Request a quote")."""

    # ``process`` would hide WTForms' own Form.process: the attribute differs, the name does not.
    process_ = StringField(
        _l("Process"),
        name="process",
        filters=[strip],
        validators=[
            InputRequired(_l("Choose a process.")),
            SingleLine(),
            _Known("process", _l("Choose a process.")),
        ],
    )
    material = StringField(
        _l("Material"),
        filters=[strip],
        validators=[
            InputRequired(_l("Choose a material.")),
            SingleLine(),
            _Known("material", _l("Choose a material.")),
            _Offered("material"),
        ],
    )
    finish = StringField(
        _l("Finish"),
        filters=[strip],
        validators=[
            InputRequired(_l("Choose a finish.")),
            SingleLine(),
            _Known("finish", _l("Choose a finish.")),
            _Offered("finish"),
        ],
    )
    tolerance = StringField(
        _l("Tolerance"),
        filters=[strip],
        validators=[
            InputRequired(_l("Choose a tolerance.")),
            SingleLine(),
            _Known("tolerance", _l("Choose a tolerance.")),
            _Offered("tolerance"),
        ],
    )
    quantity = _Whole(
        _l("Quantity of each part"),
        validators=[
            InputRequired(_l("Enter how many of each part you need, as a whole number.")),
            NumberRange(
                min=1,
                max=MAX_QUANTITY,
                message=_l("Enter a quantity from 1 to 100,000."),
            ),
        ],
    )
    required_date = _Date(
        _l("Required by (optional)"),
        validators=[Optional(), _future_date],
    )
    notes = TextAreaField(
        _l("Notes (optional)"),
        filters=[strip],
        validators=[MultiLine(), length_limit(MAX_NOTE)],
    )

    def __init__(self, *args: Any, pricing: Pricing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pricing = pricing

    def choice(self) -> Choice:
        """The validated choice, for the estimate and the request."""
        return Choice(
            process=entered(self.process_),
            material=entered(self.material),
            finish=entered(self.finish),
            tolerance=entered(self.tolerance),
            quantity=int(self.quantity.data or 0),
        )
