"""How a stored value reads on "What we hold on you": dates, masks, places, codes as words.

Every function here formats in the current locale (:func:`portal.i18n.use_locale` around the
whole page's data), so the page and a later export read the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from portal import i18n, regions
from portal.forms import display_phone
from portal.i18n import lazy_gettext as _l
from portal.policy.model import Scenario
from portal.privacy import purposes as ledger_words
from portal.profile.my_data.model import Item
from portal.profile.subscriptions.topics import LABELS as TOPICS
from portal.templating import localdate

BEIJING = ZoneInfo("Asia/Shanghai")

CUSTOMER_TYPES = {
    "business": _l("Company"),
    "individual": _l("Individual"),
    "education": _l("University or research institute"),
}
# The ledger's words, as /account/consents says them.
CONSENT_KINDS = ledger_words.KINDS
CONSENT_PURPOSES = ledger_words.PURPOSES
CHANNELS = ledger_words.CHANNELS
# The record kinds of the audit trail (profile/audit.py) and their scenarios in the inventory.
AUDIT_RECORDS = {
    "account": ("account_information", _l("Account information")),
    "password": ("password_setting", _l("Password setting")),
    "shipping_address": ("shipping_address", _l("Shipping address")),
    "corporate_invoice": ("corporate_invoice", _l("Corporate invoice")),
    "personal_invoice": ("personal_invoice", _l("Personal invoice")),
    "email_subscription": ("email_subscription", _l("Email subscription")),
    "subscription": ("email_subscription", _l("Email subscription")),
    # A copy of everything (portal.profile.export): its one row names the field "*".
    "personal_data": ("account_records", _l("Your personal information")),
}
#: The field of an audit row about a whole record (a copy of all of it).
EVERY_FIELD = "*"


def when(value: datetime | None) -> str | None:
    """A moment in Beijing time: ``15 October 2024, 14:05`` / ``2024年10月15日 14:05``."""
    if value is None:
        return None
    local = value.astimezone(BEIJING)
    separator = " " if i18n.current_locale() == "zh_Hans" else ", "
    return f"{localdate(local)}{separator}{local:%H:%M}"


def day(value: datetime | None) -> str | None:
    """The day of a moment in Beijing: ``15 October 2024`` / ``2024年10月15日``."""
    return None if value is None else localdate(value.astimezone(BEIJING))


def size(count: int) -> str:
    """A file's size, as every page states one (:func:`portal.i18n.format_size`)."""
    return i18n.format_size(count)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def text(value: str | None) -> str | None:
    """A stored text, or ``None`` (shown as "not provided") when it is empty."""
    return value if value not in (None, "") else None


def province_name(code: str | None) -> str | None:
    """The province's name in the reader's language; the stored code if the list lost it."""
    if not code:
        return None
    found = regions.province(code)
    return found.name() if found is not None else code


def city_name(code: str | None) -> str | None:
    if not code:
        return None
    found = regions.city(code)
    return found.name() if found is not None else code


def language_name(locale: str | None) -> str | None:
    if not locale:
        return None
    language = i18n.LANGUAGES.get(locale)
    return language.native_name if language is not None else locale


def word(words: Mapping[str, object], key: str | None) -> str | None:
    """A stored code as words (``business`` -> ``Company``); the code itself if unknown."""
    if not key:
        return None
    found = words.get(key)
    return str(found) if found is not None else key


def topic_name(topic: str | None) -> str | None:
    """A subscription topic in words (``products`` -> ``New products``)."""
    return word(TOPICS, topic)


def phone(e164: str | None) -> str | None:
    """``138 1234 5678``, or ``None`` when there is none."""
    return display_phone(e164) or None


def item(scenario: Scenario, key: str, value: str | None, *columns: str, **extra: Any) -> Item:
    """The :class:`Item` of the inventory field ``key`` of ``scenario``, labelled as the
    inventory labels it (or by ``label=``), sensitive if the inventory says so."""
    found = scenario.field(key)
    label = extra.pop("label", None) or (found.label[i18n.current_locale()] if found else key)
    return Item(
        key=f"{scenario.id}.{key}",
        label=str(label),
        value=value,
        columns=columns,
        sensitive=found.sensitive if found else False,
        **extra,
    )
