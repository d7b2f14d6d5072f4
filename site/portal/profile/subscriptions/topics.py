"""The topics a user can subscribe to, and the consent-ledger purpose of each.

Four are the policy's own (1.7: "updates on services, products, discounts, and promotions");
the fifth, ``policy_notices``, is the mail announcing a non-material policy change before it
takes effect, whose ledger purpose ``python -m portal policy notify`` already honours
(privacy/announcements.py). Material changes are mailed to everyone whatever they chose.
"""

from __future__ import annotations

from portal.i18n import LazyString
from portal.i18n import lazy_gettext as _l
from portal.privacy.services import POLICY_NOTICES

TOPICS: tuple[str, ...] = ("updates", "products", "discounts", "promotions", POLICY_NOTICES)

LABELS: dict[str, LazyString] = {
    "updates": _l("Updates on our services"),
    "products": _l("New products"),
    "discounts": _l("Discounts"),
    "promotions": _l("Promotions"),
    # The ledger page (privacy/consents.html) names this purpose with the same words.
    POLICY_NOTICES: _l("Mails about updates of the Data Protection Policy"),
}

HINTS: dict[str, LazyString] = {
    POLICY_NOTICES: _l(
        "Before a change to the policy takes effect. A change that needs your consent is "
        "mailed to you whatever you choose here."
    ),
}


def purpose_for(topic: str) -> str:
    """The ledger purpose (at most 40 characters) of a topic: ``subscription_<topic>``.

    ``policy_notices`` keeps its own purpose, the one the policy-notice mailing reads.
    """
    return POLICY_NOTICES if topic == POLICY_NOTICES else f"subscription_{topic}"


def field_name(topic: str) -> str:
    """The form field of a topic's box: ``consent_<purpose>`` (DESIGN.md, Forms)."""
    return f"consent_{purpose_for(topic)}"
