"""Dialogs for vendors and people: their SPEC §1 fields, validated as the user types."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.store import portfolio_actions as actions
from app.ui import undo
from app.ui.context import AppContext
from app.ui.forms import DateField, FormDialog, combo


def _notes(parent: QWidget) -> QPlainTextEdit:
    notes = QPlainTextEdit(parent)
    notes.setTabChangesFocus(True)
    notes.setFixedHeight(80)
    return notes


def countries() -> list[tuple[str, str]]:
    """(ISO 3166-1 alpha-2 code, English name) of every country Qt knows, by name."""
    found: dict[str, str] = {}
    for territory in QLocale.Country:
        code = QLocale.territoryToCode(territory)
        if len(code) == 2 and code.isalpha() and code.isupper():
            found.setdefault(code, QLocale.territoryToString(territory))
    return sorted(found.items(), key=lambda item: item[1])


def country_combo(parent: QWidget | None = None) -> QComboBox:
    """A country picked from a list ("DE — Germany"), stored as its ISO code."""
    box = combo([("", "(none)")] + [(code, f"{code} — {name}") for code, name in countries()],
                parent)
    box.setMaxVisibleItems(20)
    return box


class VendorDialog(FormDialog):
    """Add or edit a vendor (the name is unique)."""

    def __init__(
        self, ctx: AppContext, vendor_id: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__("New vendor" if vendor_id is None else "Edit vendor", parent)
        self.setObjectName("vendorDialog")
        self.ctx = ctx
        self.vendor_id = vendor_id
        layout = QVBoxLayout(self)
        fields = QFormLayout()
        form = self.form
        form.add(fields, "name", "Name", QLineEdit(self))
        form.add(fields, "country", "Country", country_combo(self),
                 "The vendor's country as an ISO 3166 code, picked from the list")
        form.add(fields, "contact_name", "Contact", QLineEdit(self))
        form.add(fields, "contact_email", "Contact e-mail", QLineEdit(self))
        form.add(fields, "notes", "Notes", _notes(self))
        values = None
        if vendor_id is not None:
            with ctx.session() as session:
                values = actions.vendor_values(session, vendor_id)
                self.read_version(session)
        self.finish_layout(layout, fields, values, existing=vendor_id is not None, width=460)

    def versioned(self) -> tuple[undo.Kind, int] | None:
        return None if self.vendor_id is None else (undo.VENDOR, self.vendor_id)

    def problems(self) -> dict[str, str]:
        parsed = actions.parse_vendor(self.form.values())
        problems = dict(parsed.problems)
        if "name" not in problems:
            with self.ctx.session() as session:
                problems.update(actions.vendor_key_problems(session, parsed.values, self.vendor_id))
        return problems

    def save(self) -> None:
        if self.vendor_id is None:
            command = undo.CreateCommand(self.ctx, undo.VENDOR, self.form.values())
            undo.execute(self.ctx, command)
            self.vendor_id = command.record_id
        elif self.form.is_dirty():
            self.save_changes(undo.VENDOR, self.vendor_id, self.form.changed_values())


class PersonDialog(FormDialog):
    """Add or edit a person (the key, e-mail or else name, is unique)."""

    def __init__(
        self, ctx: AppContext, person_id: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__("New person" if person_id is None else "Edit person", parent)
        self.setObjectName("personDialog")
        self.ctx = ctx
        self.person_id = person_id
        layout = QVBoxLayout(self)
        fields = QFormLayout()
        form = self.form
        form.add(fields, "name", "Name", QLineEdit(self))
        form.add(
            fields,
            "email",
            "E-mail",
            QLineEdit(self),
            "A person is known by their e-mail, or by their name when they have none",
        )
        form.add(fields, "department", "Department", QLineEdit(self))
        form.add(fields, "role", "Role", QLineEdit(self))
        form.add(
            fields,
            "leaves_on",
            "Leaves on",
            DateField(self),
            "The last working day; empty while the person stays",
        )
        form.add(fields, "notes", "Notes", _notes(self))
        values = None
        if person_id is not None:
            with ctx.session() as session:
                values = actions.person_values(session, person_id)
                self.read_version(session)
        self.finish_layout(layout, fields, values, existing=person_id is not None, width=460)

    def versioned(self) -> tuple[undo.Kind, int] | None:
        return None if self.person_id is None else (undo.PERSON, self.person_id)

    def problems(self) -> dict[str, str]:
        parsed = actions.parse_person(self.form.values())
        problems = dict(parsed.problems)
        if "name" not in problems and "email" not in problems:
            with self.ctx.session() as session:
                problems.update(actions.person_key_problems(session, parsed.values, self.person_id))
        return problems

    def save(self) -> None:
        if self.person_id is None:
            command = undo.CreateCommand(self.ctx, undo.PERSON, self.form.values())
            undo.execute(self.ctx, command)
            self.person_id = command.record_id
        elif self.form.is_dirty():
            self.save_changes(undo.PERSON, self.person_id, self.form.changed_values())


class LeavingDateDialog(FormDialog):
    """Set or clear a person's last working day (their knowledge stops counting after it)."""

    def __init__(self, ctx: AppContext, person_id: int, parent: QWidget | None = None) -> None:
        super().__init__("Set leaving date", parent)
        self.setObjectName("leavingDateDialog")
        self.ctx = ctx
        self.person_id = person_id
        with ctx.session() as session:
            values = actions.person_values(session, person_id)
            self.read_version(session)
        self.person_name = values["name"]
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>{values['name']}</b> stays active up to and including this day; after it, "
            "their knowledge no longer covers any clause. Leave it empty when they stay.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        fields = QFormLayout()
        self.form.add(fields, "leaves_on", "Last working day", DateField(self))
        layout.addLayout(fields)
        layout.addWidget(self.form.form_error)
        self.place_conflict_panel(layout)
        layout.addWidget(self.buttons)
        self.form.set_values({"leaves_on": values["leaves_on"]})
        self.form.touch_all()
        self.resize(420, self.sizeHint().height())
        self.revalidate()

    def versioned(self) -> tuple[undo.Kind, int] | None:
        return undo.PERSON, self.person_id

    def take_stored(self, values: Mapping[str, str], version: int | None) -> None:
        super().take_stored({"leaves_on": values.get("leaves_on", "")}, version)

    def problems(self) -> dict[str, str]:
        return actions.parse_person(self.form.values(), partial=True).problems

    def save(self) -> None:
        if self.form.is_dirty():
            self.save_changes(undo.PERSON, self.person_id, self.form.values(),
                              f"Set leaving date of {self.person_name}")
