"""The knowledge workspace, driven as the IT lead uses it: the clause list and its filters, the
matrix with in-place edits and undo, leaving dates, the off-boarding simulation, the People
panel and the contract editor's Knowledge tab.

The portfolio is tests/ui/conftest.py's (as of 2026-01-15) with these links:
  C-001 (Acme)   9.1 crit 5: nobody                        -> orphaned (never_owned)
                 1   crit 3: Ann 3                          -> single
                 2   crit 4: Ann 3, Bob 2                   -> covered
                 10  crit 5: Dan 3 (Dan leaves 2026-02-01)  -> at_risk
  C-002 (Globex) 1   crit 4: Bob 3                          -> single
                 2   crit 2: Cat 2 verified 2023-01-01      -> orphaned (stale)
  C-003 (Acme)   1   crit 5: Cat 4                          -> single
                 2   crit 1: Ann 1                          -> orphaned (never_owned)
  C-004 expired (out of scope).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from sqlalchemy import select

from app.cli import main as cli
from app.services.knowledge import gaps_json, simulate_leave_json
from app.store.models import Clause, Contract, Knowledge, Person
from app.ui import workers
from app.ui.context import AppContext
from app.ui.knowledge import KnowledgeWorkspace
from app.ui.knowledge.clause_list import STATUS as LIST_STATUS
from app.ui.knowledge.matrix import MatrixWidget
from app.ui.knowledge.matrix_model import FIRST_PERSON, STATUS
from app.ui.knowledge.person_picker import AddOwnerDialog
from app.ui.knowledge.simulation import SimulationDialog
from app.ui.status_colors import STATUS_COLORS
from tests.ui.conftest import AS_OF, save_path_patch

pytestmark = pytest.mark.usefixtures("qapp")

VERIFIED = date(2025, 6, 1)


@pytest.fixture
def kctx(ctx: AppContext) -> AppContext:
    with ctx.session() as session:
        ann = Person(name="Ann", email="ann@x")
        bob = Person(name="Bob", email="bob@x")
        cat = Person(name="Cat", email="cat@x")
        dan = Person(name="Dan", email="dan@x", leaves_on=date(2026, 2, 1))
        contracts = {c.reference: c for c in session.scalars(select(Contract))}

        def clause(ref: str, number: str, crit: int, *links: tuple[Person, int, date]) -> None:
            session.add(Clause(
                contract=contracts[ref], number=number, title=f"Clause {number} of {ref}",
                criticality=crit,
                knowledge=[Knowledge(person=p, level=lv, verified_on=on) for p, lv, on in links],
            ))

        clause("C-001", "1", 3, (ann, 3, VERIFIED))
        clause("C-001", "2", 4, (ann, 3, VERIFIED), (bob, 2, VERIFIED))
        clause("C-001", "10", 5, (dan, 3, VERIFIED))
        clause("C-002", "1", 4, (bob, 3, VERIFIED))
        clause("C-002", "2", 2, (cat, 2, date(2023, 1, 1)))
        clause("C-003", "1", 5, (cat, 4, VERIFIED))
        clause("C-003", "2", 1, (ann, 1, VERIFIED))
    return ctx


@pytest.fixture
def workspace(kctx: AppContext, qtbot) -> Iterator[KnowledgeWorkspace]:  # type: ignore[no-untyped-def]
    view = KnowledgeWorkspace(kctx)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    yield view
    view.close()


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Let every worker finish and its result reach the widgets."""
    assert workers.wait_for_ops(10)
    qtbot.wait(10)
    assert workers.wait_for_ops(10)


def listed(view: KnowledgeWorkspace) -> list[tuple[str, str, str]]:
    model = view.model
    return [(r.contract, r.number, r.status)
            for r in (model.row_at(i) for i in range(model.rowCount())) if r is not None]


def statuses(matrix: MatrixWidget) -> dict[str, str]:
    model = matrix.model
    assert model.matrix is not None
    return {c.number: c.status for c in model.matrix.clauses}


def choose(box: QComboBox, data: Any) -> None:
    """Pick an entry of a filter combo as a user does (activated is what the bar listens to)."""
    index = box.findData(data)
    assert index >= 0, data
    box.setCurrentIndex(index)
    box.activated.emit(index)


# --- the clause list ------------------------------------------------------------------------


def test_the_clause_list_is_the_portfolio_in_report_order(
    workspace: KnowledgeWorkspace, kctx: AppContext
) -> None:
    with kctx.session() as session:
        report = gaps_json(session, AS_OF)
    assert listed(workspace) == [(c["contract"], c["number"], c["status"])
                                 for c in report["clauses"]]
    assert listed(workspace)[:4] == [("C-001", "1", "single"), ("C-001", "2", "covered"),
                                     ("C-001", "9.1", "orphaned"), ("C-001", "10", "at_risk")]
    status = workspace.model.index(2, LIST_STATUS)
    assert status.data() == "Orphaned"
    assert status.data(Qt.ItemDataRole.BackgroundRole).color().name() == STATUS_COLORS["orphaned"]
    assert "4 orphaned" not in workspace.summary.text()
    assert "3 orphaned · 1 at risk · 3 single owner · 1 covered" in workspace.summary.text()
    assert "8 clauses" in workspace.count.text()


def test_filters_keep_the_right_clauses_and_a_row_opens_its_matrix(
    workspace: KnowledgeWorkspace, qtbot  # type: ignore[no-untyped-def]
) -> None:
    bar = workspace.filters
    choose(bar.status, "orphaned")
    settle(qtbot)
    assert listed(workspace) == [("C-001", "9.1", "orphaned"), ("C-002", "2", "orphaned"),
                                 ("C-003", "2", "orphaned")]
    choose(bar.reason, "stale")
    settle(qtbot)
    assert listed(workspace) == [("C-002", "2", "orphaned")]
    choose(bar.status, "")
    choose(bar.reason, "")
    choose(bar.vendor, "Acme Outsourcing")
    settle(qtbot)
    assert {c for c, _n, _s in listed(workspace)} == {"C-001", "C-003"}
    choose(bar.criticality, 5)
    settle(qtbot)
    assert listed(workspace) == [("C-001", "9.1", "orphaned"), ("C-001", "10", "at_risk"),
                                 ("C-003", "1", "single")]
    choose(bar.vendor, "")
    choose(bar.criticality, 1)
    choose(bar.person, "ann@x")  # every clause Ann has a link to, at any level
    settle(qtbot)
    assert listed(workspace) == [("C-001", "1", "single"), ("C-001", "2", "covered"),
                                 ("C-003", "2", "orphaned")]
    choose(bar.person, "")
    qtbot.keyClicks(bar.contract, "002")
    qtbot.waitUntil(lambda: {c for c, _n, _s in listed(workspace)} == {"C-002"}, timeout=5000)
    settle(qtbot)

    workspace.select_row(1)  # C-002 §2
    qtbot.waitUntil(lambda: workspace.matrix.model.matrix is not None
                    and workspace.matrix.scope == ("contract", "C-002"), timeout=5000)
    settle(qtbot)
    assert workspace.matrix.title.text().startswith("C-002")
    assert statuses(workspace.matrix) == {"1": "single", "2": "orphaned"}
    workspace.whole_vendor.setChecked(True)
    settle(qtbot)
    assert workspace.matrix.scope == ("vendor", "Globex Hosting")
    assert workspace.matrix.title.text().startswith("Globex Hosting — 1 contract in scope")


def test_the_list_fetches_rows_page_by_page(
    kctx: AppContext, qtbot, qtmodeltester  # type: ignore[no-untyped-def]
) -> None:
    with kctx.session() as session:
        contract = session.scalars(select(Contract).where(Contract.reference == "C-003")).one()
        for number in range(3, 460):
            session.add(Clause(contract=contract, number=str(number), title="More",
                               criticality=1 + number % 5))
    view = KnowledgeWorkspace(kctx)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    model = view.model
    assert model.total == 465
    assert model.rowCount() == 200 and model.canFetchMore()
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > 200, timeout=5000)
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 465
    assert listed(view)[-1] == ("C-003", "459", "orphaned")  # natural order: 459 after 99
    qtmodeltester.check(model)
    qtmodeltester.check(view.matrix.model)
    view.close()


# --- the matrix: leaving dates, edits, undo -------------------------------------------------


def test_a_leaving_date_turns_single_owner_clauses_at_risk(
    workspace: KnowledgeWorkspace, kctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    from app.ui.entity_dialogs import LeavingDateDialog

    matrix = workspace.matrix
    workspace.select_row(0)
    settle(qtbot)
    assert statuses(matrix) == {"1": "single", "2": "covered", "9.1": "orphaned",
                                "10": "at_risk"}
    before = workspace.summary.text()
    assert "1 at risk" in before
    with kctx.session() as session:
        ann = session.scalars(select(Person).where(Person.email == "ann@x")).one().id
    dialog = LeavingDateDialog(kctx, ann)
    qtbot.addWidget(dialog)
    dialog.form.widget("leaves_on").setText("2026-03-31")  # within 90 days of 2026-01-15
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    # Ann owned §1 alone: at risk now; §2 keeps Bob (level 2, a current owner): covered
    assert statuses(matrix) == {"1": "at_risk", "2": "covered", "9.1": "orphaned",
                                "10": "at_risk"}
    status = matrix.model.index(0, STATUS)
    assert status.data() == "At risk"
    assert status.data(Qt.ItemDataRole.BackgroundRole).color().name() == STATUS_COLORS["at_risk"]
    assert "Ann\nleaves 2026-03-31" in [
        matrix.model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(FIRST_PERSON, matrix.model.columnCount())
    ]
    assert "2 at risk" in workspace.summary.text()  # the figures follow
    assert listed(workspace)[0] == ("C-001", "1", "at_risk")
    kctx.undo_stack.undo()
    settle(qtbot)
    assert statuses(matrix)["1"] == "single"
    assert workspace.summary.text() == before


def _open_editor(kctx: AppContext, qtbot, reference: str):  # type: ignore[no-untyped-def]
    from app.ui.contract_editor import KNOWLEDGE, ContractEditor

    with kctx.session() as session:
        contract_id = session.scalars(
            select(Contract.id).where(Contract.reference == reference)).one()
    editor = ContractEditor(kctx, contract_id)
    qtbot.addWidget(editor)
    editor.show()
    editor.tabs.setCurrentIndex(KNOWLEDGE)
    settle(qtbot)
    assert editor.knowledge_matrix.model.matrix is not None
    return editor


def _history(editor: Any) -> list[tuple[str, str, str, str, str]]:
    model = editor.history_model
    return [tuple(model.item(r, c).text() for c in (2, 3, 4, 5, 6))  # type: ignore[misc]
            for r in range(model.rowCount()) if model.item(r, 2).text().startswith("Knowledge")]


def test_set_a_level_in_the_matrix_undo_redo_and_the_history(
    kctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    editor = _open_editor(kctx, qtbot, "C-002")
    matrix = editor.knowledge_matrix
    assert statuses(matrix) == {"1": "single", "2": "orphaned"}
    assert editor.tabs.tabText(editor.tabs.currentIndex()) == "&Knowledge"
    assert matrix.select_cell("2", "Cat")
    matrix.table.setFocus()
    qtbot.keyClick(matrix.table, Qt.Key.Key_3)  # Cat now applies §2, checked today
    settle(qtbot)
    assert statuses(matrix) == {"1": "single", "2": "single"}
    assert kctx.undo_stack.undoText() == "Set level 3: Cat on C-002 §2"
    kctx.undo_stack.undo()
    settle(qtbot)
    assert statuses(matrix)["2"] == "orphaned"
    kctx.undo_stack.redo()
    settle(qtbot)
    assert statuses(matrix)["2"] == "single"
    key = "Knowledge cat@x @ C-002 §2"  # the History tab followed each change by itself
    changes = [row for row in _history(editor) if row[0] == key]
    assert [(r[1], r[2], r[3], r[4]) for r in changes if r[2] == "level"] == [
        ("update", "level", "2", "3"), ("update", "level", "3", "2"),
        ("update", "level", "2", "3"),
    ]
    assert [(r[3], r[4]) for r in changes if r[2] == "verified_on"] == [
        ("2023-01-01", "2026-01-15"), ("2026-01-15", "2023-01-01"),
        ("2023-01-01", "2026-01-15"),
    ]
    editor.accept()  # OK keeps the edits (Cancel would undo them, after asking)


def test_the_cell_editor_adds_and_removes_links(
    kctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    editor = _open_editor(kctx, qtbot, "C-002")
    matrix = editor.knowledge_matrix
    model = matrix.model
    bob = next(i for i, p in enumerate(model.matrix.people) if p.name == "Bob")  # type: ignore[union-attr]
    index = model.index(1, FIRST_PERSON + bob)  # Bob on §2: no link yet
    assert index.data() is None
    matrix.table.setCurrentIndex(index)
    matrix.table.edit(index)
    combo = matrix.table.findChild(QComboBox, "levelEditor")
    assert combo is not None and combo.currentIndex() == 0
    combo.setCurrentIndex(4)
    combo.activated.emit(4)
    settle(qtbot)
    assert statuses(matrix)["2"] == "single"
    assert model.index(1, FIRST_PERSON + bob).data() == "4"
    with kctx.session() as session:
        link = session.scalars(
            select(Knowledge).join(Person).where(Person.name == "Bob").join(Clause)
            .where(Clause.number == "2", Clause.contract.has(reference="C-002"))
        ).one()
        assert (link.level, link.verified_on) == (4, AS_OF)
    assert matrix.select_cell("2", "Bob")
    qtbot.keyClick(matrix.table, Qt.Key.Key_Delete)
    settle(qtbot)
    assert statuses(matrix)["2"] == "orphaned"
    assert model.index(1, FIRST_PERSON + bob).data() is None
    kctx.undo_stack.undo()
    settle(qtbot)
    assert model.index(1, FIRST_PERSON + bob).data() == "4"
    editor.accept()


def test_add_an_owner_and_reverify_many_links(
    workspace: KnowledgeWorkspace, kctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    matrix = workspace.matrix
    workspace.select_row(2)  # C-001 §9.1, orphaned
    settle(qtbot)
    assert matrix.scope == ("contract", "C-001")
    row = next(r for r, c in enumerate(matrix.model.matrix.clauses) if c.number == "9.1")  # type: ignore[union-attr]
    matrix.table.selectRow(row)
    dialog = matrix.add_owner()
    assert isinstance(dialog, AddOwnerDialog)
    assert "C-001 §9.1" in dialog.findChild(type(workspace.summary)).text()
    qtbot.keyClicks(dialog.picker.search, "cat")
    assert dialog.picker.proxy.rowCount() == 1
    dialog.picker.list.setCurrentIndex(dialog.picker.proxy.index(0, 0))
    dialog.level.setCurrentIndex(2)  # level 3
    dialog.accept()
    settle(qtbot)
    assert statuses(matrix)["9.1"] == "single"
    assert [p.name for p in matrix.model.matrix.people] == ["Ann", "Bob", "Cat", "Dan"]  # type: ignore[union-attr]
    assert kctx.undo_stack.undoText() == "Add Cat to C-001 §9.1"
    assert ("C-001", "9.1", "single") in listed(workspace)

    # re-verify Ann's two links of C-001 at once: verified on the as-of date, level kept
    selection = matrix.table.selectionModel()
    selection.clearSelection()
    ann = FIRST_PERSON + [p.name for p in matrix.model.matrix.people].index("Ann")  # type: ignore[union-attr]
    for number in ("1", "2"):
        r = next(i for i, c in enumerate(matrix.model.matrix.clauses) if c.number == number)  # type: ignore[union-attr]
        selection.select(matrix.model.index(r, ann), selection.SelectionFlag.Select)
    assert matrix.reverify_button.isEnabled()
    qtbot.mouseClick(matrix.reverify_button, Qt.MouseButton.LeftButton)
    settle(qtbot)

    def ann_links() -> list[tuple[str, int, date]]:
        with kctx.session() as session:
            return sorted((number, level, on) for number, level, on in session.execute(
                select(Clause.number, Knowledge.level, Knowledge.verified_on)
                .join(Knowledge.clause).join(Knowledge.person)
                .where(Person.name == "Ann", Clause.contract.has(reference="C-001"))
            ))

    assert ann_links() == [("1", 3, AS_OF), ("2", 3, AS_OF)]
    assert kctx.undo_stack.undoText() == "Re-verify 2 links"
    kctx.undo_stack.undo()
    assert ann_links() == [("1", 3, VERIFIED), ("2", 3, VERIFIED)]
    kctx.undo_stack.undo()  # the added owner goes again
    settle(qtbot)
    assert statuses(matrix)["9.1"] == "orphaned"


# --- the off-boarding simulation ------------------------------------------------------------


def _cli_json(kctx: AppContext, capsys: pytest.CaptureFixture[str], *people: str) -> Any:
    capsys.readouterr()
    path = kctx.db.path
    assert path is not None
    assert cli(["--db", str(path), "--as-of", AS_OF.isoformat(), "simulate-leave", *people,
                "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_simulation_shows_what_simulate_leave_answers(
    kctx: AppContext, qtbot, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    dialog = SimulationDialog(kctx, [])
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.run_button.isEnabled()  # nobody chosen yet
    picker = dialog.picker  # tick Ann, search for Cat and tick her: both stay chosen
    qtbot.keyClicks(picker.search, "ann")
    assert picker.proxy.rowCount() == 1
    picker.toggle(picker.proxy.index(0, 0))
    picker.search.clear()
    qtbot.keyClicks(picker.search, "cat@")
    picker.list.setCurrentIndex(picker.proxy.index(0, 0))
    picker.list.setFocus()
    qtbot.keyClick(picker.list, Qt.Key.Key_Space)
    assert picker.selected_keys() == ["ann@x", "cat@x"]
    assert picker.chosen_label.text() == "Chosen: Ann, Cat"
    assert dialog.run_button.isEnabled()
    with qtbot.waitSignal(dialog.simulated, timeout=10_000):
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    expected = _cli_json(kctx, capsys, "ann@x", "cat@x")
    assert dialog.contracts_model.records() == expected["contracts"]
    assert dialog.orphaned_model.records() == expected["newly_orphaned"]
    # C-001 §2 keeps Bob (level 2 is the understanding level)
    assert [(c["contract"], c["number"]) for c in expected["newly_orphaned"]] == [
        ("C-001", "1"), ("C-003", "1")]
    assert "Ann, Cat" in dialog.summary.text()
    assert "2</b> clauses become orphaned" in dialog.summary.text()

    out = tmp_path / "leaving.xlsx"
    save_path_patch(monkeypatch, out)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    wb = openpyxl.load_workbook(out)
    assert wb["Contracts"]["A1"].value == "Off-boarding simulation as of 2026-01-15"
    assert [r[0].value for r in wb["Contracts"].iter_rows(min_row=4)] == [
        c["reference"] for c in expected["contracts"]]

    dialog.choose_leaving_within(90)  # Dan leaves on 2026-02-01
    with qtbot.waitSignal(dialog.simulated, timeout=10_000):
        dialog.run()
    with kctx.session() as session:
        assert dialog.result == simulate_leave_json(session, AS_OF, ["dan@x"])
    assert dialog.orphaned_model.records() == [
        {"contract": "C-001", "number": "10", "title": "Clause 10 of C-001", "criticality": 5}]
    dialog.choose_leaving_within(5)
    dialog.run()
    settle(qtbot)
    assert "could not run" in dialog.summary.text()  # and a message says nobody leaves
    dialog.close()


def test_the_simulation_opens_from_the_workspace_and_from_people(
    workspace: KnowledgeWorkspace, kctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    from app.ui.people_view import PeopleView

    qtbot.mouseClick(workspace.simulate_button, Qt.MouseButton.LeftButton)
    dialogs = workspace.findChildren(SimulationDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dialogs[0].close()

    people = PeopleView(kctx)
    qtbot.addWidget(people)
    people.show()
    names = [people.model.row_at(r).name for r in range(people.model.rowCount())]
    people.table.selectRow(names.index("Ann"))
    panel = people.takes_panel
    qtbot.waitUntil(lambda: panel.takes is not None and panel.takes.name == "Ann",
                    timeout=5000)
    qtbot.mouseClick(panel.simulate_button, Qt.MouseButton.LeftButton)
    (dialog,) = people.findChildren(SimulationDialog)
    assert dialog.picker.selected_keys() == ["ann@x"]
    dialog.close()
    people.close()


# --- People: what a person takes with them ---------------------------------------------------


def test_people_shows_what_a_person_takes_with_them(
    kctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    from app.ui.people_view import PeopleView

    people = PeopleView(kctx)
    qtbot.addWidget(people)
    people.show()
    panel = people.takes_panel
    names = [people.model.row_at(r).name for r in range(people.model.rowCount())]
    people.table.selectRow(names.index("Dan"))
    qtbot.waitUntil(lambda: panel.takes is not None and panel.takes.name == "Dan",
                    timeout=5000)
    assert "Leaves on 2026-02-01 (in 17 days), within the leaving window" in panel.leaving.text()
    assert [panel.alone_model.item(r, 1).text() for r in range(panel.alone_model.rowCount())] \
        == ["10"]
    assert panel.risk_model.rowCount() == 1
    # C-001 weighs 17, 5 orphaned, limit 8.5. Now: removing Ann (7) orphans §1 -> 8, then Dan
    # -> 13: truck factor 2. Without Dan: §10 orphaned too, 10 > 8.5 at once: 0.
    assert panel.drop_model.rowCount() == 1
    assert panel.drop_model.item(0, 0).text() == "C-001"
    assert panel.drop_model.item(0, 1).text() == "2 → 0"

    people.table.selectRow(names.index("Ann"))
    qtbot.waitUntil(lambda: panel.takes is not None and panel.takes.name == "Ann",
                    timeout=5000)
    assert panel.leaving.text().startswith("No leaving date.")
    assert [panel.alone_model.item(r, 0).text() + " §" + panel.alone_model.item(r, 1).text()
            for r in range(panel.alone_model.rowCount())] == ["C-001 §1"]
    assert panel.risk_model.rowCount() == 0
    people.close()


def test_the_main_window_opens_the_workspace(
    kctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    from app.ui.main_window import MainWindow

    window = MainWindow(kctx)
    qtbot.addWidget(window)
    window.show()
    page = window.show_page("Knowledge")
    assert isinstance(page, KnowledgeWorkspace)
    qtbot.waitUntil(lambda: page.overview is not None and page.overview.complete,
                    timeout=10_000)
    settle(qtbot)
    assert page.model.rowCount() == 8
    assert page.matrix.scope == ("contract", "C-001")  # the first row is selected
    window.close()


def test_a_burst_of_changes_costs_one_more_computation(
    workspace: KnowledgeWorkspace, kctx: AppContext, qtbot,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.services import knowledge_views

    calls: list[int] = []
    original = knowledge_views.knowledge_overview

    def counted(session: Any, as_of: date) -> Any:
        calls.append(1)
        return original(session, as_of)

    monkeypatch.setattr(knowledge_views, "knowledge_overview", counted)
    for _ in range(5):
        kctx.changed("Knowledge")
    settle(qtbot)
    assert 1 <= len(calls) <= 2
    assert workspace.model.rowCount() == 8 and "computing" not in workspace.summary.text()


def test_the_first_rows_come_before_the_whole_portfolio_and_stay(
    kctx: AppContext, qtbot, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    from functools import partial

    from app.services import knowledge_views

    # the first contract alone makes the first rows (C-001 has 4 clauses)
    monkeypatch.setattr(knowledge_views, "first_clauses",
                        partial(knowledge_views.first_clauses, count=2, batch=1))
    view = KnowledgeWorkspace(kctx)
    qtbot.addWidget(view)
    seen: list[tuple[int, bool, str]] = []
    view.first_rows.connect(lambda: seen.append(
        (view.model.rowCount(), view.model.selection.overview.complete,  # type: ignore[union-attr]
         view.count.text())))
    resets: list[int] = []
    view.model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    assert seen[0][:2] == (4, False)
    assert "being computed" in seen[0][2]
    assert seen[-1][:2] == (8, True)
    assert len(resets) == 1  # the first rows stay; the rest is appended as the view fetches
    assert view.table.selectionModel().selectedRows()[0].row() == 0
    view.close()


def test_first_rows_changed_before_the_whole_portfolio_arrives_are_replaced(
    kctx: AppContext, qtbot, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    """Another desk changes a first row's knowledge between the two computations: the list then
    shows the whole portfolio's status, never the first rows' older one."""
    from functools import partial

    from app.services import knowledge_views

    monkeypatch.setattr(knowledge_views, "first_clauses",
                        partial(knowledge_views.first_clauses, count=2, batch=1))
    whole = knowledge_views.knowledge_overview

    def after_a_change(session: Any, as_of: date) -> Any:
        with kctx.session() as other:  # Bob verifies C-001's clause 1 too: covered, not single
            clause = other.scalars(select(Clause).join(Contract).where(
                Contract.reference == "C-001", Clause.number == "1")).one()
            bob = other.scalars(select(Person).where(Person.name == "Bob")).one()
            other.add(Knowledge(clause=clause, person=bob, level=3, verified_on=VERIFIED))
        session.expire_all()
        return whole(session, as_of)

    monkeypatch.setattr(knowledge_views, "knowledge_overview", after_a_change)
    view = KnowledgeWorkspace(kctx)
    qtbot.addWidget(view)
    first: list[str] = []
    view.first_rows.connect(lambda: first.append(view.model.index(0, LIST_STATUS).data()))
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    assert first[0] == "Single owner"  # C-001 clause 1 when the first rows were computed
    rows = [view.model.row_at(r) for r in range(view.model.rowCount())]
    assert [(r.contract, r.number, r.status) for r in rows[:4]] == [  # type: ignore[union-attr]
        ("C-001", "1", "covered"), ("C-001", "2", "covered"), ("C-001", "9.1", "orphaned"),
        ("C-001", "10", "at_risk")]
    assert view.model.index(0, LIST_STATUS).data() == "Covered"
    assert view.model.rowCount() == 8
    view.close()


def test_the_matrix_of_a_deleted_contract_says_so(
    kctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    from app.ui import undo
    from tests.ui.conftest import open_dialogs

    matrix = MatrixWidget(kctx)
    qtbot.addWidget(matrix)
    matrix.show()
    matrix.show_contract("C-003")
    settle(qtbot)
    assert statuses(matrix) == {"1": "single", "2": "orphaned"}
    with kctx.session() as session:
        contract_id = session.scalars(
            select(Contract.id).where(Contract.reference == "C-003")).one()
    undo.execute(kctx, undo.DeleteCommand(kctx, undo.CONTRACT, contract_id))
    settle(qtbot)
    assert matrix.model.matrix is None
    assert matrix.title.text() == "C-003: not found"
    assert not open_dialogs()  # no error box for what the user just did
    kctx.undo_stack.undo()
    settle(qtbot)
    matrix.show_contract("C-003")
    settle(qtbot)
    assert statuses(matrix) == {"1": "single", "2": "orphaned"}


def test_an_empty_database_shows_an_empty_workspace(
    empty_ctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    view = KnowledgeWorkspace(empty_ctx)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    settle(qtbot)
    assert view.model.rowCount() == 0
    assert "0 clauses in 0 contracts" in view.summary.text()
    assert "coverage — · truck factor —" in view.summary.text()
    assert view.matrix.title.text() == "No contract chosen"
    view.close()


def test_a_header_click_sorts_in_the_data_layer(
    workspace: KnowledgeWorkspace, qtbot  # type: ignore[no-untyped-def]
) -> None:
    from app.ui.knowledge.clause_list import COVERAGE, CRITICALITY

    # coverage: C-002 4/6, C-001 12/17, C-003 5/6; ties keep report order
    workspace.table.sortByColumn(COVERAGE, Qt.SortOrder.AscendingOrder)
    settle(qtbot)
    assert [(c, n) for c, n, _s in listed(workspace)] == [
        ("C-002", "1"), ("C-002", "2"), ("C-001", "1"), ("C-001", "2"), ("C-001", "9.1"),
        ("C-001", "10"), ("C-003", "1"), ("C-003", "2")]
    workspace.table.sortByColumn(CRITICALITY, Qt.SortOrder.DescendingOrder)
    settle(qtbot)
    assert [(c, n) for c, n, _s in listed(workspace)] == [
        ("C-001", "9.1"), ("C-001", "10"), ("C-003", "1"), ("C-001", "2"), ("C-002", "1"),
        ("C-001", "1"), ("C-002", "2"), ("C-003", "2")]
    choose(workspace.filters.vendor, "Globex Hosting")  # filters and order combine
    settle(qtbot)
    assert [(c, n) for c, n, _s in listed(workspace)] == [("C-002", "1"), ("C-002", "2")]
    workspace.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # report order, backwards
    settle(qtbot)
    assert [(c, n) for c, n, _s in listed(workspace)] == [("C-002", "2"), ("C-002", "1")]
