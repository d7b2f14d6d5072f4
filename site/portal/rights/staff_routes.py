"""``/staff/privacy``: privacy officers answer privacy requests; ``/staff/audit``: who did what.

    GET   /staff/privacy                          the queue (``?all=1``: every request) and chart
    GET   /staff/privacy/{reference}              one request: customer, history, what to do
    POST  /staff/privacy/{reference}/identity     record the identity check
    POST  /staff/privacy/{reference}/note         an internal note
    POST  /staff/privacy/{reference}/answer       answer or decline: a second step confirms
    POST  /staff/privacy/{reference}/delete-account
                                                  delete the customer's account (a minor's, or
                                                  asked for): a second step confirms
    GET   /staff/audit                            the audit log, by customer, member and date

Every route is behind ``require_staff(Role.PRIVACY_OFFICER)`` (admins have every role).
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import i18n
from portal.accounts.deregistration import Reason
from portal.accounts.models import User
from portal.accounts.password_reset import find_account
from portal.accounts.responses import client_of
from portal.db import request_session, utcnow
from portal.rights import account_deletion
from portal.rights import staff as services
from portal.rights.calendar import CHINA, china_date
from portal.rights.chart import age_chart, bars
from portal.rights.labels import DELETION_REASONS, EVENT_NAMES, KIND_NAMES, STATUS_NAMES
from portal.rights.models import PrivacyRequest
from portal.rights.services import NotOpen, history
from portal.rights.staff_forms import AccountDeletionForm, AnswerForm, IdentityForm, NoteForm
from portal.staff import services as staff_services
from portal.staff.models import Role, StaffMember
from portal.staff.routes import AUDIT_ACTIONS
from portal.urls import url_path
from portal.web.csrf import read_form
from portal.web.requests import page_number, rejected_status, require_staff
from portal.web.state import app_state, render

DELETION_IDENTITY_FIRST = i18n.lazy_gettext(
    "Record how you verified who asked (the customer, or a minor's guardian) before you delete the account: it cannot be undone."
)
IDENTITY_FIRST = i18n.lazy_gettext(
    "Record how you verified the customer's identity before you answer: the answer releases or changes their data."
)
NO_CUSTOMER = i18n.lazy_gettext("No customer has this email address.")
NO_MEMBER = i18n.lazy_gettext("No staff member has this email address.")
BAD_DATE = i18n.lazy_gettext("Enter the date as year-month-day, for example 2027-03-31.")

LABELS = {
    "kinds": KIND_NAMES,
    "statuses": STATUS_NAMES,
    "reasons": DELETION_REASONS,
    "event_names": EVENT_NAMES,
    "deletion_reasons": account_deletion.REASONS,
}


@require_staff(Role.PRIVACY_OFFICER)
async def queue(request: Request, staff: StaffMember) -> Response:
    db = request_session(request)
    today = china_date(utcnow())
    show_all = request.query_params.get("all") == "1"
    found = await services.queue(
        session=db,
        today=today,
        open_only=not show_all,
        page=page_number(request),
    )
    ages = await services.open_ages(session=db, today=today)
    context = {
        "staff": staff,
        "found": found,
        "show_all": show_all,
        "chart": age_chart(ages),
        "bars": [bar for bar in bars(ages) if bar.count],
        **LABELS,
    }
    return render(request, "staff/privacy/queue.html", context)


async def _found(request: Request) -> PrivacyRequest:
    try:
        return await services.find_request(
            session=request_session(request), reference=request.path_params["reference"]
        )
    except services.RequestNotFound:
        raise HTTPException(404) from None


async def _detail(
    request: Request,
    staff: StaffMember,
    found: PrivacyRequest,
    *,
    status_code: int = 200,
    **forms: Any,
) -> Response:
    db = request_session(request)
    context = {
        "staff": staff,
        "request_": found,
        "customer": await services.customer_of(session=db, request=found),
        "events": await history(db, found, internal=True),
        "needs_identity": services.needs_identity(found),
        "overdue": found.is_open and found.due_on < china_date(utcnow()),
        "identity_form": forms.get("identity_form") or IdentityForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "answer_form": forms.get("answer_form") or AnswerForm(),
        "deletion_form": forms.get("deletion_form") or AccountDeletionForm(),
        "done": request.query_params.get("done", ""),
        **LABELS,
    }
    return render(request, "staff/privacy/detail.html", context, status_code=status_code)


def _back(found: PrivacyRequest, done: str) -> RedirectResponse:
    target = url_path("staff_privacy_request", reference=found.reference) + f"?done={done}"
    return RedirectResponse(target, status_code=303)


@require_staff(Role.PRIVACY_OFFICER)
async def detail(request: Request, staff: StaffMember) -> Response:
    return await _detail(request, staff, await _found(request))


@require_staff(Role.PRIVACY_OFFICER, back_to="staff_privacy")
async def verify_identity(request: Request, staff: StaffMember) -> Response:
    found = await _found(request)
    form = IdentityForm.from_form(await read_form(request))
    if not form.validate():
        return await _detail(
            request, staff, found, status_code=rejected_status(request), identity_form=form
        )
    with contextlib.suppress(NotOpen):  # answered meanwhile: the page shows it
        await services.verify_identity(
            session=request_session(request),
            staff=staff,
            request=found,
            method=form.method.data or "",
            ip_address=client_of(request)[1],
        )
    return _back(found, "identity")


@require_staff(Role.PRIVACY_OFFICER, back_to="staff_privacy")
async def add_note(request: Request, staff: StaffMember) -> Response:
    found = await _found(request)
    form = NoteForm.from_form(await read_form(request))
    if not form.validate():
        return await _detail(
            request, staff, found, status_code=rejected_status(request), note_form=form
        )
    await services.add_note(
        session=request_session(request), staff=staff, request=found, note=form.note.data or ""
    )
    return _back(found, "note")


@require_staff(Role.PRIVACY_OFFICER, back_to="staff_privacy")
async def answer(request: Request, staff: StaffMember) -> Response:
    """The first POST shows what will be sent and asks to confirm; the second (``confirmed``)
    closes the request and mails the customer."""
    found = await _found(request)
    data = await read_form(request)
    form = AnswerForm.from_form(data)
    if not form.validate():
        return await _detail(
            request, staff, found, status_code=rejected_status(request), answer_form=form
        )
    if not found.is_open:
        return _back(found, "")
    if not form.refuse and services.needs_identity(found):
        form.decision.errors = [str(IDENTITY_FIRST)]
        return await _detail(
            request, staff, found, status_code=rejected_status(request), answer_form=form
        )
    if data.get("confirmed") != "1":
        context = {"staff": staff, "request_": found, "form": form, **LABELS}
        return render(request, "staff/privacy/confirm.html", context)
    with contextlib.suppress(NotOpen):
        await services.answer(
            session=request_session(request),
            mailer=app_state(request).mailer,
            staff=staff,
            request=found,
            text=form.text.data or "",
            refuse=form.refuse,
            ip_address=client_of(request)[1],
        )
    return _back(found, "answered")


@require_staff(Role.PRIVACY_OFFICER, back_to="staff_privacy")
async def delete_account(request: Request, staff: StaffMember) -> Response:
    """The first POST shows what deleting the account does and asks to confirm; the second
    (``confirmed``) deletes it and closes the request."""
    found = await _found(request)
    data = await read_form(request)
    form = AccountDeletionForm.from_form(data)
    if not form.validate():
        return await _detail(
            request, staff, found, status_code=rejected_status(request), deletion_form=form
        )
    if not found.is_open:
        return _back(found, "")
    if found.identity_verified_at is None:
        form.reason.errors = [str(DELETION_IDENTITY_FIRST)]
        return await _detail(
            request, staff, found, status_code=rejected_status(request), deletion_form=form
        )
    db = request_session(request)
    try:
        ahead = await account_deletion.consequences(session=db, request=found)
    except account_deletion.NoAccount:
        return _back(found, "")
    if data.get("confirmed") != "1":
        context = {"staff": staff, "request_": found, "form": form, "ahead": ahead, **LABELS}
        return render(request, "staff/privacy/confirm_deletion.html", context)
    state = app_state(request)
    with contextlib.suppress(NotOpen, account_deletion.NoAccount):
        await account_deletion.delete_customer_account(
            session=db,
            mailer=state.mailer,
            data_keys=state.data_keys,
            storage=state.drawing_storage,
            staff=staff,
            request=found,
            reason=Reason(form.reason.data),
            ip_address=client_of(request)[1],
        )
    return _back(found, "deleted")


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _china_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHINA)


@require_staff(Role.PRIVACY_OFFICER)
async def audit(request: Request, staff: StaffMember) -> Response:
    """The audit log, newest first, by customer (email address), staff member and dates."""
    db = request_session(request)
    params = request.query_params
    email = params.get("customer", "").strip()[:254]
    staff_email = params.get("staff", "").strip()[:254]
    since, until = _day(params.get("from")), _day(params.get("to"))
    problems: dict[str, Any] = {}
    customer_id = staff_id = None
    if email:
        customer = await find_account(session=db, email=email)
        if customer is None:
            problems["customer"] = NO_CUSTOMER
        else:
            customer_id = customer.id
    if staff_email:
        member = await staff_services.find_member(session=db, email=staff_email)
        if member is None:
            problems["staff"] = NO_MEMBER
        else:
            staff_id = member.id
    for key in ("from", "to"):
        if params.get(key) and _day(params.get(key)) is None:
            problems[key] = BAD_DATE
    events = []
    if not problems:
        events = await staff_services.search_audit(
            session=db,
            customer_id=customer_id,
            staff_id=staff_id,
            since=_china_midnight(since) if since else None,
            before=_china_midnight(until + timedelta(days=1)) if until else None,
        )
    members = {m.id: m for m in await staff_services.list_staff(session=db)}
    context = {
        "staff": staff,
        "events": events,
        "members": members,
        "actions": AUDIT_ACTIONS,
        "query": {
            "customer": email,
            "staff": staff_email,
            "from": params.get("from", "")[:10],
            "to": params.get("to", "")[:10],
        },
        "problems": problems,
        "customers": await _customer_names(db, {e.customer_id for e in events}),
    }
    return render(
        request, "staff/privacy/audit.html", context, status_code=400 if problems else 200
    )


async def _customer_names(db: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    """The addresses of the customers the lines name (a deleted account's lines name none)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await db.execute(select(User.id, User.email).where(col(User.id).in_(wanted)))
    return {user_id: email or "" for user_id, email in rows.all()}


routes = [
    Route("/staff/privacy", queue, methods=["GET"], name="staff_privacy"),
    Route(
        "/staff/privacy/{reference:str}",
        detail,
        methods=["GET"],
        name="staff_privacy_request",
    ),
    Route(
        "/staff/privacy/{reference:str}/identity",
        verify_identity,
        methods=["POST"],
        name="staff_privacy_identity",
    ),
    Route(
        "/staff/privacy/{reference:str}/note",
        add_note,
        methods=["POST"],
        name="staff_privacy_note",
    ),
    Route(
        "/staff/privacy/{reference:str}/answer",
        answer,
        methods=["POST"],
        name="staff_privacy_answer",
    ),
    Route(
        "/staff/privacy/{reference:str}/delete-account",
        delete_account,
        methods=["POST"],
        name="staff_privacy_delete_account",
    ),
    Route("/staff/audit", audit, methods=["GET"], name="staff_audit"),
]
