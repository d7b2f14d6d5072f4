"""Every setting of the portal, read once from the environment (prefix ``PORTAL_``).

``Settings.from_env()`` is the only place that reads ``os.environ``; everything else receives the
``Settings`` object. See ``docs/settings.md`` for the list, which a test keeps in step with this file.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name}={value!r} is not a boolean (use true or false)")


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SettingsError(f"{name}={value!r} is not a positive whole number")
    return int(value)


def _trusted_proxies(env: Mapping[str, str]) -> tuple[str, ...]:
    """``PORTAL_FORWARDED_ALLOW_IPS``: the addresses or networks of the reverse proxies.

    Only addresses and networks: uvicorn would take any other word (a host name, ``*``) as a
    literal or as "trust everyone", and a typo would then silently trust nobody or everybody.
    """
    value = env.get("PORTAL_FORWARDED_ALLOW_IPS", "").strip()
    if not value:
        return ()
    proxies = []
    for item in value.split(","):
        try:
            network = ipaddress.ip_network(item.strip(), strict=False)
        except ValueError:
            raise SettingsError(
                f"PORTAL_FORWARDED_ALLOW_IPS={value!r}: {item.strip()!r} is not an IP address "
                "or network; name the reverse proxy's addresses, separated by commas"
            ) from None
        proxies.append(str(network) if "/" in item else str(network.network_address))
    return tuple(proxies)


HTTP_PARSERS = ("httptools", "h11")


def _development_secret(var_dir: Path) -> str:
    """Generate the development secret key once and keep it under ``var/``.

    Sessions and signed links then survive restarts of ``make run`` without anyone having to
    invent a key; production must set ``PORTAL_SECRET_KEY`` itself.
    """
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


MASTER_KEY_HELP = "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"


def _master_key(value: str, source: str = "PORTAL_MASTER_KEY") -> bytes:
    """Decode a master key: 32 bytes in base64url (43 characters, padding optional)."""
    try:
        key = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise SettingsError(
            f"{source} must hold 32 bytes written in base64url (43 characters); {MASTER_KEY_HELP}"
        )
    return key


def _development_master_key(var_dir: Path) -> bytes:
    """Generate the development master key once and keep it in ``var/master_key``, as the secret key.

    Unlike the secret key, losing this one loses every encrypted drawing and bank account, so
    the file only appears complete: it is written under a temporary name and linked into place,
    and a process that loses the race at first start (server and worker) reads the winner's key.
    """
    path = var_dir / "master_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        draft = var_dir / f".master_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(draft, path)  # unlike rename, never replaces a key another process wrote
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return _master_key(path.read_text().strip(), source=str(path))


_S3_PREFIX = re.compile(r"([A-Za-z0-9][A-Za-z0-9_-]*/)*")


def _drawing_storage(env: Mapping[str, str]) -> dict[str, str]:
    """``PORTAL_DRAWINGS_STORAGE`` and, for ``s3``, the object store's ``PORTAL_S3_*``."""
    storage = env.get("PORTAL_DRAWINGS_STORAGE", "").strip() or "local"
    if storage not in {"local", "s3"}:
        raise SettingsError(f"PORTAL_DRAWINGS_STORAGE={storage!r} is not local or s3")
    endpoint = env.get("PORTAL_S3_ENDPOINT_URL", "").strip().rstrip("/")
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise SettingsError(
            f"PORTAL_S3_ENDPOINT_URL={endpoint!r} must start with https:// or http://"
        )
    bucket = env.get("PORTAL_S3_BUCKET", "").strip()
    if storage == "s3" and not bucket:
        raise SettingsError(
            "PORTAL_S3_BUCKET is not set: PORTAL_DRAWINGS_STORAGE=s3 needs the bucket to keep "
            "drawings in"
        )
    prefix = env.get("PORTAL_S3_PREFIX", "drawings/").strip()
    if not _S3_PREFIX.fullmatch(prefix):
        raise SettingsError(
            f"PORTAL_S3_PREFIX={prefix!r} must be empty or folder names each ending in / "
            "(letters, digits, - and _), such as drawings/"
        )
    # S3-compatible stores on their own address (MinIO, Ceph) want the bucket in the path;
    # AWS itself prefers it in the host name, which boto3's "auto" picks.
    style = env.get("PORTAL_S3_ADDRESSING_STYLE", "").strip() or ("path" if endpoint else "auto")
    if style not in {"auto", "path", "virtual"}:
        raise SettingsError(f"PORTAL_S3_ADDRESSING_STYLE={style!r} is not auto, path or virtual")
    return {
        "drawings_storage": storage,
        "s3_endpoint_url": endpoint,
        "s3_bucket": bucket,
        "s3_region": env.get("PORTAL_S3_REGION", "").strip(),
        "s3_access_key_id": env.get("PORTAL_S3_ACCESS_KEY_ID", "").strip(),
        "s3_secret_access_key": env.get("PORTAL_S3_SECRET_ACCESS_KEY", "").strip(),
        "s3_prefix": prefix,
        "s3_addressing_style": style,
    }


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    secret_key: str = field(default="", repr=False)
    master_key: bytes = field(default=b"", repr=False)
    database_url: str = ""
    root_dir: Path = ROOT
    var_dir: Path = ROOT / "var"
    keystore_dir: Path = ROOT / "var" / "keys"
    public_dir: Path = ROOT / "site" / "public"
    content_dir: Path = ROOT / "content"
    debug: bool = False
    base_url: str = "http://127.0.0.1:8000"
    mail_backend: str = "file"
    mail_from: str = "Xometry Asia <no-reply@xometry.asia>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    in_process_worker: bool = False
    # The largest request body a route takes (portal.web.limits); uploads opt into the larger.
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 512 * 1024 * 1024
    # A quote request's drawings (portal.quotes): the largest file, and how many in one request.
    # The request's body is capped by max_upload_bytes, which also covers its other fields.
    max_drawing_bytes: int = 250_000_000  # shown to customers as "250 MB"
    max_drawings: int = 10
    unverified_account_days: int = 7
    # How ``python -m portal serve`` runs uvicorn (portal.web.serving, docs/deployment.md).
    forwarded_allow_ips: tuple[str, ...] = ()
    limit_concurrency: int = 1000
    backlog: int = 2048
    keep_alive_seconds: int = 20
    http_parser: str = "httptools"
    max_header_bytes: int = 64 * 1024
    # Drawings' ciphertext (portal.drawings.storage): a folder, or an S3-compatible store.
    drawings_storage: str = "local"
    drawings_dir: Path = ROOT / "var" / "drawings"
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = field(default="", repr=False)
    s3_prefix: str = "drawings/"
    s3_addressing_style: str = "auto"

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def mail_dir(self) -> Path:
        """Where the ``file`` mail backend writes ``.eml`` files (development)."""
        return self.var_dir / "mail"

    @property
    def templates_dir(self) -> Path:
        return self.root_dir / "templates"

    @property
    def locales_dir(self) -> Path:
        return self.root_dir / "locales"

    @property
    def static_dir(self) -> Path:
        return self.root_dir / "site" / "static"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, require_secret: bool = True
    ) -> Settings:
        """Read the settings from ``environ`` (default ``os.environ``), once, at start-up.

        Tools that sign and decrypt nothing (``build.py``) pass ``require_secret=False``: they
        need neither ``PORTAL_SECRET_KEY`` nor ``PORTAL_MASTER_KEY``.
        """
        env = os.environ if environ is None else environ
        environment = env.get("PORTAL_ENV", "development").strip() or "development"
        if environment not in {"development", "production", "test"}:
            raise SettingsError(
                f"PORTAL_ENV={environment!r} is not one of development, production, test"
            )
        root = Path(env.get("PORTAL_ROOT", str(ROOT))).resolve()
        var_dir = Path(env.get("PORTAL_VAR_DIR", str(root / "var"))).resolve()
        secret_key = env.get("PORTAL_SECRET_KEY", "").strip()
        if not secret_key and not require_secret:
            pass
        elif not secret_key:
            if environment == "production":
                raise SettingsError(
                    "PORTAL_SECRET_KEY is not set. In production the key signs sessions and links "
                    "and must come from your secret store; generate one with "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
                )
            secret_key = _development_secret(var_dir)
        elif len(secret_key) < 32:
            raise SettingsError("PORTAL_SECRET_KEY must be at least 32 characters long")
        master_key_text = env.get("PORTAL_MASTER_KEY", "").strip()
        master_key = b""
        if master_key_text:
            master_key = _master_key(master_key_text)
        elif not require_secret:
            pass
        elif environment == "production":
            raise SettingsError(
                "PORTAL_MASTER_KEY is not set. In production the master key protects every "
                "customer's encrypted drawings and bank accounts and must come from your secret "
                f"store (or KMS), never from a file beside the data; {MASTER_KEY_HELP}."
            )
        else:
            master_key = _development_master_key(var_dir)
        database_url = env.get("PORTAL_DATABASE_URL", "").strip() or (
            f"sqlite+aiosqlite:///{var_dir / 'portal.sqlite3'}"
        )
        mail_backend = env.get("PORTAL_MAIL_BACKEND", "").strip() or (
            "smtp" if environment == "production" else "file"
        )
        if mail_backend not in {"smtp", "file", "console"}:
            raise SettingsError(
                f"PORTAL_MAIL_BACKEND={mail_backend!r} is not smtp, file or console"
            )
        smtp_port = env.get("PORTAL_SMTP_PORT", "25").strip()
        if not smtp_port.isdigit() or not 0 < int(smtp_port) < 65536:
            raise SettingsError(f"PORTAL_SMTP_PORT={smtp_port!r} is not a port number")
        unverified_days = env.get("PORTAL_UNVERIFIED_ACCOUNT_DAYS", "7").strip()
        if not re.fullmatch(r"[0-9]{1,3}", unverified_days) or not 1 <= int(unverified_days) <= 365:
            raise SettingsError(
                f"PORTAL_UNVERIFIED_ACCOUNT_DAYS={unverified_days!r} is not a number of days "
                "from 1 to 365"
            )
        base_url = env.get("PORTAL_BASE_URL", "").strip().rstrip("/") or (
            f"http://127.0.0.1:{env.get('PORT', '8000')}"
        )
        if not base_url.startswith(("http://", "https://")):
            raise SettingsError(f"PORTAL_BASE_URL={base_url!r} must start with https:// or http://")
        http_parser = env.get("PORTAL_HTTP_PARSER", "").strip() or cls.http_parser
        if http_parser not in HTTP_PARSERS:
            raise SettingsError(f"PORTAL_HTTP_PARSER={http_parser!r} is not httptools or h11")
        if http_parser != "h11" and env.get("PORTAL_MAX_HEADER_BYTES", "").strip():
            raise SettingsError(
                "PORTAL_MAX_HEADER_BYTES only limits headers with PORTAL_HTTP_PARSER=h11; "
                "httptools has no such limit, so the reverse proxy bounds headers "
                "(docs/deployment.md)"
            )
        storage = _drawing_storage(env)
        return cls(
            environment=environment,
            secret_key=secret_key,
            master_key=master_key,
            database_url=database_url,
            root_dir=root,
            var_dir=var_dir,
            keystore_dir=Path(env.get("PORTAL_KEYSTORE_DIR", str(var_dir / "keys"))).resolve(),
            public_dir=Path(env.get("PORTAL_PUBLIC_DIR", str(root / "site" / "public"))).resolve(),
            content_dir=Path(env.get("PORTAL_CONTENT_DIR", str(root / "content"))).resolve(),
            debug=_bool(env.get("PORTAL_DEBUG", "false"), "PORTAL_DEBUG"),
            base_url=base_url,
            mail_backend=mail_backend,
            mail_from=env.get("PORTAL_MAIL_FROM", "").strip() or cls.mail_from,
            smtp_host=env.get("PORTAL_SMTP_HOST", "127.0.0.1").strip(),
            smtp_port=int(smtp_port),
            smtp_username=env.get("PORTAL_SMTP_USERNAME", ""),
            smtp_password=env.get("PORTAL_SMTP_PASSWORD", ""),
            smtp_starttls=_bool(env.get("PORTAL_SMTP_STARTTLS", "false"), "PORTAL_SMTP_STARTTLS"),
            in_process_worker=_bool(
                env.get(
                    "PORTAL_IN_PROCESS_WORKER", "false" if environment == "production" else "true"
                ),
                "PORTAL_IN_PROCESS_WORKER",
            ),
            max_body_bytes=_positive_int(env, "PORTAL_MAX_BODY_BYTES", cls.max_body_bytes),
            max_upload_bytes=_positive_int(env, "PORTAL_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            max_drawing_bytes=_positive_int(env, "PORTAL_MAX_DRAWING_BYTES", cls.max_drawing_bytes),
            max_drawings=_positive_int(env, "PORTAL_MAX_DRAWINGS", cls.max_drawings),
            unverified_account_days=int(unverified_days),
            forwarded_allow_ips=_trusted_proxies(env),
            limit_concurrency=_positive_int(env, "PORTAL_LIMIT_CONCURRENCY", cls.limit_concurrency),
            backlog=_positive_int(env, "PORTAL_BACKLOG", cls.backlog),
            keep_alive_seconds=_positive_int(
                env, "PORTAL_KEEP_ALIVE_SECONDS", cls.keep_alive_seconds
            ),
            http_parser=http_parser,
            max_header_bytes=_positive_int(env, "PORTAL_MAX_HEADER_BYTES", cls.max_header_bytes),
            drawings_dir=Path(env.get("PORTAL_DRAWINGS_DIR", str(var_dir / "drawings"))).resolve(),
            **storage,
        )
