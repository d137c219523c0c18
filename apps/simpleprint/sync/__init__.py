"""Keeping the mirror in step with SimplyPrint: the webhook registration, the mode (webhooks or polling), polling and reconciliation."""
