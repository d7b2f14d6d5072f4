"""``take_copy``: what goes into the user's copy of their personal information, and its record.

The copy holds what "What we hold on you" shows (``portal.profile.my_data``, asked for whole:
every row, sensitive values decrypted, since they are the user's own), and, as stored, the
rows it was made of that a reader wants in full: the consent ledger, the audit trail, the quote
requests, the mails and the drawings. Only the drawings' rows are read here; their content is
decrypted while the archive streams (``archive.py``), never held in memory.

    copy = await take_copy(session=session, user=user, data_keys=keys, storage=store,
                           locale="zh_Hans", inventory=inventory, pricing=pricing)
    copy.drawings[0].path        # 'drawings/Q-7K3M9XQ2/支架 bracket v2.STEP'

Taking a copy is recorded in the user's audit trail (record ``personal_data``, field ``*``,
action ``copied``), committed before anything is read, so the copy lists itself and the history
on "What we hold on you" says when each copy was taken.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from portal.accounts.models import User
from portal.crypto import DataKeys
from portal.db import utcnow
from portal.drawings.models import Drawing
from portal.drawings.storage import DrawingStorage
from portal.mail.models import OutboxMessage
from portal.policy.model import Inventory
from portal.privacy.models import ConsentRecord
from portal.profile.audit import audit_record
from portal.profile.export.names import drawing_paths
from portal.profile.models import AuditEntry
from portal.profile.my_data.formatting import EVERY_FIELD
from portal.profile.my_data.model import PersonalData
from portal.profile.my_data.services import personal_data_and_rows
from portal.quotes.models import QuoteRequest
from portal.quotes.rates import Pricing

#: The audit trail's names for a copy taken (portal.profile.audit; my_data/events.py words them).
RECORD = "personal_data"
COPIED = "copied"
#: The audit action of a copy a receiving processor downloads (portal.rights.transfers).
TRANSFERRED = "transferred"
#: How many drawings' objects are looked up in the store at once.
LOOKUPS_AT_ONCE = 16


@dataclass(frozen=True, slots=True)
class DrawingCopy:
    """A drawing in the copy: its row, its request's reference, and its path in the archive.

    ``included`` is false when its encrypted object is missing from the store (a process
    killed between storing and recording it, say): the copy then says so instead.
    """

    drawing: Drawing
    quote_reference: str | None
    path: str
    included: bool


@dataclass(frozen=True, slots=True)
class PersonalDataCopy:
    """Everything the copy holds but the drawings' content."""

    user: User
    data: PersonalData
    inventory: Inventory
    taken_at: datetime
    consents: tuple[ConsentRecord, ...]
    audit: tuple[AuditEntry, ...]
    quotes: tuple[QuoteRequest, ...]
    mails: tuple[OutboxMessage, ...]
    drawings: tuple[DrawingCopy, ...]

    @property
    def drawing_bytes(self) -> int:
        """The size of the drawings that are included, in bytes."""
        return sum(each.drawing.size for each in self.drawings if each.included)


async def take_copy(
    *,
    session: AsyncSession,
    user: User,
    data_keys: DataKeys,
    storage: DrawingStorage,
    locale: str,
    inventory: Inventory,
    pricing: Pricing | None = None,
    action: str = COPIED,
) -> PersonalDataCopy:
    """Record that ``user`` takes a copy (commits), then read everything it holds, in ``locale``.

    ``action`` is what the audit trail says of it: the customer's own copy (:data:`COPIED`), or
    one a receiving processor downloads (:data:`TRANSFERRED`).

    The drawings' objects are looked up in ``storage`` (not read): one that is missing is
    listed as not included.
    """
    assert user.id is not None
    taken_at = utcnow()
    audit_record(session, user_id=user.id, record=RECORD, fields=(EVERY_FIELD,), action=action)
    await session.commit()
    data, held = await personal_data_and_rows(
        session=session,
        user=user,
        data_keys=data_keys,
        locale=locale,
        inventory=inventory,
        pricing=pricing,
        whole=True,
    )
    references = {quote.id: quote.reference for quote in held.quotes}
    found = await _stored(storage, held.drawings)
    paths = drawing_paths(
        (references.get(each.quote_id) if each.quote_id else None, each.filename)
        for each in held.drawings
    )
    return PersonalDataCopy(
        user=user,
        data=data,
        inventory=inventory,
        taken_at=taken_at,
        consents=tuple(held.consents),
        audit=tuple(held.audit),
        quotes=tuple(held.quotes),
        mails=tuple(held.mails),
        drawings=tuple(
            DrawingCopy(
                drawing=each,
                quote_reference=references.get(each.quote_id) if each.quote_id else None,
                path=path,
                included=present,
            )
            for each, path, present in zip(held.drawings, paths, found, strict=True)
        ),
    )


async def _stored(storage: DrawingStorage, drawings: list[Drawing]) -> list[bool]:
    """Whether each drawing's object is in the store, :data:`LOOKUPS_AT_ONCE` at a time."""
    limit = asyncio.Semaphore(LOOKUPS_AT_ONCE)

    async def exists(drawing: Drawing) -> bool:
        async with limit:
            return await storage.exists(drawing.storage_key)

    return list(await asyncio.gather(*(exists(each) for each in drawings)))
