"""The desktop application (PySide6 only): windows, dialogs, Qt models, workers. No business rules."""
