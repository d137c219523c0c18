"""The one door to SimplyPrint's API: the client, the rate limit shared by every process, call accounting, and the Redis helpers they use."""
