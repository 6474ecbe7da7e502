"""The People page: in-house staff, whether they are still active on the as-of date, what they know.

People with knowledge links are not deleted: setting their leaving date keeps the history and
lets the knowledge report show the clauses they leave behind (SPEC §3).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QWidget

from app.errors import ClausekeeperError
from app.store import portfolio_queries as queries
from app.store.portfolio_queries import PersonRow
from app.ui import undo
from app.ui.context import AppContext
from app.ui.entity_dialogs import LeavingDateDialog, PersonDialog
from app.ui.forms import Column, FormDialog, confirm
from app.ui.vendors_view import RecordListView

NAME, EMAIL, DEPARTMENT, ROLE, LEAVES_ON, STATUS, KNOWLEDGE, OWNED = range(8)


def activity(person: PersonRow, as_of: date) -> str:
    """'active', 'leaves in N days' or 'left' on the as-of date (leaves_on is the last day)."""
    if person.leaves_on is None:
        return "active"
    if person.leaves_on < as_of:
        return "left"
    days = (person.leaves_on - as_of).days
    return "last day today" if days == 0 else f"leaves in {days} days"


class PeopleView(RecordListView):
    """Every person, by name; New, Edit, Set leaving date, Delete."""

    entities = ("*", "Person", "Knowledge", "Contract")
    noun = "person"
    plural = "people"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        columns = [
            Column("Name", lambda r: r.name),
            Column("E-mail", lambda r: r.email),
            Column("Department", lambda r: r.department),
            Column("Role", lambda r: r.role),
            Column("Leaves on", lambda r: r.leaves_on),
            Column("On the as-of date", lambda r: activity(r, self.ctx.as_of)),
            Column("Knowledge links", lambda r: r.knowledge_links, right=True),
            Column("Contracts owned", lambda r: r.contracts_owned, right=True),
        ]
        super().__init__(ctx, columns, "people", parent)
        self.setObjectName("peopleView")
        self.filter_edit.setPlaceholderText("Filter people  (Ctrl+F)")
        header = self.table.horizontalHeader()
        widths = ((NAME, 160), (EMAIL, 230), (DEPARTMENT, 160), (ROLE, 140), (STATUS, 120))
        for column, width in widths:
            header.resizeSection(column, width)
        self.add_button("&New person…", self.new_person)
        self.add_button("&Edit…", self.edit_selected, needs_selection=True)
        self.add_button("Set &leaving date…", self.set_leaving_date, needs_selection=True)
        self.add_button("&Delete", self.delete_selected, needs_selection=True)
        self.add_button("Off-boarding &simulation…", self.open_simulation, writes=False)
        self.export_attestations_button = self.add_button(
            "E&xport attestations…", self.export_attestations, needs_selection=True,
            writes=False)
        self.import_attestations_button = self.add_button(
            "I&mport attestations…", self.import_attestations)
        self._add_takes_panel()
        ctx.as_of_changed.connect(self._as_of_changed)
        self.refresh()

    def _add_takes_panel(self) -> None:
        """What the selected person takes with them, beside the list."""
        from PySide6.QtWidgets import QSplitter

        from app.ui.knowledge.person_panel import TakesWithThemPanel

        self.takes_panel = TakesWithThemPanel(self.ctx, self)
        self.takes_panel.simulate.connect(lambda key: self.open_simulation([key]))
        layout = self.layout()
        index = layout.indexOf(self.table)
        splitter = QSplitter(self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.takes_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.insertWidget(index, splitter, 1)  # type: ignore[attr-defined]
        self.table.selectionModel().selectionChanged.connect(self._person_selected)
        self.proxy.modelReset.connect(self._person_selected)

    def _person_selected(self, *_args: object) -> None:
        person_id = self.selected_id()
        row = self.model.row_of(person_id) if person_id is not None else None
        if row is None:
            self.takes_panel.show_person(None)
            return
        person: PersonRow = self.model.row_at(row)
        self.takes_panel.show_person(person.email or person.name)

    def open_simulation(self, keys: list[str] | None = None) -> QWidget:
        """The off-boarding simulation, with these people (or the selected one) chosen."""
        from PySide6.QtCore import Qt

        from app.ui.knowledge.simulation import SimulationDialog

        if keys is None:
            selected = self.takes_panel.person_key
            keys = [selected] if selected else []
        dialog = SimulationDialog(self.ctx, keys, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def export_attestations(self) -> QWidget:
        """The attestation workbook of the selected person (before an appraisal or an
        off-boarding); the dialog can switch to everyone."""
        from app.ui.knowledge.attestations import open_export

        return open_export(self, self.ctx, self.takes_panel.person_key)

    def import_attestations(self) -> QWidget | None:
        from app.ui.knowledge.attestations import open_import

        return open_import(self, self.ctx)

    def _as_of_changed(self, _as_of: date) -> None:
        self.refresh()

    def load(self) -> list[Any]:
        with self.ctx.session() as session:
            return list(queries.person_rows(session))

    def new_person(self) -> FormDialog:
        return self.open_dialog(PersonDialog(self.ctx, None, self))

    def edit_selected(self) -> FormDialog | None:
        person_id = self.selected_id()
        if person_id is None:
            return None
        return self.open_dialog(PersonDialog(self.ctx, person_id, self))

    def set_leaving_date(self) -> FormDialog | None:
        person_id = self.selected_id()
        if person_id is None:
            return None
        return self.open_dialog(LeavingDateDialog(self.ctx, person_id, self))

    def delete_selected(self) -> bool:
        person_id = self.selected_id()
        if person_id is None:
            return False
        row: PersonRow = self.model.row_at(self.model.row_of(person_id) or 0)
        if row.knowledge_links:
            from app.ui.workers import show_error

            show_error(
                self,
                ClausekeeperError(
                    f"{row.name} still knows {row.knowledge_links} clause(s): "
                    "set a leaving date instead, so the knowledge history stays"
                ),
            )
            return False
        text = f"Delete {row.name}?"
        if row.contracts_owned:
            text += f"\n\nThe {row.contracts_owned} contract(s) they manage will have no owner."
        if not confirm(self, "Delete person", text):
            return False
        return self.run(undo.DeleteCommand(self.ctx, undo.PERSON, person_id))
