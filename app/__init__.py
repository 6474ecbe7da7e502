"""Clausekeeper: outsourcing contracts under control."""

__version__ = "0.1.0"
