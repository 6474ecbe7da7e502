"""A document's stored name is never used as a path when the document is saved back out."""

from __future__ import annotations

import hashlib
import tempfile
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtGui import QDesktopServices
from sqlalchemy import select

from app.store import portfolio_actions as actions
from app.store.models import Contract, Document
from app.ui.context import AppContext
from app.ui.contract_editor import ContractEditor

HOSTILE = ["../../../ck-escaped.txt", "C:\\Windows\\..\\ck-escaped.txt", "/tmp/ck-escaped.txt",
           "ck\x00escaped.txt", ".."]


def _store_as_is(ctx: AppContext, name: str) -> int:
    """A document row as another program (or an older version) could have written it."""
    with ctx.session() as session:
        contract = session.scalars(select(Contract).where(Contract.reference == "C-003")).one()
        document = Document(contract=contract, filename=name, content=b"payload",
                            sha256=hashlib.sha256(b"payload").hexdigest(),
                            added_on=date(2026, 1, 1))
        session.add(document)
        session.flush()
        return document.id


@pytest.mark.parametrize("name", HOSTILE)
def test_opening_a_document_writes_only_inside_its_own_folder(
    ctx: AppContext, qtbot, monkeypatch: pytest.MonkeyPatch, name: str  # type: ignore[no-untyped-def]
) -> None:
    _store_as_is(ctx, name)
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda _url: True))
    with ctx.session() as session:
        ident = session.scalar(select(Contract.id).where(Contract.reference == "C-003"))
    editor = ContractEditor(ctx, ident)
    qtbot.addWidget(editor)
    editor.show()
    editor.documents_table.selectRow(0)
    target = editor.open_document()
    assert target is not None
    assert target.parent.parent.resolve() == Path(tempfile.gettempdir()).resolve()
    assert target.parent.name.startswith("clausekeeper-")
    assert "/" not in target.name and "\\" not in target.name and "\x00" not in target.name
    assert target.read_bytes() == b"payload"
    assert not (Path(tempfile.gettempdir()) / "ck-escaped.txt").exists()
    assert not Path("/ck-escaped.txt").exists()


def test_attaching_stores_a_plain_name(ctx: AppContext) -> None:
    with ctx.session() as session:
        ident = session.scalar(select(Contract.id).where(Contract.reference == "C-003"))
        assert ident is not None
        doc = actions.attach_document(session, ident, "..\\..\\evil\x1b.pdf", b"x",
                                      date(2026, 1, 1))
        assert actions.document_content(session, doc)[0] == "evil_.pdf"
