"""The one door to SimplyPrint's API: the client, the shared rate limit, call accounting."""
