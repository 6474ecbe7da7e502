"""The password of a database server, asked for when the server wants one.

Clausekeeper never stores a password (app.ui.settings_store remembers URLs without one). When
PostgreSQL refuses a connection for a missing or wrong password, the window asks for it here and
connects with it; the password then lives only in the open connection's memory. A password in
~/.pgpass or a libpq service file is found by the driver itself and this dialog never shows.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

# what libpq says when it has no password or a wrong one
_PASSWORD_MESSAGES = (
    "wrong or missing password",  # app.store.engine.connection_problem
    "password authentication failed",
    "no password supplied",
    "password is required",
    "password required",
)


def needs_password(exc: BaseException) -> bool:
    """The server refused the connection for a missing or wrong password."""
    text = " ".join([str(exc), *getattr(exc, "problems", [])]).lower()
    return any(message in text for message in _PASSWORD_MESSAGES)


def with_password(target: str, password: str) -> str:
    """The database URL with this password (for connecting only: never shown or stored)."""
    from sqlalchemy.engine import make_url

    return make_url(target).set(password=password).render_as_string(hide_password=False)


def server_of(target: str) -> tuple[str, str]:
    """(user, host) named by a database URL ("" when it names none)."""
    from sqlalchemy.engine import make_url

    url = make_url(target)
    return url.username or "", url.host or "localhost"


class PasswordDialog(QDialog):
    """Asks for the password of a database user (typed characters are not shown)."""

    def __init__(self, target: str, retry: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passwordDialog")
        self.setWindowTitle("Database password")
        user, host = server_of(target)
        who = f"the user {user}" if user else "your user"
        layout = QVBoxLayout(self)
        text = (f"The server {host} refused the password for {who}. Try again:" if retry
                else f"The server {host} asks for the password of {who}:")
        self.message = QLabel(text, self)
        self.message.setObjectName("passwordMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("passwordEdit")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.edit)
        note = QLabel("Clausekeeper keeps it only while the database is open; it is never "
                      "saved. (A password in ~/.pgpass is used without asking.)", self)
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout.addWidget(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(420, self.sizeHint().height())
        self.edit.setFocus()

    def password(self) -> str:
        return self.edit.text()


def ask_password(target: str, retry: bool, parent: QWidget | None = None) -> str | None:
    """The password typed, or None when the user cancelled."""
    dialog = PasswordDialog(target, retry, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.password()
