"""Knowledge continuity in the knowledge workspace (SPEC §3a, §5): the forecast chart, the
successors of the selected clause and their actions, the succession plan, and the attestation
workbooks exported and read back through the dialogs.

The portfolio is test_knowledge_workspace's (as of 2026-01-15). Its successors:
  C-001 §1   single    -> Bob learn
  C-001 §9.1 orphaned  -> Ann learn (load 7), Bob learn (load 8)
  C-001 §10  at_risk   -> Ann learn, Bob learn (Dan leaves within the window)
  C-002 §1   single    -> nobody (needs someone from outside the team)
  C-002 §2   orphaned  -> Cat reverify (her link is stale), Bob learn
  C-003 §1   single    -> nobody
  C-003 §2   orphaned  -> Ann deepen (level 1), Cat learn
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from app.services.continuity import forecast_json, successors_json
from app.store.models import AuditLog, Clause, Knowledge, Person
from app.ui.context import AppContext
from app.ui.knowledge import KnowledgeWorkspace
from app.ui.knowledge.attestations import ExportAttestationsDialog, ImportAttestationsDialog
from app.ui.knowledge.matrix_model import FIRST_PERSON
from app.ui.knowledge.successors import NAME, SuccessorsPanel
from tests.ui import test_knowledge_workspace as knowledge
from tests.ui.conftest import AS_OF, open_dialogs, save_path_patch
from tests.ui.test_knowledge_workspace import listed, settle, statuses

pytestmark = pytest.mark.usefixtures("qapp")
kctx = knowledge.kctx  # the fixtures of the knowledge workspace's tests: the same portfolio
workspace = knowledge.workspace


def continuity(view: KnowledgeWorkspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Open the "Forecast and successors" tab and wait for both to be computed."""
    with qtbot.waitSignals([view.forecast.loaded, view.successors.loaded], timeout=10_000):
        view.show_continuity()
    settle(qtbot)


def pick(view: KnowledgeWorkspace, contract: str, number: str) -> None:
    row = next(i for i, r in enumerate(listed(view)) if r[:2] == (contract, number))
    view.select_row(row)


def showing(panel: SuccessorsPanel, contract: str, number: str) -> bool:
    """The panel describes this clause, and it is listed (it has a candidate list)."""
    clause = panel.clause
    return (clause is not None and (clause.contract, clause.number) == (contract, number)
            and panel.candidates is not None)


def shown_candidates(panel: SuccessorsPanel) -> list[dict[str, Any]]:
    """The candidates as the panel shows them, with the values behind the text."""
    assert panel.candidates is not None and panel.result is not None
    model = panel.model
    names = [model.item(r, NAME).text() for r in range(model.rowCount())]
    people = panel.result.people
    shown = [
        {"name": people[k.person_id].name, "email": people[k.person_id].email,
         "action": k.action, "level": k.level, "load": k.load}
        for k in panel.candidates
    ]
    assert names == [c["name"] for c in shown]
    return shown


def link(ctx: AppContext, name: str, contract: str, number: str) -> tuple[int, date] | None:
    with ctx.session() as session:
        row = session.execute(
            select(Knowledge.level, Knowledge.verified_on).join(Knowledge.person)
            .join(Knowledge.clause).where(
                Person.name == name, Clause.number == number,
                Clause.contract.has(reference=contract))
        ).one_or_none()
    return None if row is None else (row[0], row[1])


# --- the forecast ---------------------------------------------------------------------------


def test_the_forecast_waits_for_its_tab_then_charts_what_forecast_json_answers(
    workspace: KnowledgeWorkspace, kctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    assert workspace.forecast.points == [] and workspace.successors.result is None
    continuity(workspace, qtbot)
    forecast = workspace.forecast

    def check(as_of: date) -> None:
        with kctx.session() as session:
            expected = forecast_json(session, as_of)["points"]
        assert len(expected) == 13 and expected[0]["date"] == as_of.isoformat()
        assert forecast.points == expected
        line = forecast.coverage_series.points()  # exact; the JSON has 4 places
        assert [p.x() for p in line] == list(range(13))
        assert all(abs(p.y() - e["coverage"] * 100) <= 0.005 for p, e in zip(
            line, expected, strict=True))
        bars = forecast.orphaned_set
        assert [bars.at(i) for i in range(bars.count())] == [
            e["orphaned_critical"] for e in expected]
        assert forecast.x_axis.count() == 13
        table = forecast.model
        assert [table.item(r, 0).text() for r in range(table.rowCount())] == [
            e["date"] for e in expected]
        shown = [float(table.item(r, 1).text().removesuffix(" %"))
                 for r in range(table.rowCount())]
        assert all(abs(v - e["coverage"] * 100) <= 0.055 for v, e in zip(
            shown, expected, strict=True))

    check(AS_OF)
    first = forecast.points[0]
    # today 3 orphaned (9.1, C-002 §2, C-003 §2), one of them critical; Dan leaves 2026-02-01,
    # so at the end of February C-001 §10 (criticality 5) is orphaned as well
    assert (first["orphaned"], first["orphaned_critical"]) == (3, 1)
    assert forecast.points[1]["date"] == "2026-02-28"
    assert forecast.points[1]["orphaned_critical"] == 2
    assert "orphaned critical clauses 1 → " in forecast.summary.text()

    forecast.as_table.setChecked(True)
    assert forecast.stack.currentWidget() is forecast.table
    with qtbot.waitSignal(forecast.loaded, timeout=10_000):
        kctx.set_as_of(date(2026, 3, 10))
    check(date(2026, 3, 10))
    with qtbot.waitSignal(forecast.loaded, timeout=10_000):
        with kctx.session() as session:  # another desk changes the knowledge
            cat = session.scalars(select(Person).where(Person.name == "Cat")).one()
            cat.leaves_on = date(2026, 6, 30)
        kctx.changed("Person")
    check(date(2026, 3, 10))


# --- successors -----------------------------------------------------------------------------


def test_selecting_a_clause_shows_its_successors_as_the_command_lists_them(
    workspace: KnowledgeWorkspace, kctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    continuity(workspace, qtbot)
    panel = workspace.successors
    with kctx.session() as session:
        whole = successors_json(session, AS_OF)["plan"]
        for contract in ("C-001", "C-002", "C-003"):
            data = successors_json(session, AS_OF, contract)
            for clause in data["clauses"]:
                pick(workspace, contract, clause["number"])
                wanted = (contract, clause["number"])
                qtbot.waitUntil(lambda w=wanted: panel.clause is not None
                                and (panel.clause.contract, panel.clause.number) == w,
                                timeout=5000)
                assert shown_candidates(panel) == clause["candidates"], clause
                assert f"{contract} §{clause['number']}" in panel.heading.text()
                if not clause["candidates"]:
                    assert not panel.table.isVisible()
                    assert "someone from outside the team" in panel.note.text()
            plan = data["plan"]
            figures = next(c for c in plan["contracts"] if c["reference"] == contract)
            assert (f"{contract}: coverage {figures['coverage_before'] * 100:.1f} % → "
                    f"{figures['coverage_after'] * 100:.1f} %, truck factor "
                    f"{figures['truck_factor_before']} → {figures['truck_factor_after']}"
                    ) in panel.plan.text()
            assert figures in whole["contracts"]
            # the portfolio's figures are those of the plan for every listed clause
            assert (f"portfolio: coverage {whole['coverage_before'] * 100:.1f} % → "
                    f"{whole['coverage_after'] * 100:.1f} %, truck factor "
                    f"{whole['truck_factor_before']} → {whole['truck_factor_after']}"
                    ) in panel.plan.text()

    pick(workspace, "C-001", "9.1")
    qtbot.waitUntil(lambda: panel.clause is not None and panel.clause.number == "9.1",
                    timeout=5000)
    assert [panel.model.item(r, 1).text() for r in range(2)] == [
        "Learn: knows this contract"] * 2
    assert [panel.buttons[r].text() for r in range(2)] == ["Add as owner"] * 2
    pick(workspace, "C-001", "2")  # covered: nobody is needed
    qtbot.waitUntil(lambda: panel.clause is not None and panel.clause.number == "2",
                    timeout=5000)
    assert panel.candidates is None and "no successor is needed" in panel.note.text()

    # a clause chosen in the matrix is described too
    workspace.lower_tabs.setCurrentIndex(0)
    settle(qtbot)
    assert workspace.matrix.select_cell("10", "Dan")
    assert panel.clause is not None and panel.clause.number == "10"


def test_adding_a_learn_candidate_as_owner_shows_in_the_matrix_and_undo_takes_it_back(
    workspace: KnowledgeWorkspace, kctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    continuity(workspace, qtbot)
    panel = workspace.successors
    pick(workspace, "C-001", "9.1")
    qtbot.waitUntil(lambda: showing(panel, "C-001", "9.1"), timeout=5000)
    assert shown_candidates(panel)[0]["name"] == "Ann"
    before = workspace.forecast.points[0]["coverage"]
    with qtbot.waitSignals([panel.loaded, workspace.forecast.loaded], timeout=10_000):
        qtbot.mouseClick(panel.buttons[0], Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert link(kctx, "Ann", "C-001", "9.1") == (2, AS_OF)  # the understanding level
    assert kctx.undo_stack.undoText() == "Add Ann to C-001 §9.1"
    assert ("C-001", "9.1", "single") in listed(workspace)
    assert panel.result is not None and panel.result.status(panel.clause.clause_id) == (  # type: ignore[union-attr]
        "single", None)  # and Bob could learn it too
    assert [c["name"] for c in shown_candidates(panel)] == ["Bob"]
    assert workspace.forecast.points[0]["coverage"] > before
    with kctx.session() as session:
        assert workspace.forecast.points == forecast_json(session, AS_OF)["points"]

    workspace.lower_tabs.setCurrentIndex(0)  # the matrix follows
    settle(qtbot)
    matrix = workspace.matrix
    assert statuses(matrix)["9.1"] == "single"
    model = matrix.model
    assert model.matrix is not None
    row = next(r for r, c in enumerate(model.matrix.clauses) if c.number == "9.1")
    ann = FIRST_PERSON + [p.name for p in model.matrix.people].index("Ann")
    assert model.index(row, ann).data() == "2"

    kctx.undo_stack.undo()
    settle(qtbot)
    assert link(kctx, "Ann", "C-001", "9.1") is None
    assert statuses(matrix)["9.1"] == "orphaned"
    assert model.index(row, ann).data() is None
    assert ("C-001", "9.1", "orphaned") in listed(workspace)


def test_reverify_and_deepen_candidates(
    workspace: KnowledgeWorkspace, kctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    continuity(workspace, qtbot)
    panel = workspace.successors
    pick(workspace, "C-002", "2")
    qtbot.waitUntil(lambda: showing(panel, "C-002", "2"), timeout=5000)
    assert panel.buttons[0].text() == "Re-verify"
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        qtbot.mouseClick(panel.buttons[0], Qt.MouseButton.LeftButton)
    assert link(kctx, "Cat", "C-002", "2") == (2, AS_OF)  # the level stays, checked today
    assert kctx.undo_stack.undoText() == "Re-verify Cat on C-002 §2"
    settle(qtbot)

    pick(workspace, "C-003", "2")
    qtbot.waitUntil(lambda: showing(panel, "C-003", "2"), timeout=5000)
    button = panel.buttons[0]
    assert button.text() == "Set level…"
    menu = button.menu()  # type: ignore[attr-defined]
    assert [a.text() for a in menu.actions()] == [
        "2 — understands it", "3 — can apply and enforce it", "4 — can renegotiate it"]
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        menu.actions()[1].trigger()
    assert link(kctx, "Ann", "C-003", "2") == (3, AS_OF)
    assert kctx.undo_stack.undoText() == "Set level 3: Ann on C-003 §2"
    settle(qtbot)
    assert ("C-003", "2", "single") in listed(workspace)


# --- attestation workbooks ------------------------------------------------------------------


def _rows(path: Path) -> list[dict[str, Any]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["Attestations"].iter_rows(values_only=True))
    wb.close()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _fill(path: Path, values: dict[str, tuple[Any, Any]]) -> None:
    """Write new_level and confirmed_on in the rows of these clauses (contract §number)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Attestations"]
    header = [cell.value for cell in ws[1]]
    for row in ws.iter_rows(min_row=2):
        cells = dict(zip(header, row, strict=True))
        key = f"{cells['contract'].value} §{cells['clause'].value}"
        if key in values:
            cells["new_level"].value, cells["confirmed_on"].value = values[key]
    wb.save(path)


def _knowledge_audit(ctx: AppContext) -> list[tuple[str, str]]:
    with ctx.session() as session:
        return [(key, action) for key, action in session.execute(
            select(AuditLog.entity_key, AuditLog.action).where(AuditLog.entity == "Knowledge")
            .order_by(AuditLog.id))]


def _export_for(view: Any, qtbot, monkeypatch, path: Path, key: str) -> None:  # type: ignore[no-untyped-def]
    save_path_patch(monkeypatch, path)
    (dialog,) = [d for d in view.findChildren(ExportAttestationsDialog) if d.isVisible()]
    dialog.one_person.setChecked(True)
    dialog.picker.search.setText(key.split("@")[0])
    dialog.picker.list.setCurrentIndex(dialog.picker.proxy.index(0, 0))
    assert dialog.person_key() == key and dialog.within.value() == 90
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    settle(qtbot)


def test_export_for_one_person_fill_it_and_import_it(
    workspace: KnowledgeWorkspace, kctx: AppContext, qtbot,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    path = tmp_path / "ann.xlsx"
    qtbot.mouseClick(workspace.export_attestations_button, Qt.MouseButton.LeftButton)
    _export_for(workspace, qtbot, monkeypatch, path, "ann@x")
    assert path.exists()
    notes = [d for d in open_dialogs() if d.objectName() == "summaryDialog"]
    assert notes and str(path) in notes[0].text()
    for note in notes:
        note.close()
    rows = _rows(path)
    assert [(r["person"], r["contract"], r["clause"], r["action"]) for r in rows] == [
        ("ann@x", "C-001", "9.1", "learn"), ("ann@x", "C-001", "10", "learn"),
        ("ann@x", "C-003", "2", "deepen")]

    _fill(path, {"C-001 §9.1": (3, date(2026, 1, 12)), "C-003 §2": (0, None)})
    audit_before = len(_knowledge_audit(kctx))
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    qtbot.mouseClick(workspace.import_attestations_button, Qt.MouseButton.LeftButton)
    (dialog,) = workspace.findChildren(ImportAttestationsDialog)
    qtbot.waitUntil(lambda: dialog.preview is not None or bool(dialog.problems), timeout=10_000)
    assert dialog.problems == []
    text = dialog.status.text()
    assert "2 filled rows are valid" in text
    assert "create <b>1</b> links, update <b>0</b>, remove <b>1</b>" in text
    assert dialog.lines.toPlainText().splitlines() == [
        "ann@x @ C-001 §9.1: new link, level 3, verified 2026-01-12",
        "ann@x @ C-003 §2: level 1, verified 2025-06-01 → removed",
    ]
    assert link(kctx, "Ann", "C-001", "9.1") is None  # the dry run wrote nothing
    assert len(_knowledge_audit(kctx)) == audit_before
    assert dialog.import_button.isEnabled()

    with qtbot.waitSignal(dialog.imported, timeout=10_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert "1 links created, 0 updated, 1 removed" in dialog.status.text()
    assert link(kctx, "Ann", "C-001", "9.1") == (3, date(2026, 1, 12))
    assert link(kctx, "Ann", "C-003", "2") is None
    assert _knowledge_audit(kctx)[audit_before:] == [
        ("ann@x @ C-003 §2", "delete"), ("ann@x @ C-001 §9.1", "insert")]
    assert ("C-001", "9.1", "single") in listed(workspace)  # the list followed
    dialog.close()


def test_a_bad_workbook_shows_its_problems_and_changes_nothing(
    kctx: AppContext, qtbot, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    from app.ui.people_view import PeopleView

    people = PeopleView(kctx)
    qtbot.addWidget(people)
    people.show()
    names = [people.model.row_at(r).name for r in range(people.model.rowCount())]
    people.table.selectRow(names.index("Cat"))
    qtbot.waitUntil(lambda: people.takes_panel.person_key == "cat@x", timeout=5000)
    assert people.export_attestations_button.isEnabled()
    path = tmp_path / "cat.xlsx"
    save_path_patch(monkeypatch, path)
    dialog = people.export_attestations()
    assert isinstance(dialog, ExportAttestationsDialog)
    assert dialog.one_person.isChecked() and dialog.person_key() == "cat@x"
    dialog.export()
    settle(qtbot)
    assert [(r["contract"], r["clause"], r["action"]) for r in _rows(path)] == [
        ("C-002", "2", "reverify")]
    for note in open_dialogs():
        note.close()

    _fill(path, {"C-002 §2": (7, None)})
    before = link(kctx, "Cat", "C-002", "2")
    audit = _knowledge_audit(kctx)
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    importer = people.import_attestations()
    assert isinstance(importer, ImportAttestationsDialog)
    qtbot.waitUntil(lambda: bool(importer.problems), timeout=10_000)
    assert importer.problems == ["Attestations!2 new_level: 7 is not a level (0 to 4)"]
    assert "1 problem" in importer.status.text()
    assert importer.lines.toPlainText() == importer.problems[0]
    assert not importer.import_button.isEnabled()
    assert importer.apply() is None
    settle(qtbot)
    assert link(kctx, "Cat", "C-002", "2") == before
    assert _knowledge_audit(kctx) == audit
    with kctx.session() as session:
        assert session.scalar(select(func.count()).select_from(Knowledge)) == 8
    importer.close()
    people.close()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen: a tooltip window
def test_a_point_of_the_forecast_tells_its_figures_when_hovered(
    workspace: KnowledgeWorkspace, qtbot  # type: ignore[no-untyped-def]
) -> None:
    from PySide6.QtWidgets import QToolTip

    from app.ui.knowledge.forecast import axis_top

    continuity(workspace, qtbot)
    forecast = workspace.forecast
    series = forecast.bar_series
    series.hovered.emit(True, 1, forecast.orphaned_set)  # the bar of the end of February
    assert QToolTip.isVisible()
    assert QToolTip.text().splitlines()[0] == "2026-02-28"
    assert "2 orphaned critical · 4 orphaned" in QToolTip.text()
    series.hovered.emit(False, 1, forecast.orphaned_set)
    qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=2000)
    assert forecast.orphaned_axis.max() == axis_top(2) == 5
    assert [axis_top(n) for n in (0, 12, 47, 230, 241)] == [5, 15, 50, 250, 300]


def test_the_sequencer_waits_for_the_list_then_runs_one_at_a_time(
    ctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    import time

    from app.ui import workers
    from app.ui.knowledge.sequencer import Sequencer

    held = [True]
    started: list[str] = []
    sequencer = Sequencer(lambda: held[0], ("successors", "forecast"))

    def start(name: str) -> workers.Op:
        started.append(name)
        return workers.run_query(None, ctx, lambda _s: time.sleep(0.05), lambda _r: None)

    sequencer.submit("forecast", lambda: start("forecast"))
    sequencer.submit("successors", lambda: start("successors"))
    sequencer.submit("forecast", lambda: start("forecast"))  # once, not twice
    qtbot.wait(30)
    assert started == [] and sequencer.busy
    held[0] = False
    sequencer.release()
    assert started == ["successors"]  # by priority, and alone
    qtbot.waitUntil(lambda: started == ["successors", "forecast"], timeout=5000)
    assert workers.wait_for_ops(10)
    assert not sequencer.busy and started == ["successors", "forecast"]


def test_an_empty_database_has_a_forecast_of_nothing(
    empty_ctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    view = KnowledgeWorkspace(empty_ctx)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    continuity(view, qtbot)
    forecast = view.forecast
    assert len(forecast.points) == 13 and all(p["clauses"] == 0 for p in forecast.points)
    assert forecast.coverage_series.count() == 0  # coverage is undefined: no line
    assert "coverage — → —" in forecast.summary.text()
    assert view.successors.note.text() == "Select a clause to see who could take it over."
    assert "0 clauses" in view.successors.plan.text()
    view.close()
