"""``[[contents]]``: the policy's own list of its sections, generated where the text asks."""

from __future__ import annotations

import re


def test_the_list_of_sections_follows_the_policys_introduction(built):
    for locale in ("en", "zh_Hans"):
        html = built.read(f"1.0/{locale}.html")
        listed = re.search(r'<ul class="policy__sections">(.*?)</ul>', html, re.S)
        assert listed, locale
        anchors = re.findall(r'href="#([a-z0-9-]+)"', listed[1])
        assert anchors[:2] == ["information-we-process", "cookies"]
        assert "contact-us" in anchors
        assert "registration" not in anchors  # only the top-level sections, as in the seed
        assert "[[contents]]" not in html


def test_a_misplaced_marker_is_reported_by_file_and_line(content, problems):
    content.replace("policy/1.1/en.md", "\n[[contents]]\n", "\ntext [[contents]]\n")
    content.replace("policy/1.1/zh_Hans.md", "\n[[contents]]\n", "\n[[contents]]\n\n[[contents]]\n")
    found = problems(content.root)
    assert (
        "policy/1.1/zh_Hans.md",
        content.line_of("policy/1.1/zh_Hans.md", "[[contents]]", 2),
    ) in {(path, line) for path, line, _ in found}
    assert all(
        "1.1/en.md" not in path or "[[inventory]]" not in message for path, _, message in found
    )


def test_the_marker_is_optional(content, problems):
    content.replace("policy/1.0/en.md", "\n[[contents]]\n", "\n")
    content.replace("policy/1.0/zh_Hans.md", "\n[[contents]]\n", "\n")
    assert problems(content.root) == []
