"""``/staff/login``, ``/staff/logout``, ``/staff`` (the console's home) and ``/staff/password``.

The areas that staff work in (quote requests, privacy requests) add their own ``/staff/...``
routes, each behind :func:`portal.web.requests.require_staff` with the role it needs.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.accounts import throttling
from portal.accounts.passwords import verify_password_off_loop
from portal.accounts.responses import client_of, too_many
from portal.db import request_session
from portal.forms import entered, field_text
from portal.i18n import lazy_gettext as _l
from portal.staff import services
from portal.staff.forms import StaffLoginForm, StaffPasswordForm
from portal.staff.models import Role, StaffMember
from portal.staff.sessions import STAFF_COOKIE, STAFF_PATH, start_staff_session
from portal.web.csrf import read_form, rotate_csrf_cookie
from portal.web.redirects import safe_next
from portal.web.requests import rejected_status, require_staff
from portal.web.state import app_state, render

HOME = "/staff"
WRONG_CURRENT = _l("That is not your current password.")
ROLE_NAMES = {
    Role.QUOTING.value: _l("Quoting"),
    Role.PRIVACY_OFFICER.value: _l("Privacy officer"),
    Role.ADMIN.value: _l("Administrator"),
}
#: The audit log's actions as staff read them; an area that records a new action names it here.
AUDIT_ACTIONS = {
    "sign_in": _l("Signed in to the console"),
    "password.change": _l("Changed the password"),
    "quote.answer": _l("Answered a quote request"),
    "drawing.download": _l("Downloaded a drawing"),
    "privacy.verify_identity": _l("Verified a customer's identity"),
    "privacy.answer": _l("Answered a privacy request"),
    "privacy.refuse": _l("Declined a privacy request"),
    "privacy.delete_account": _l("Deleted a customer's account on a privacy request"),
}


def _is_staff_target(path: str) -> bool:
    return path == STAFF_PATH or path.startswith(STAFF_PATH + "/")


async def login(request: Request) -> Response:
    target = safe_next(request.query_params.get("next"), HOME)
    if not _is_staff_target(target.split("?", 1)[0]):
        target = HOME  # the staff login leads into the console, nowhere else
    if request.method == "GET":
        if request.scope.get("staff") is not None:
            return RedirectResponse(target, status_code=303)
        return render(
            request, "staff/login.html", {"form": StaffLoginForm(), "next": target, "failed": False}
        )
    form = StaffLoginForm.from_form(await read_form(request))
    failed = False
    if form.validate():
        settings = app_state(request).settings
        user_agent, ip_address = client_of(request)
        db = request_session(request)
        outcome = await services.sign_in(
            session=db,
            email=entered(form.email),
            password=entered(form.password),
            code=entered(form.code),
            client=ip_address,
            secret_key=settings.secret_key,
        )
        member = outcome.member
        if member is not None:
            cookie = start_staff_session(
                session=db,
                secret_key=settings.secret_key,
                member=member,
                user_agent=user_agent,
                ip_address=ip_address,
            )
            await services.record(
                session=db, member=member, action="sign_in", ip_address=ip_address
            )
            await db.commit()
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                STAFF_COOKIE,
                cookie,
                path=STAFF_PATH,
                httponly=True,
                samesite="strict",
                secure=settings.production,
            )
            rotate_csrf_cookie(request)
            return response
        if outcome.wait:
            form.password.data = ""
            form.code.data = ""
            context = {"form": form, "next": target, "failed": False}
            return too_many(
                request, "staff/login.html", context, throttling.Decision(False, outcome.wait)
            )
        failed = True
    form.password.data = ""
    form.code.data = ""
    return render(
        request,
        "staff/login.html",
        {"form": form, "next": target, "failed": failed},
        status_code=400,
    )


async def logout(request: Request) -> Response:
    await read_form(request)
    staff_session = request.scope.get("staff_session")
    if staff_session is not None:
        db = request_session(request)
        await services.end_session(session=db, staff_session=staff_session)
    rotate_csrf_cookie(request)
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(
        STAFF_COOKIE,
        path=STAFF_PATH,
        httponly=True,
        samesite="strict",
        secure=app_state(request).settings.production,
    )
    return response


@require_staff()
async def home(request: Request, staff: StaffMember) -> Response:
    db = request_session(request)
    context = {
        "staff": staff,
        "events": await services.recent_events(session=db, staff_id=staff.id),
        "members": await services.list_staff(session=db) if staff.staff_role is Role.ADMIN else [],
        "roles": ROLE_NAMES,
        "actions": AUDIT_ACTIONS,
        "quoting": Role.QUOTING,
        "privacy_officer": Role.PRIVACY_OFFICER,
    }
    return render(request, "staff/home.html", context)


@require_staff(back_to=HOME)
async def password(request: Request, staff: StaffMember) -> Response:
    first = staff.password_set_at is None
    context = {"staff": staff, "first": first}
    if request.method == "GET":
        form = StaffPasswordForm(account_email=staff.email, needs_current=not first)
        return render(request, "staff/password.html", {**context, "form": form})
    form = StaffPasswordForm.from_form(
        await read_form(request), account_email=staff.email, needs_current=not first
    )
    valid = form.validate()
    if not first and form.current_password.data:
        ok, _ = await verify_password_off_loop(staff.password_hash, form.current_password.data)
        if not ok:
            form.current_password.errors = [
                *form.current_password.errors,
                field_text(WRONG_CURRENT),
            ]
            valid = False
    if valid:
        staff_session = request.scope["staff_session"]
        await services.change_password(
            session=request_session(request),
            member=staff,
            password=entered(form.new_password),
            keep_session_id=staff_session.id,
            ip_address=client_of(request)[1],
        )
        return RedirectResponse(HOME, status_code=303)
    form.current_password.data = ""
    form.new_password.data = ""
    return render(
        request,
        "staff/password.html",
        {**context, "form": form},
        status_code=rejected_status(request),
    )


routes = [
    Route("/staff/login", login, methods=["GET", "POST"], name="staff_login"),
    Route("/staff/logout", logout, methods=["POST"], name="staff_logout"),
    Route("/staff", home, methods=["GET"], name="staff_home"),
    Route("/staff/password", password, methods=["GET", "POST"], name="staff_password"),
]
