"""The IT lead's knowledge workspace (SPEC §3): the portfolio's clause list, the matrix of a
contract or vendor with in-place editing, what a person takes with them, and the off-boarding
simulation."""

from app.ui.knowledge.workspace import KnowledgeWorkspace

__all__ = ["KnowledgeWorkspace"]
