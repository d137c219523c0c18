"""The SimplyPrint integration (the brief's ``apps.simpleprint``): webhooks in, live pages out."""
