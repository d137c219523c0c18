"""Keeping the mirror in step: webhook registration, the mode, polling and reconciliation."""
