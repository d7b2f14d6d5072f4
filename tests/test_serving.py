"""``python -m portal serve``: whom uvicorn believes about the client, and its limits.

The per-address limits on logins and reset links (``portal.accounts.throttling``) are only as
good as the client address uvicorn reports, so these tests run a real uvicorn on loopback with
the options the serve command uses.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.parse
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from click.testing import CliRunner
from starlette.types import Receive, Scope, Send

from portal.__main__ import main
from portal.settings import ROOT, Settings, SettingsError
from portal.web.serving import uvicorn_options
from tests.support.servers import serve_config

STRONG_KEY = "k" * 32
FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def settings_from(tmp_path: Path, **values: str) -> Settings:
    return Settings.from_env(
        {"PORTAL_VAR_DIR": str(tmp_path / "var"), "PORTAL_SECRET_KEY": STRONG_KEY, **values}
    )


async def echo_client(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer with the client address and scheme the app is given."""
    if scope["type"] != "http":
        return
    body = json.dumps({"client": scope["client"][0], "scheme": scope["scheme"]}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def config_for(settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(
        echo_client, lifespan="off", log_level="warning", **uvicorn_options(settings)
    )


def seen_by_the_app(settings: Settings) -> dict[str, str]:
    with serve_config(config_for(settings)) as url:
        return httpx2.get(url + "/", headers=FORWARDED).json()


# -- trusted proxies -------------------------------------------------------------------------


def test_by_default_a_forwarded_address_is_ignored(tmp_path: Path) -> None:
    """Any local process could otherwise pick the address its failed logins count against."""
    assert seen_by_the_app(settings_from(tmp_path)) == {"client": "127.0.0.1", "scheme": "http"}


def test_the_named_proxy_is_believed(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, PORTAL_FORWARDED_ALLOW_IPS="192.0.2.1, 127.0.0.1")
    assert seen_by_the_app(settings) == {"client": "203.0.113.9", "scheme": "https"}


def test_a_proxy_network_is_believed_only_from_inside_it(tmp_path: Path) -> None:
    outside = settings_from(tmp_path, PORTAL_FORWARDED_ALLOW_IPS="10.0.0.0/8")
    assert seen_by_the_app(outside)["client"] == "127.0.0.1"
    inside = settings_from(tmp_path, PORTAL_FORWARDED_ALLOW_IPS="127.0.0.0/8")
    assert seen_by_the_app(inside)["client"] == "203.0.113.9"


@pytest.mark.parametrize("value", ["proxy.internal", "*", "127.0.0.1,,", "10.0.0.1/33"])
def test_trusted_proxies_must_be_addresses_or_networks(tmp_path: Path, value: str) -> None:
    with pytest.raises(SettingsError, match="PORTAL_FORWARDED_ALLOW_IPS"):
        settings_from(tmp_path, PORTAL_FORWARDED_ALLOW_IPS=value)


# -- limits ----------------------------------------------------------------------------------


def test_connection_limits_reach_uvicorn(tmp_path: Path) -> None:
    default = config_for(settings_from(tmp_path))
    assert (default.limit_concurrency, default.backlog, default.timeout_keep_alive) == (
        1000,
        2048,
        20,
    )
    chosen = config_for(
        settings_from(
            tmp_path,
            PORTAL_LIMIT_CONCURRENCY="50",
            PORTAL_BACKLOG="128",
            PORTAL_KEEP_ALIVE_SECONDS="75",
        )
    )
    assert (chosen.limit_concurrency, chosen.backlog, chosen.timeout_keep_alive) == (50, 128, 75)


def test_the_default_parser_is_httptools_and_takes_no_header_limit(tmp_path: Path) -> None:
    """httptools (llhttp) has no header size limit of its own; a setting that would do nothing
    is refused rather than believed (docs/deployment.md: the proxy bounds headers)."""
    assert config_for(settings_from(tmp_path)).http == "httptools"
    with pytest.raises(SettingsError, match=r"PORTAL_MAX_HEADER_BYTES.*PORTAL_HTTP_PARSER=h11"):
        settings_from(tmp_path, PORTAL_MAX_HEADER_BYTES="16384")


def test_with_h11_an_endless_header_is_cut_off(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, PORTAL_HTTP_PARSER="h11", PORTAL_MAX_HEADER_BYTES="16384")
    with serve_config(config_for(settings)) as url:
        address = urllib.parse.urlsplit(url)
        with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: portal\r\nCookie: " + b"a" * 65536)
            answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_with_h11_headers_within_the_limit_are_served(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, PORTAL_HTTP_PARSER="h11", PORTAL_MAX_HEADER_BYTES="16384")
    with serve_config(config_for(settings)) as url:
        assert httpx2.get(url + "/", headers={"Cookie": "a" * 8000}).status_code == 200


@pytest.mark.parametrize(
    "values",
    [
        {"PORTAL_HTTP_PARSER": "zttp"},
        {"PORTAL_LIMIT_CONCURRENCY": "0"},
        {"PORTAL_BACKLOG": "many"},
        {"PORTAL_KEEP_ALIVE_SECONDS": "-5"},
        {"PORTAL_HTTP_PARSER": "h11", "PORTAL_MAX_HEADER_BYTES": "1k"},
    ],
)
def test_malformed_limits_name_the_variable(tmp_path: Path, values: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=next(reversed(values))):
        settings_from(tmp_path, **values)


def test_the_serve_command_hands_these_options_to_uvicorn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    monkeypatch.setenv("PORTAL_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("PORTAL_FORWARDED_ALLOW_IPS", "10.1.2.3")
    monkeypatch.setenv("PORTAL_LIMIT_CONCURRENCY", "64")

    result = CliRunner().invoke(main, ["serve", "--port", "8123"])

    assert result.exit_code == 0, result.output
    [options] = calls
    assert options["port"] == 8123
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == ["10.1.2.3"]
    assert options["limit_concurrency"] == 64
    assert options["server_header"] is False


# -- the reverse proxy documented in docs/deployment.md ---------------------------------------


def test_the_documented_nginx_matches_the_portals_defaults(tmp_path: Path) -> None:
    """Body sizes as the portal's limits, headers replaced rather than passed on, and nginx
    closing upstream connections before uvicorn does."""
    guide = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    defaults = settings_from(tmp_path)
    mib = 1024 * 1024
    sizes = {int(size) * mib for size in re.findall(r"client_max_body_size (\d+)m;", guide)}
    assert sizes == {defaults.max_body_bytes, defaults.max_upload_bytes}
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in guide
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in guide
    upstream = re.search(r"upstream portal \{(.*?)\}", guide, re.DOTALL)
    assert upstream is not None
    nginx_keep_alive = re.search(r"keepalive_timeout (\d+)s;", upstream.group(1))
    assert nginx_keep_alive is not None
    assert int(nginx_keep_alive.group(1)) < defaults.keep_alive_seconds
