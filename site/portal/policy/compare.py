"""What changed between any two versions, for a reader who skipped some.

The build writes the diff of each version against the one before it. A user who last read 1.0
when 1.2 is in force needs the changes from 1.0 to 1.2 in one piece: this module diffs the two
versions' Markdown (read with the build's own loader) at request time, with the build's diff and
template, and keeps the result in memory until either file changes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from portal import i18n
from portal.policy import diff
from portal.policy.content import parse_document
from portal.policy.model import PolicyVersion, Problem
from portal.policy.render import _mark as mark


def combined_changes(
    env: jinja2.Environment, content_dir: Path, old: str, new: str, locale: str
) -> Markup | None:
    """The diff fragment from version ``old`` to version ``new`` in ``locale``.

    ``None`` when either version's file is missing or does not parse.
    """
    files = [content_dir / "policy" / version / f"{locale}.md" for version in (old, new)]
    try:
        stamps = tuple((file.stat().st_mtime_ns, file.stat().st_size) for file in files)
    except OSError:
        return None
    return _combined(env, files[0], files[1], locale, stamps)


@lru_cache(maxsize=64)
def _combined(
    env: jinja2.Environment,
    old_path: Path,
    new_path: Path,
    locale: str,
    stamps: tuple[tuple[int, int], ...],  # part of the cache key: a changed file is read again
) -> Markup | None:
    problems: list[Problem] = []
    old = parse_document(old_path, locale, problems)
    new = parse_document(new_path, locale, problems)
    if old is None or new is None:
        return None
    result = diff.diff_blocks(diff.blocks(old.body), diff.blocks(new.body))
    version = PolicyVersion(new.version, new.effective, new.material, {locale: new})
    with i18n.use_locale(locale):
        html = env.get_template("policy/_diff.html").render(
            old=old, new=new, version=version, diff=result, mark=mark
        )
    return Markup(html)  # noqa: S704 - rendered by our autoescaping template
