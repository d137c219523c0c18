"""Receiving deliveries: the webhook receiver (a view and its ASGI fast path)."""
