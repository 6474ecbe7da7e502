"""A stored document name is saved back out as one plain file name, never as a path."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.fields import safe_file_name


@pytest.mark.parametrize(
    ("stored", "saved"),
    [
        ("master agreement.pdf", "master agreement.pdf"),
        ("../../etc/x", "x"),
        ("/etc/passwd", "passwd"),
        ("C:\\x\\..\\y", "y"),
        ("\\\\server\\share\\annex.docx", "annex.docx"),
        ("C:annex.pdf", "C_annex.pdf"),
        ("a\x00b.pdf", "a_b.pdf"),
        ("\x1b[31mred.txt", "_[31mred.txt"),
        ("..", "document"),
        (".", "document"),
        ("", "document"),
        ("dir/", "document"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("report. ", "report"),
    ],
)
def test_stored_names_become_plain_names(stored: str, saved: str) -> None:
    assert safe_file_name(stored) == saved


def test_a_long_name_keeps_its_extension_within_255_bytes() -> None:
    name = safe_file_name("ü" * 300 + ".pdf")
    assert name.endswith(".pdf") and len(name.encode("utf-8")) <= 255


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_name_is_one_plain_component(stored: str) -> None:
    name = safe_file_name(stored)
    assert name and name not in (".", "..")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not any(ord(ch) < 32 for ch in name)
    assert len(name.encode("utf-8")) <= 255
