"""The shipping address form: the fields of policy 1.4, under DESIGN.md's form field names.

Province and city are GB/T 2260 codes chosen from the picker of :mod:`portal.forms.regions`.
The phone is checked as at registration (``portal.forms.Phone``) and stored in E.164 form; the
postal code as on the invoice forms (``portal.forms.fields.postal_code_field``).
"""

from __future__ import annotations

from typing import Any

from portal.forms import PortalForm, display_phone
from portal.forms.base import lazy_message as _l
from portal.forms.fields import mobile_field, postal_code_field, street_address_field, text_field
from portal.forms.regions import RegionMixin
from portal.profile.addresses.services import FIELDS


class ShippingAddressForm(RegionMixin, PortalForm):
    """Where to ship ordered products; the field order is the order of a Chinese address."""

    recipient_name = text_field(
        _l("Recipient's name"), required=_l("Enter the recipient's name."), max_length=50
    )
    phone = mobile_field(
        _l("Recipient's mobile number"), required=_l("Enter the recipient's mobile number.")
    )
    organization_name = text_field(
        _l("Organization name (optional)"), max_length=100, optional=True
    )
    shipping_address = street_address_field(_l("Street address"))
    postal_code = postal_code_field()

    # RegionMixin declares province and city; WTForms orders fields by declaration, so the
    # template places each field itself rather than looping.

    @classmethod
    def for_address(cls, address: Any) -> ShippingAddressForm:
        """The form filled with a saved address, its phone as people write it."""
        data = {name: getattr(address, name) for name in FIELDS}
        data["phone"] = display_phone(address.phone)
        return cls(data=data)

    def address_data(self) -> dict[str, str]:
        """The validated values, under the model's field names, ready for the services."""
        return {name: self[name].data or "" for name in FIELDS}
