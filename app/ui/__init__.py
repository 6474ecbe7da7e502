"""The desktop application (PySide6 only): windows, dialogs, Qt models, workers.

No business rules here: they live in app.core and are reached through app.services and app.store.
"""
