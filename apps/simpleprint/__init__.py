"""The SimplyPrint integration: webhooks in, the mirrored farm, live pages out (the brief's ``apps.simpleprint``)."""
