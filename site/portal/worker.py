"""Background jobs: ``python -m portal worker``, or inside the web process for one machine.

Every job keeps its state in the database and claims its rows, so any number of workers can
run side by side.
"""

from __future__ import annotations

import asyncio
import logging

from portal.accounts.housekeeping import run_housekeeping
from portal.crypto.keystore import DataKeys
from portal.db import create_engine, session_factory
from portal.drawings.housekeeping import run_drawing_housekeeping
from portal.drawings.storage import storage_from_settings
from portal.mail.mailer import Mailer
from portal.mail.sender import mail_config, run_sender
from portal.privacy.retention import run_retention_daily
from portal.profile.my_data.services import site_inventory
from portal.quotes.rates import load_pricing
from portal.quotes.reading import run_reader
from portal.rights.reminders import run_reminders
from portal.settings import Settings
from portal.templating import create_environment

logger = logging.getLogger("portal.worker")


async def run_worker(settings: Settings, stop: asyncio.Event, *, interval: float = 2.0) -> None:
    """Run every background job until ``stop`` is set."""
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    drawings = storage_from_settings(settings)
    data_keys = DataKeys.from_settings(settings)
    logger.info("worker started (mail backend: %s)", settings.mail_backend)
    try:
        await asyncio.gather(
            run_sender(sessions, mail_config(settings), interval=interval, stop=stop),
            run_housekeeping(
                sessions,
                unverified_days=settings.unverified_account_days,
                data_keys=data_keys,
                storage=drawings,
                stop=stop,
            ),
            run_drawing_housekeeping(drawings, sessions, stop=stop),
            run_reader(
                sessions,
                data_keys=data_keys,
                storage=drawings,
                pricing=load_pricing(settings.content_dir / "pricing.toml"),
                interval=interval,
                stop=stop,
            ),
            run_retention_daily(
                sessions,
                inventory=lambda: site_inventory(settings.content_dir),
                storage=drawings,
                stop=stop,
            ),
            run_reminders(
                sessions, Mailer.from_settings(settings, create_environment(settings)), stop=stop
            ),
        )
    finally:
        await drawings.close()
        await engine.dispose()
