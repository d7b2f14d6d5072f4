"""``make bench``: its output contract, and the content it measures the policy build on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench import Figure, write_json
from bench.policy import generate_content
from portal.policy.check import check_content
from portal.policy.diff import blocks, diff_blocks
from tests.support.policy_build import CONTENT

# DESIGN.md, "Benchmark output".
LINE = re.compile(r"^bench: (\S+) (\S+) (\S+) target (\S+) (\S+) (PASS|FAIL|INFO)$")


@pytest.mark.parametrize(
    ("figure", "line"),
    [
        (
            Figure("policy.build_vs_markdown", 1.2345, "x", "<=", 1.5),
            "bench: policy.build_vs_markdown 1.234 x target <= 1.5 PASS",
        ),
        (
            Figure("policy.rebuild_share", 12.5, "%", "<=", 10.0),
            "bench: policy.rebuild_share 12.5 % target <= 10 FAIL",
        ),
        (
            Figure("policy.build_time", 0.8, "s"),
            "bench: policy.build_time 0.8 s target none - INFO",
        ),
    ],
)
def test_a_figure_is_one_line_of_the_agreed_format(figure: Figure, line: str) -> None:
    assert figure.line() == line
    assert LINE.match(figure.line())


def test_the_figures_are_saved_as_json(tmp_path: Path) -> None:
    path = tmp_path / "var" / "bench.json"

    write_json([Figure("policy.rebuild_share", 12.5, "%", "<=", 10.0)], path)

    assert json.loads(path.read_text()) == {
        "figures": [
            {
                "name": "policy.rebuild_share",
                "value": 12.5,
                "unit": "%",
                "op": "<=",
                "target": 10.0,
                "status": "FAIL",
            }
        ]
    }


def test_a_target_needs_an_operator() -> None:
    with pytest.raises(ValueError, match="a target needs one of"):
        Figure("x", 1.0, "s", None, 2.0)


def test_the_generated_versions_pass_check_and_differ_from_each_other(tmp_path: Path) -> None:
    content = generate_content(CONTENT, tmp_path / "content", count=6)

    policy, problems = check_content(content)

    assert problems == []
    assert policy is not None
    assert [v.version for v in policy.versions] == [f"1.{n}" for n in range(6)]
    for old, new in zip(policy.versions, policy.versions[1:], strict=False):
        for locale in ("en", "zh_Hans"):
            result = diff_blocks(
                blocks(old.documents[locale].body), blocks(new.documents[locale].body)
            )
            assert len(result.blocks) >= 2, (new.version, locale)
    assert (
        generate_content(CONTENT, tmp_path / "again", count=6)
        .joinpath("policy/1.5/en.md")
        .read_text()
        == (content / "policy/1.5/en.md").read_text()
    ), "the same content every run"
