"""The import wizard: bring an existing register in (SPEC §5), checked before it is written."""

from app.ui.import_wizard.wizard import (
    DRY_RUN,
    MAPPING,
    PREVIEW,
    SOURCE,
    ImportWizard,
    open_import_wizard,
)

__all__ = ["DRY_RUN", "MAPPING", "PREVIEW", "SOURCE", "ImportWizard", "open_import_wizard"]
