"""The visitor every benchmark that serves the portal signs up: a browser on loopback that keeps
its cookies and posts forms with their CSRF token, registered through the real form."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from typing import Any

import httpx2

# What a browser sends with every page; both apps get exactly the same requests.
BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "en-GB,en;q=0.9,zh-CN;q=0.8",
    "User-Agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36"
    ),
}
USER = {
    "name": "Li Wei",
    "email": "li.wei@example.com",
    "phone": "138 1234 5678",
    "customer_type": "business",
    "password": "bench-Correct-Horse-7",
    "policy_consent": "y",
    "legal_capacity": "y",
}
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class BenchError(RuntimeError):
    pass


class Visitor:
    """A browser on loopback that keeps its cookies (the ``Secure`` ones too) and posts forms."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx2.Client(base_url=base_url, headers=BROWSER_HEADERS, timeout=30)
        self.cookies: dict[str, str] = {}

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        headers = {"Cookie": self.cookie_header} if self.cookies else {}
        response = self.client.request(method, path, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})
        return response

    def post_form(self, path: str, data: dict[str, str], page: httpx2.Response) -> httpx2.Response:
        """Post ``data`` with the CSRF token of ``page``, as its form would."""
        found = CSRF_META.search(page.text)
        if not found:
            raise BenchError(f"{page.url} has no CSRF token")
        return self.request("POST", path, data={**data, "csrf_token": found[1]})

    def close(self) -> None:
        self.client.close()


def sign_up(base_url: str) -> Visitor:
    """Register through the real form; the visitor comes back signed in, as on ``/account``."""
    visitor = Visitor(base_url)
    response = visitor.post_form("/register", USER, visitor.request("GET", "/register"))
    if response.status_code != 303 or "portal_session" not in visitor.cookies:
        raise BenchError(f"registration failed: {response.status_code}\n{response.text[:2000]}")
    account = visitor.request("GET", "/account")
    if account.status_code != 200 or USER["email"] not in account.text:
        raise BenchError(f"/account does not show the signed-in user: {account.status_code}")
    return visitor
