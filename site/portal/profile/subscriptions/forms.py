"""The subscriptions form: one box per topic, named ``consent_<purpose>`` (DESIGN.md, Forms)."""

from __future__ import annotations

from wtforms import BooleanField

from portal.forms import PortalForm, field_text
from portal.profile.subscriptions.topics import LABELS, TOPICS, field_name


class SubscriptionsForm(PortalForm):
    """Ticked boxes are the topics the user wants; no box can be invalid."""

    consent_subscription_updates = BooleanField(field_text(LABELS["updates"]))
    consent_subscription_products = BooleanField(field_text(LABELS["products"]))
    consent_subscription_discounts = BooleanField(field_text(LABELS["discounts"]))
    consent_subscription_promotions = BooleanField(field_text(LABELS["promotions"]))
    consent_policy_notices = BooleanField(field_text(LABELS["policy_notices"]))

    def chosen_topics(self) -> list[str]:
        return [topic for topic in TOPICS if self[field_name(topic)].data]
