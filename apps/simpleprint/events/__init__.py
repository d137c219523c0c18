"""The vocabulary: the registry of SimplyPrint's events, the delivery envelope, samples."""
