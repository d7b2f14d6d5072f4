"""``create_app(settings)``: the portal's routes, middleware and lifespan in one place."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount

from portal import errors, i18n
from portal.accounts import routes as accounts
from portal.accounts.sessions import SESSION_COOKIE, SessionMiddleware
from portal.crypto import DataKeys
from portal.db import DatabaseMiddleware, create_engine, session_factory
from portal.drawings.storage import storage_from_settings
from portal.mail.mailer import Mailer
from portal.policy.library import PolicyLibrary
from portal.privacy.gate import PolicyGateMiddleware
from portal.quotes.rates import load_pricing
from portal.settings import Settings
from portal.staff.sessions import STAFF_PATH, StaffSessionMiddleware
from portal.templating import Templates, create_environment
from portal.urls import site_routes
from portal.web.compression import GZipMiddleware
from portal.web.csrf import CSRFError, CSRFMiddleware
from portal.web.head import HeadAsGetMiddleware
from portal.web.headers import SecurityHeadersMiddleware
from portal.web.limits import BodyLimitMiddleware, upload_paths
from portal.web.private import PrivateCacheMiddleware
from portal.web.static import CachedStaticFiles
from portal.worker import run_worker


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the ASGI application; ``settings`` default to the environment's."""
    settings = settings or Settings.from_env()
    i18n.configure(settings.locales_dir)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        worker = None
        if settings.in_process_worker:
            worker = asyncio.create_task(run_worker(settings, stop), name="portal-worker")
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                await worker
            await app.state.drawing_storage.close()
            await engine.dispose()

    routes = [
        *site_routes(),  # portal/urls.py: the table templates and redirects name routes from
        Mount("/static", CachedStaticFiles(directory=settings.static_dir), name="static"),
    ]
    app = Starlette(
        debug=settings.debug,
        routes=routes,
        # Outermost first. The security order, and why:
        # 1. BodyLimit: before anything reads the body, so an oversized one is refused unread
        #    (413); routes that take files opt into the larger limit as ``UploadRoute``s.
        # 2. HeadAsGet: every layer below, the routes included, only ever sees GET for HEAD.
        # 3. GZip, SecurityHeaders: outside the app's own answers, the 403 of CSRF included.
        # 4. PrivateCache: outside the session middleware, so it sees the user it finds and
        #    the session cookie it sets (no-store); every staff console page is no-store;
        #    static files untouched.
        # 5. Database, Session (the user), Locale, then CSRF (which needs neither), then the gate.
        middleware=[
            Middleware(
                BodyLimitMiddleware,
                max_body=settings.max_body_bytes,
                max_upload=settings.max_upload_bytes,
                upload_paths=upload_paths(routes),
                on_too_large=errors.too_large,
            ),
            Middleware(HeadAsGetMiddleware),
            Middleware(GZipMiddleware, minimum_size=800),
            Middleware(SecurityHeadersMiddleware, hsts=settings.production),
            Middleware(
                PrivateCacheMiddleware, session_cookie=SESSION_COOKIE, private_prefix=STAFF_PATH
            ),
            Middleware(DatabaseMiddleware, sessions=sessions),
            Middleware(SessionMiddleware, secret_key=settings.secret_key),
            # The staff console's own sessions, on /staff paths only (staff/sessions.py).
            Middleware(StaffSessionMiddleware, secret_key=settings.secret_key),
            Middleware(i18n.LocaleMiddleware),
            Middleware(
                CSRFMiddleware,
                secret_key=settings.secret_key,
                secure=settings.production,
                on_failure=errors.csrf_failure,
            ),
            # After the session (it needs the user): the policy banner, and the material-change gate.
            Middleware(PolicyGateMiddleware),
        ],
        exception_handlers={
            HTTPException: errors.http_error,
            CSRFError: errors.csrf_error,
            Exception: errors.server_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.templates = Templates(create_environment(settings))
    # Services queue mail through this one object (portal/mail/mailer.py).
    app.state.mailer = Mailer.from_settings(settings, app.state.templates.env)
    app.state.policy = PolicyLibrary(settings.public_dir)
    app.state.data_keys = DataKeys.from_settings(settings)  # portal.crypto: encryption at rest
    # The sales team's rates (docs/pricing.md): a broken file stops the start, named by line.
    app.state.pricing = load_pricing(settings.content_dir / "pricing.toml")
    app.state.drawing_storage = storage_from_settings(settings)  # drawings' ciphertext
    app.state.language_hooks = [accounts.remember_language]
    return app
