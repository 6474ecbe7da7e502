"""The SLA workspace (service managers): compliance, measurements and service credits."""

from app.ui.sla.workspace import SlaWorkspace

__all__ = ["SlaWorkspace"]
