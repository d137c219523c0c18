"""The vocabulary: SimplyPrint's event catalogue and the one registry of how each event is applied, the delivery envelope, sample deliveries."""
