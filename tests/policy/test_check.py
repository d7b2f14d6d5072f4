"""``build.py check``: every mistake a legal writer can make is named by file and line.

Each case breaks one thing in a copy of the real content and expects the problem at the place a
writer would have to open to fix it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from portal.policy.content import HEADER_FIELDS
from tests.support.policy_build import (
    APPENDIX_11,
    CONTENT,
    EN,
    INVENTORY,
    ZH,
    ContentCopy,
    Problems,
    run_build_py,
    versions_in,
)
from tests.support.policy_mistakes import (
    BREAKAGES,
    Expected,
    appended,
    effective_not_iso,
    header_field_missing,
    heading_without_anchor,
    material_not_yes_or_no,
    policy_section_not_an_anchor,
)


def test_the_real_content_passes(problems: Problems) -> None:
    assert problems(CONTENT) == []


@pytest.mark.parametrize(
    "breakage",
    [
        *(pytest.param(b, id=b.__name__) for b in BREAKAGES),
        *(
            pytest.param(header_field_missing(name), id=f"header_without_{name}")
            for name in HEADER_FIELDS
        ),
    ],
)
def test_a_mistake_is_named_by_file_and_line(
    breakage: Callable[[ContentCopy], Expected], content: ContentCopy, problems: Problems
) -> None:
    file, line, words = breakage(content)

    found = problems(content.root)

    assert found, "check passed content that is broken"
    assert any(
        (where, number) == (file, line) and words in message for where, number, message in found
    ), f"expected {file}:{line}: …{words}…, got:\n" + "\n".join(
        f"{where}:{number}: {message}" for where, number, message in found
    )


def test_every_problem_is_listed_at_once(content: ContentCopy, problems: Problems) -> None:
    """A writer fixes a batch of mistakes in one go, not one per run."""
    effective_not_iso(content)  # in en.md
    material_not_yes_or_no(content)
    heading_without_anchor(content)
    content.replace("policy/1.0/zh_Hans.md", "{#cookies}", "{#Cookies}")
    policy_section_not_an_anchor(content)

    found = {(where, number) for where, number, _ in problems(content.root)}

    assert {
        (EN, 2),
        (EN, 3),
        (EN, content.line_of(EN, "## 6. How We Process")),
        ("policy/1.0/zh_Hans.md", content.line_of("policy/1.0/zh_Hans.md", "{#Cookies}")),
        (INVENTORY, content.line_of(INVENTORY, "cookie-policy")),
    } <= found


def test_references_to_what_the_inventory_has_pass(
    content: ContentCopy, problems: Problems
) -> None:
    appended(content, EN, "We encrypt the [[field:corporate_invoice.bank_account]].")
    appended(content, ZH, "详见[[inventory:shipping_address]]。")

    assert problems(content.root) == []


def test_a_reference_is_checked_against_its_own_versions_appendix(
    content: ContentCopy, problems: Problems, tmp_path: Path
) -> None:
    """What 1.1 names must be in 1.1's appendix; the newest version may name what is new."""
    sentence = "We keep your [[field:request_a_quote.quote_requirements]]."
    newest = versions_in(content.root)[-1]
    appended(content, f"policy/{newest}/en.md", sentence)
    line = appended(content, EN, sentence)

    result = run_build_py("check", content=content.root, tmp_path=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        f"{content.path(EN)}:{line}: [[field:request_a_quote.quote_requirements]]: the inventory "
        f"of version 1.1 ({content.path(APPENDIX_11)}) has no field 'quote_requirements'"
    )
    assert len(problems(content.root)) == 1  # the newest version's reference is fine


def test_the_newest_version_alone_may_show_the_current_inventory(
    content: ContentCopy, problems: Problems
) -> None:
    *older, newest = versions_in(content.root)
    assert all(content.path(f"policy/{v}/inventory.toml").exists() for v in older)
    assert not content.path(f"policy/{newest}/inventory.toml").exists()
    assert problems(content.root) == []
