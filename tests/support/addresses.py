"""Shipping addresses in the tests: a valid address, adding one, reading them back."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from portal.profile.models import AuditEntry, ShippingAddress
from tests.support.forms import post
from tests.support.records import rows

LIST = "/account/addresses"
NEW = "/account/addresses/new"
ADDRESS = {
    "recipient_name": "王芳",
    "phone": "139 1234 5678",
    "organization_name": "上海精密机械有限公司",
    "province": "310000",
    "city": "310100",
    "shipping_address": "浦东新区张江路 88 号 3 号楼 501 室",
    "postal_code": "201203",
}
#: A second address, in another province, without an organization name.
SHENZHEN = {
    **ADDRESS,
    "recipient_name": "陈刚",
    "phone": "+852 5123 4567",
    "organization_name": "",
    "province": "440000",
    "city": "440300",
    "shipping_address": "南山区科技园南区 12 栋",
    "postal_code": "518057",
}


def card_ids(page: Any) -> list[int]:
    """The ids of the address cards on a page, in the order shown."""
    return [
        int(n) for n in re.findall(r'<li class="card address-card" id="address-(\d+)"', page.text)
    ]


def add(client: TestClient, **changes: Any) -> Any:
    """Add ``ADDRESS``, changed by ``changes``, through the form."""
    return post(client, NEW, {**ADDRESS, **changes})


def addresses(settings: Any) -> list[ShippingAddress]:
    return sorted(rows(settings, ShippingAddress), key=lambda a: a.id or 0)


def audit(settings: Any) -> list[tuple[str, str, str]]:
    return [(e.record, e.field, e.action) for e in rows(settings, AuditEntry)]
