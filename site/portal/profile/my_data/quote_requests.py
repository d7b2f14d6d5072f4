"""The customer's quote requests on "What we hold on you" (inventory scenario
``request_a_quote``): what each asked for, and what we answered, restriction included."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal import i18n
from portal.i18n import lazy_gettext as _l
from portal.profile.my_data import formatting as fmt
from portal.profile.my_data.layout import Column, Table
from portal.quotes.models import QuoteRequest
from portal.quotes.views import quote_view
from portal.urls import url_path

if TYPE_CHECKING:
    from portal.profile.my_data.records import Held


def quotes_table(held: Held) -> Table:
    """A request as its owner sent it, and what we answered (names from the rates file when
    the page has it, else the keys the request stores)."""

    def requirements(row: QuoteRequest) -> str:
        shown = quote_view(row, held.pricing) if held.pricing else None
        text = i18n.gettext(
            "%(reference)s: %(process)s, %(material)s, %(finish)s, %(tolerance)s, %(quantity)s of each part",
            reference=row.reference,
            process=shown.process if shown else row.process,
            material=shown.material if shown else row.material,
            finish=shown.finish if shown else row.finish,
            tolerance=shown.tolerance if shown else row.tolerance,
            quantity=row.quantity,
        )
        if row.required_date is not None:
            text += "; " + i18n.gettext("required by %(date)s", date=row.required_date.isoformat())
        if row.notes:
            text += "; " + i18n.gettext("notes: %(notes)s", notes=row.notes)
        return text + "; " + i18n.gettext("sent on %(date)s", date=fmt.when(row.created_at))

    def answer(row: QuoteRequest) -> str | None:
        if held.pricing is None:
            return row.status
        shown = quote_view(row, held.pricing)
        parts = [shown.status_name]
        if shown.estimate:
            parts.append(i18n.gettext("Estimate: %(range)s", range=shown.estimate))
        if shown.price:
            parts.append(i18n.gettext("Our quote: %(price)s", price=shown.price))
        if shown.staff_message:
            parts.append(shown.staff_message)
        if row.restricted_until is not None:
            parts.append(
                i18n.gettext("restricted until %(date)s", date=row.restricted_until.isoformat())
            )
        return "; ".join(parts)

    stored_request = ("reference", "process", "material", "finish", "tolerance", "quantity")
    stored_answer = (
        *("status", "estimate_low", "estimate_high", "estimate_days", "estimate_note"),
        *("price", "lead_days", "staff_message", "updated_at", "restricted_at", "restricted_until"),
    )
    return Table(
        "quote_requests",
        (
            Column(
                "quote_requirements",
                requirements,
                (*stored_request, "required_date", "notes", "created_at"),
                moment=lambda row: row.created_at,
            ),
            Column(
                "quotes",
                answer,
                stored_answer,
            ),
        ),
        empty=_l("You have not requested a quote yet."),
        link=(url_path("quotes"), _l("Quote requests")),
        changed="updated_at",
    )
