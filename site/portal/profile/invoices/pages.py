"""What the invoice routes share: the two kinds, the list page, the ledger's channel.

A :class:`Kind` says everything the generic routes need about corporate or personal invoice
details (model, form, card, messages, the sensitive value and its consent), so the add / edit /
delete handlers are written once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from portal import i18n, regions
from portal.accounts.models import User
from portal.crypto import DataKeys
from portal.db import request_session
from portal.i18n import LazyString
from portal.i18n import lazy_gettext as _l
from portal.profile.invoices import bank, resident_ids, services, views
from portal.profile.invoices.forms import CorporateInvoiceForm, PersonalInvoiceForm
from portal.profile.invoices.sensitive import SensitiveField
from portal.profile.models import CorporateInvoice, PersonalInvoice
from portal.web import is_htmx
from portal.web.state import app_state, render

LIST_URL = "/account/invoices"
LIST_TEMPLATE = "profile/invoices/list.html"
FORM_TEMPLATE = "profile/invoices/form.html"

# What the list says after a change (``?done=``); anything else in the query says nothing.
DONE = {
    "corporate_added": _l("The corporate invoice details have been added."),
    "personal_added": _l("The personal invoice details have been added."),
    "saved": _l("Your changes have been saved."),
    "deleted": _l("The invoice details have been deleted."),
    "withdrawn": _l(
        "You have withdrawn your consent: every bank account number you saved has been erased."
    ),
    "resident_id_withdrawn": _l(
        "You have withdrawn your consent: every resident ID number you saved has been erased."
    ),
}
CHOOSE_AGAIN = _l("The list of places has changed since you saved these details: choose again.")


async def _corporate_card(invoice: Any, data_keys: DataKeys) -> views.InvoiceCard:
    return await views.corporate_card(invoice, data_keys)


async def _personal_card(invoice: Any, data_keys: DataKeys) -> views.InvoiceCard:
    return await views.personal_card(invoice, data_keys)


@dataclass(frozen=True)
class Kind:
    name: str  # the URL segment
    model: type[Any]
    form: type[Any]
    card: Callable[[Any, DataKeys], Awaitable[views.InvoiceCard]]
    full_message: LazyString
    sensitive: SensitiveField  # the value kept under its own consent

    async def saved_sensitive(self, data_keys: DataKeys, invoice: Any) -> str | None:
        """The saved sensitive value as the edit form's hint shows it (masked); ``None`` when
        there is none or it cannot be read."""
        if self.model is CorporateInvoice:
            return await bank.last_four(data_keys, invoice)
        return await resident_ids.masked(data_keys, invoice)

    def flag_stale_region(self, form: Any, invoice: Any) -> None:
        """A code a later data release dropped (regions.py): say so, ask to choose again."""
        if regions.province(invoice.province) is None:
            form.province.errors = [str(CHOOSE_AGAIN)]
        elif not regions.is_city_of(invoice.city, invoice.province):
            form.city.errors = [str(CHOOSE_AGAIN)]


KINDS = {
    "corporate": Kind(
        name="corporate",
        model=CorporateInvoice,
        form=CorporateInvoiceForm,
        card=_corporate_card,
        full_message=_l(
            "You have 10 sets of corporate invoice details, the most you can keep. "
            "Delete one you no longer need to add another."
        ),
        sensitive=bank.FIELD,
    ),
    "personal": Kind(
        name="personal",
        model=PersonalInvoice,
        form=PersonalInvoiceForm,
        card=_personal_card,
        full_message=_l(
            "You have 10 sets of personal invoice details, the most you can keep. "
            "Delete one you no longer need to add another."
        ),
        sensitive=resident_ids.FIELD,
    ),
}


def channel_of(request: Request) -> services.Channel:
    """The language, channel and policy version in force, for a consent-ledger row."""
    in_force = app_state(request).policy.in_force()
    return services.Channel(
        language=i18n.current_locale(),
        channel="website",
        policy_version=in_force.version if in_force else None,
    )


async def render_list(request: Request, user: User, *, done: str | None) -> Response:
    """Both lists, the consents' state, and what just happened (block ``invoices`` for htmx)."""
    session = request_session(request)
    data_keys = app_state(request).data_keys
    corporate = await services.list_invoices(session=session, user=user, model=CorporateInvoice)
    personal = await services.list_invoices(session=session, user=user, model=PersonalInvoice)
    context = {
        "corporate": [await views.corporate_card(invoice, data_keys) for invoice in corporate],
        "personal": [await views.personal_card(invoice, data_keys) for invoice in personal],
        "corporate_full": len(corporate) >= services.MAX_INVOICES,
        "personal_full": len(personal) >= services.MAX_INVOICES,
        "corporate_full_message": KINDS["corporate"].full_message,
        "personal_full_message": KINDS["personal"].full_message,
        "consent_standing": await services.has_consent(
            session=session, user=user, field=bank.FIELD
        ),
        "resident_id_consent_standing": await services.has_consent(
            session=session, user=user, field=resident_ids.FIELD
        ),
        "done": DONE.get(done or ""),
        "swapped": is_htmx(request),
    }
    return render(request, LIST_TEMPLATE, context, block="invoices")
