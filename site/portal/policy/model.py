"""Immutable models of the policy content: versions, documents, headings, the inventory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

LOCALES = ("en", "zh_Hans")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, named by file and line for the legal team."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """The content cannot be built; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class Heading(NamedTuple):  # a tuple: every build makes thousands (30 per document)
    level: int
    anchor: str
    text: str
    line: int


@dataclass(frozen=True)
class PolicyDocument:
    """One language of one version: its header and its Markdown body."""

    path: Path
    version: str
    locale: str
    effective: date
    material: bool
    summary: str
    body: str
    body_line: int  # line number of the body's first line in the file
    headings: tuple[Heading, ...]
    digest: str  # of the file's bytes; the build's cache key
    text: str = field(repr=False, default="")  # the whole file, header included
    header_lines: dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    @property
    def title(self) -> str:
        return next((h.text for h in self.headings if h.level == 1), self.version)


@dataclass(frozen=True)
class PolicyVersion:
    version: str
    effective: date
    material: bool
    documents: dict[str, PolicyDocument] = field(hash=False)

    def summary(self, locale: str) -> str:
        return self.documents[locale].summary


@dataclass(frozen=True)
class InventoryField:
    key: str
    label: dict[str, str]
    sensitive: bool
    required: bool
    note: dict[str, str] | None = None


#: The events a scenario's records can expire after (``expires.after`` in the inventory), each
#: one the retention job (``portal.privacy.retention``) knows how to find.
EXPIRY_EVENTS = ("request_closed", "order_placed")


@dataclass(frozen=True)
class Expiry:
    """When the retention job deletes a scenario's records: ``years`` after ``after``."""

    after: str  # one of EXPIRY_EVENTS
    years: int


@dataclass(frozen=True)
class Scenario:
    id: str
    group: str
    policy_section: str
    title: dict[str, str]
    purpose: dict[str, str]
    method: dict[str, str]
    retention: dict[str, str]  # empty only in an appendix published without the column (1.0, 1.1)
    fields: tuple[InventoryField, ...]
    line: int  # of its [[scenario]]
    policy_section_line: int = 0
    # What the retention job deletes on its own, and when; None: records go with the account,
    # or when the customer deletes them.
    expires: Expiry | None = None
    # The purpose in a few words, for the summary atop "What we hold on you" (both languages, or
    # none: the page then shows the purpose itself).
    purpose_short: dict[str, str] = field(default_factory=dict)

    def field(self, key: str) -> InventoryField | None:
        return next((f for f in self.fields if f.key == key), None)


@dataclass(frozen=True)
class Recipient:
    """Who else processes personal information: an entrusted processor (PIPL art. 21) or another
    processor it is provided to (arts. 22, 23, 45), and which fields (``scenario.field`` keys)."""

    id: str
    kind: str  # one of RECIPIENT_KINDS
    title: dict[str, str]
    purpose: dict[str, str]
    data: tuple[str, ...]
    policy_section: str
    line: int
    note: dict[str, str] | None = None
    policy_section_line: int = 0


RECIPIENT_KINDS = ("entrusted", "provided")


@dataclass(frozen=True)
class Inventory:
    path: Path
    scenarios: tuple[Scenario, ...]
    groups: dict[str, dict[str, str]]
    digest: str
    recipients: tuple[Recipient, ...] = ()

    def scenario(self, scenario_id: str) -> Scenario | None:
        return next((s for s in self.scenarios if s.id == scenario_id), None)


@dataclass(frozen=True)
class Policy:
    """The versions, the current inventory, and the appendix each version was published with.

    ``inventory`` is ``content/inventory.toml``: what the product collects now, read by the site
    (the "What we hold on you" page, the forms) and the appendix of the newest version.
    ``appendices`` maps every version to its own appendix: ``content/policy/<version>/
    inventory.toml`` where the version has one (every version but the newest must), else the
    current inventory.
    """

    versions: tuple[PolicyVersion, ...]  # in order of effective date
    inventory: Inventory
    appendices: dict[str, Inventory] = field(default_factory=dict, hash=False, compare=False)

    def appendix(self, version: PolicyVersion) -> Inventory:
        """The inventory whose table is ``version``'s appendix."""
        return self.appendices.get(version.version, self.inventory)

    def previous(self, version: PolicyVersion) -> PolicyVersion | None:
        index = self.versions.index(version)
        return self.versions[index - 1] if index else None
