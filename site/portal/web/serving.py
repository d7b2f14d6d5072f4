"""How ``python -m portal serve`` runs uvicorn: which proxies it believes, and its limits.

Deployment behind nginx, and why each value is what it is: ``docs/deployment.md``.
"""

from __future__ import annotations

from typing import Any

from portal.settings import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of ``uvicorn.run`` / ``uvicorn.Config`` that the settings decide.

    - ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are read only from the proxies named in
      ``PORTAL_FORWARDED_ALLOW_IPS``, and not at all when it is empty. uvicorn's own default
      (127.0.0.1) would let any local process choose the client address that the per-address
      login and reset limits count against.
    - ``limit_concurrency`` answers 503 once a worker holds that many connections or tasks;
      ``backlog`` bounds the connections the kernel queues; ``timeout_keep_alive`` closes idle
      connections.
    - Header size: the default parser, httptools (llhttp), has no limit of its own, so the
      reverse proxy bounds headers (``large_client_header_buffers``). With
      ``PORTAL_HTTP_PARSER=h11`` (slower), ``PORTAL_MAX_HEADER_BYTES`` caps what uvicorn holds of
      a request head that has not ended yet, and a longer one is answered 400.
    """
    options: dict[str, Any] = {
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "server_header": False,
        "limit_concurrency": settings.limit_concurrency,
        "backlog": settings.backlog,
        "timeout_keep_alive": settings.keep_alive_seconds,
        "http": settings.http_parser,
    }
    if settings.forwarded_allow_ips:
        options["forwarded_allow_ips"] = list(settings.forwarded_allow_ips)
    if settings.http_parser == "h11":
        options["h11_max_incomplete_event_size"] = settings.max_header_bytes
    return options
