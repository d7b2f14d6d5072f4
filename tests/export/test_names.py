"""A drawing's name in the copy unpacks on Windows, macOS and Linux alike, and no two collide."""

from __future__ import annotations

import pytest

from portal.profile.export.names import MAX_NAME_BYTES, drawing_paths, safe_name


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("支架 bracket v2.STEP", "支架 bracket v2.STEP"),
        ('a<b>c:d"e|f?g*h.stl', "a_b_c_d_e_f_g_h.stl"),
        ("tab\there.stl", "tab_here.stl"),
        ("trailing dot. ", "trailing dot"),
        ("..", "drawing"),
        ("", "drawing"),
        ("nul.txt", "_nul.txt"),
        ("COM1", "_COM1"),
        ("com1.tar.gz", "_com1.tar.gz"),
        ("console.stl", "console.stl"),
    ],
)
def test_names_are_made_safe(name, safe):
    assert safe_name(name) == safe


def test_a_long_name_is_cut_in_its_stem_keeping_its_extension_and_whole_characters():
    name = safe_name("零" * 200 + ".step")
    assert name.endswith(".step")
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert name.removesuffix(".step") == "零" * len(name.removesuffix(".step"))


def test_names_are_unique_per_folder_regardless_of_case():
    assert drawing_paths(
        [
            ("Q-1", "a.stl"),
            ("Q-1", "A.STL"),
            ("Q-1", "a.stl"),
            ("Q-2", "a.stl"),
            (None, "a/b?.stl"),
            (None, "a_b_.stl"),
        ]
    ) == [
        "drawings/Q-1/a.stl",
        "drawings/Q-1/A (2).STL",
        "drawings/Q-1/a (3).stl",
        "drawings/Q-2/a.stl",
        "drawings/unattached/a_b_.stl",
        "drawings/unattached/a_b_ (2).stl",
    ]
