"""The policy build (issue 3): 100 generated versions in English and Chinese.

- ``policy.build_vs_markdown``: a full build with a cold cache, as a ratio to rendering the same
  200 Markdown files with Python-Markdown alone (same extensions), measured in the same run so the
  machine's speed cancels out. Target: at most 1.5.
- ``policy.rebuild_share``: a rebuild after one version changed (warm cache), as a percentage of
  the full build. Target: at most 10 %.

Each time is the best of seven repetitions, the three steps taking turns (after ``os.sync()``, so
one step's files are not written back during the next). The absolute times, and both ratios in
CPU time of this process, are printed beside them for information.
"""

from __future__ import annotations

import gc
import os
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import markdown

from bench import Figure, benchmark
from portal import i18n
from portal.policy.generator import BuildReport, build
from portal.policy.render import MARKDOWN_EXTENSIONS
from portal.settings import Settings
from portal.templating import create_environment

VERSIONS = 100
REPEATS = 7
EDITS_PER_VERSION = 3
FIRST_EFFECTIVE = date(2020, 1, 6)


def generate_content(source: Path, target: Path, count: int = VERSIONS) -> Path:
    """Write ``count`` versions derived from version 1.0 of ``source`` into ``target``.

    Each version changes a few sentences of the one before it in both languages (added, reworded
    or removed), never a heading, so every version passes ``build.py check`` and every diff has
    something to show. The output depends on nothing but ``count``: runs compare like with like.
    """
    shutil.rmtree(target, ignore_errors=True)
    (target / "policy").mkdir(parents=True)
    shutil.copy(source / "inventory.toml", target / "inventory.toml")
    bodies = {
        locale: _blocks(source / "policy" / "1.0" / f"{locale}.md") for locale in ("en", "zh_Hans")
    }
    for number in range(count):
        version = f"1.{number}"
        effective = FIRST_EFFECTIVE + timedelta(days=7 * number)
        rng = random.Random(number)
        folder = target / "policy" / version
        folder.mkdir()
        if number < count - 1:  # as the legal team keeps them: each older version its appendix
            shutil.copy(source / "policy" / "1.0" / "inventory.toml", folder / "inventory.toml")
        for locale, blocks in bodies.items():
            if number:
                editable = [i for i, block in enumerate(blocks) if _editable(block)]
                for index in rng.sample(editable, EDITS_PER_VERSION):
                    blocks[index] = _edit(blocks[index], locale, version, rng)
            summary = (
                f"Generated revision {number}." if locale == "en" else f"第{number}次生成的修订。"
            )
            header = (
                f"version: {version}\neffective: {effective.isoformat()}\n"
                f"material: {'yes' if number % 10 == 9 else 'no'}\nsummary: {summary}\n"
            )
            text = header + "\n" + "\n\n".join(blocks) + "\n"
            (folder / f"{locale}.md").write_text(text, encoding="utf-8")
    return target


def _blocks(path: Path) -> list[str]:
    body = path.read_text(encoding="utf-8").split("\n\n", 1)[1]
    return [block.strip("\n") for block in body.split("\n\n") if block.strip()]


def _editable(block: str) -> bool:
    return not block.startswith(("#", "[[")) and len(block) > 40 and "\n" not in block


def _edit(block: str, locale: str, version: str, rng: random.Random) -> str:
    """Add a sentence, reword one word, or drop the first sentence of a paragraph."""
    stop = ". " if locale == "en" else "。"
    sentences = block.split(stop)
    operation = rng.choice(("add", "reword", "drop") if len(sentences) > 2 else ("add", "reword"))
    if operation == "drop":
        return stop.join(sentences[1:])
    if operation == "add":
        if locale == "en":
            return f"{block} This sentence was added in version {version}."
        return f"{block}本句为第{version}版新增内容。"
    words = list(re.finditer(r"\b[a-z]{5,}\b" if locale == "en" else "我们|您的|个人信息", block))
    if not words:
        return f"{block} ({version})"
    word = rng.choice(words)
    replacement = rng.choice(
        ("particular", "relevant", "applicable")
        if locale == "en"
        else ("本公司", "贵方的", "个人资料")
    )
    return block[: word.start()] + replacement + block[word.end() :]


@dataclass
class Timed:
    """A step to time: ``prepare`` runs untimed before each repetition of ``run``."""

    run: Callable[[], object]
    prepare: Callable[[], object] = lambda: None
    best: float = float("inf")  # wall-clock seconds: what the figures compare
    best_cpu: float = float("inf")  # this process's CPU seconds, for a machine busy with others
    result: object = None


def best_of(repeats: int, *steps: Timed) -> None:
    """Time each step ``repeats`` times and keep its shortest time (and its last result).

    The steps take turns, so a spell of load on a shared machine slows them alike instead of
    skewing the ratio between them.
    """
    for _ in range(repeats):
        for step in steps:
            step.prepare()
            os.sync()  # the files of the step before are on disk, not competing with this one
            gc.collect()
            started, started_cpu = time.perf_counter(), time.process_time()
            step.result = step.run()
            step.best = min(step.best, time.perf_counter() - started)
            step.best_cpu = min(step.best_cpu, time.process_time() - started_cpu)


def render_markdown_alone(content_dir: Path, out_dir: Path) -> None:
    """The baseline: each policy file read, converted by Python-Markdown, and written as HTML."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md = markdown.Markdown(extensions=list(MARKDOWN_EXTENSIONS), output_format="html")
    for path in sorted(content_dir.glob("policy/*/*.md")):
        md.reset()
        html = md.convert(path.read_text(encoding="utf-8"))
        (out_dir / f"{path.parent.name}.{path.stem}.html").write_text(html, encoding="utf-8")


@benchmark("policy")
def policy_build() -> list[Figure]:
    settings = Settings.from_env(require_secret=False)
    i18n.configure(settings.locales_dir)
    env = create_environment(settings)
    with tempfile.TemporaryDirectory(prefix="bench-policy-") as scratch:
        root = Path(scratch)
        content = generate_content(settings.content_dir, root / "content")
        cache = root / "var" / "policy-build.pickle"

        def run_build() -> BuildReport:
            return build(
                content,
                root / "public",
                env,
                locales_dir=settings.locales_dir,
                templates_dir=settings.templates_dir,
                cache_path=cache,
            )

        # Warm up imports, template compilation and the catalogues, for both sides alike.
        render_markdown_alone(content, root / "markdown")
        run_build()

        # Cold means from nothing on both sides: no cache, no earlier output to replace.
        def from_nothing() -> None:
            cache.unlink(missing_ok=True)
            shutil.rmtree(root / "public")

        changed = _ToggledVersion(content / "policy" / f"1.{VERSIONS // 2}")

        def one_version_changed() -> None:
            run_build()  # the cache holds every fragment (the cold build just emptied it)
            changed.toggle()

        markdown = Timed(
            lambda: render_markdown_alone(content, root / "markdown"),
            prepare=lambda: shutil.rmtree(root / "markdown"),
        )
        full = Timed(run_build, prepare=from_nothing)
        rebuild = Timed(run_build, prepare=one_version_changed)
        best_of(REPEATS, markdown, full, rebuild)
    if full.result.rendered == 0 or rebuild.result.rendered == 0:
        raise RuntimeError("the build rendered nothing: the figures would measure the cache alone")
    return [
        Figure("policy.build_vs_markdown", full.best / markdown.best, "x", "<=", 1.5),
        Figure("policy.rebuild_share", 100 * rebuild.best / full.best, "%", "<=", 10.0),
        Figure("policy.build_time", full.best, "s"),
        Figure("policy.markdown_time", markdown.best, "s"),
        Figure("policy.rebuild_time", rebuild.best, "s"),
        Figure("policy.rebuild_rendered", rebuild.result.rendered, "fragments"),
        # The same ratios in CPU time: when other work loads the machine, the wall-clock figures
        # vary from run to run; these show whether a FAIL is the build's or the machine's.
        Figure("policy.build_vs_markdown_cpu", full.best_cpu / markdown.best_cpu, "x"),
        Figure("policy.rebuild_share_cpu", 100 * rebuild.best_cpu / full.best_cpu, "%"),
    ]


class _ToggledVersion:
    """Changes one sentence of one version in both languages, back and forth, between rebuilds."""

    def __init__(self, folder: Path) -> None:
        self.files = [folder / "en.md", folder / "zh_Hans.md"]
        self.original = [file.read_text(encoding="utf-8") for file in self.files]
        self.changed = False

    def toggle(self) -> None:
        self.changed = not self.changed
        for file, text in zip(self.files, self.original, strict=True):
            if self.changed:
                text = text.rstrip("\n") + "\n\nA sentence added for the benchmark.\n"
            file.write_text(text, encoding="utf-8")
