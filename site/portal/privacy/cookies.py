"""Every cookie the site sets, for the cookie page (``/cookies``) and its test.

The names and lifetimes come from the code that sets the cookies, so the page cannot drift from
it; a test collects the ``Set-Cookie`` headers of the site's flows and checks each is listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal import i18n
from portal.accounts.devices import DEVICE_COOKIE, DEVICE_LIFETIME
from portal.accounts.sessions import IDLE_LIFETIME, REMEMBER_LIFETIME, SESSION_COOKIE
from portal.web.csrf import CSRF_COOKIE

#: Every cookie is HttpOnly and SameSite=Lax, and Secure where the site is served over HTTPS.
FLAGS = ("HttpOnly", "SameSite=Lax", "Secure")


@dataclass(frozen=True)
class CookieDescription:
    name: str
    purpose: str
    lifetime: str
    flags: tuple[str, ...] = FLAGS


def site_cookies() -> list[CookieDescription]:
    """The cookies, described in the current language."""
    remember_days = REMEMBER_LIFETIME.days
    idle_hours = int(IDLE_LIFETIME.total_seconds() // 3600)
    language_years = i18n.LANGUAGE_COOKIE_MAX_AGE // (365 * 24 * 3600)
    device_days = DEVICE_LIFETIME.days
    return [
        CookieDescription(
            SESSION_COOKIE,
            i18n.gettext(
                "Keeps you signed in. It holds a random, signed identifier of your session; "
                "the session itself is kept on our server."
            ),
            i18n.ngettext(
                "Until you close your browser (we end a session after %(hours)s idle hours), "
                "or %(num)s day if you tick “Keep me signed in” when you log in. Logging out ends "
                "it at once.",
                "Until you close your browser (we end a session after %(hours)s idle hours), "
                "or %(num)s days if you tick “Keep me signed in” when you log in. Logging out ends "
                "it at once.",
                remember_days,
                hours=idle_hours,
            ),
        ),
        CookieDescription(
            i18n.LANGUAGE_COOKIE,
            i18n.gettext("Remembers the language you chose with the language switch."),
            i18n.ngettext("%(num)s year", "%(num)s years", language_years),
        ),
        CookieDescription(
            CSRF_COOKIE,
            i18n.gettext(
                "Protects your forms against cross-site request forgery: every form you send "
                "must carry a code that matches this random value."
            ),
            i18n.gettext("Until you close your browser."),
        ),
        CookieDescription(
            DEVICE_COOKIE,
            i18n.gettext(
                "Recognises this browser as one you have logged in with, so that someone else "
                "typing wrong passwords cannot lock you out of your account. It holds the number "
                "of your account and a random value, signed by us; a new password makes it "
                "worthless."
            ),
            i18n.ngettext("%(num)s day", "%(num)s days", device_days),
        ),
    ]
