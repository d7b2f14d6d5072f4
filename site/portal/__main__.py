"""``python -m portal``: the operator commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from portal.settings import Settings, SettingsError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from portal.staff.services import Enrolment

T = TypeVar("T")


@click.group()
def main() -> None:
    """Operate the portal: migrate the database, serve the site, publish the policy."""


@main.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def migrate(revision: str) -> None:
    """Bring the database schema up to date (Alembic)."""
    from portal import migrate as migrations

    migrations.upgrade(_settings(), revision)
    click.echo(f"migrate: database at {revision}")


@main.command()
@click.argument("message")
def makemigration(message: str) -> None:
    """Write a numbered migration for the changes to the models (developers)."""
    from portal import migrate as migrations

    migrations.new_revision(_settings(), message)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", "8000")),
    show_default="8000 or $PORT",
)
@click.option("--workers", default=1, show_default=True, help="uvicorn worker processes.")
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the site with uvicorn."""
    import uvicorn

    from portal.web.serving import uvicorn_options

    settings = _settings()  # fail early, with a clear message, on bad settings
    uvicorn.run(
        "portal.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        **uvicorn_options(settings),
    )


@main.command()
def worker() -> None:
    """Run the background jobs (mail delivery) until interrupted."""
    import asyncio
    import logging
    import signal

    from portal.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = _settings()

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await run_worker(settings, stop)

    asyncio.run(run())


@main.group()
def policy() -> None:
    """Build and check the Data Protection Policy."""


@policy.command("build")
def policy_build() -> None:
    """Render the policy into site/public (same as `python build.py`)."""
    from portal.policy.cli import main as build_main

    sys.exit(build_main([]))


@policy.command("check")
def policy_check() -> None:
    """Lint content/ without writing (same as `python build.py check`)."""
    from portal.policy.cli import main as build_main

    sys.exit(build_main(["check"]))


@policy.command("notify")
def policy_notify() -> None:
    """Mail users about versions published ahead of their effective date (run daily; idempotent).

    A material version goes to every user; any other only to users subscribed to policy
    notices. Each user gets each version's mail once, however often this runs.
    """
    import asyncio

    from portal import i18n
    from portal.db import create_engine, session_factory
    from portal.mail.mailer import Mailer
    from portal.policy.library import PolicyLibrary
    from portal.privacy.announcements import Announcement, announce_upcoming
    from portal.templating import create_environment

    settings = _settings()
    i18n.configure(settings.locales_dir)
    library = PolicyLibrary(settings.public_dir)

    async def run() -> list[Announcement]:
        engine = create_engine(settings.database_url)
        try:
            return await announce_upcoming(
                session_factory(engine),
                library=library,
                mailer=Mailer.from_settings(settings, create_environment(settings)),
            )
        finally:
            await engine.dispose()

    report = asyncio.run(run())
    if not report:
        click.echo("notify: no version is waiting to take effect")
    for item in report:
        who = "every user" if item.material else "users subscribed to policy notices"
        click.echo(f"notify: version {item.version} ({who}): {item.queued} mail(s) queued")


@main.group()
def staff() -> None:
    """Staff accounts of the staff console (password and TOTP two-factor, always)."""


_ROLES = click.Choice(["quoting", "privacy_officer", "admin"])


def _run_staff(action: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    """Run ``action(session)`` on the database of the settings, then dispose of the engine."""
    import asyncio

    from portal.db import create_engine, session_factory

    settings = _settings()

    async def run() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return await action(session, settings)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _print_enrolment(enrolment: Enrolment) -> None:
    import segno

    click.echo(f"one-time password: {enrolment.one_time_password}")
    click.echo(f"otpauth URI: {enrolment.otpauth_uri}")
    click.echo("Scan this with the authenticator app (or enter the URI's secret by hand):")
    segno.make(enrolment.otpauth_uri, error="m").terminal(compact=True)
    click.echo(
        "Hand both to the member in person or over a channel you trust. At the first sign-in at "
        "/staff/login they choose their own password; the one-time password then stops working."
    )


@staff.command("add")
@click.argument("email")
@click.option("--role", type=_ROLES, required=True, help="What the member may do.")
@click.option("--name", default="", help="The member's name, shown in the audit log.")
def staff_add(email: str, role: str, name: str) -> None:
    """Add a staff member: prints a one-time password and the otpauth:// URI of their TOTP."""
    from portal.staff import services
    from portal.staff.models import Role

    async def action(session: AsyncSession, settings: Settings) -> Any:
        return await services.add_staff(session=session, email=email, role=Role(role), name=name)

    try:
        enrolment = _run_staff(action)
    except services.StaffExists as error:
        raise click.ClickException(f"a staff account for {email} exists already") from error
    click.echo(f"staff: added {enrolment.member.email} ({role})")
    _print_enrolment(enrolment)


@staff.command("reset")
@click.argument("email")
def staff_reset(email: str) -> None:
    """A lost phone or password: new one-time password and TOTP secret; sessions end."""
    from portal.staff import services

    async def action(session: AsyncSession, settings: Settings) -> Any:
        return await services.reset_staff(
            session=session, email=email, secret_key=settings.secret_key
        )

    try:
        enrolment = _run_staff(action)
    except services.NoSuchStaff as error:
        raise click.ClickException(f"no staff account for {email}") from error
    click.echo(f"staff: reset {enrolment.member.email}")
    _print_enrolment(enrolment)


@staff.command("disable")
@click.argument("email")
def staff_disable(email: str) -> None:
    """Someone leaves: their sessions end now; the account and its audit log stay."""
    from portal.staff import services

    async def action(session: AsyncSession, settings: Settings) -> Any:
        return await services.disable_staff(session=session, email=email)

    try:
        member = _run_staff(action)
    except services.NoSuchStaff as error:
        raise click.ClickException(f"no staff account for {email}") from error
    click.echo(f"staff: disabled {member.email}")


@staff.command("list")
def staff_list() -> None:
    """Every staff account, its role and whether it is active."""
    from portal.staff import services

    async def action(session: AsyncSession, settings: Settings) -> Any:
        return await services.list_staff(session=session)

    for member in _run_staff(action):
        if member.disabled_at:
            state = "disabled"
        elif member.password_set_at is None:
            state = "not signed in yet"
        else:
            state = "active"
        click.echo(f"{member.email}\t{member.role}\t{state}")


@main.command()
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
def retention(dry_run: bool) -> None:
    """Delete what has been kept as long as content/inventory.toml says (the worker runs this
    every hour); each rule's count is recorded in the database."""
    from portal.drawings.storage import storage_from_settings
    from portal.privacy.retention import run_retention
    from portal.profile.my_data.services import site_inventory

    async def action(session: AsyncSession, settings: Settings) -> Any:
        storage = storage_from_settings(settings)
        try:
            return await run_retention(
                session,
                inventory=site_inventory(settings.content_dir),
                storage=storage,
                dry_run=dry_run,
            )
        finally:
            await storage.close()

    verb = "would delete" if dry_run else "deleted"
    for result in _run_staff(action):
        click.echo(f"retention: {result.rule}: {verb} {result.count}")
        for item in result.items:
            click.echo(f"  {item}")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error


if __name__ == "__main__":
    main()
