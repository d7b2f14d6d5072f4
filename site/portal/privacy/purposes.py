"""The consent ledger's words: every purpose a row can name, and its kinds and channels, as
people read them.

One registry for every page that lists ledger rows (``/account/consents``, "What we hold on
you"). :func:`portal.privacy.services.record_consent`, the only code that writes a purpose,
refuses one that is not here, so a new consent cannot reach the ledger without a name in both
languages (tests/privacy/test_purposes.py renders each).
"""

from __future__ import annotations

from portal.i18n import LazyString
from portal.i18n import lazy_gettext as _l

#: Separate consent to storing sensitive invoice details (profile/invoices).
BANK_ACCOUNT = "bank_account"
RESIDENT_ID = "resident_id"
#: Mails about non-material policy updates (privacy/announcements.py).
POLICY_NOTICES = "policy_notices"
#: The consent to the Data Protection Policy itself (given at registration, kind
#: ``policy_consent``). Only its withdrawal names it as a purpose: the account cannot be kept
#: without it, so it is withdrawn by deregistering (accounts/deregistration.py).
DATA_PROTECTION_POLICY = "data_protection_policy"

#: purpose -> what the user consented to, in their words.
PURPOSES: dict[str, LazyString] = {
    BANK_ACCOUNT: _l("Storing your bank account number"),
    RESIDENT_ID: _l("Storing your resident ID number"),
    POLICY_NOTICES: _l("Mails about updates of the Data Protection Policy"),
    DATA_PROTECTION_POLICY: _l(
        "Processing your personal information as the Data Protection Policy describes, "
        "for your account and our services"
    ),
    # One per subscription topic: profile/subscriptions/topics.py, purpose_for().
    "subscription_updates": _l("Mails about updates on our services"),
    "subscription_products": _l("Mails about new products"),
    "subscription_discounts": _l("Mails about discounts"),
    "subscription_promotions": _l("Mails about promotions"),
}

#: The kind of a row.
KINDS: dict[str, LazyString] = {
    "policy_consent": _l("Agreed to the Data Protection Policy (registration)"),
    "capacity_declared": _l("Confirmed having full legal capacity (registration)"),
    "policy_acknowledgment": _l("Read an update of the Data Protection Policy"),
    "policy_material_consent": _l("Agreed to a change of the Data Protection Policy"),
    "consent_granted": _l("Gave consent"),
    "consent_withdrawn": _l("Withdrew consent"),
}

#: Where a row was recorded.
CHANNELS: dict[str, LazyString] = {
    "website": _l("Website"),
    "mini_program": _l("WeChat Mini Program"),
    "email": _l("Email"),
}


def is_known(purpose: str) -> bool:
    """True for a purpose with a name (the only ones the ledger accepts)."""
    return purpose in PURPOSES
