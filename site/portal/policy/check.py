"""``build.py check``: every rule the content must follow, reported by file and line."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from portal.policy.content import load_policy, version_key
from portal.policy.model import Inventory, Policy, PolicyDocument, PolicyVersion, Problem

INVENTORY_MARKER = "[[inventory]]"
CONTENTS_MARKER = "[[contents]]"  # optional: the list of the top-level sections, in place
REFERENCE = re.compile(r"\[\[(field|inventory):([^\]]*)\]\]")


def check_content(content_dir: Path) -> tuple[Policy | None, list[Problem]]:
    """Load and lint the content; the policy is ``None`` unless there is no problem at all."""
    versions, inventory, appendices, problems = load_policy(content_dir)
    problems.extend(_date_order(versions))
    for version in versions:
        problems.extend(_same_structure(version))
        appendix = appendices.get(version.version)
        for document in version.documents.values():
            problems.extend(_references(document, appendix))
        if appendix is not None:
            problems.extend(_inventory_sections(appendix, version))
    if inventory and versions and appendices.get(versions[-1].version) is not inventory:
        # The newest version has an appendix of its own: the current inventory, which the
        # site links to /policy#<section>, must still point at sections of it.
        problems.extend(_inventory_sections(inventory, versions[-1]))
    if problems or inventory is None:
        return None, problems
    return Policy(tuple(versions), inventory, appendices), problems


def _date_order(versions: list[PolicyVersion]) -> list[Problem]:
    problems = []
    by_number = sorted(versions, key=lambda v: version_key(v.version))
    for earlier, later in itertools.pairwise(by_number):
        if later.effective <= earlier.effective:
            document = later.documents["en"]
            problems.append(
                Problem(
                    document.path,
                    document.header_lines.get("effective", 1),
                    f"version {later.version} takes effect on {later.effective}, not after "
                    f"version {earlier.version} ({earlier.effective}): versions must follow in date order",
                )
            )
    return problems


def _same_structure(version: PolicyVersion) -> list[Problem]:
    """English and Chinese must have the same headings, levels and anchors, in the same order."""
    en, zh = version.documents["en"], version.documents["zh_Hans"]
    for index in range(max(len(en.headings), len(zh.headings))):
        a = en.headings[index] if index < len(en.headings) else None
        b = zh.headings[index] if index < len(zh.headings) else None
        if a and b and (a.level, a.anchor) == (b.level, b.anchor):
            continue
        if b is None:
            assert a is not None  # b is past the end of zh's headings, so a is within en's
            return [
                Problem(
                    zh.path,
                    zh.headings[-1].line if zh.headings else 1,
                    f"section {{#{a.anchor}}} ({en.path.name} line {a.line}) is missing here",
                )
            ]
        if a is None:
            return [Problem(zh.path, b.line, f"section {{#{b.anchor}}} is not in {en.path.name}")]
        return [
            Problem(
                zh.path,
                b.line,
                f"section structure differs from {en.path.name}: here {'#' * b.level} {{#{b.anchor}}}, "
                f"there {'#' * a.level} {{#{a.anchor}}} on line {a.line}",
            )
        ]
    return []


def _references(document: PolicyDocument, inventory: Inventory | None) -> list[Problem]:
    """The markers of ``document``, and its references to its own version's appendix."""
    problems = _contents_marker(document)
    markers = []
    lines = document.text.splitlines()
    for number, line in enumerate(lines, 1):
        if "[[" not in line:  # most lines: the cheapest test first
            continue
        if line.strip() == INVENTORY_MARKER:
            markers.append(number)
            # The build replaces the paragraph Python-Markdown makes of the marker line.
            neighbours = lines[number - 2 : number - 1] + lines[number : number + 1]
            if line.rstrip() != INVENTORY_MARKER or any(n.strip() for n in neighbours):
                problems.append(
                    Problem(
                        document.path,
                        number,
                        f"`{INVENTORY_MARKER}` must stand alone: at the start of its line, "
                        "with a blank line before and after it",
                    )
                )
        if inventory is None:
            continue
        for kind, target in REFERENCE.findall(line):
            if kind == "inventory":
                if inventory.scenario(target.strip()) is None:
                    problems.append(
                        Problem(
                            document.path,
                            number,
                            f"[[inventory:{target}]]: no scenario {target!r} in the inventory "
                            f"of version {document.version} ({inventory.path})",
                        )
                    )
                continue
            scenario_id, _, key = target.strip().partition(".")
            scenario = inventory.scenario(scenario_id)
            if scenario is None or scenario.field(key) is None:
                lacks = f"field {key!r}" if scenario else f"scenario {scenario_id!r}"
                problems.append(
                    Problem(
                        document.path,
                        number,
                        f"[[field:{target}]]: the inventory of version {document.version} "
                        f"({inventory.path}) has no {lacks}",
                    )
                )
    if len(markers) != 1:
        where = markers[1] if len(markers) > 1 else 1
        problems.append(
            Problem(
                document.path,
                where,
                f"the appendix needs exactly one line `{INVENTORY_MARKER}` (found {len(markers)})",
            )
        )
    return problems


def _inventory_sections(inventory: Inventory, version: PolicyVersion) -> list[Problem]:
    """Each scenario's and recipient's ``policy_section`` is a section of the table's version."""
    anchors = {h.anchor for h in version.documents["en"].headings}
    entries = [
        ("scenario", s.id, s.policy_section, s.policy_section_line or s.line)
        for s in inventory.scenarios
    ]
    entries += [
        ("recipient", r.id, r.policy_section, r.policy_section_line or r.line)
        for r in inventory.recipients
    ]
    return [
        Problem(
            inventory.path,
            line,
            f"{what} {name!r}: policy_section {section!r} is not a section "
            f"of version {version.version}",
        )
        for what, name, section, line in entries
        if section and section not in anchors
    ]


def _contents_marker(document: PolicyDocument) -> list[Problem]:
    """``[[contents]]`` is optional; where used, once, alone between blank lines."""
    lines = document.text.splitlines()
    found = [n for n, line in enumerate(lines, 1) if line.strip() == CONTENTS_MARKER]
    problems = []
    for number in found:
        neighbours = lines[number - 2 : number - 1] + lines[number : number + 1]
        if lines[number - 1].rstrip() != CONTENTS_MARKER or any(n.strip() for n in neighbours):
            problems.append(
                Problem(
                    document.path,
                    number,
                    f"`{CONTENTS_MARKER}` must stand alone: at the start of its line, "
                    "with a blank line before and after it",
                )
            )
    if len(found) > 1:
        problems.append(
            Problem(
                document.path,
                found[1],
                f"`{CONTENTS_MARKER}` may be used once (found {len(found)})",
            )
        )
    return problems
