"""Vendors and People pages: lists, dialogs, the rules that keep records, leaving dates, undo.

The `ctx` fixture: vendors Acme Outsourcing (C-001, C-003) and Globex Hosting (C-002, C-004),
as of 2026-01-15 (tests/ui/conftest.py).
"""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from sqlalchemy import select

from app.store import portfolio_actions as actions
from app.store.models import Clause, Contract, Knowledge, Person
from app.ui.context import AppContext
from app.ui.entity_dialogs import LeavingDateDialog, PersonDialog, VendorDialog
from app.ui.people_view import PeopleView, activity
from app.ui.vendors_view import VendorsView
from tests.ui.conftest import open_dialogs

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture(autouse=True)
def _no_blocking_questions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Questions are answered Yes (and recorded); none is ever shown."""
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def table(view: VendorsView | PeopleView) -> list[list[str]]:
    proxy = view.proxy
    return [
        [proxy.index(r, c).data() for c in range(proxy.columnCount())]
        for r in range(proxy.rowCount())
    ]


@pytest.fixture
def vendors(ctx: AppContext, qtbot) -> VendorsView:  # type: ignore[no-untyped-def]
    view = VendorsView(ctx)
    qtbot.addWidget(view)
    view.show()
    return view


@pytest.fixture
def people(ctx: AppContext, qtbot) -> PeopleView:  # type: ignore[no-untyped-def]
    with ctx.session() as session:
        actions.create_person(session, {"name": "Dana Scully", "email": "dana@x.example"})
        actions.create_person(
            session, {"name": "Fox Mulder", "department": "IT", "leaves_on": "2026-01-14"}
        )
    view = PeopleView(ctx)
    qtbot.addWidget(view)
    view.show()
    return view


def test_vendor_list_and_model(vendors: VendorsView, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    assert table(vendors) == [
        ["Acme Outsourcing", "DE", "", "", "2"],
        ["Globex Hosting", "NL", "", "", "2"],
    ]
    assert vendors.count_label.text() == "2 vendors"
    qtmodeltester.check(vendors.model)
    vendors.filter_edit.setText("glob")
    assert [row[0] for row in table(vendors)] == ["Globex Hosting"]
    assert vendors.count_label.text() == "1 of 2 vendors"


def test_new_vendor_dialog_refuses_a_taken_name(
    vendors: VendorsView,
    ctx: AppContext,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    dialog = vendors.new_vendor()
    assert isinstance(dialog, VendorDialog)
    qtbot.keyClicks(dialog.form.widget("name"), "Acme Outsourcing")
    assert dialog.findChild(QLabel, "error_name").text() == (
        "a vendor named 'Acme Outsourcing' already exists"
    )
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.form.widget("name"), " GmbH")
    qtbot.keyClicks(dialog.form.widget("contact_email"), "not-an-address")
    assert dialog.findChild(QLabel, "error_contact_email").text() == (
        "'not-an-address' is not an e-mail address"
    )
    dialog.form.widget("contact_email").setText("sales@acme.example")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert [row[0] for row in table(vendors)] == [
        "Acme Outsourcing",
        "Acme Outsourcing GmbH",
        "Globex Hosting",
    ]
    assert ctx.undo_stack.undoText() == "Add vendor Acme Outsourcing GmbH"
    ctx.undo_stack.undo()
    assert len(table(vendors)) == 2


def test_vendor_with_contracts_is_kept(vendors: VendorsView, _no_blocking_questions) -> None:  # type: ignore[no-untyped-def]
    vendors.table.selectRow(0)  # Acme, two contracts
    assert not vendors.delete_selected()
    (box,) = open_dialogs()
    assert box.text() == (
        "Acme Outsourcing still has 2 contract(s): delete them or give them another vendor first"
    )
    assert _no_blocking_questions == []  # refused before asking
    assert len(table(vendors)) == 2


def test_delete_and_undo_an_empty_vendor(vendors: VendorsView, ctx: AppContext) -> None:
    with ctx.session() as session:
        actions.create_vendor(session, {"name": "Zenith", "country": "FR"})
    ctx.changed("Vendor")
    vendors.table.selectRow(2)
    assert vendors.delete_selected()
    assert [row[0] for row in table(vendors)] == ["Acme Outsourcing", "Globex Hosting"]
    ctx.undo_stack.undo()
    assert table(vendors)[2] == ["Zenith", "FR", "", "", "0"]


def test_edit_vendor_then_undo(vendors: VendorsView, ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    vendors.table.selectRow(1)
    dialog = vendors.edit_selected()
    assert dialog is not None
    country = dialog.form.widget("country")  # picked from the list of ISO codes
    country.setCurrentIndex(country.findData("BE"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert table(vendors)[1][:2] == ["Globex Hosting", "BE"]
    ctx.undo_stack.undo()
    assert table(vendors)[1][:2] == ["Globex Hosting", "NL"]


def test_people_list_shows_who_is_active(people: PeopleView, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    # Fox's last day was 2026-01-14, the day before the as-of date 2026-01-15.
    assert [row[:6] for row in table(people)] == [
        ["Dana Scully", "dana@x.example", "", "", "", "active"],
        ["Fox Mulder", "", "IT", "", "2026-01-14", "left"],
    ]
    qtmodeltester.check(people.model)


def test_activity_on_the_as_of_date() -> None:
    from app.store.portfolio_queries import PersonRow

    row = PersonRow(1, "A", None, None, None, date(2026, 3, 1), 0, 0)
    assert activity(row, date(2026, 3, 2)) == "left"
    assert activity(row, date(2026, 3, 1)) == "last day today"  # leaves_on is the last day
    assert activity(row, date(2026, 2, 1)) == "leaves in 28 days"  # February 2026 has 28 days


def test_set_leaving_date_is_a_clear_undoable_action(
    people: PeopleView,
    ctx: AppContext,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    people.table.selectRow(0)  # Dana
    dialog = people.set_leaving_date()
    assert isinstance(dialog, LeavingDateDialog)
    qtbot.keyClicks(dialog.form.widget("leaves_on").edit, "2026-13-01")
    assert dialog.findChild(QLabel, "error_leaves_on").text() == (
        "'2026-13-01' is not a date "
        "(there is no month 13; months run from 01 to 12)"
    )
    dialog.form.widget("leaves_on").setText("2026-02-14")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    # 2026-01-15 -> 2026-02-14: 16 days left in January + 14 = 30 days.
    assert table(people)[0][4:6] == ["2026-02-14", "leaves in 30 days"]
    assert ctx.undo_stack.undoText() == "Set leaving date of Dana Scully"
    ctx.undo_stack.undo()
    assert table(people)[0][4:6] == ["", "active"]


def test_person_with_knowledge_cannot_be_deleted(
    people: PeopleView,
    ctx: AppContext,
    _no_blocking_questions,  # type: ignore[no-untyped-def]
) -> None:
    with ctx.session() as session:
        dana = session.scalars(select(Person).where(Person.email == "dana@x.example")).one()
        clause = session.scalars(select(Clause)).first()
        session.add(Knowledge(person=dana, clause=clause, level=3, verified_on=date(2025, 6, 1)))
    ctx.changed("Knowledge")
    people.table.selectRow(0)
    assert not people.delete_selected()
    (box,) = open_dialogs()
    assert "set a leaving date instead" in box.text()
    assert len(table(people)) == 2


def test_delete_an_owner_and_undo(people: PeopleView, ctx: AppContext) -> None:
    with ctx.session() as session:
        actions.update_contract(
            session, actions.find_contract(session, "C-002"), {"owner": "Fox Mulder"}
        )
    ctx.changed("Contract")
    people.table.selectRow(1)  # Fox, owner of C-002
    assert table(people)[1][7] == "1"
    assert people.delete_selected()
    assert [row[0] for row in table(people)] == ["Dana Scully"]

    def owner() -> str | None:
        with ctx.session() as session:
            contract = session.scalars(select(Contract).where(Contract.reference == "C-002")).one()
            return contract.owner.name if contract.owner else None

    assert owner() is None
    ctx.undo_stack.undo()
    assert owner() == "Fox Mulder"
    assert table(people)[1][7] == "1"


def test_new_person_key_must_be_unique(people: PeopleView, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = people.new_person()
    assert isinstance(dialog, PersonDialog)
    qtbot.keyClicks(dialog.form.widget("name"), "Fox Mulder")  # no e-mail: the name is the key
    assert dialog.findChild(QLabel, "error_name").text() == (
        "a person with the key 'Fox Mulder' already exists"
    )
    qtbot.keyClicks(dialog.form.widget("email"), "fox2@x.example")
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert [row[:2] for row in table(people)] == [
        ["Dana Scully", "dana@x.example"],
        ["Fox Mulder", ""],
        ["Fox Mulder", "fox2@x.example"],
    ]
