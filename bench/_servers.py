"""The apps that ``bench/requests.py`` loads, each in a uvicorn process of its own.

``python -m bench._servers portal | bare [BYTES] | ...`` is the server's side: the Starlette apps
are served the same way (uvloop, httptools, one worker, no access log, lifespan on). The server binds a
free loopback port itself and prints it as its first line of output, so nothing can take the
port between the choice and the bind. SIGTERM stops it gracefully, and it gets one when the
bench dies, however it dies.

- ``portal``: ``create_app()`` with the settings of the ``PORTAL_*`` environment the parent set,
  as ``python -m portal serve`` runs it.
- ``bare``: the baseline, a Starlette app with one route rendering ``bench/templates/bare``
  through ``Jinja2Templates``: a layout with header and footer, and a paragraph long enough for
  the page to weigh ``BYTES`` (the size of the portal's page it stands beside). No middleware,
  no database.
- ``bare-queries``: the same page after the queries of a signed-in ``/account``, the session
  found by the SHA-256 of the cookie's token exactly as the portal finds it, as plain SQLAlchemy
  Core through the async engine on ``PORTAL_DATABASE_URL``. It is the floor that the database
  sets, so the portal's distance to it is what the portal itself adds (middleware, the ORM, its
  templates).
- ``django CONN_MAX_AGE``: the peer (``bench/peers/django``), the same page written as a Django
  team would, under gunicorn with one sync worker, on the same database.

:func:`served` is the parent's side: it starts one, waits until it answers, and stops it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx2
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
TEMPLATES = Path(__file__).parent / "templates" / "bare"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class ServerError(RuntimeError):
    pass


#: The process of each server :func:`served` runs, by base URL, while it runs.
SERVER_PIDS: dict[str, int] = {}


def cpu_seconds(url: str) -> float | None:
    """CPU time (user and system) that the server at ``url`` and its children have used so far.

    From ``/proc`` (Linux; ``None`` elsewhere). Unlike requests per second, CPU time per request
    hardly changes when other work on the machine takes the cores away from the server.
    """
    pid = SERVER_PIDS.get(url)
    if pid is None:
        return None
    try:
        return sum(_own_cpu_ticks(each) for each in _process_tree(pid)) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None


def _process_tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            pids += _process_tree(int(child))
    return pids


def _own_cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


# -- the server's side ---------------------------------------------------------------------


def padded_context(templates: Jinja2Templates, size: int | None) -> dict[str, str]:
    """The bare page's context, padded with prose from ``filler.txt`` to about ``size`` bytes."""
    template = templates.get_template("page.html")
    context = {"name": "Li Wei", "text": ""}
    if size:
        base = len(template.render(context).encode())
        words = (TEMPLATES / "filler.txt").read_text(encoding="utf-8").split()
        text: list[str] = []
        while base + len(" ".join(text).encode()) < size:
            text.append(words[len(text) % len(words)])
        context["text"] = " ".join(text)
    return context


def bare_app(size: int | None = None) -> Starlette:
    """The baseline page, padded to about ``size`` bytes."""
    templates = Jinja2Templates(directory=TEMPLATES)
    context = padded_context(templates, size)

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "page.html", context)

    return Starlette(routes=[Route("/", page)])


def bare_queries_app(size: int | None = None) -> Starlette:
    """``bare_app`` after the queries of a signed-in ``/account``, as plain SQLAlchemy Core.

    The same three statements as the portal's, on the same tables and types: the login session,
    its user and the newest policy row of the user's ledger, found by the SHA-256 of the token
    in the signed ``portal_session`` cookie (``PORTAL_SECRET_KEY``), then the user's active
    sessions, then the overview's counts (``portal.profile.overview``). A request without a valid cookie, or whose session is gone, is answered 403, so
    the load generator counts it as a failure.
    """
    from sqlalchemy import bindparam, func, select

    from portal.accounts.models import LoginSession, User
    from portal.accounts.sessions import SESSION_COOKIE, read_token, token_hash
    from portal.db import create_engine, utcnow
    from portal.privacy.models import POLICY_LEDGER_KINDS, ConsentRecord
    from portal.profile.overview import overview_statement
    from portal.web.csrf import _cookie

    sessions, users = LoginSession.__table__, User.__table__  # type: ignore[attr-defined]
    consents = ConsentRecord.__table__  # type: ignore[attr-defined]
    marker = (
        select(func.max(consents.c.id))
        .where(consents.c.user_id == sessions.c.user_id)
        .where(consents.c.kind.in_(POLICY_LEDGER_KINDS))
        .scalar_subquery()
    )
    find = (
        select(sessions, users, marker)
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.token_hash == bindparam("digest"))
        .where(sessions.c.revoked_at.is_(None))
        .where(sessions.c.expires_at > bindparam("now"))
    )
    listing = (
        select(sessions)
        .where(sessions.c.user_id == bindparam("user_id"))
        .where(sessions.c.revoked_at.is_(None))
        .where(sessions.c.expires_at > bindparam("now"))
        .order_by(sessions.c.last_used_at.desc())
    )
    engine = create_engine(os.environ["PORTAL_DATABASE_URL"])
    secret_key = os.environ["PORTAL_SECRET_KEY"]
    templates = Jinja2Templates(directory=TEMPLATES)
    context = padded_context(templates, size)

    async def account(request: Request) -> Response:
        token = read_token(secret_key, _cookie(request.scope, SESSION_COOKIE))
        if token is None:
            return Response(status_code=403)
        async with engine.connect() as connection:
            now = utcnow()
            found = await connection.execute(find, {"digest": token_hash(token), "now": now})
            row = found.first()
            if row is None:
                return Response(status_code=403)
            listed = await connection.execute(listing, {"user_id": row.user_id, "now": now})
            listed.fetchall()
            counted = await connection.execute(overview_statement(row.user_id))
            counted.one()
        return templates.TemplateResponse(request, "page.html", {**context, "name": row.name})

    return Starlette(routes=[Route("/", account)])


def portal_app() -> Starlette:
    from portal.app import create_app

    return create_app()


def serve(app: Starlette) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(
        app,
        loop="uvloop",
        http="httptools",
        workers=1,
        lifespan="on",
        access_log=False,
        log_level="warning",
        server_header=False,
    )
    uvicorn.Server(config).run(sockets=[sock])


def serve_django(conn_max_age: int) -> None:
    """The Django peer (``bench/peers/django``) under gunicorn, one sync worker, on our socket.

    gunicorn replaces this process (``exec``), so the parent's SIGTERM reaches its arbiter,
    which stops the worker; the socket, bound here, is handed over as ``fd://``.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    sock.listen(2048)
    sock.set_inheritable(True)
    print(sock.getsockname()[1], flush=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.peers.django.settings"
    os.environ["PEER_CONN_MAX_AGE"] = str(conn_max_age)
    os.execv(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers=1",
            "--worker-class=sync",
            f"--bind=fd://{sock.fileno()}",
            "--log-level=warning",
            "--graceful-timeout=5",
            "bench.peers.django.wsgi:application",
        ],
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["portal"] and len(argv) == 1:
        serve(portal_app())
    elif argv[:1] == ["bare"] and len(argv) <= 2 and all(arg.isdigit() for arg in argv[1:]):
        serve(bare_app(int(argv[1]) if argv[1:] else None))
    elif argv[:1] == ["bare-queries"] and len(argv) == 2 and argv[1].isdigit():
        serve(bare_queries_app(int(argv[1])))
    elif argv[:1] == ["django"] and len(argv) == 2 and argv[1].isdigit():
        serve_django(int(argv[1]))
    else:
        print(
            "usage: python -m bench._servers portal | bare [BYTES] | bare-queries BYTES"
            " | django CONN_MAX_AGE",
            file=sys.stderr,
        )
        return 2
    return 0


# -- the parent's side ---------------------------------------------------------------------


def portal_environment(scratch: Path, database_url: str, public_dir: Path) -> dict[str, str]:
    """The environment of the portal and its tools: production settings, every file in scratch.

    Production, because that is what users get: templates are not checked for changes, cookies
    are ``Secure``, no mail worker runs inside the web process.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith("PORTAL_")}
    env.update(
        PORTAL_ENV="production",
        PORTAL_SECRET_KEY=secrets.token_urlsafe(48),
        PORTAL_MASTER_KEY=secrets.token_urlsafe(32),
        PORTAL_DATABASE_URL=database_url,
        PORTAL_VAR_DIR=str(scratch / "var"),
        PORTAL_PUBLIC_DIR=str(public_dir),
        PORTAL_BASE_URL=f"http://{LOOPBACK}",
        PORTAL_MAIL_BACKEND="file",
        PORTAL_IN_PROCESS_WORKER="false",
    )
    return env


def run_tool(arguments: list[str], env: Mapping[str, str]) -> None:
    """``python <arguments>`` in the repository (``build.py``, ``-m portal migrate``)."""
    done = subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode:
        raise ServerError(f"{' '.join(arguments)} failed:\n{done.stdout}{done.stderr}")


@contextlib.contextmanager
def served(
    app: list[str],
    env: Mapping[str, str],
    log: Path,
    ready_path: str,
    *,
    ready_headers: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Run ``app`` and yield its base URL once ``ready_path`` answers 200; always stop it."""
    with log.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench._servers", *app],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            preexec_fn=_end_with_parent,
        )
    url = ""
    try:
        assert process.stdout is not None
        readable, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
        port = process.stdout.readline().strip() if readable else ""
        if not port.isdigit():
            raise ServerError(f"the {app[0]} server did not start:\n{log.read_text()}")
        url = f"http://{LOOPBACK}:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            with contextlib.suppress(httpx2.TransportError):
                answer = httpx2.get(url + ready_path, headers=ready_headers, timeout=2)
                if answer.status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServerError(f"the {app[0]} server is not ready:\n{log.read_text()}")
            time.sleep(0.05)
        SERVER_PIDS[url] = process.pid
        yield url
    finally:
        SERVER_PIDS.pop(url, None)
        stop(process)


def _end_with_parent() -> None:
    """In the child: receive SIGTERM when the bench dies, even of SIGKILL (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def terminated_as_interrupted() -> Iterator[None]:
    """Let SIGTERM unwind the stack like Ctrl+C, so the ``finally`` clauses stop the servers."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM (uvicorn shuts down gracefully), then SIGKILL if that takes too long."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout:
        process.stdout.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
