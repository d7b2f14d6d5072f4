"""What a page shows of an address: plain data for the templates, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass

from portal import i18n, regions
from portal.db import saved_id
from portal.forms import display_phone
from portal.profile.models import ShippingAddress


@dataclass(frozen=True, slots=True)
class AddressCard:
    """One address as its card (and the delete confirmation) shows it."""

    id: int
    recipient_name: str
    phone: str  # as people write it: 138 1234 5678, +852 5123 4567
    organization_name: str
    lines: tuple[str, ...]  # the address, in the order the reader's language writes it
    postal_code: str
    is_default: bool


def place_name(province_code: str, city_code: str) -> str:
    """``Shenzhen, Guangdong`` / ``广东省深圳市``; a code no longer in the list shows as it is
    (regions.py: an owner who edits the address is asked to choose again)."""
    found = regions.place(city_code)
    if found:
        return found
    province = regions.province(province_code)
    return " ".join(filter(None, (province.name() if province else province_code, city_code)))


def address_card(address: ShippingAddress) -> AddressCard:
    place = place_name(address.province, address.city)
    # Chinese writes from the largest unit down (广东省深圳市 南山区…), English from the street up.
    if i18n.current_locale() == "zh_Hans":
        lines: tuple[str, ...] = (place, address.shipping_address)
    else:
        lines = (address.shipping_address, place)
    return AddressCard(
        id=saved_id(address),
        recipient_name=address.recipient_name,
        phone=display_phone(address.phone),
        organization_name=address.organization_name,
        lines=lines,
        postal_code=address.postal_code,
        is_default=address.is_default,
    )
