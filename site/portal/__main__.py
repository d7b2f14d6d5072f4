"""``python -m portal``: the operator commands."""

from __future__ import annotations

import os
import sys

import click

from portal.settings import Settings, SettingsError


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
    from portal.privacy.announcements import announce_upcoming
    from portal.templating import create_environment

    settings = _settings()
    i18n.configure(settings.locales_dir)
    library = PolicyLibrary(settings.public_dir)

    async def run() -> list:
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


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error


if __name__ == "__main__":
    main()
