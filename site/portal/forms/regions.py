"""The ``province`` and ``city`` fields of an address form, and what their routes need.

Both fields hold a GB/T 2260 code (``440000``, ``440300``; see :mod:`portal.regions`), never a
name, so an address shows in the reader's language. A form gets them by mixing in
:class:`RegionMixin` before :class:`~portal.forms.PortalForm`::

    class ShippingAddressForm(RegionMixin, PortalForm):
        recipient_name = StringField(...)
        ...

and its template shows them with one macro, errors included::

    {% from "forms/_regions.html" import region_picker %}
    {{ region_picker(form) }}

Where the province and city may be left out (both or neither), assign the fields yourself:
``province, city = region_fields(required=False)`` in the class body.

Validation: the province must be one of the list ("Choose a province."); the city must be one of
that province's cities ("Choose a city of the province you chose."). While the province is
wrong the city gets no message of its own: the province's says what to do first.

Choosing a province fills the city list. With htmx the province ``<select>`` fetches
``GET /regions/cities?province=<code>`` (:mod:`portal.regions.routes`) and swaps the city field.
Without JavaScript the picker has a "Show cities" button (``name="refresh_regions"``) that
submits the owning form; its POST handler must then re-render the form, saving nothing::

    data = await read_form(request)
    form = ShippingAddressForm.from_form(data)
    if wants_city_refresh(data):
        return templates.render(request, "profile/addresses/form.html", {"form": form})
    if not form.validate(): ...

Without JavaScript the button is the form's first submit button, so Enter in a text box presses
it too: the form comes back as typed, nothing lost and nothing saved. With JavaScript portal.js
removes it, and Enter presses the form's own button.

The fields keep the names ``province`` and ``city`` (DESIGN.md's form field names), and a form
using them takes no WTForms ``prefix``: the htmx request sends the province as ``province``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms.fields import Field
from wtforms.form import BaseForm
from wtforms.validators import StopValidation

from portal import regions
from portal.forms.base import lazy_message as _l

REFRESH_BUTTON = "refresh_regions"


class _RegionField(Field):
    """A ``<select>`` of GB/T 2260 codes; ``data`` is the code, or ``None`` when none is chosen."""

    def __init__(self, label: Any = None, *, required: bool = True, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.required = required
        self.flags.required = required

    def process_data(self, value: Any) -> None:
        self.data = str(value) if value else None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            value = valuelist[0]
            self.data = (value.strip() or None) if isinstance(value, str) else None

    def _value(self) -> str:
        return self.data or ""


class ProvinceField(_RegionField):
    """One of the 34 province-level regions."""

    def options(self, locale: str | None = None) -> tuple[tuple[str, str], ...]:
        """``(code, name)`` of every province, in the current language."""
        return regions.province_choices(locale)

    def pre_validate(self, form: BaseForm) -> None:
        if self.data is None:
            if self.required or _city_data(form):
                raise StopValidation(str(_l("Choose a province.")))
            return
        if regions.province(self.data) is None:
            self.data = None  # so the list shows the placeholder, not a stale pick
            raise StopValidation(str(_l("Choose a province from the list.")))


class CityField(_RegionField):
    """A city of the province chosen in the same form's ``province`` field."""

    def options(
        self, province_code: str | None, locale: str | None = None
    ) -> tuple[tuple[str, str], ...]:
        """``(code, name)`` of the cities of ``province_code``; none for an unknown province."""
        return regions.city_choices(province_code, locale)

    def pre_validate(self, form: BaseForm) -> None:
        province_code = form["province"].data
        if regions.province(province_code) is None:
            return  # the province's own message says what to do first
        if self.data is None:
            raise StopValidation(str(_l("Choose a city.")))
        if not regions.is_city_of(self.data, province_code):
            raise StopValidation(str(_l("Choose a city of the province you chose.")))


def _city_data(form: BaseForm) -> str | None:
    return form["city"].data if "city" in form else None


def region_fields(*, required: bool = True) -> tuple[ProvinceField, CityField]:
    """The ``province`` and ``city`` fields, for ``province, city = region_fields(...)``."""
    return (
        ProvinceField(_l("Province"), required=required),
        CityField(_l("City"), required=required),
    )


class RegionMixin:
    """Adds the required ``province`` and ``city`` fields to a :class:`PortalForm`."""

    province, city = region_fields()


def wants_city_refresh(form_data: Mapping[str, Any]) -> bool:
    """True when the "Show cities" button sent the form (no JavaScript): re-render, save nothing."""
    return REFRESH_BUTTON in form_data
