"""``/account``: who is signed in, where, and the links of the Personal Center."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max, Model, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from itsdangerous import BadSignature, Signer

from bench.peers.django.models import (
    POLICY_LEDGER_KINDS,
    ConsentRecord,
    CorporateInvoice,
    EmailSubscription,
    LoginSession,
    PersonalInvoice,
    QuoteRequest,
    ShippingAddress,
    User,
)

SESSION_COOKIE = "portal_session"
IDLE_LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=5)
UNVERIFIED_DAYS = 7

_signer = Signer(settings.SECRET_KEY, salt="portal.session")


def _signed_in(request: HttpRequest) -> LoginSession | None:
    """The login session of the cookie (its user loaded with it), as the portal finds it."""
    value = request.COOKIES.get(SESSION_COOKIE)
    if not value:
        return None
    try:
        token = _signer.unsign(value).decode()
    except BadSignature:
        return None
    now = timezone.now()
    newest_policy_row = (
        ConsentRecord.objects.filter(user_id=OuterRef("user_id"), kind__in=POLICY_LEDGER_KINDS)
        .values("user_id")
        .annotate(newest=Max("id"))
        .values("newest")
    )
    login_session = (
        LoginSession.objects.select_related("user")
        .annotate(policy_marker=Subquery(newest_policy_row))
        .filter(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        .first()
    )
    if login_session is not None and now - login_session.last_used_at >= TOUCH_EVERY:
        login_session.last_used_at = now
        fields = ["last_used_at"]
        if not login_session.remember:
            login_session.expires_at = now + IDLE_LIFETIME
            fields.append("expires_at")
        login_session.save(update_fields=fields)
    return login_session


def _count(model: type[Model], **filters: object) -> Coalesce:
    """A correlated COUNT of the user's rows in ``model``, as one column of the user's row."""
    rows = (
        model.objects.filter(user_id=OuterRef("pk"), **filters)  # type: ignore[attr-defined]
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def _overview(user_id: int) -> dict[str, int]:
    """What each section of the Personal Center holds, in one query, as the portal counts it."""
    return (
        User.objects.filter(pk=user_id)
        .annotate(
            addresses=_count(ShippingAddress),
            corporate_invoices=_count(CorporateInvoice),
            personal_invoices=_count(PersonalInvoice),
            subscriptions=_count(EmailSubscription, confirmed_at__isnull=False),
            pending_subscriptions=_count(EmailSubscription, confirmed_at__isnull=True),
            consent_records=_count(ConsentRecord),
            quotes=_count(QuoteRequest),
            open_quotes=_count(QuoteRequest, status__in=("submitted", "in_review", "quoted")),
        )
        .values(
            "addresses",
            "corporate_invoices",
            "personal_invoices",
            "subscriptions",
            "pending_subscriptions",
            "consent_records",
            "quotes",
            "open_quotes",
        )
        .get()
    )


def require_user(view: Callable[..., HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        login_session = _signed_in(request)
        if login_session is None:
            return HttpResponseRedirect(f"/login?next={request.path}")
        return view(request, login_session)

    return wrapper


@never_cache
@require_user
def account(request: HttpRequest, login_session: LoginSession) -> HttpResponse:
    user = login_session.user
    sessions = list(
        LoginSession.objects.filter(
            user_id=user.id, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("-last_used_at")
    )
    unconfirmed = user.email_verified_at is None and user.email and not user.wechat_openid
    context = {
        "user": user,
        "login_session": login_session,
        "sessions": sessions,
        "overview": _overview(user.id),
        "welcome": request.GET.get("welcome") == "1",
        "sent": request.GET.get("sent") == "1",
        "password_changed": request.GET.get("password_changed") == "1",
        "signed_out": request.GET.get("signed_out") == "1",
        "unverified_days": UNVERIFIED_DAYS,
        "delete_after": user.created_at + timedelta(days=UNVERIFIED_DAYS) if unconfirmed else None,
        "sections": [
            ("/account", "Overview"),
            ("/account/information", "Account information"),
            ("/account/addresses", "Shipping addresses"),
            ("/account/invoices", "Invoice information"),
            ("/account/password", "Password setting"),
            ("/account/subscriptions", "Email subscriptions"),
            ("/account/privacy/my-data", "What we hold on you"),
            ("/account/consents", "My consent records"),
        ],
    }
    return render(request, "peer/account.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
