"""Alerts for people away from the page (failures, AI flags, offline printers, items awaiting
approval), sent through Apprise (``PRINTFARM_NOTIFY_URLS``) after the change commits."""
